"""The lean async transport: asyncio streams and a small pool of kept-alive connections, botocore's rules.

The async twin of :mod:`singletable.transport.lean`, sharing its sans-I/O part
(:mod:`singletable.transport.leancore`: signing, retry rules, parsing, catalogued errors). It sends with
``asyncio.open_connection`` (TLS through the same SSL context: ``AWS_CA_BUNDLE`` / the profile's
``ca_bundle`` / botocore's bundle) and reads answers with :func:`singletable.transport.http11.read_async`,
so it needs no extra: the aiohttp transport (:mod:`singletable.transport.aio`) stays for the settings this
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

_Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


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
        self._idle: list[_Stream] = []
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
        for _, writer in idle:
            # Its loop may be closed (closed from another one, as the pytest plugin does): RuntimeError,
            # nothing left to schedule the close on; the socket is freed with its transport. Engines that
            # keep connections alive (DynamoDB Local) leave such idle writers; moto closes its own.
            with contextlib.suppress(RuntimeError):
                writer.close()

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
                    answer = await self._exchange(http11.request_bytes(self.path, headers, call.body))
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

    async def _open(self) -> _Stream:
        url = self.endpoint_url
        try:
            async with asyncio.timeout(self.connect_timeout):
                return await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl, limit=http11.MAX_HEAD
                )
        except OSError as exc:  # TimeoutError and ssl.SSLError among them
            # asyncio words a refusal "Connect call failed (host, port)": say it as the sync path does.
            said = OSError(exc.errno, os.strerror(exc.errno)) if exc.errno else exc
            raise connect_failed(url, exc, said) from exc

    async def _exchange(self, request: bytes) -> http11.Answer:
        """One request and its answer on an idle connection or a new one; raises ConnectionFailed."""
        reader, writer = self._idle.pop() if self._idle else await self._open()
        try:
            writer.write(request)
            async with asyncio.timeout(self.read_timeout):
                await writer.drain()
                answer = await http11.read_async(reader)
        except (OSError, http.client.HTTPException) as exc:  # TimeoutError among them
            writer.close()
            raise exchange_failed(self.endpoint_url, exc) from exc
        except BaseException:  # cancelled mid-answer: the stream is out of step
            writer.close()
            raise
        if answer.close or self._closed:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return answer
