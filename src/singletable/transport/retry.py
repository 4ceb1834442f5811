"""botocore's retry rules, without botocore's event system: what to retry, how long to wait, the quota.

No I/O here: a transport asks :meth:`Retries.delay` after each attempt (a response or a connection
error) and sleeps the answer itself (``time.sleep`` or ``asyncio.sleep``). The rules are botocore's own
objects from ``botocore.retries``, so a transport that uses them retries exactly what a boto3 client
retries:

- ``standard`` (and ``adaptive``): ``StandardRetryConditions`` (throttling codes, 5xx, 429, connection
  errors, modeled retryable errors, DynamoDB's CRC32 mismatch), truncated exponential backoff with full
  jitter (1 s base for throttling, 25 ms otherwise for DynamoDB, capped at 20 s, ``x-amz-retry-after``
  honoured) and the shared retry quota (``RetryQuotaChecker``: retries spend tokens, successes refund);
- ``adaptive`` adds botocore's client-side rate limiter (CUBIC), enabled by the first throttle:
  :meth:`Retries.send_delay` says how long to wait for a send token;
- ``legacy``: the same conditions with the legacy DynamoDB delay (50 ms doubled each attempt, no jitter)
  and no quota.

As :func:`singletable.client.make_client` does for the sync client, a connection that could not be opened
to a loopback endpoint (nothing listens there) gets a short budget of its own
(``LOOPBACK_CONNECT_ATTEMPTS``, 0.1 s doubled) instead of botocore's, so an engine that is not running
is reported at once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError
from botocore.retries import adaptive, bucket, quota, standard, throttling

from singletable.client import LOOPBACK_CONNECT_ATTEMPTS, LOOPBACK_CONNECT_DELAY, RetryMode, checked_attempts
from singletable.transport.attempts import FailedAttempt, RetryObserver, failed_attempt

#: DynamoDB's legacy retry delay (botocore's _retry.json): base seconds, doubled per attempt.
LEGACY_BASE_DELAY = 0.05


class _Body:
    """The raw stream ``AWSResponse.content`` reads (the CRC32 check needs the body)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> list[bytes]:
        return [self.body]


def http_response(url: str, status: int, headers: Mapping[str, str], body: bytes) -> AWSResponse:
    """A botocore ``AWSResponse`` for a response read by another HTTP library (what the rules inspect)."""
    # AWSResponse keeps the headers in its own case-insensitive dict; any mapping will do (the stubs say
    # HTTPHeaders).
    return AWSResponse(url, status, dict(headers), _Body(body))  # type: ignore[arg-type]


class Retries:
    """The retry state of one client (shared by all its requests, as botocore's is per client)."""

    def __init__(
        self,
        mode: RetryMode,
        total_attempts: int,
        *,
        loopback: bool,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """``total_attempts`` counts the first; ``jitter`` draws the backoff's random factor in [0, 1)."""
        self.mode = mode
        self.total_attempts = checked_attempts(total_attempts)
        self.loopback = loopback
        adapter = standard.RetryEventAdapter()
        self._detector = standard.ThrottlingErrorDetector(adapter)
        self._conditions = standard.StandardRetryConditions(max_attempts=total_attempts)
        self._backoff = standard.ExponentialBackoff(
            random=jitter, service_name="dynamodb", throttling_detector=self._detector
        )
        self._quota = (
            standard.RetryQuotaChecker(quota.RetryQuota(), self._detector) if mode != "legacy" else None
        )
        self._limiter: adaptive.ClientRateLimiter | None = None
        self._bucket: bucket.TokenBucket | None = None
        self._throttled = False  # adaptive: the limiter applies from the first throttle on, as botocore's
        self._lock = threading.Lock()
        self._observers: tuple[RetryObserver, ...] = ()  # replaced whole: senders iterate without a lock
        if mode == "adaptive":
            clock = bucket.Clock()
            self._bucket = bucket.TokenBucket(max_rate=1, clock=clock)
            self._limiter = adaptive.ClientRateLimiter(
                rate_adjustor=throttling.CubicCalculator(
                    starting_max_rate=0, start_time=clock.current_time()
                ),
                rate_clocker=adaptive.RateClocker(clock),
                token_bucket=self._bucket,
                throttling_detector=self._detector,
                clock=clock,
            )

    def observe(self, observer: RetryObserver) -> Callable[[], None]:
        """Report each failed attempt :meth:`delay` judges (retried or final) to ``observer``; returns the
        call that stops it (see :mod:`singletable.transport.attempts`)."""
        with self._lock:
            self._observers = (*self._observers, observer)

        def stop() -> None:
            with self._lock:
                rest = list(self._observers)
                if observer in rest:
                    rest.remove(observer)
                self._observers = tuple(rest)

        return stop

    def report(self, failed: FailedAttempt) -> None:
        """Tell the observers about ``failed`` (also how a transport reports attempts judged elsewhere)."""
        for observer in self._observers:
            observer(failed)

    def header(self, attempt: int) -> str:
        """The ``amz-sdk-request`` header botocore sends with each attempt."""
        return f"attempt={attempt}; max={self.total_attempts}"

    def send_delay(self) -> float:
        """Adaptive mode: 0 when a send token was taken, else seconds to wait before asking again."""
        if self._bucket is None or not self._throttled:
            return 0.0
        try:
            self._bucket.acquire(block=False)
        except bucket.CapacityNotAvailableError:
            return max(0.001, (1 - self._bucket.available_capacity) / max(self._bucket.max_rate, 0.5))
        return 0.0

    def delay(
        self,
        *,
        attempt: int,
        operation: Any,
        request_context: dict[str, Any],
        response: AWSResponse | None = None,
        parsed: dict[str, Any] | None = None,
        error: Exception | None = None,
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None: this answer (or ``error``) is final.

        ``operation`` is the botocore OperationModel (modeled retryable errors come from it);
        ``request_context`` is one dict per request (the quota notes what a retry spent there).
        """
        if self._observers:
            failed = failed_attempt(
                attempt=attempt, operation=operation, http_response=response, parsed=parsed, error=error
            )
            if failed is not None:
                self.report(failed)
        if self._limiter is not None:
            self._record(attempt, operation, request_context, response, parsed, error)
        if isinstance(error, EndpointConnectionError | ConnectTimeoutError) and self.loopback:
            # Never opened on loopback: nothing listens there; botocore's budget would only delay the news.
            if attempt >= min(LOOPBACK_CONNECT_ATTEMPTS, self.total_attempts):
                return None
            return LOOPBACK_CONNECT_DELAY * (1 << (attempt - 1))
        context = standard.RetryContext(
            attempt_number=attempt,
            operation_model=operation,
            parsed_response=parsed,
            http_response=response,
            caught_exception=error,
            request_context=request_context,
        )
        if not self._conditions.is_retryable(context):
            return None
        if self._quota is None:
            return float(LEGACY_BASE_DELAY * (1 << (attempt - 1)))
        if not self._quota.acquire_retry_quota(context):
            return None
        return float(self._backoff.delay_amount(context))

    def succeeded(self, request_context: dict[str, Any], response: AWSResponse) -> None:
        """A final 2xx answer: the quota gets back what the retries spent (or its success refund)."""
        if self._quota is not None:
            # botocore passes the request context dict here (an after-call handler); the stubs say RetryContext.
            self._quota.release_retry_quota(request_context, response)  # type: ignore[arg-type]

    def _record(
        self,
        attempt: int,
        operation: Any,
        request_context: dict[str, Any],
        response: AWSResponse | None,
        parsed: dict[str, Any] | None,
        error: Exception | None,
    ) -> None:
        assert self._limiter is not None
        kwargs: dict[str, Any] = {
            "attempts": attempt,
            "operation": operation,
            "response": None if response is None else (response, parsed or {}),
            "caught_exception": error,
            "request_dict": {"context": request_context},
        }
        self._limiter.on_receiving_response(**kwargs)
        if not self._throttled and self._detector.is_throttling_error(**kwargs):
            with self._lock:
                self._throttled = True
