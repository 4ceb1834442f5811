"""The Lambda batch helper against Lambda's event shapes (NEW_AND_OLD_IMAGES, NEW_IMAGE, KEYS_ONLY): typed
decoding, and a failure on record k reported as Lambda expects (that record and every later record of its
partition key), sync and async."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from singletable import Table, TableSpec
from singletable.errors import ChangeKindError, StreamRecordError
from singletable.streams import Change, Router, ahandle_batch, deliver, handle_batch
from tests.streams_domain import Loan, Member

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lambda_streams"
VIEWS = ["new_and_old_images", "new_image", "keys_only"]


def event(view: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{view}.json").read_text())
    return data


def table() -> Table:
    # No I/O: a router needs only the table's schema.
    return Table(TableSpec(), client=object(), entities=[Member, Loan])


def seqs(ev: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["SequenceNumber"] for r in ev["Records"]]


def pks(ev: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["Keys"]["PK"]["S"] for r in ev["Records"]]


def test_new_and_old_images_decode_typed() -> None:
    router = Router(table())
    changes = [router.decode(r) for r in event("new_and_old_images")["Records"]]
    assert [(c.kind, c.entity_name) for c in changes] == [
        ("insert", "Member"),
        ("insert", "Loan"),
        ("modify", "Member"),
        ("insert", "Loan"),
        ("insert", None),
        ("modify", "Loan"),
        ("remove", "Loan"),
        ("modify", "Member"),
    ]
    first: Change[Member] = changes[2]
    assert first.old == Member(member_id="m1", name="Ada", loans=0)
    assert first.new == Member(member_id="m1", name="Ada", loans=1)
    foreign = changes[4]
    assert isinstance(foreign.new, dict) and foreign.new["blob"] == b"\x00\x01\x02\xff"
    assert foreign.new["tags"] == {b"\x01"}
    assert changes[6].by_ttl and not changes[5].by_ttl
    assert changes[0].approximate_time.timestamp() == 1796000000
    assert changes[0].event_source_arn is not None and changes[0].view_type == "NEW_AND_OLD_IMAGES"


def test_keys_only_and_new_image() -> None:
    router = Router(table())
    keys_only = [router.decode(r) for r in event("keys_only")["Records"]]
    assert all(c.old is None and c.new is None for c in keys_only)
    assert [c.entity_name for c in keys_only] == [
        "Member",
        "Loan",
        "Member",
        "Loan",
        None,
        "Loan",
        "Loan",
        "Member",
    ]
    assert keys_only[1].keys == {"PK": "MEMBER#m1", "SK": "LOAN#l1"}
    new_image = [router.decode(r) for r in event("new_image")["Records"]]
    assert [c.old for c in new_image] == [None] * 8
    assert new_image[5].new == Loan(member_id="m1", loan_id="l1", title="Dune, 2nd ed.")
    assert new_image[6].new is None and new_image[6].entity is Loan  # a remove: the keys say which entity


def test_router_routes_by_entity_and_kind() -> None:
    router = Router(table())
    seen: list[str] = []

    @router.on(Member, "modify")
    def member_changed(change: Change[Member]) -> None:
        assert change.new is not None
        seen.append(f"member:{change.new.name}")

    @router.on(Loan)
    def loan_any(change: Change[Loan]) -> None:
        seen.append(f"loan:{change.kind}")

    @router.on_other()
    def other(change: Change[dict[str, Any]]) -> None:
        seen.append(f"other:{change.keys['PK']}")

    assert handle_batch(router, event("new_and_old_images")) == {"batchItemFailures": []}
    assert seen == [
        "loan:insert",
        "member:Ada",
        "loan:insert",
        "other:AUDIT#7",
        "loan:modify",
        "loan:remove",
        "member:Ada Lovelace",
    ]
    with pytest.raises(ChangeKindError, match="ST722"):
        router.on(Member, "upsert")  # type: ignore[arg-type]


def _expected_failures(ev: dict[str, Any], k: int) -> list[str]:
    """Record k, and every later record of its partition key."""
    s, p = seqs(ev), pks(ev)
    return [s[i] for i in range(k, len(s)) if p[i] == p[k]]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_failure_on_record_k(view: str, mode: str) -> None:
    ev = event(view)
    for k in range(len(ev["Records"])):
        router = Router(table())
        handled: list[str] = []
        bad = seqs(ev)[k]

        def handle(change: Change[Any], bad: str = bad, handled: list[str] = handled) -> None:
            if change.sequence_number == bad:
                raise RuntimeError("boom")
            handled.append(change.sequence_number)

        async def ahandle(change: Change[Any], handle: Any = handle) -> None:
            await asyncio.sleep(0)
            handle(change)

        h = ahandle if mode == "async" else handle
        router.on(Member)(h)
        router.on(Loan)(h)
        router.on_other()(h)
        if mode == "async":
            answer = asyncio.run(ahandle_batch(router, ev, concurrency=3))
        else:
            answer = handle_batch(router, ev)
        failed = _expected_failures(ev, k)
        assert answer == {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}, k
        # Every other record was handled (those of other keys after k too), each once.
        assert sorted(handled) == sorted(set(seqs(ev)) - set(failed))


def test_async_handlers_in_a_sync_batch_and_sync_handlers_in_an_async_batch() -> None:
    router = Router(table())
    seen: list[str] = []

    @router.on(Member)
    async def a(change: Change[Member]) -> None:
        seen.append("async")

    @router.on(Loan)
    def s(change: Change[Loan]) -> None:
        seen.append("sync")

    handle_batch(router, event("new_image"))
    asyncio.run(router.ahandle_batch(event("new_image")))
    assert seen.count("async") == 6 and seen.count("sync") == 8


def test_a_record_that_is_no_stream_record() -> None:
    router = Router(table())
    with pytest.raises(StreamRecordError, match="ST720"):
        handle_batch(router, {"Records": [{"eventID": "x", "dynamodb": {}}]})
    bad = event("new_image")
    bad["Records"][1]["eventName"] = "UPSERT"
    # Decoding fails for that record alone: it is reported, the rest are handled.
    failed = [{"itemIdentifier": s} for s in _expected_failures(bad, 1)]
    assert len(failed) == 4 and handle_batch(router, bad) == {"batchItemFailures": failed}


def test_deliver_plays_lambdas_retry_rules() -> None:
    records = event("new_image")["Records"]
    s = seqs(event("new_image"))
    calls: list[list[str]] = []
    answers: list[Any] = [
        {"batchItemFailures": [{"itemIdentifier": s[4]}, {"itemIdentifier": s[2]}]},  # lowest is s[2]
        RuntimeError("the whole invocation failed"),
        {"batchItemFailures": [{"itemIdentifier": ""}]},  # an empty identifier fails the whole batch
        None,  # a null response is a success
        {"batchItemFailures": []},
    ]

    def handler(ev: dict[str, Any], context: Any) -> Any:
        calls.append([r["dynamodb"]["SequenceNumber"] for r in ev["Records"]])
        assert all("eventSourceARN" in r for r in ev["Records"])
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    report = deliver(records, handler, batch_size=5)
    assert calls == [s[0:5], s[2:7], s[2:7], s[2:7], s[7:8]]
    assert report.complete and report.invocations == 5 and report.partial_failures == 3
    assert not deliver(
        records, lambda ev, ctx: {"batchItemFailures": [{"itemIdentifier": s[0]}]}, max_invocations=3
    ).complete
