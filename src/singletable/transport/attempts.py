"""Failed attempts as a transport sees them, for whoever must react to every one (a migration's pacer).

A throttle that a transport retries by itself never reaches its caller: with botocore's default budget
(ten retries for DynamoDB here) nearly every throttle is absorbed, and a caller that counts the errors it
catches sees almost none. A transport that accepts a :data:`RetryObserver` (:class:`RetryObservable`)
reports each failed attempt to it, retried or final, as a :class:`FailedAttempt`:

- the lean transports (:class:`~singletable.transport.leancore.LeanCore`): from
  :class:`~singletable.transport.retry.Retries`, which judges every attempt (no I/O there);
- the full botocore path (:class:`~singletable.transport.ClientTransport`): from a ``needs-retry``
  handler (:class:`RetryReporter`), botocore's documented event, emitted after every attempt; it
  returns None, so it never changes what botocore decides.

"Throttle" is botocore's own rule (``ThrottlingErrorDetector``: the codes its backoff treats as
throttling), the same on both paths. Observers are called on the sending thread (or the loop): they
must be quick and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from botocore.retries import standard

__all__ = ["FailedAttempt", "RetryObservable", "RetryObserver", "RetryReporter", "failed_attempt"]


@dataclass(frozen=True, slots=True)
class FailedAttempt:
    """One attempt that failed: an error answer, or a connection-level failure (``status`` None)."""

    operation: str
    attempt: int  # 1 for the first try
    status: int | None  # the HTTP status of the answer; None: no answer (``error`` says why)
    code: str | None  # the error code of the answer (``ThrottlingException``, ...)
    error: str | None  # the class name of a connection-level failure
    throttle: bool  # botocore's throttling rule


#: Called with each failed attempt a transport sees.
RetryObserver = Callable[[FailedAttempt], None]


@runtime_checkable
class RetryObservable(Protocol):
    """A transport that reports each failed attempt, those it retries itself included."""

    def observe_retries(self, observer: RetryObserver) -> Callable[[], None]:
        """Report every failed attempt to ``observer`` from now on; returns the call that stops it."""
        ...


_DETECTOR = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())


def failed_attempt(
    *,
    attempt: int,
    operation: Any,
    http_response: Any = None,
    parsed: Any = None,
    error: BaseException | None = None,
) -> FailedAttempt | None:
    """The failed attempt these pieces of a ``needs-retry`` judgement describe; None for a success."""
    status = getattr(http_response, "status_code", None) if error is None else None
    if error is None and (status is None or status < 300):
        return None
    error_part = parsed.get("Error") if isinstance(parsed, dict) else None
    code = error_part.get("Code") if isinstance(error_part, dict) else None
    # The needs-retry form of the judgement, which every botocore of our range reads the same way.
    judged = {
        "attempts": attempt,
        "operation": operation,
        "response": None if http_response is None else (http_response, parsed or {}),
        "caught_exception": error,
        "request_dict": {"context": {}},
    }
    return FailedAttempt(
        operation=getattr(operation, "name", "") or "",
        attempt=attempt,
        status=status,
        code=code,
        error=type(error).__name__ if error is not None else None,
        throttle=bool(_DETECTOR.is_throttling_error(**judged)),
    )


class RetryReporter:
    """A botocore ``needs-retry`` handler reporting each failed attempt to ``observer``; decides nothing."""

    def __init__(self, observer: RetryObserver) -> None:
        self.observer = observer

    def __call__(
        self,
        attempts: int = 0,
        response: Any = None,
        caught_exception: BaseException | None = None,
        operation: Any = None,
        **_: Any,
    ) -> None:
        http, parsed = response if response else (None, None)
        failed = failed_attempt(
            attempt=attempts, operation=operation, http_response=http, parsed=parsed, error=caught_exception
        )
        if failed is not None:
            self.observer(failed)
