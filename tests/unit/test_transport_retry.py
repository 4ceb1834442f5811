"""botocore's retry rules as the transports apply them (no I/O): what is retried, how long, how often."""

from __future__ import annotations

import zlib
from typing import Any

import botocore.session
import pytest
from botocore.configprovider import NEW_RETRIES_ENABLED
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from singletable.client import LOOPBACK_CONNECT_ATTEMPTS
from singletable.transport.retry import LEGACY_BASE_DELAY, Retries, http_response

OPERATION = botocore.session.get_session().get_service_model("dynamodb").operation_model("PutItem")
URL = "https://dynamodb.us-east-1.amazonaws.com"
# botocore 1.44 made its 2026 retry rules the default (opt-in with AWS_NEW_RETRIES_2026 on 1.43): a 25 ms base
# for DynamoDB's transient errors and 429 retried. Ours follow whichever rules the installed botocore has.
TRANSIENT_BASE = 0.025 if NEW_RETRIES_ENABLED else 1.0


def answer(status: int, code: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    parsed = {"Error": {"Code": code, "Message": "m"}} if code else {}
    return {"response": http_response(URL, status, headers or {}, b"{}"), "parsed": parsed}


def delays(retries: Retries, **attempt: Any) -> list[float | None]:
    context: dict[str, Any] = {}
    return [
        retries.delay(attempt=n, operation=OPERATION, request_context=context, **attempt)
        for n in range(1, retries.total_attempts + 1)
    ]


@pytest.mark.parametrize(
    "kind",
    [
        answer(400, "ThrottlingException"),
        answer(400, "ProvisionedThroughputExceededException"),
        answer(400, "RequestLimitExceeded"),
        answer(500, "InternalServerError"),
        answer(503, "ServiceUnavailable"),
        pytest.param(
            answer(429),
            marks=pytest.mark.skipif(
                not NEW_RETRIES_ENABLED, reason="a bare 429 is final before botocore 1.44"
            ),
        ),
        {"error": ConnectionClosedError(endpoint_url=URL)},
        {"error": ReadTimeoutError(endpoint_url=URL)},
    ],
    ids=["throttling", "throughput", "limit", "500", "503", "429", "reset", "read-timeout"],
)
def test_transient_answers_are_retried_until_the_attempts_run_out(kind: dict[str, Any]) -> None:
    got = delays(Retries("standard", 4, loopback=False, jitter=lambda: 1.0), **kind)
    assert all(d is not None and d > 0 for d in got[:-1])
    assert got[-1] is None  # the fourth attempt is the last


@pytest.mark.parametrize(
    "kind",
    [answer(400, "ValidationException"), answer(400, "ConditionalCheckFailedException"), answer(404)],
    ids=["validation", "condition", "404"],
)
def test_client_errors_are_final(kind: dict[str, Any]) -> None:
    assert delays(Retries("standard", 4, loopback=False), **kind) == [None] * 4


def test_backoff_is_botocores_full_jitter_with_its_dynamodb_bases() -> None:
    retries = Retries("standard", 6, loopback=False, jitter=lambda: 1.0)
    assert delays(retries, **answer(400, "ThrottlingException"))[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert delays(retries, **answer(500, "InternalServerError"))[:3] == [
        TRANSIENT_BASE * 2**i for i in range(3)
    ]
    half = Retries("standard", 3, loopback=False, jitter=lambda: 0.5)
    assert delays(half, **answer(400, "ThrottlingException"))[:2] == [0.5, 1.0]


def test_legacy_mode_doubles_50_ms_without_jitter_or_quota() -> None:
    retries = Retries("legacy", 4, loopback=False)
    assert delays(retries, **answer(500, "InternalServerError")) == [
        LEGACY_BASE_DELAY,
        LEGACY_BASE_DELAY * 2,
        LEGACY_BASE_DELAY * 4,
        None,
    ]


def test_the_retry_quota_runs_out_and_successes_refill_it() -> None:
    retries = Retries("standard", 3, loopback=False, jitter=lambda: 0.0)
    spent = 0
    while (
        retries.delay(
            attempt=1, operation=OPERATION, request_context={}, **answer(500, "InternalServerError")
        )
        is not None
    ):
        spent += 1
        assert spent < 1000
    assert spent > 0  # botocore's quota (500 tokens) ran out
    context: dict[str, Any] = {}
    for _ in range(50):
        retries.succeeded(context, http_response(URL, 200, {}, b"{}"))
    assert retries.delay(attempt=1, operation=OPERATION, request_context={}, **answer(500, "X")) is not None


def test_a_damaged_body_is_retried_as_botocore_does() -> None:
    body = b'{"Item": {}}'
    good = http_response(URL, 200, {"x-amz-crc32": str(zlib.crc32(body))}, body)
    bad = http_response(URL, 200, {"x-amz-crc32": str(zlib.crc32(body) ^ 1)}, body)
    retries = Retries("standard", 3, loopback=False)
    assert retries.delay(attempt=1, operation=OPERATION, request_context={}, response=good, parsed={}) is None
    assert (
        retries.delay(attempt=1, operation=OPERATION, request_context={}, response=bad, parsed={}) is not None
    )


def test_a_refused_loopback_connection_gets_the_short_budget() -> None:
    refused = {"error": EndpointConnectionError(endpoint_url="http://127.0.0.1:9")}
    got = delays(Retries("standard", 11, loopback=True), **refused)
    assert got[: LOOPBACK_CONNECT_ATTEMPTS - 1] == [0.1, 0.2, 0.4]
    assert got[LOOPBACK_CONNECT_ATTEMPTS - 1] is None
    # Elsewhere a refused connection is one more transient error: botocore's budget.
    remote = delays(Retries("standard", 11, loopback=False, jitter=lambda: 1.0), **refused)
    assert remote[:-1] == [min(TRANSIENT_BASE * 2**i, 20.0) for i in range(10)]


def test_adaptive_mode_paces_sends_after_a_throttle() -> None:
    retries = Retries("adaptive", 4, loopback=False, jitter=lambda: 0.0)
    assert retries.send_delay() == 0.0  # no throttle yet: the limiter is off
    retries.delay(attempt=1, operation=OPERATION, request_context={}, **answer(400, "ThrottlingException"))
    waits = [retries.send_delay() for _ in range(5)]
    assert any(w > 0 for w in waits)  # the token bucket now paces sends
