"""Pacing: keep a migration within a WCU/s and RCU/s budget, and back off when throttled.

Each budget is a token bucket debited with the capacity each call actually consumed (by DynamoDB's size
rules, known only after the call): a call waits until the bucket is out of debt, then pays. The bucket
starts empty and holds at most one second of budget, so the measured rate tracks the budget from the
first second. Throttling lowers the pace multiplicatively (halved, down to 5 %); every successful call
then raises it a little (additive increase) back towards the budget.

Every throttle counts, those the transport retried by itself included: :func:`watching` has the table's
transport report each failed attempt to the pacer (:mod:`singletable.transport.attempts`). A transport
that cannot report them leaves the pacer only the throttles that outlasted its retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from singletable.transport.attempts import FailedAttempt, RetryObservable


class TokenBucket:
    """``rate`` units per second (None: unlimited), thread-safe; ``pay`` after the call, ``wait`` before."""

    def __init__(self, rate: float | None, *, burst_seconds: float = 1.0) -> None:
        self.rate = rate
        self.factor = 1.0
        self.burst_seconds = burst_seconds
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self._lock = threading.Lock()
        self.paid = 0.0

    @property
    def pace(self) -> float | None:
        """The rate in force now (the budget, lowered after throttling)."""
        return None if self.rate is None else self.rate * self.factor

    def _refill(self, now: float) -> None:
        pace = self.pace
        assert pace is not None
        self._tokens = min(pace * self.burst_seconds, self._tokens + (now - self._stamp) * pace)
        self._stamp = now

    def wait(self) -> float:
        """Sleep until the bucket is out of debt; returns the seconds slept."""
        slept = 0.0
        while True:
            with self._lock:
                pace = self.pace
                if pace is None:
                    return slept
                self._refill(time.monotonic())
                if self._tokens >= 0:
                    return slept
                delay = -self._tokens / pace
            time.sleep(delay)
            slept += delay

    def pay(self, units: float) -> None:
        with self._lock:
            self.paid += units
            if self.rate is None:
                return
            self._refill(time.monotonic())
            self._tokens -= units
            self.factor = min(1.0, self.factor + 0.01)

    def throttled(self) -> None:
        with self._lock:
            self.factor = max(0.05, self.factor / 2)


@dataclass
class Pacer:
    """The write and read buckets of one run, and what they saw."""

    wcu_per_second: float | None = None
    rcu_per_second: float | None = None
    writes: TokenBucket = field(init=False)
    reads: TokenBucket = field(init=False)
    throttles: int = 0
    #: Whether the transport reports every failed attempt (:meth:`attempt_failed`); the errors that
    #: outlast its retries (:meth:`throttle_raised`) were reported then already.
    observed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.writes = TokenBucket(self.wcu_per_second)
        self.reads = TokenBucket(self.rcu_per_second)

    def throttled(self) -> None:
        with self._lock:  # segments' threads report at once; the count must be exact
            self.throttles += 1
        self.writes.throttled()
        self.reads.throttled()

    def attempt_failed(self, failed: FailedAttempt) -> None:
        """A transport's report of a failed attempt (a :data:`~singletable.transport.attempts.RetryObserver`)."""
        if failed.throttle:
            self.throttled()

    def throttle_raised(self) -> None:
        """A throttling error that outlasted the transport's retries (counted once: unless observed)."""
        if not self.observed:
            self.throttled()


@contextmanager
def watching(pacer: Pacer, transport: object) -> Iterator[Pacer]:
    """``pacer`` told of every failed attempt ``transport`` sees inside the block, if it can say."""
    if not isinstance(transport, RetryObservable):
        yield pacer
        return
    stop = transport.observe_retries(pacer.attempt_failed)
    pacer.observed = True
    try:
        yield pacer
    finally:
        stop()
        pacer.observed = False
