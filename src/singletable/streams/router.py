"""A router: handlers per entity and change kind, sync or async; records decoded with the table's schema.

router = Router(table)

@router.on(Order, "insert")
def count(change: Change[Order]) -> None: ...

def handler(event, context):              # the Lambda function
    return router.handle_batch(event)     # {"batchItemFailures": [...]}, as Lambda expects
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from singletable.errors import ChangeKindError
from singletable.model import Entity
from singletable.schema import Schema
from singletable.streams.records import KINDS, Change, ChangeKind, Decoder

if TYPE_CHECKING:
    from singletable.streams.batch import BatchResponse

E = TypeVar("E", bound=Entity)
R = TypeVar("R")
#: A handler of changes: returns nothing, or an awaitable (an ``async def``); raising fails the record.
Handler = Callable[[Change[Any]], object]


class HasSchema(Protocol):
    """A Table or an AsyncTable: anything holding the table's :class:`Schema`."""

    @property
    def schema(self) -> Schema: ...


def _kinds(kinds: tuple[str, ...]) -> tuple[ChangeKind, ...]:
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ChangeKindError(f"unknown change kind {bad[0]!r}", field="kind")
    return tuple(k for k in KINDS if k in kinds) if kinds else KINDS


class Router:
    """Routes each change to the handlers registered for its entity and kind (in registration order).

    Changes nobody registered for are skipped (a success). Items that are not entities of the table go to
    the handlers of :meth:`on_other`.
    """

    def __init__(self, table: HasSchema | Schema) -> None:
        schema = table if isinstance(table, Schema) else table.schema
        self.decoder = Decoder(schema)
        self._handlers: dict[tuple[type[Entity] | None, ChangeKind], list[Handler]] = {}

    def on(
        self, entity: type[E], *kinds: ChangeKind
    ) -> Callable[[Callable[[Change[E]], R]], Callable[[Change[E]], R]]:
        """Register the decorated function for ``entity``'s changes of ``kinds`` (none given: all three)."""
        if not (isinstance(entity, type) and issubclass(entity, Entity)):
            raise ChangeKindError(
                f"Router.on takes an entity class, not {entity!r}",
                field="entity",
                hint="pass the class (Router.on(Order, 'insert')); use on_other for items of no entity",
            )
        schema = self.decoder.schema
        if schema.entity_classes.get(entity.meta().name) is not entity:
            schema.register(entity)  # so that its records are recognised
        return self._register(entity, _kinds(kinds))

    def on_other(
        self, *kinds: ChangeKind
    ) -> Callable[[Callable[[Change[dict[str, Any]]], R]], Callable[[Change[dict[str, Any]]], R]]:
        """Register the decorated function for changes of items that are no entity of the table."""
        return self._register(None, _kinds(kinds))

    def _register(self, entity: type[Entity] | None, kinds: tuple[ChangeKind, ...]) -> Callable[[Any], Any]:
        def decorate(func: Any) -> Any:
            for kind in kinds:
                self._handlers.setdefault((entity, kind), []).append(func)
            return func

        return decorate

    def handlers(self, change: Change[Any]) -> list[Handler]:
        return self._handlers.get((change.entity, change.kind), [])

    def decode(self, record: Mapping[str, Any]) -> Change[Any]:
        return self.decoder.decode(record)

    def dispatch(self, change: Change[Any]) -> None:
        """Run the change's handlers; an async handler is run to completion (no event loop may be running:
        inside one, use :meth:`adispatch`)."""
        for handler in self.handlers(change):
            result = handler(change)
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))

    async def adispatch(self, change: Change[Any]) -> None:
        """Run the change's handlers, awaiting async ones (sync ones run inline on the loop)."""
        for handler in self.handlers(change):
            result = handler(change)
            if inspect.isawaitable(result):
                await result

    def handle_batch(self, event: Mapping[str, Any]) -> BatchResponse:
        """A Lambda batch: see :func:`singletable.streams.batch.handle_batch`."""
        from singletable.streams.batch import handle_batch

        return handle_batch(self, event)

    async def ahandle_batch(self, event: Mapping[str, Any], *, concurrency: int = 8) -> BatchResponse:
        """A Lambda batch, async: see :func:`singletable.streams.batch.ahandle_batch`."""
        from singletable.streams.batch import ahandle_batch

        return await ahandle_batch(self, event, concurrency=concurrency)


async def _awaited(result: Awaitable[Any]) -> None:
    await result
