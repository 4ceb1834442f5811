"""What every part of an AsyncTable shares: its :class:`~singletable.schema.Schema` (what it knows
without I/O) and its async transport (how requests are sent), and the plain calls on them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from singletable.capacity import CapacityLedger
from singletable.model import Entity
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transport import AsyncTransport

__all__ = ["AsyncSource", "AsyncTableBase"]


class AsyncSource(Protocol):
    """What the async builders and helpers need of a table: its schema and its async transport."""

    @property
    def schema(self) -> Schema: ...

    @property
    def transport(self) -> AsyncTransport: ...


class AsyncTableBase:
    """The schema and the transport, and the calls that need no I/O (plain calls, not coroutines).
    :class:`~singletable.aio.AsyncTable` sets both; its other parts (items, queries, many items) use them."""

    #: What the table knows without I/O: the same :class:`Schema` a sync Table holds.
    schema: Schema
    #: How requests are sent.
    transport: AsyncTransport

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
