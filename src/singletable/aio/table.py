"""AsyncTable itself: its settings, its transport's life (``async with``), and its parts put together."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from singletable.aio.items import AsyncItems
from singletable.aio.many import AsyncMany
from singletable.aio.queries import AsyncQueries
from singletable.capacity import CapacityLedger
from singletable.client import RetryMode
from singletable.model import Entity
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transport import AsyncTransport
from singletable.transport.factory import async_transport

if TYPE_CHECKING:
    from singletable.transport.factory import OwnedAsyncTransport

__all__ = ["AsyncTable"]


class AsyncTable(AsyncItems, AsyncQueries, AsyncMany):
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
