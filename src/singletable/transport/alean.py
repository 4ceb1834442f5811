"""The lean async transport: asyncio streams and a small pool of kept-alive connections, botocore's rules.

The async twin of :mod:`singletable.transport.lean`, sharing its sans-I/O part
(:mod:`singletable.transport.leancore`: signing, retry rules, parsing, catalogued errors). It sends with
``loop.create_connection`` (TLS through the same SSL context: ``AWS_CA_BUNDLE`` / the profile's
``ca_bundle`` / botocore's bundle) and a protocol of its own that hands the answer's bytes to
:class:`singletable.transport.http11.AnswerReader` as they arrive and wakes the caller once it is whole
(no stream reader or writer, no ``drain``: the answer cannot come before the request is in), so it
needs no extra: the aiohttp transport (:mod:`singletable.transport.aio`) stays for the settings this
one does not cover (see :func:`singletable.transport.factory.async_transport`).

Up to ``max_pool_connections`` requests are in flight at once (the others wait their turn); idle
connections are kept for the next request. Refreshable credentials are refreshed in a worker thread when
they near expiry, so the loop never blocks on STS or the metadata service. The transport belongs to the
event loop that first uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import select
from collections.abc import Callable
from types import TracebackType
from typing import Any

from singletable.client import RetryMode
from singletable.errors import TransportClosedError, TransportLoopError
from singletable.request import Request
from singletable.transport import http11
from singletable.transport.acredentials import frozen_credentials
from singletable.transport.leancore import (
    READ_TIMEOUT,
    ConnectionFailed,
    LeanCore,
    connect_failed,
    exchange_failed,
    frozen_keys,
)
from singletable.transport.sigv4 import Keys

__all__ = ["LeanAsyncTransport"]


class _Connection(asyncio.Protocol):
    """One kept-alive connection: the answer to the request in flight, read as its bytes arrive."""

    __slots__ = ("closed", "reader", "sock", "transport", "used", "waiter")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.sock: Any = None
        self.waiter: asyncio.Future[http11.Answer] | None = None
        self.reader: http11.AnswerReader | None = None
        self.closed = False
        self.used = False  # it served a request before

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport
        self.sock = transport.get_extra_info("socket")

    def stale(self) -> bool:
        """Whether this idle connection is closed, or its socket readable (the server closed it, or sent
        bytes no request asked for) though the loop has not run since to notice."""
        return self.closed or self.sock is None or bool(select.select((self.sock,), (), (), 0)[0])

    def data_received(self, data: bytes) -> None:
        reader, waiter = self.reader, self.waiter
        if reader is None or waiter is None or waiter.done():
            self.close()  # bytes no request asked for: out of step
            return
        try:
            answer = reader.feed(data)
        except Exception as exc:  # a protocol error: http.client's
            self.reader = None
            waiter.set_exception(exc)
            return
        if answer is not None:
            self.reader = None
            waiter.set_result(answer)

    def eof_received(self) -> bool:
        self._end(None)
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._end(exc)

    def _end(self, exc: Exception | None) -> None:
        self.closed = True
        reader, waiter, self.reader = self.reader, self.waiter, None
        if reader is None or waiter is None or waiter.done():
            return
        try:
            answer = reader.eof()  # NoAnswer / IncompleteRead, or a read-to-close answer
        except http11.NoAnswer as no_answer:
            if exc is not None:
                no_answer.__cause__ = exc
            waiter.set_exception(no_answer)
        except Exception as cut:
            waiter.set_exception(exc if isinstance(exc, OSError) else cut)
        else:
            waiter.set_result(answer)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanAsyncTransport(LeanCore):
    """``await transport.send(request)``: what the sync path returns, the same catalogued errors."""

    def __init__(
        self,
        client: Any,
        credentials: Any,
        *,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
        max_pool_connections: int = 32,
        connect_timeout: float | None = None,
        read_timeout: float = READ_TIMEOUT,
        ca_bundle: str | None = None,
    ) -> None:
        super().__init__(
            client,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            ca_bundle=ca_bundle,
        )
        self.credentials = credentials
        self.max_pool_connections = max_pool_connections
        self._idle: list[_Connection] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._refresh: asyncio.Lock | None = None
        self._closed = False

    async def __aenter__(self) -> LeanAsyncTransport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the idle connections; later sends raise TransportClosedError (ST611)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            # Its loop may be closed (closed from another one, as the pytest plugin does): RuntimeError,
            # nothing left to schedule the close on; the socket is freed with its transport.
            with contextlib.suppress(RuntimeError):
                conn.close()

    async def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        """Send ``request`` (retrying as botocore would) and return the parsed answer; errors come out as
        :func:`singletable.request.send` raises them."""
        slots = self._slots_for_loop()
        call = self.begin(request, condition_text, key_names)
        retries = self.retries
        while True:
            pause = retries.send_delay()
            while pause > 0:
                await asyncio.sleep(pause)
                pause = retries.send_delay()
            headers = self.headers(call, await self._keys())
            async with slots:
                try:
                    answer = await self._exchange(
                        http11.request_bytes(self.path, headers, call.body), call.op.resends
                    )
                except ConnectionFailed as failed:
                    delay: float | None = self.failed(call, failed.error, failed.cause)
                    answer = None
            if answer is not None:
                outcome = self.answered(call, answer.status, answer.headers, answer.body)
                if not isinstance(outcome, float):
                    return outcome
                delay = outcome
            assert delay is not None
            await asyncio.sleep(delay)

    # -- pieces ------------------------------------------------------------------------------------------

    def _slots_for_loop(self) -> asyncio.Semaphore:
        if self._closed:
            raise TransportClosedError("this transport is closed")
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_pool_connections)
            self._refresh = asyncio.Lock()
        elif loop is not self._loop:
            raise TransportLoopError("this transport runs on another event loop")
        return self._slots

    async def _keys(self) -> Keys:
        return frozen_keys(await frozen_credentials(self.credentials, self._refresh))

    async def _open(self) -> _Connection:
        url = self.endpoint_url
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(_Connection, self.host, self.port, ssl=self.ssl)
        except OSError as exc:  # TimeoutError and ssl.SSLError among them
            # asyncio words a refusal "Connect call failed (host, port)": say it as the sync path does.
            said = OSError(exc.errno, os.strerror(exc.errno)) if exc.errno else exc
            raise connect_failed(url, exc, said) from exc
        return conn

    async def _exchange(self, request: bytes, resends: bool) -> http11.Answer:
        """One request and its answer on an idle connection or a new one; raises ConnectionFailed.

        An idle connection found closed is dropped before sending; one that closes before any byte of
        the answer is replaced without counting an attempt when it had served earlier requests and
        ``resends`` (the request writes nothing)."""
        loop = asyncio.get_running_loop()
        while True:
            conn = self._idle.pop() if self._idle else None
            while conn is not None and conn.stale():  # closed by the server while idle
                conn.close()
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = await self._open()
            waiter: asyncio.Future[http11.Answer] = loop.create_future()
            conn.waiter, conn.reader = waiter, http11.AnswerReader()
            assert conn.transport is not None  # connection_made() set it
            conn.transport.write(request)
            timer = loop.call_later(self.read_timeout, _time_out, waiter)
            try:
                answer = await waiter
            except (OSError, http.client.HTTPException) as exc:  # TimeoutError among them
                conn.close()
                if conn.used and resends and isinstance(exc, http11.NoAnswer):
                    continue
                raise exchange_failed(self.endpoint_url, exc) from exc
            except BaseException:  # cancelled mid-answer: the connection is out of step
                conn.close()
                raise
            finally:
                timer.cancel()
                conn.waiter = None
            if answer.close or self._closed:
                conn.close()
            else:
                conn.used = True
                self._idle.append(conn)
            return answer


def _time_out(waiter: asyncio.Future[http11.Answer]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no answer within the read timeout"))
