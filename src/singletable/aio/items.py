"""The single-item calls of an AsyncTable: get, put, update and delete, of entities and of plain items.

Each builds its request with :mod:`singletable.ops` (what ``dry_run`` returns, with no I/O, though the
call is still a coroutine), awaits the transport, and reads the answer with the same ops."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from typing_extensions import deprecated

from singletable.aio.base import AsyncTableBase
from singletable.arguments import check_names, key_fields, keyword_options
from singletable.codec import Item, deserialize
from singletable.errors import ConditionFailedError, ItemNotFoundError
from singletable.expressions import Condition, Update
from singletable.expressions.check import check_condition
from singletable.model import Entity, update_args
from singletable.ops import delete as delete_op
from singletable.ops import get as get_op
from singletable.ops import put as put_op
from singletable.ops import update as update_op
from singletable.request import Request
from singletable.results import Projected

__all__ = ["AsyncItems"]

E = TypeVar("E", bound=Entity)


class AsyncItems(AsyncTableBase):
    """get / put / update / delete of one item, awaited (see :class:`~singletable.table.Table`'s)."""

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
        check_names(f"get({cls.__name__})", key, key_fields(cls), keyword_options(AsyncItems.get))
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
        check_condition(condition, cls, self.schema.spec)
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
        cls, pk, sk = delete_op.target(target, key, keyword_options(AsyncItems.delete))
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
