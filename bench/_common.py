"""Shared pieces: result rows, a best-of timer, the sample item, and canned botocore responses."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.awsrequest import AWSResponse


@dataclass
class Row:
    """One line of the ratio table: ours against one baseline (ratio > 1 means ours is better)."""

    bench: str
    metric: str
    ours: float
    baseline_name: str
    baseline: float
    unit: str
    ratio: float
    goal: str = ""
    met: bool | None = None


@dataclass
class Result:
    """What one benchmark measured: its table rows and the raw facts the smoke tests check."""

    rows: list[Row] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def best_per_call(
    fns: Mapping[str, Callable[[], Any]],
    number: int,
    repeat: int = 7,
    numbers: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """CPU seconds per call of each function: the best of ``repeat`` runs of ``number`` calls.

    Measured as this thread's CPU time (``time.thread_time``), not wall time, so that other work on a
    shared machine distorts it as little as possible; the best run is the least disturbed one. The
    functions take turns, run by run (in a rotating order), so that a burst of noise on this shared VM
    lands on all of them alike instead of on whichever ran during it. ``numbers`` overrides ``number``
    per function (for a much slower baseline).
    """
    names = list(fns)
    for fn in fns.values():
        fn()  # warm caches (pydantic validators, botocore models, lru caches)
    best = dict.fromkeys(names, float("inf"))
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeat):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                fn, n = fns[name], (numbers or {}).get(name, number)
                t0 = time.thread_time()
                for _ in range(n):
                    fn()
                best[name] = min(best[name], (time.thread_time() - t0) / n)
    finally:
        if gc_was:
            gc.enable()
    return best


def sample_item() -> dict[str, Any]:
    """A ~1.6 KB nested item: 17 attributes, nested maps and lists, Decimals, a string set."""
    return {
        "PK": "USER#u00042",
        "SK": "ORDER#2023-02-15#000456",
        "_type": "OrderDetail",
        "order_id": "000456",
        "status": "SHIPPED",
        "total": Decimal("1234.56"),
        "items_count": 7,
        "created_at": "2023-02-15T10:31:07.123456+00:00",
        "customer": {
            "name": "John Doe",
            "email": "john.doe@example.com",
            "tier": "gold",
            "since": 2017,
            "address": {
                "street": "1234 Long Avenue, Apartment 56",
                "city": "Springfield",
                "zip": "12345-6789",
                "country": "US",
                "geo": {"lat": Decimal("39.7817213"), "lon": Decimal("-89.6501481")},
            },
        },
        "lines": [
            {
                "sku": f"SKU-{n:06d}",
                "title": f"Product number {n} with a fairly descriptive title",
                "qty": n % 3 + 1,
                "price": Decimal(f"{n * 3 + 9}.99"),
                "options": {"colour": "blue", "size": "M"},
            }
            for n in range(7)
        ],
        "tags": {"gift", "express", "fragile", "priority"},
        "notes": (
            "Leave at the front desk if nobody answers; call ahead between 9 and 17. "
            "The side gate is open on weekdays; the parcel room is on the left past the lifts, "
            "ask for Sam at the desk, or leave it with the concierge on duty that day."
        ),
        "discount": Decimal("0.15"),
        "paid": True,
        "coupon": None,
        "history": [
            {"at": f"2023-02-{d:02d}T08:00:00Z", "event": e}
            for d, e in ((15, "placed"), (16, "paid"), (17, "packed"), (18, "shipped"))
        ],
        "weight_kg": Decimal("3.275"),
    }


# -- canned responses: the network cut out, botocore's serialising, signing and parsing still run ------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


Responder = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


def install_canned(client: Any, respond: Responder) -> None:
    """Answer every DynamoDB call of ``client`` from ``respond(operation, request_body)``, in process.

    The handler runs on botocore's ``before-send`` event, after the request was serialised and signed;
    what it returns is parsed as the HTTP response, so the client's whole CPU path still runs.
    """

    def handler(request: Any, **_: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        op = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        body = json.loads(request.body) if request.body else {}
        payload = json.dumps(respond(op, body)).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(payload))}
        return AWSResponse(request.url, 200, headers, _Raw(payload))

    client.meta.events.register("before-send.dynamodb.*", handler)


def fake_client() -> Any:
    """A DynamoDB client with dummy credentials on a dummy endpoint (nothing is ever sent)."""
    import boto3

    return boto3.session.Session().client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def rss_bytes() -> int:
    """The process's resident set size now (Linux /proc; falls back to the peak from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            import os

            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
