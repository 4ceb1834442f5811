"""Table: get / put / update / delete of entities (and of plain items), each with a dry-run form;
queries, collections, reverse lookups, batches, transactions and bulk loads.

A thin facade: each call builds its request with the pure steps of :mod:`singletable.ops` (what
``dry_run`` returns), sends it through the table's transport, and reads the answer with the same
steps (entities, capacity in the ledger by DynamoDB's size rules, errors from the catalogue).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from typing_extensions import deprecated

from singletable.arguments import check_names, key_fields, keyword_options
from singletable.batch import Backoff, BatchResult, batch_get, batch_write
from singletable.bulk import BulkReport, bulk_load
from singletable.capacity import CapacityLedger
from singletable.client import RetryMode
from singletable.codec import Item, deserialize
from singletable.errors import ConditionFailedError, ItemNotFoundError
from singletable.expressions import Condition, Update
from singletable.expressions.check import check_condition
from singletable.model import Entity, update_args
from singletable.ops import delete as delete_op
from singletable.ops import get as get_op
from singletable.ops import put as put_op
from singletable.ops import update as update_op
from singletable.query import Query, SortKey, check_reverse, collection_partition, entity_query
from singletable.request import Request
from singletable.results import Collection, Projected
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transactions import TransactWrite, transact_get
from singletable.transport import ClientTransport, Transport
from singletable.transport.factory import sync_transport

E = TypeVar("E", bound=Entity)


class Table:
    """One DynamoDB table holding many entities.

    >>> table = Table(TableSpec(), endpoint_url="http://127.0.0.1:8000", entities=[User, Order, UserOrder])

    With no ``client`` and no ``endpoint_url`` it talks to AWS through boto3's credential chain
    (``profile="dynamodb-svc"`` picks a profile). ``retry_mode`` (botocore's ``standard`` or ``adaptive``,
    which also rate-limits the client when throttled) and ``max_attempts`` (first try included) set the
    client's own retries of throttling, 5xx and connection errors; batches and transactions retry on top.
    """

    def __init__(
        self,
        spec: TableSpec | str | None = None,
        *,
        client: Any = None,
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
        #: What the table knows without I/O (spec, entities, ledger): every operation's pure steps use it.
        self.schema = Schema(table_spec, entities=entities, ledger=ledger, hide_expired=hide_expired)
        #: How requests are sent (the lean transport when it can honour the settings, else botocore's full
        #: path; see :mod:`singletable.transport.factory`); ``client`` replaces it when assigned.
        self.transport: Transport = sync_transport(
            client,
            endpoint_url=endpoint_url,
            region=region,
            profile=profile,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
        )

    @property
    def name(self) -> str:
        return self.schema.spec.name

    @property
    def spec(self) -> TableSpec:
        return self.schema.spec

    @property
    def client(self) -> Any:
        """The DynamoDB client requests go through (None under a transport without one)."""
        return getattr(self.transport, "client", None)

    @client.setter
    def client(self, client: Any) -> None:
        self.transport = ClientTransport(client)

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

    # -- entities -------------------------------------------------------------------------------------

    def register(self, *entities: type[Entity]) -> None:
        """Make entity classes known, so items are recognised and index keys are written."""
        self.schema.register(*entities)

    @property
    def entities(self) -> tuple[type[Entity], ...]:
        return tuple(self.schema.entity_classes.values())

    def recognise(self, item: Mapping[str, Any]) -> Entity | dict[str, Any]:
        """The entity a stored item (plain values) belongs to, or the item itself when it is not ours.

        The marker decides when present; an item without one (written by hand, as the seed's
        ``aws dynamodb put-item`` does) is matched by key patterns and taken only if exactly one matches.
        """
        return self.schema.recognise(item)

    def is_expired(self, item: Mapping[str, Any], now: float | None = None) -> bool:
        """True when the item's TTL has passed (DynamoDB may take days to delete it; we hide it at once)."""
        return self.schema.is_expired(item, now)

    # -- put ------------------------------------------------------------------------------------------

    @overload
    def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
    ) -> E: ...
    @overload
    def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
    ) -> Request: ...

    def put(
        self,
        entity: E,
        *,
        create_only: bool = False,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> E | Request:
        """Write an entity (replacing any item with its key unless ``create_only``); returns it as written.

        The entity is validated again first, so a field assigned a bad value after construction is refused
        with a ValidationError naming it. With a version field, the write succeeds only if the stored
        version equals the entity's, and the returned entity carries the next version.
        """
        call = put_op.build(self.schema, entity, create_only=create_only, condition=condition)
        if dry_run:
            return call.request
        self._send_put(call, pattern)
        assert call.entity is not None
        return call.entity  # type: ignore[return-value]  # a validated copy of ``entity``, so an E

    def put_item(
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
        self._send_put(call, pattern)
        return None

    def _send_put(self, call: put_op.PutCall, pattern: str | None) -> None:
        schema = self.schema
        try:
            resp = self.transport.send(
                call.request, condition_text=call.condition_text, key_names=schema.key_names
            )
        except ConditionFailedError as exc:
            resp = put_op.failed(schema, call, exc, pattern)
        put_op.read(schema, call, resp, pattern)

    # -- get ------------------------------------------------------------------------------------------

    @overload
    def get(
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
    def get(
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
    def get(
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
    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | Projected[E] | Request | None: ...

    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> E | Projected[E] | Request | None:
        """Read one entity by its key fields: ``table.get(User, user_id="123")``.

        Returns ``None`` when there is no item, when the item there belongs to another entity, or when
        its TTL has passed. With ``projection=["field", ...]`` only those fields (and the key) are read,
        and the answer is a read-only :class:`Projected` (never an entity that could be put back whole).
        """
        check_names(f"get({cls.__name__})", key, key_fields(cls), keyword_options(Table.get))
        call = get_op.build(self.schema, cls, key, consistent=consistent, projection=projection)
        if dry_run:
            return call.request
        resp = self.transport.send(call.request, key_names=self.schema.key_names)
        result: E | Projected[E] | None = get_op.read(self.schema, call, resp, pattern)
        return result

    def get_item(
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
        resp = self.transport.send(request, key_names=self.schema.key_names)
        return get_op.read_item(self.schema, request, resp, pattern)

    # -- update ---------------------------------------------------------------------------------------

    @overload
    def update(
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
    def update(
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
    @deprecated("pass the key as keyword fields: table.update(Repo, changes, repo_id=...)")
    def update(
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
    @deprecated("pass the key as keyword fields: table.update(Repo, changes, repo_id=...)")
    def update(
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

    def update(
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
        """Change some attributes of one entity, found by its key fields, and return it as stored afterwards:
        ``table.update(User, {"name": "Jane"}, user_id="123")``.

        ``changes`` (positional) is a mapping (SET, ``None`` means REMOVE) or an :class:`Update` (SET,
        REMOVE, ADD, DELETE, append, increment, if_not_exists); the key fields are keywords, as for get
        and delete. Values are validated against the entity's field types. Any extra-index key built from
        a changed field is rewritten in the same request, so index keys never go stale. Without ``upsert``
        a missing item raises ItemNotFoundError. The old form ``update(User, {"user_id": "123"}, changes)``
        still works and warns (DeprecationWarning).
        """
        key_fields, changes = update_args(cls, key, changes, legacy_changes, "table.update")
        check_condition(condition, cls, self.spec)
        request, condition = update_op.build(
            self.schema, cls, key_fields, changes, condition, upsert, expected_version
        )
        if dry_run:
            return request
        raw = self._send_update(request, condition, pattern, cls, expected_version)
        return self.schema.from_item(cls, deserialize(raw))

    def update_item(
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
        return deserialize(self._send_update(request, condition, pattern))

    def _send_update(
        self,
        request: Request,
        condition: Condition | None,
        pattern: str | None,
        cls: type[Entity] | None = None,
        expected_version: int | None = None,
    ) -> Item:
        try:
            resp = self.transport.send(
                request,
                condition_text=condition.describe if condition is not None else None,
                key_names=self.schema.key_names,
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            update_op.failed(self.schema, exc, pattern, cls, expected_version)
        return update_op.read(self.schema, request, resp, pattern)

    # -- delete ---------------------------------------------------------------------------------------

    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E | dict[str, Any] | None: ...
    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | dict[str, Any] | Request | None: ...

    def delete(
        self,
        target: Entity | Projected[Any] | type[Entity],
        *,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> Entity | dict[str, Any] | Request | None:
        """Delete an entity (an instance, a projected read, or a class plus key fields); returns what was
        there: as the entity, or as the plain item when it was not one (another entity's, or foreign)."""
        cls, pk, sk = delete_op.target(target, key, keyword_options(Table.delete))
        call = delete_op.build(self.schema, cls, pk, sk, condition)
        if dry_run:
            return call.request
        try:
            resp = self.transport.send(
                call.request, condition_text=call.condition_text(), key_names=self.schema.key_names
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            delete_op.failed(self.schema, exc, pattern)
        result: Entity | dict[str, Any] | None = delete_op.read(self.schema, call, resp, pattern)
        return result

    def delete_item(self, pk: str, sk: str, *, pattern: str | None = None) -> dict[str, Any] | None:
        """Delete one plain item by key values; returns what was there."""
        call = delete_op.build_item(self.schema, pk, sk)
        resp = self.transport.send(call.request, key_names=self.schema.key_names)
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
    ) -> Query[E]: ...
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
    ) -> Query[Projected[E]]: ...
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
    ) -> Query[E] | Query[Projected[E]]: ...
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
    ) -> Query[Entity | dict[str, Any]]: ...
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
    ) -> Query[dict[str, Any]]: ...
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
    ) -> Query[Entity | dict[str, Any]]: ...

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
    ) -> Query[Any]:
        """A lazy Query. Either a raw partition (``pk="USER#123"``) or an entity plus key fields.

        ``table.query(UserOrder, user_id="123")`` reads the user's partition with ``begins_with(SK,
        "ORDER#")``; ``table.query(UserOrder, order_id="456")`` has no PK fields but all SK fields, so it
        reads GSI1 (hash SK, range PK): the reverse lookup. With ``projection`` an entity query yields
        :class:`Projected` items, as ``get`` does; a raw query yields the items as stored (dicts).
        """
        return entity_query(
            self,
            cls,
            options=keyword_options(Table.query),
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

    def collection(
        self, cls: type[Entity], *, pattern: str | None = None, consistent: bool = False, **fields: Any
    ) -> Collection:
        """Everything in one entity's partition, in ONE query, grouped by entity class.

        ``table.collection(User, user_id="123")`` -> ``{User: [profile], UserOrder: [edges...]}`` (a
        :class:`Collection`: ``coll[UserOrder]`` is a ``list[UserOrder]``, ``[]`` when there is none).
        Items that are not ours are grouped under the key ``"foreign"``.
        """
        pk = collection_partition(cls, fields, keyword_options(Table.collection))
        out = Collection()
        for item in self.query(pk=pk, pattern=pattern or f"{cls.__name__} collection", consistent=consistent):
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
    ) -> Query[E]: ...
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
    ) -> Query[Projected[E]]: ...

    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **fields: Any,
    ) -> Query[E] | Query[Projected[E]]:
        """Items of ``cls`` whose SK is given, found through GSI1 (hash SK, range PK)."""
        check_reverse(cls, fields, keyword_options(Table.reverse))
        return self.query(
            cls,
            index=self.schema.inverted_index(),
            pattern=pattern,
            projection=projection,
            limit=limit,
            cursor=cursor,
            **fields,
        )

    def scan(self, *, filter: Condition | None = None, pattern: str | None = "scan") -> Query[Any]:
        """Every item of the table (costly: reads all of it)."""
        return Query.build(self, None, scan=True, filter=filter, pattern=pattern, fields={})

    # -- many items -----------------------------------------------------------------------------------

    def batch_write(
        self,
        puts: Iterable[Entity | Mapping[str, Any]] = (),
        deletes: Iterable[Entity | Projected[Any] | tuple[str, str]] = (),
        *,
        backoff: Backoff | None = None,
        pattern: str | None = None,
    ) -> BatchResult:
        """Put and delete any number of items; see :func:`singletable.batch.batch_write`."""
        return batch_write(self, puts, deletes, backoff=backoff, pattern=pattern)

    @overload
    def batch_get(
        self,
        keys: Sequence[tuple[type[E], Mapping[str, Any]]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[E | None]: ...
    @overload
    def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = False,
        pattern: str | None = None,
    ) -> list[Any]:
        """Read any number of items, in input order; see :func:`singletable.batch.batch_get`."""
        return batch_get(self, keys, consistent=consistent, pattern=pattern)

    def transact_write(
        self, *, token: str | None = None, pattern: str | None = None, backoff: Backoff | None = None
    ) -> TransactWrite:
        """A transaction builder (put / update / delete / condition_check, then ``commit()`` or ``with``);
        see :class:`singletable.transactions.TransactWrite`."""
        return TransactWrite(self, token=token, pattern=pattern, backoff=backoff)

    @overload
    def transact_get(
        self, keys: Sequence[tuple[type[E], Mapping[str, Any]]], *, pattern: str | None = ...
    ) -> list[E | None]: ...
    @overload
    def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = None,
    ) -> list[Any]:
        """Up to 100 items as one snapshot, in input order; see :func:`singletable.transactions.transact_get`."""
        return transact_get(self, keys, pattern=pattern)

    def bulk_load(self, source: str | os.PathLike[str], **options: Any) -> BulkReport:
        """Load a JSONL file with a thread pool of batch writes; see :func:`singletable.bulk.bulk_load`."""
        return bulk_load(self, source, **options)
