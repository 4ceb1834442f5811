"""Batch write / get and the bulk loader on the in-process engine, with faults injected at the client:
unprocessed items, throttling that botocore gave up on, connection drops. Nothing is lost, nothing is
written twice, bad input is refused before anything is sent, and giving up names exactly what is left."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from singletable import (
    BatchIncompleteError,
    DuplicateKeyError,
    ItemTooLargeError,
    LimitExceededError,
    Table,
    ValidationError,
)
from singletable.batch import Backoff, Retry, batch_get, is_transient
from singletable.bulk import bulk_load
from singletable.errors import EngineError
from singletable.seed import User
from tests.unit.test_transactions_engine import moto_engine_gaps

FAST = Backoff(base=0.001, cap=0.01, deadline=10.0)


class Flaky:
    """Wraps a client: batch calls hold back items as unprocessed, or fail, at the given rates."""

    def __init__(
        self,
        client: Any,
        *,
        unprocessed: float = 0.0,
        throttle: float = 0.0,
        reset_after: float = 0.0,
        seed: int = 1,
        stuck: set[str] | None = None,
    ) -> None:
        self._client = client
        self.rng = random.Random(seed)
        self.unprocessed, self.throttle, self.reset_after = unprocessed, throttle, reset_after
        self.stuck = stuck or set()  # PKs that are always handed back
        self.calls = 0
        self.faults = {"unprocessed": 0, "throttle": 0, "reset_after": 0}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _maybe_fail(self, op: str, real: Any, params: dict[str, Any]) -> None:
        self.calls += 1
        if self.rng.random() < self.throttle:
            self.faults["throttle"] += 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, op
            )
        if self.rng.random() < self.reset_after:
            self.faults["reset_after"] += 1
            real(**params)
            raise ConnectionClosedError(endpoint_url="http://engine")

    def batch_write_item(self, **params: Any) -> Any:
        self._maybe_fail("BatchWriteItem", self._client.batch_write_item, params)
        ((name, reqs),) = params["RequestItems"].items()
        keep, held = [], []
        for r in reqs:
            body = r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"]
            if body["PK"]["S"] in self.stuck or self.rng.random() < self.unprocessed:
                held.append(r)
            else:
                keep.append(r)
        self.faults["unprocessed"] += len(held)
        resp = self._client.batch_write_item(**{**params, "RequestItems": {name: keep}}) if keep else {}
        resp["UnprocessedItems"] = {name: held} if held else {}
        return resp

    def batch_get_item(self, **params: Any) -> Any:
        self._maybe_fail("BatchGetItem", self._client.batch_get_item, params)
        ((name, spec),) = params["RequestItems"].items()
        keep = [k for k in spec["Keys"] if self.rng.random() >= self.unprocessed]
        held = [k for k in spec["Keys"] if k not in keep]
        resp = (
            self._client.batch_get_item(RequestItems={name: {**spec, "Keys": keep}})
            if keep
            else {"Responses": {}}
        )
        resp["UnprocessedKeys"] = {name: {**spec, "Keys": held}} if held else {}
        return resp


@pytest.fixture
def engine_lock() -> Iterator[None]:
    with moto_engine_gaps():
        yield


def users(n: int, start: int = 0) -> list[User]:
    return [User(user_id=str(i), name=f"name {i} é", email=f"u{i}@x") for i in range(start, start + n)]


def scan_digest(table: Table) -> tuple[int, str, int]:
    """(items, hash of their sorted content, distinct keys) read straight from the engine."""
    rows = []
    kwargs: dict[str, Any] = {"TableName": table.name, "ConsistentRead": True}
    client = table.client._client if isinstance(table.client, Flaky) else table.client
    while True:
        page = client.scan(**kwargs)
        rows += [json.dumps(r, sort_keys=True) for r in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    keys = {(json.loads(r)["PK"]["S"], json.loads(r)["SK"]["S"]) for r in rows}
    return len(rows), hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest(), len(keys)


def expected_digest(table: Table, entities: list[User]) -> str:
    from singletable.codec import serialize

    rows = [json.dumps(serialize(table.schema.entity_item(e)), sort_keys=True) for e in entities]
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def test_unprocessed_items_and_transient_errors_lose_nothing(table: Table) -> None:
    flaky = Flaky(table.client, unprocessed=0.3, throttle=0.2, reset_after=0.2)
    table.client = flaky
    items = users(400)
    result = table.batch_write(items, backoff=FAST)
    assert result.processed == 400
    assert result.unprocessed == flaky.faults["unprocessed"] > 50
    assert result.errors == flaky.faults["throttle"] + flaky.faults["reset_after"]
    assert flaky.faults["throttle"] > 0 and flaky.faults["reset_after"] > 0
    assert scan_digest(table) == (400, expected_digest(table, items), 400)
    got = batch_get(table, [(User, {"user_id": str(i)}) for i in range(0, 400, 3)], backoff=FAST)
    assert got == items[::3]


def test_giving_up_names_exactly_what_was_not_written(table: Table) -> None:
    stuck = {"USER#7", "USER#31", "USER#55"}
    table.client = Flaky(table.client, unprocessed=0.2, stuck=stuck)
    items = users(60)
    start = time.monotonic()
    with pytest.raises(BatchIncompleteError, match=r"gave up after 0\.3 s with 3 items unprocessed") as err:
        table.batch_write(items, backoff=Backoff(base=0.001, cap=0.02, deadline=0.3))
    assert time.monotonic() - start < 2
    assert err.value.unprocessed == [items[7], items[31], items[55]]  # exactly these, in input order
    assert scan_digest(table)[0] == 57


def test_a_non_transient_error_stops_with_everything_left(table: Table) -> None:
    items = users(60)
    real = table.client
    calls = {"n": 0}

    class Broken(Flaky):
        def batch_write_item(self, **params: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "BatchWriteItem"
                )
            return real.batch_write_item(**params)

    table.client = Broken(real)
    with pytest.raises(BatchIncompleteError, match="stopped after 25 items, 35 not written") as err:
        table.batch_write(items, backoff=FAST)
    assert err.value.unprocessed == items[25:]
    assert isinstance(err.value.__cause__, EngineError)


def test_bad_batches_are_refused_before_anything_is_sent(table: Table) -> None:
    flaky = Flaky(table.client)
    table.client = flaky
    big = User(user_id="big", name="x" * 420_000, email="e")
    with pytest.raises(
        ItemTooLargeError, match=r"item #1 \('USER#big'/'PROFILE'\) is 420,\d+ bytes, over DynamoDB's 409,600"
    ):
        table.batch_write([users(1)[0], big])
    with pytest.raises(
        DuplicateKeyError, match=r"'USER#1'/'PROFILE' appears twice in one batch \(item #1 and delete #0\)"
    ):
        table.batch_write(users(3), deletes=[("USER#1", "PROFILE")])
    with pytest.raises(ValidationError, match="item #0 has no string 'SK'"):
        table.batch_write([{"PK": "A"}])
    with pytest.raises(LimitExceededError, match="SK is 1,500 bytes, over DynamoDB's 1,024-byte limit"):
        table.batch_write(deletes=[("A", "s" * 1500)])
    with pytest.raises(ValidationError, match="delete #0 is str"):
        table.batch_write(deletes=["USER#1"])  # type: ignore[list-item]
    assert flaky.calls == 0


def test_retry_state_rises_on_failure_falls_on_progress_and_honours_the_deadline() -> None:
    retry = Retry(Backoff(base=0.001, cap=0.002, deadline=0.05))
    assert retry.wait() and retry.wait() and retry.level == 2
    retry.progress()
    assert retry.level == 1
    time.sleep(0.06)
    assert retry.wait() is False
    transient = ClientError({"Error": {"Code": "ThrottlingException"}}, "PutItem")
    assert is_transient(transient) and is_transient(ConnectionClosedError(endpoint_url="x"))
    assert not is_transient(ClientError({"Error": {"Code": "ValidationException"}}, "PutItem"))
    http_502 = ClientError(
        {"Error": {"Code": "Whatever"}, "ResponseMetadata": {"HTTPStatusCode": 502}}, "PutItem"
    )
    assert is_transient(http_502)


# -- bulk loader -----------------------------------------------------------------------------------------


def write_jsonl(path: Path, entities: list[User]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for e in entities:
            fh.write(json.dumps(e.model_dump(mode="json")) + "\n")
        fh.write("\n")  # blank lines are skipped


def test_bulk_load_under_faults_writes_every_line_once(
    table: Table, tmp_path: Path, engine_lock: None
) -> None:
    items = users(2000)
    src = tmp_path / "users.jsonl"
    write_jsonl(src, items)
    flaky = Flaky(table.client, unprocessed=0.1, throttle=0.05, reset_after=0.05, seed=3)
    table.client = flaky
    report = bulk_load(
        table, src, entity=User, checkpoint=tmp_path / "ckpt", workers=4, progress=False, backoff=FAST
    )
    assert (report.written, report.skipped, report.failed, report.batches) == (2000, 0, [], 80)
    assert report.batch.unprocessed == flaky.faults["unprocessed"] > 100
    assert report.batch.errors == flaky.faults["throttle"] + flaky.faults["reset_after"] > 0
    assert report.write_units == 4000  # 1 WCU each + 1 for GSI1
    assert "2,000 items written" in report.summary()
    assert scan_digest(table) == (2000, expected_digest(table, items), 2000)


def test_bulk_load_resumes_from_its_checkpoint(table: Table, tmp_path: Path, engine_lock: None) -> None:
    items = users(500)
    src = tmp_path / "users.jsonl"
    write_jsonl(src, items)
    ckpt = tmp_path / "ckpt"
    # First run: users 300..309 are never accepted, so their batch gives up and is not checkpointed.
    real = table.client
    table.client = Flaky(real, stuck={f"USER#{i}" for i in range(300, 310)})
    with pytest.raises(BatchIncompleteError, match="10 lines could not be written") as err:
        bulk_load(
            table,
            src,
            entity=User,
            checkpoint=ckpt,
            workers=3,
            progress=False,
            backoff=Backoff(base=0.001, cap=0.01, deadline=0.2),
        )
    assert err.value.unprocessed == list(range(301, 311))  # line numbers (1-based)
    done = sum(
        last - first + 1
        for line in ckpt.read_text().splitlines()[1:]
        for first, last in json.loads(line)["lines"]
    )
    assert done == 475  # 19 full batches; the batch holding the stuck lines is not recorded
    with open(ckpt, "a") as fh:
        fh.write('{"lines": [[1, ')  # a record torn by a crash is ignored
    # Second run, healthy engine: only the batch that was not recorded is sent again.
    spy = Flaky(real)
    table.client = spy
    report = bulk_load(table, src, entity=User, checkpoint=ckpt, workers=3, progress=False)
    assert (report.skipped, report.written, spy.calls) == (475, 25, 1)
    assert scan_digest(table) == (500, expected_digest(table, items), 500)
    # The checkpoint belongs to its input.
    other = tmp_path / "other.jsonl"
    write_jsonl(other, items[:3])
    with pytest.raises(ValidationError, match="belongs to another input"):
        bulk_load(table, other, checkpoint=ckpt, progress=False)


def test_bulk_load_refuses_bad_lines_naming_them(table: Table, tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"PK": "A", "SK": "1"}\n{"PK": "A", "SK": "1", "x": 1}\n')
    with pytest.raises(DuplicateKeyError, match="lines 1 and 2 have the same key 'A'/'1'"):
        bulk_load(table, src, progress=False)
    src.write_text('{"PK": "A", "SK": "1"}\nnot json\n')
    with pytest.raises(ValidationError, match="line 2 is not JSON"):
        bulk_load(table, src, progress=False)
    src.write_text('{"user_id": "1", "name": "n"}\n')
    with pytest.raises(ValidationError, match=r"line 1: User\.email"):
        bulk_load(table, src, entity=User, progress=False)
    src.write_text('{"PK": "A", "SK": "1", "price": 0.1}\n')
    bulk_load(table, src, progress=False)
    assert table.get_item("A", "1") == {"PK": "A", "SK": "1", "price": __import__("decimal").Decimal("0.1")}
