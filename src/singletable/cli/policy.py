"""One retry policy for every call of a long transfer (``export``, ``import``).

Batch writes already retry transient faults (throttling, 5xx, dropped connections) with adaptive
backoff until a deadline (:mod:`singletable.batch`). Every other call a transfer makes (the pre-flight
DescribeTable, each page of a Scan or Query, the final count) goes through :meth:`Policy.call`, which
retries the same faults with the same :class:`~singletable.batch.Backoff` and deadline, so one flaky
second cannot end a transfer that batch writes would have carried through.

Once a call has succeeded, an engine that cannot be reached (connection refused: a local engine
restarting) is waited for in the same way: a transfer under way rides through a restart, while a wrong
endpoint still fails at once, on the first call.

The backoff adapts across calls: each failure raises the delay level, each success lowers it a step,
so a transfer slows down while the engine struggles and speeds up again when it recovers. The deadline
bounds one call: a call that keeps failing for ``deadline`` seconds gives up with
:class:`~singletable.errors.TransferStalledError`, which names the transient cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

from singletable.batch import Backoff, BatchResult, is_transient
from singletable.errors import BatchIncompleteError, EngineUnreachableError, TransferStalledError

T = TypeVar("T")
log = logging.getLogger("singletable")


def cause_of(exc: BaseException) -> str:
    """A short name for a transient fault: the AWS error code, or the exception's class."""
    code = getattr(exc, "aws_code", None)
    if isinstance(code, str) and code:
        return code
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        found = response.get("Error", {}).get("Code")
        if isinstance(found, str) and found:
            return found
    inner = exc.__cause__
    if inner is not None and inner is not exc:
        return cause_of(inner)
    return type(exc).__name__


def unreachable(exc: BaseException | None) -> bool:
    """No connection could be opened: nothing listening (an engine restarting), no route, a timeout."""
    return isinstance(exc, EngineUnreachableError | EndpointConnectionError | ConnectTimeoutError)


@dataclass(slots=True)
class Policy:
    """The retry policy of one transfer; ``retried`` counts the transient faults it rode through,
    ``started`` is set by the first call that succeeded."""

    backoff: Backoff = field(default_factory=Backoff)
    retried: int = 0
    level: int = 0
    started: bool = False

    def retryable(self, exc: BaseException) -> bool:
        return is_transient(exc) or (self.started and unreachable(exc))

    @classmethod
    def with_deadline(cls, deadline: float) -> Policy:
        return cls(Backoff(deadline=deadline))

    def call(self, what: str, fn: Callable[[], T], *, resume: str = "") -> T:
        """``fn()``, retried on transient faults until the deadline; ``what`` names it in the error,
        ``resume`` (a command line) says how to carry on."""
        retry = self.backoff.start()
        retry.level = self.level
        while True:
            try:
                result = fn()
            except Exception as exc:
                if not self.retryable(exc):
                    raise
                self.retried += 1
                log.debug("%s failed transiently (%s); retrying", what, cause_of(exc))
                if not retry.wait():
                    self.level = retry.level
                    raise stalled(what, exc, self.backoff.deadline, resume) from exc
                continue
            self.level = max(0, retry.level - 1)
            self.started = True
            return result

    def write(self, write: Callable[[list[T]], BatchResult], items: list[T]) -> BatchResult:
        """``write(items)``, a batch write: it retries transient faults itself until the deadline; an
        engine that cannot be reached once the transfer is under way is waited for here, and only the
        items not yet written are sent again. Raises the batch's BatchIncompleteError otherwise."""
        retry = self.backoff.start()
        total = BatchResult()
        pending = items
        while True:
            try:
                result = write(pending)
            except BatchIncompleteError as exc:
                if not (self.started and unreachable(exc.__cause__)):
                    raise
                total.processed += len(pending) - len(exc.unprocessed)
                pending = list(exc.unprocessed)
                self.retried += 1
                log.debug("the engine cannot be reached; waiting for it")
                if not retry.wait():
                    raise
                continue
            total.add(result)
            self.started = True
            return total


def stalled(what: str, exc: BaseException, deadline: float, resume: str = "") -> TransferStalledError:
    """The error for a call that kept failing transiently until the deadline."""
    detail = str(exc).strip().rstrip(".")
    hint = (
        "the engine kept failing transiently (throttling, 5xx or dropped connections), nothing is wrong "
        "with the request or the configuration: "
        + (f"carry on with: {resume}" if resume else "run it again")
        + ", or pass a longer --deadline"
    )
    return TransferStalledError(
        f"{what} gave up after {deadline:g} s of transient faults (last: {cause_of(exc)}: {detail})",
        cause=cause_of(exc),
        hint=hint,
    )
