"""The calls of an AsyncTable on many items: batch write and get, transactions, the bulk loader.
The batch and transaction logic is the sans-I/O exchanges of :mod:`singletable.batch` and
:mod:`singletable.transactions`, driven with ``await`` (:func:`singletable.transport.adrive`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from singletable import aio_bulk, batch
from singletable import transactions as tx_helpers
from singletable.aio.base import AsyncTableBase
from singletable.aio.transact import AsyncTransactWrite
from singletable.batch import Backoff, BatchResult
from singletable.bulk import BulkReport
from singletable.model import Entity
from singletable.results import Projected
from singletable.transport import adrive

__all__ = ["AsyncMany"]

E = TypeVar("E", bound=Entity)


class AsyncMany(AsyncTableBase):
    """batch_write / batch_get / transact_write / transact_get / bulk_load (see :class:`~singletable.table.Table`'s)."""

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
        """Read any number of items, in input order (see :func:`singletable.batch.batch_get`).

        Cancelled mid-way, the ``CancelledError`` goes on with a
        :class:`~singletable.errors.BatchReadIncompleteError` as its ``__cause__``, as for
        :meth:`batch_write`: its ``results`` keep what was read (lined up with ``keys``), its
        ``unprocessed`` the keys not read (``unread``: their positions).
        """
        exchange = batch.read_exchange(self.schema, keys, consistent, None, pattern)
        return await adrive(exchange, self.transport)

    def transact_write(
        self, *, token: str | None = None, pattern: str | None = None, backoff: Backoff | None = None
    ) -> AsyncTransactWrite:
        """A transaction builder: add actions, then ``await tx.commit()`` or ``async with``.

        Cancelled while its request may have reached DynamoDB, the commit's ``CancelledError`` goes on
        with a :class:`~singletable.errors.TransactionOutcomeUnknownError` as its ``__cause__`` (its
        ``token``; ``await tx.commit()`` again applies it at most once, within 10 minutes); with no
        cause, nothing was applied.
        """
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
