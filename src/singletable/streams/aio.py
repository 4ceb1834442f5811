"""The stream reader for asyncio: :class:`StreamReader`'s calls run in a worker thread (botocore is
blocking; GetRecords is one call a second per shard, so a thread costs nothing that matters)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from singletable.streams.reader import StartAt, StreamReader
from singletable.streams.records import Change
from singletable.streams.router import HasSchema


class AsyncStreamReader:
    """``await reader.poll()`` and ``async for change in reader.follow()``; the rest as StreamReader."""

    def __init__(self, table: HasSchema, *, start: StartAt = "trim_horizon", **options: Any) -> None:
        self.reader = StreamReader(table, start=start, **options)

    async def poll(self) -> list[Change[Any]]:
        return await asyncio.to_thread(self.reader.poll)

    async def poll_records(self) -> list[Any]:
        return await asyncio.to_thread(self.reader.poll_records)

    async def follow(self, *, idle_timeout: float | None = None) -> AsyncIterator[Change[Any]]:
        """Changes as they come (or until ``idle_timeout`` seconds pass without one)."""
        idle_since = time.monotonic()
        while True:
            changes = await self.poll()
            for change in changes:
                yield change
            now = time.monotonic()
            if changes:
                idle_since = now
                continue
            if idle_timeout is not None and now - idle_since >= idle_timeout:
                return
            await asyncio.sleep(self.reader.poll_interval)
