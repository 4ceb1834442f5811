"""Failed attempts reported to observers (no I/O): the lean retry rules' reports, botocore's needs-retry
form of them, and the pacer that counts them once."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.exceptions import ConnectionClosedError

from singletable.client import make_client
from singletable.migrate.pacing import Pacer, watching
from singletable.transport import ClientTransport
from singletable.transport.attempts import FailedAttempt, RetryObservable, RetryReporter
from singletable.transport.retry import Retries, http_response

OPERATION = botocore.session.get_session().get_service_model("dynamodb").operation_model("UpdateItem")
URL = "https://dynamodb.us-east-1.amazonaws.com"


def answer(status: int, code: str | None = None) -> dict[str, Any]:
    parsed = {"Error": {"Code": code, "Message": "m"}} if code else {}
    return {"response": http_response(URL, status, {}, b"{}"), "parsed": parsed}


def judge(retries: Retries, attempt: int, **outcome: Any) -> float | None:
    return retries.delay(attempt=attempt, operation=OPERATION, request_context={}, **outcome)


def test_every_failed_attempt_is_reported_retried_or_final() -> None:
    retries = Retries("standard", 2, loopback=False, jitter=lambda: 0.0)
    seen: list[FailedAttempt] = []
    stop = retries.observe(seen.append)
    assert judge(retries, 1, **answer(400, "ThrottlingException")) is not None  # retried by the transport
    assert judge(retries, 2, **answer(400, "ProvisionedThroughputExceededException")) is None  # final
    judge(retries, 1, **answer(500, "InternalServerError"))
    judge(retries, 1, error=ConnectionClosedError(endpoint_url=URL))
    judge(retries, 1, **answer(400, "ValidationException"))
    judge(retries, 1, **answer(200))  # a success is not a failed attempt
    assert [(f.attempt, f.status, f.code, f.error, f.throttle) for f in seen] == [
        (1, 400, "ThrottlingException", None, True),
        (2, 400, "ProvisionedThroughputExceededException", None, True),
        (1, 500, "InternalServerError", None, False),
        (1, None, None, "ConnectionClosedError", False),
        (1, 400, "ValidationException", None, False),
    ]
    assert {f.operation for f in seen} == {"UpdateItem"}
    stop()
    judge(retries, 1, **answer(400, "ThrottlingException"))
    assert len(seen) == 5  # stopped


def test_botocore_needs_retry_form_reports_the_same() -> None:
    seen: list[FailedAttempt] = []
    handler = RetryReporter(seen.append)
    throttled = answer(400, "ThrottlingException")
    assert (
        handler(attempts=1, response=(throttled["response"], throttled["parsed"]), operation=OPERATION)
        is None
    )
    handler(attempts=1, response=(http_response(URL, 200, {}, b"{}"), {}), operation=OPERATION)
    handler(
        attempts=3,
        response=None,
        caught_exception=ConnectionClosedError(endpoint_url=URL),
        operation=OPERATION,
    )
    assert [(f.attempt, f.code, f.error, f.throttle) for f in seen] == [
        (1, "ThrottlingException", None, True),
        (3, None, "ConnectionClosedError", False),
    ]


class _Observable:
    def __init__(self) -> None:
        self.retries = Retries("standard", 4, loopback=False, jitter=lambda: 0.0)

    def observe_retries(self, observer: Any) -> Any:
        return self.retries.observe(observer)


def test_pacer_counts_each_throttle_once() -> None:
    transport = _Observable()
    assert isinstance(transport, RetryObservable)
    pacer = Pacer(wcu_per_second=100)
    with watching(pacer, transport):
        assert pacer.observed
        judge(transport.retries, 1, **answer(400, "ThrottlingException"))
        judge(transport.retries, 1, **answer(500, "InternalServerError"))
        pacer.throttle_raised()  # the same throttles, surfacing after the retries: already counted
    assert pacer.throttles == 1 and pacer.writes.factor == 0.5
    assert not pacer.observed
    judge(transport.retries, 1, **answer(400, "ThrottlingException"))  # no longer watched
    pacer.throttle_raised()  # unobserved: the error that outlasted the retries is all there is to count
    assert pacer.throttles == 2


def test_a_transport_that_cannot_report_leaves_the_raised_throttles() -> None:
    pacer = Pacer()
    with watching(pacer, object()):
        assert not pacer.observed
        pacer.throttle_raised()
    assert pacer.throttles == 1


def test_client_transport_reports_botocore_judgements_until_stopped() -> None:
    client = make_client(endpoint_url="http://127.0.0.1:9", max_attempts=4)
    transport = ClientTransport(client)
    assert isinstance(transport, RetryObservable)
    seen: list[FailedAttempt] = []
    stop = transport.observe_retries(seen.append)
    throttled = answer(400, "ProvisionedThroughputExceededException")
    judgement = {
        "response": (throttled["response"], throttled["parsed"]),
        "endpoint": None,
        "operation": OPERATION,
        "attempts": 1,
        "caught_exception": None,
        "request_dict": {"context": {}},
    }
    # What botocore's endpoint emits after each attempt; its own retry handler answers with a delay.
    delays = client.meta.events.emit("needs-retry.dynamodb.UpdateItem", **judgement)
    assert any(isinstance(d, float) for _, d in delays)  # botocore still decides, the reporter does not
    assert [(f.code, f.throttle) for f in seen] == [("ProvisionedThroughputExceededException", True)]
    stop()
    client.meta.events.emit("needs-retry.dynamodb.UpdateItem", **judgement)
    assert len(seen) == 1
