"""AsyncTransactWrite (the transaction builder on asyncio) and the async twins of the entity-level
helpers of :mod:`singletable.transactions`: the same exchanges, driven with ``await``."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from singletable import transactions as tx_helpers
from singletable.aio.base import AsyncSource
from singletable.batch import Backoff
from singletable.model import Entity
from singletable.transactions import TransactBuilder, TransactResult
from singletable.transport import adrive

__all__ = ["AsyncTransactWrite", "create_together", "delete_partition"]


class AsyncTransactWrite(TransactBuilder):
    """A TransactWriteItems builder on asyncio: the same ``put`` / ``update`` / ``delete`` /
    ``condition_check`` as :class:`~singletable.transactions.TransactWrite`, then ``await commit()`` or
    ``async with`` (commits on a clean exit)."""

    def __init__(
        self,
        table: AsyncSource,
        *,
        token: str | None = None,
        pattern: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(table.schema, token=token, pattern=pattern, backoff=backoff)
        self.table = table

    async def commit(self) -> TransactResult:
        """Send the transaction; retried with the same token on transient errors and conflicts. Again
        after a :class:`~singletable.errors.TransactionOutcomeUnknownError`: the same token, so applied
        at most once (within DynamoDB's 10-minute window)."""
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


# -- entity-level helpers (the async twins of singletable.transactions') --------------------------------


async def create_together(
    table: AsyncSource, *entities: Entity, token: str | None = None, pattern: str | None = None
) -> TransactResult:
    """Create several entities atomically: all of them (none existed) or none (one did)."""
    tx = AsyncTransactWrite(table, token=token, pattern=pattern)
    return await adrive(tx_helpers.together_exchange(tx, entities), table.transport)


async def delete_partition(
    table: AsyncSource,
    cls: type[Entity],
    *,
    pattern: str | None = None,
    backoff: Backoff | None = None,
    **fields: Any,
) -> int:
    """Delete everything in one entity's partition; see :func:`singletable.transactions.delete_partition`."""
    exchange = tx_helpers.partition_delete_exchange(table.schema, cls, fields, pattern, backoff)
    return await adrive(exchange, table.transport)
