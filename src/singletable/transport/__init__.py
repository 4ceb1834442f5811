"""Transports, and the one sync driver of the sans-I/O exchanges.

The logic that needs several requests (query pages, batch retries, transaction retries) is written once
as an *exchange*: a generator that yields a step (:class:`Send` a request, or :class:`Sleep` a backoff
delay), receives the response (or has the catalogued error thrown in), and returns its result. A driver
runs it over a transport: :func:`drive` here with blocking calls; an async driver does the same with
``await transport.send(...)`` and ``await asyncio.sleep(...)``. Nothing else differs between them.

A transport sends one :class:`~singletable.request.Request` and returns the response as DynamoDB JSON,
raising singletable's catalogued errors (:func:`singletable.request.translate`) for the engine's:
:class:`ClientTransport` here (botocore's client, the lean wire path), and

- :mod:`singletable.transport.lean` and :mod:`singletable.transport.alean`: the lean sync and async
  transports (one kept-alive connection per thread, or a pool on the loop; botocore's credentials, SigV4
  and retry rules, without its per-call machinery), chosen by :mod:`singletable.transport.factory`
  whenever they can honour the settings in use;
- :mod:`singletable.transport.aio`: the async transport (aiohttp under botocore's credentials, SigV4
  signer and retry rules); needs the ``async`` extra;
- :mod:`singletable.transport.retry`: botocore's retry rules without its event system (no I/O).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from singletable.request import Request, send
from singletable.transport.attempts import RetryObserver, RetryReporter

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``request``; the exchange receives the response, or the catalogued error thrown in."""

    request: Request
    key_names: tuple[str, ...] = ("PK", "SK")
    condition_text: str | Callable[[], str] | None = None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` (a backoff delay) before the exchange goes on; it receives None."""

    seconds: float


class Abandoned(BaseException):
    """Thrown into an exchange whose task was cancelled, so it can say what it left undone (by raising
    its own report, such as BatchIncompleteError) before the cancellation goes on. A BaseException, so
    the exchanges' ``except Exception`` retry handlers never mistake it for an engine's error."""


Step = Send | Sleep
#: A sans-I/O exchange: yields steps, receives responses (None after a Sleep), returns its result.
Exchange = Generator[Step, dict[str, Any] | None, R]


class Transport(Protocol):
    """Sends one request and returns the response (DynamoDB JSON), raising catalogued errors."""

    def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]: ...


class AsyncTransport(Protocol):
    """The async twin of :class:`Transport`: the same request in, the same answer or error out."""

    async def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]: ...


class ClientTransport:
    """The sync transport: a botocore DynamoDB client through the lean wire path (:mod:`singletable.wire`),
    with the client's credential chain, SigV4 signing, retry mode and endpoint; any other client object
    through its ``<operation>(**params)`` methods."""

    __slots__ = ("client",)

    def __init__(self, client: Any) -> None:
        self.client = client

    def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        return send(self.client, request, condition_text=condition_text, key_names=key_names)

    def observe_retries(self, observer: RetryObserver) -> Callable[[], None]:
        """Report every failed attempt to ``observer`` (a ``needs-retry`` handler on the client's events,
        botocore's own retries included); returns the call that stops it. A client without botocore's
        events has no retries to see: nothing is reported."""
        events = getattr(getattr(self.client, "meta", None), "events", None)
        if events is None:
            return lambda: None
        handler = RetryReporter(observer)
        unique_id = f"singletable-retry-observer-{id(handler)}"
        # Last in line: botocore's retry handler and the loopback budget decide first; this one never does.
        events.register_last("needs-retry.dynamodb", handler, unique_id=unique_id)
        return lambda: events.unregister("needs-retry.dynamodb", unique_id=unique_id)


class InlineTransport:
    """An async transport over a sync one, sending inline (each call blocks the loop while it runs): for
    the in-process engine, where a call takes microseconds and there is no socket to wait on, so that
    an AsyncTable can be tested without a server. Not for real endpoints: use
    :class:`singletable.transport.aio.AsyncTransport` there."""

    __slots__ = ("transport",)

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    async def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        return self.transport.send(request, condition_text=condition_text, key_names=key_names)


def drive(exchange: Exchange[R], transport: Transport) -> R:
    """Run an exchange to its result with blocking sends and sleeps."""
    answer: dict[str, Any] | None = None
    error: BaseException | None = None
    while True:
        try:
            step = exchange.throw(error) if error is not None else exchange.send(answer)
        except StopIteration as done:
            result: R = done.value
            return result
        answer, error = None, None
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            continue
        try:
            answer = transport.send(
                step.request, condition_text=step.condition_text, key_names=step.key_names
            )
        except Exception as exc:  # handed to the exchange, which decides: retry, translate or re-raise
            error = exc


async def adrive(exchange: Exchange[R], transport: AsyncTransport) -> R:
    """Run an exchange to its result on an event loop: :func:`drive` with ``await``.

    Cancelling the task stops it at the step it awaits (a request in flight is abandoned: the engine
    may or may not have applied it). The exchange is told (:class:`Abandoned`); when it answers with a
    report of what it left undone, the ``CancelledError`` goes on with that report as its ``__cause__``
    (the cancellation itself is never swallowed).
    """
    answer: dict[str, Any] | None = None
    error: BaseException | None = None
    while True:
        try:
            step = exchange.throw(error) if error is not None else exchange.send(answer)
        except StopIteration as done:
            result: R = done.value
            return result
        answer, error = None, None
        try:
            if isinstance(step, Sleep):
                await asyncio.sleep(step.seconds)
                continue
            try:
                answer = await transport.send(
                    step.request, condition_text=step.condition_text, key_names=step.key_names
                )
            except Exception as exc:  # handed to the exchange, as in drive
                error = exc
        except asyncio.CancelledError as cancelled:
            report = _abandon(exchange)
            if report is not None:
                raise cancelled from report
            raise


def _abandon(exchange: Exchange[Any]) -> Exception | None:
    """Tell a cancelled exchange it is abandoned; its report of what is left undone, if it makes one."""
    try:
        exchange.throw(Abandoned())
    except Abandoned:
        return None
    except StopIteration:
        return None
    except Exception as report:
        return report
    exchange.close()  # it tried to go on: there is no going on
    return None
