"""A sync-looking face on an AsyncTable, so the behavioural tests written against Table run unchanged
against AsyncTable too: each awaited call runs on one event loop kept in a helper thread; async query
objects iterate as sync ones; ``with table.transact_write()`` drives ``async with``."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Coroutine, Iterator
from typing import Any, TypeVar

from singletable.aio import AsyncQuery, AsyncTable, AsyncTransactWrite

T = TypeVar("T")


class LoopThread:
    """One event loop running in a daemon thread; ``run(awaitable)`` blocks until it is done."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="async-table-loop", daemon=True)
        self.thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        coro: Coroutine[Any, Any, T] = wrapped()
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class _Wrapper:
    """Forwards attributes; calls whose answers are awaitable are run on the loop, and async objects
    in answers are wrapped in their sync faces."""

    _inner: Any
    _runner: LoopThread

    def __init__(self, inner: Any, runner: LoopThread) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_runner", runner)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or isinstance(value, type):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._wrap(value(*args, **kwargs))

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)

    def _wrap(self, result: Any) -> Any:
        if inspect.isawaitable(result):
            result = self._runner.run(result)
        if isinstance(result, AsyncQuery):
            return SyncQuery(result, self._runner)
        if isinstance(result, AsyncTransactWrite):
            return SyncTransact(result, self._runner)
        return result


class SyncTable(_Wrapper):
    """An AsyncTable used as a Table; ``client`` is a plain botocore client on the same engine, for the
    tests that look at raw items."""

    def __init__(self, table: AsyncTable, runner: LoopThread, client: Any) -> None:
        super().__init__(table, runner)
        object.__setattr__(self, "client", client)


class SyncQuery(_Wrapper):
    def _drain(self, ait: Any) -> Iterator[Any]:
        while True:
            try:
                yield self._runner.run(ait.__anext__())
            except StopAsyncIteration:
                return

    def __iter__(self) -> Iterator[Any]:
        return self._drain(self._inner.__aiter__())

    def pages(self) -> Iterator[Any]:
        return self._drain(self._inner.pages())


class SyncTransact(_Wrapper):
    def __len__(self) -> int:
        return len(self._inner)

    def __enter__(self) -> SyncTransact:
        self._runner.run(self._inner.__aenter__())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._runner.run(self._inner.__aexit__(*exc))
