"""AsyncTable: :class:`~singletable.table.Table` on asyncio, with the same names, arguments, results and
errors; every call that talks to DynamoDB is awaited.

The same pure steps build and read each request (:mod:`singletable.ops`, :class:`~singletable.query.Pager`,
the batch and transaction exchanges); only the sending differs: ``await`` on an async transport
(:mod:`singletable.transport.aio` by default: aiohttp under botocore's credentials, SigV4 and retries).

>>> async with AsyncTable(TableSpec(), endpoint_url="http://127.0.0.1:8000", entities=[User]) as table:
...     await table.put(User(user_id="1", name="Ada", email="ada@example.com"))
...     async for order in table.query(UserOrder, user_id="1"):
...         ...

``dry_run=True`` needs no I/O, but the call is still a coroutine: ``await table.put(e, dry_run=True)``
returns the :class:`~singletable.request.Request` that would be sent, as ``Table.put`` does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar, overload

from typing_extensions import deprecated

from singletable import aio_bulk, batch
from singletable import transactions as tx_helpers
from singletable.arguments import check_names, key_fields, keyword_options
from singletable.batch import Backoff, BatchResult
from singletable.bulk import BulkReport
from singletable.capacity import CapacityLedger
from singletable.client import RetryMode
from singletable.codec import Item, deserialize
from singletable.cursor import CursorBinding
from singletable.errors import ConditionFailedError, ItemNotFoundError
from singletable.expressions import Condition, Update
from singletable.expressions.check import check_condition
from singletable.model import Entity, update_args
from singletable.ops import delete as delete_op
from singletable.ops import get as get_op
from singletable.ops import put as put_op
from singletable.ops import update as update_op
from singletable.query import Page, Query, SortKey, check_reverse, collection_partition, entity_query
from singletable.request import Request
from singletable.results import Collection, Projected
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transactions import TransactBuilder, TransactResult
from singletable.transport import AsyncTransport, adrive
from singletable.transport.factory import async_transport

if TYPE_CHECKING:
    from singletable.transport.factory import OwnedAsyncTransport

__all__ = ["AsyncQuery", "AsyncTable", "AsyncTransactWrite", "create_together", "delete_partition"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")


class AsyncQuery(Generic[T]):
    """A lazy Query (or Scan) read on an event loop: ``async for item in q``, ``async for page in
    q.pages()``, ``await q.all()``, ``await q.first()``; ``q.request()`` is the dry run and ``q.cursor``
    resumes after the last item handed out, exactly as for :class:`~singletable.query.Query`."""

    __slots__ = ("query", "transport")

    def __init__(self, query: Query[T], transport: AsyncTransport) -> None:
        #: The query itself (built and validated by :meth:`Query.build`, paged by its ``Pager``).
        self.query = query
        self.transport = transport

    @property
    def cursor(self) -> str | None:
        return self.query.cursor

    @property
    def limit(self) -> int | None:
        return self.query.limit

    @property
    def binding(self) -> CursorBinding | None:
        """What this query's cursors are bound to (see :mod:`singletable.cursor`)."""
        return self.query.binding

    def request(self) -> Request:
        """The first request this query would send (dry run)."""
        return self.query.request()

    def encode_cursor(self, key: Item) -> str:
        """An opaque cursor resuming this query after ``key``."""
        return self.query.encode_cursor(key)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Pages as DynamoDB returns them (expired and foreign items dropped), lazily."""
        pager = self.query.pager()
        send = self.transport.send
        while (step := pager.next_request()) is not None:
            yield pager.receive(await send(step.request, key_names=step.key_names))

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def all(self) -> list[T]:
        return [item async for item in self]

    async def first(self) -> T | None:
        q = self.query
        q.limit = 1 if q.limit is None else min(q.limit, 1)
        async for item in self:
            return item
        return None


class AsyncTransactWrite(TransactBuilder):
    """A TransactWriteItems builder on asyncio: the same ``put`` / ``update`` / ``delete`` /
    ``condition_check`` as :class:`~singletable.transactions.TransactWrite`, then ``await commit()`` or
    ``async with`` (commits on a clean exit)."""

    def __init__(
        self,
        table: AsyncTable,
        *,
        token: str | None = None,
        pattern: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(table.schema, token=token, pattern=pattern, backoff=backoff)
        self.table = table

    async def commit(self) -> TransactResult:
        """Send the transaction; retried with the same token on transient errors and conflicts."""
        if self.committed is not None:
            return self.committed
        return await adrive(self.commit_exchange(), self.table.transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and self.actions:
            await self.commit()


class AsyncTable:
    """One DynamoDB table holding many entities, used from asyncio.

    >>> table = AsyncTable(TableSpec(), endpoint_url="http://127.0.0.1:8000", entities=[User, Order])

    The settings are :class:`~singletable.table.Table`'s (boto3's credential chain, ``profile``,
    ``region``, ``retry_mode``, ``max_attempts``); ``transport=`` sends through another async transport
    instead. Construction reads config files (as boto3 does): make tables at start-up, not per request.
    ``async with AsyncTable(...)`` (or ``await table.close()``) closes the transport the table made; one
    passed in stays its owner's to close. The table belongs to the event loop that first uses it.
    """

    def __init__(
        self,
        spec: TableSpec | str | None = None,
        *,
        transport: AsyncTransport | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        entities: Iterable[type[Entity]] = (),
        ledger: CapacityLedger | None = None,
        hide_expired: bool = True,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
    ) -> None:
        table_spec = spec if isinstance(spec, TableSpec) else TableSpec(name=spec) if spec else TableSpec()
        #: What the table knows without I/O: the same :class:`Schema` a sync Table holds.
        self.schema = Schema(table_spec, entities=entities, ledger=ledger, hide_expired=hide_expired)
        self._owned: OwnedAsyncTransport | None = None
        if transport is None:
            # The lean async transport when it can honour the settings, else aiohttp's (an extra).
            self._owned = async_transport(
                endpoint_url=endpoint_url,
                region=region,
                profile=profile,
                retry_mode=retry_mode,
                max_attempts=max_attempts,
            )
            transport = self._owned
        #: How requests are sent.
        self.transport: AsyncTransport = transport

    async def close(self) -> None:
        """Close the transport this table made (its connection pool)."""
        if self._owned is not None:
            await self._owned.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def name(self) -> str:
        return self.schema.spec.name

    @property
    def spec(self) -> TableSpec:
        return self.schema.spec

    @property
    def ledger(self) -> CapacityLedger:
        return self.schema.ledger

    @ledger.setter
    def ledger(self, ledger: CapacityLedger) -> None:
        self.schema.ledger = ledger

    @property
    def hide_expired(self) -> bool:
        """Whether items whose TTL has passed are hidden (DynamoDB may take days to delete them)."""
        return self.schema.hide_expired

    @hide_expired.setter
    def hide_expired(self, hide: bool) -> None:
        self.schema.hide_expired = hide

    # -- entities (no I/O: plain calls) ---------------------------------------------------------------

    def register(self, *entities: type[Entity]) -> None:
        """Make entity classes known, so items are recognised and index keys are written."""
        self.schema.register(*entities)

    @property
    def entities(self) -> tuple[type[Entity], ...]:
        return tuple(self.schema.entity_classes.values())

    def recognise(self, item: Mapping[str, Any]) -> Entity | dict[str, Any]:
        """The entity a stored item (plain values) belongs to, or the item itself when it is not ours."""
        return self.schema.recognise(item)

    def is_expired(self, item: Mapping[str, Any], now: float | None = None) -> bool:
        """True when the item's TTL has passed."""
        return self.schema.is_expired(item, now)

    # -- put ------------------------------------------------------------------------------------------

    @overload
    async def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
    ) -> E: ...
    @overload
    async def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
    ) -> Request: ...

    async def put(
        self,
        entity: E,
        *,
        create_only: bool = False,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> E | Request:
        """Write an entity; returns it as written (see :meth:`Table.put`)."""
        call = put_op.build(self.schema, entity, create_only=create_only, condition=condition)
        if dry_run:
            return call.request
        await self._send_put(call, pattern)
        assert call.entity is not None
        return call.entity  # type: ignore[return-value]  # a validated copy of ``entity``, so an E

    async def put_item(
        self,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> Request | None:
        """Write a plain item (Python values; it must hold the table's key attributes)."""
        call = put_op.build_item(self.schema, item, condition)
        if dry_run:
            return call.request
        await self._send_put(call, pattern)
        return None

    async def _send_put(self, call: put_op.PutCall, pattern: str | None) -> None:
        schema = self.schema
        try:
            resp = await self.transport.send(
                call.request, condition_text=call.condition_text, key_names=schema.key_names
            )
        except ConditionFailedError as exc:
            resp = put_op.failed(schema, call, exc, pattern)
        put_op.read(schema, call, resp, pattern)

    # -- get ------------------------------------------------------------------------------------------

    @overload
    async def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E | None: ...
    @overload
    async def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str],
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> Projected[E] | None: ...
    @overload
    async def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    async def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | Projected[E] | Request | None: ...

    async def get(
        self,
        cls: type[E],
        *,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> E | Projected[E] | Request | None:
        """Read one entity by its key fields (see :meth:`Table.get`)."""
        check_names(f"get({cls.__name__})", key, key_fields(cls), keyword_options(AsyncTable.get))
        call = get_op.build(self.schema, cls, key, consistent=consistent, projection=projection)
        if dry_run:
            return call.request
        resp = await self.transport.send(call.request, key_names=self.schema.key_names)
        result: E | Projected[E] | None = get_op.read(self.schema, call, resp, pattern)
        return result

    async def get_item(
        self,
        pk: str,
        sk: str,
        *,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | Request | None:
        """Read one plain item by its key values (expired items hidden)."""
        request = get_op.build_item(self.schema, pk, sk, consistent=consistent, projection=projection)
        if dry_run:
            return request
        resp = await self.transport.send(request, key_names=self.schema.key_names)
        return get_op.read_item(self.schema, request, resp, pattern)

    # -- update ---------------------------------------------------------------------------------------

    @overload
    async def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = ...,
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E: ...
    @overload
    async def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = ...,
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    @deprecated("pass the key as keyword fields: await table.update(Repo, changes, repo_id=...)")
    async def update(
        self,
        cls: type[E],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
    ) -> E: ...
    @overload
    @deprecated("pass the key as keyword fields: await table.update(Repo, changes, repo_id=...)")
    async def update(
        self,
        cls: type[E],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
    ) -> Request: ...

    async def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = None,
        legacy_changes: Update | Mapping[str, Any] | None = None,
        /,
        *,
        condition: Condition | None = None,
        upsert: bool = False,
        expected_version: int | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> E | Request:
        """Change some attributes of one entity and return it as stored afterwards (see
        :meth:`Table.update`)."""
        key_fields_, changes = update_args(cls, key, changes, legacy_changes, "table.update")
        check_condition(condition, cls, self.spec)
        request, condition = update_op.build(
            self.schema, cls, key_fields_, changes, condition, upsert, expected_version
        )
        if dry_run:
            return request
        raw = await self._send_update(request, condition, pattern, cls, expected_version)
        return self.schema.from_item(cls, deserialize(raw))

    async def update_item(
        self,
        pk: str,
        sk: str,
        update: Update,
        *,
        condition: Condition | None = None,
        upsert: bool = False,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | Request:
        """Update one plain item by key values; returns it as stored afterwards."""
        request, condition = update_op.build_item(self.schema, pk, sk, update, condition, upsert)
        if dry_run:
            return request
        return deserialize(await self._send_update(request, condition, pattern))

    async def _send_update(
        self,
        request: Request,
        condition: Condition | None,
        pattern: str | None,
        cls: type[Entity] | None = None,
        expected_version: int | None = None,
    ) -> Item:
        try:
            resp = await self.transport.send(
                request,
                condition_text=condition.describe if condition is not None else None,
                key_names=self.schema.key_names,
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            update_op.failed(self.schema, exc, pattern, cls, expected_version)
        return update_op.read(self.schema, request, resp, pattern)

    # -- delete ---------------------------------------------------------------------------------------

    @overload
    async def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E | dict[str, Any] | None: ...
    @overload
    async def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    async def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | dict[str, Any] | Request | None: ...

    async def delete(
        self,
        target: Entity | Projected[Any] | type[Entity],
        *,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> Entity | dict[str, Any] | Request | None:
        """Delete an entity; returns what was there (see :meth:`Table.delete`)."""
        cls, pk, sk = delete_op.target(target, key, keyword_options(AsyncTable.delete))
        call = delete_op.build(self.schema, cls, pk, sk, condition)
        if dry_run:
            return call.request
        try:
            resp = await self.transport.send(
                call.request, condition_text=call.condition_text(), key_names=self.schema.key_names
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            delete_op.failed(self.schema, exc, pattern)
        result: Entity | dict[str, Any] | None = delete_op.read(self.schema, call, resp, pattern)
        return result

    async def delete_item(self, pk: str, sk: str, *, pattern: str | None = None) -> dict[str, Any] | None:
        """Delete one plain item by key values; returns what was there."""
        call = delete_op.build_item(self.schema, pk, sk)
        resp = await self.transport.send(call.request, key_names=self.schema.key_names)
        return delete_op.read_item(self.schema, resp, pattern)

    # -- query ----------------------------------------------------------------------------------------

    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> AsyncQuery[E]: ...
    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str],
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> AsyncQuery[Projected[E]]: ...
    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> AsyncQuery[E] | AsyncQuery[Projected[E]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> AsyncQuery[Entity | dict[str, Any]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str],
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> AsyncQuery[dict[str, Any]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> AsyncQuery[Entity | dict[str, Any]]: ...

    def query(
        self,
        cls: type[E] | None = None,
        *,
        pk: str | None = None,
        index: str | None = None,
        sk: SortKey | None = None,
        filter: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        reverse: bool = False,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        cursor: str | None = None,
        pattern: str | None = None,
        **fields: Any,
    ) -> AsyncQuery[Any]:
        """A lazy query, read with ``async for`` (see :meth:`Table.query`); validated here, at once."""
        q = entity_query(
            self,
            cls,
            options=keyword_options(AsyncTable.query),
            fields=fields,
            pk=pk,
            index=index,
            sk=sk,
            filter=filter,
            limit=limit,
            page_size=page_size,
            reverse=reverse,
            consistent=consistent,
            projection=projection,
            cursor=cursor,
            pattern=pattern,
        )
        return AsyncQuery(q, self.transport)

    async def collection(
        self, cls: type[Entity], *, pattern: str | None = None, consistent: bool = False, **fields: Any
    ) -> Collection:
        """Everything in one entity's partition, in ONE query, grouped by entity class (see
        :meth:`Table.collection`)."""
        pk = collection_partition(cls, fields, keyword_options(AsyncTable.collection))
        out = Collection()
        q = self.query(pk=pk, pattern=pattern or f"{cls.__name__} collection", consistent=consistent)
        async for item in q:
            out.add(item)
        return out

    @overload
    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = ...,
        projection: None = ...,
        limit: int | None = ...,
        cursor: str | None = ...,
        **fields: Any,
    ) -> AsyncQuery[E]: ...
    @overload
    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = ...,
        projection: Sequence[str],
        limit: int | None = ...,
        cursor: str | None = ...,
        **fields: Any,
    ) -> AsyncQuery[Projected[E]]: ...

    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **fields: Any,
    ) -> AsyncQuery[E] | AsyncQuery[Projected[E]]:
        """Items of ``cls`` whose SK is given, found through GSI1 (hash SK, range PK)."""
        check_reverse(cls, fields, keyword_options(AsyncTable.reverse))
        return self.query(
            cls,
            index=self.schema.inverted_index(),
            pattern=pattern,
            projection=projection,
            limit=limit,
            cursor=cursor,
            **fields,
        )

    def scan(self, *, filter: Condition | None = None, pattern: str | None = "scan") -> AsyncQuery[Any]:
        """Every item of the table (costly: reads all of it)."""
        q = Query.build(self, None, scan=True, filter=filter, pattern=pattern, fields={})
        return AsyncQuery(q, self.transport)

    # -- many items -----------------------------------------------------------------------------------

    async def batch_write(
        self,
        puts: Iterable[Entity | Mapping[str, Any]] = (),
        deletes: Iterable[Entity | Projected[Any] | tuple[str, str]] = (),
        *,
        backoff: Backoff | None = None,
        pattern: str | None = None,
    ) -> BatchResult:
        """Put and delete any number of items (see :func:`singletable.batch.batch_write`).

        Cancelled mid-way, the ``CancelledError`` goes on (as asyncio expects) with a
        :class:`~singletable.errors.BatchIncompleteError` as its ``__cause__``: its ``unprocessed``
        lists, in input order, the items not acknowledged (those of the request in flight may or may
        not have been written; each item is written whole or not at all); every other item is written.
        """
        schema = self.schema
        writes = batch.prepare_writes(schema, puts, deletes)
        return await adrive(batch.write_exchange(schema, writes, backoff, pattern), self.transport)

    @overload
    async def batch_get(
        self,
        keys: Sequence[tuple[type[E], Mapping[str, Any]]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[E | None]: ...
    @overload
    async def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    async def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = False,
        pattern: str | None = None,
    ) -> list[Any]:
        """Read any number of items, in input order (see :func:`singletable.batch.batch_get`)."""
        exchange = batch.read_exchange(self.schema, keys, consistent, None, pattern)
        return await adrive(exchange, self.transport)

    def transact_write(
        self, *, token: str | None = None, pattern: str | None = None, backoff: Backoff | None = None
    ) -> AsyncTransactWrite:
        """A transaction builder: add actions, then ``await tx.commit()`` or ``async with``."""
        return AsyncTransactWrite(self, token=token, pattern=pattern, backoff=backoff)

    @overload
    async def transact_get(
        self, keys: Sequence[tuple[type[E], Mapping[str, Any]]], *, pattern: str | None = ...
    ) -> list[E | None]: ...
    @overload
    async def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    async def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = None,
    ) -> list[Any]:
        """Up to 100 items as one snapshot, in input order (see :func:`singletable.transactions.transact_get`)."""
        return await adrive(tx_helpers.read_exchange(self.schema, keys, pattern=pattern), self.transport)

    async def bulk_load(self, source: str | os.PathLike[str], **options: Any) -> BulkReport:
        """Load a JSONL file with many batch writes in flight on this loop; see
        :func:`singletable.aio_bulk.bulk_load` (the options of :meth:`Table.bulk_load`)."""
        return await aio_bulk.bulk_load(self, source, **options)


# -- entity-level helpers (the async twins of singletable.transactions') --------------------------------


async def create_together(
    table: AsyncTable, *entities: Entity, token: str | None = None, pattern: str | None = None
) -> TransactResult:
    """Create several entities atomically: all of them (none existed) or none (one did)."""
    tx = AsyncTransactWrite(table, token=token, pattern=pattern)
    return await adrive(tx_helpers.together_exchange(tx, entities), table.transport)


async def delete_partition(
    table: AsyncTable,
    cls: type[Entity],
    *,
    pattern: str | None = None,
    backoff: Backoff | None = None,
    **fields: Any,
) -> int:
    """Delete everything in one entity's partition; see :func:`singletable.transactions.delete_partition`."""
    exchange = tx_helpers.partition_delete_exchange(table.schema, cls, fields, pattern, backoff)
    return await adrive(exchange, table.transport)
