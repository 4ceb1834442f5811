"""AsyncQuery: a lazy Query (or Scan) read with ``async for``; the pages are built and read by the same
:class:`~singletable.query.Pager` as the sync query's, only awaited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from singletable.codec import Item
from singletable.cursor import CursorBinding
from singletable.query import Page, Query
from singletable.request import Request
from singletable.transport import AsyncTransport

__all__ = ["AsyncQuery"]

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
        out: list[T] = []
        async for page in self.pages():  # page by page: no async generator step per item
            out += page.items
        return out

    async def first(self) -> T | None:
        q = self.query
        q.limit = 1 if q.limit is None else min(q.limit, 1)
        async for item in self:
            return item
        return None
