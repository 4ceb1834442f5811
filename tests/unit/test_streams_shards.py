"""Shard bookkeeping (ShardPlan, no I/O) on DescribeStream's shapes with splits and closed shards, and the
reader driving it through a split: the parent is read to its end before its children, which are found by
describing the stream again. The local engine has one shard that never splits (docs/streams.md), so the
split is played by botocore's Stubber with the Streams API's documented response shapes."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from singletable import Table, TableSpec
from singletable.streams import ShardPlan, StreamReader

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t-split/stream/2026-11-30T00:00:00.000"


def sid(name: str) -> str:
    """A shard id of the real length (``shardId-<20 digits>-<8 hex>``) from a short name (``shardId-3``)."""
    return f"shardId-{int(name.rsplit('-', 1)[1], 36):020d}-0f3e9a2c"


def seq(n: str) -> str:
    """A sequence number of the real length (21 digits and more)."""
    return str(10**20 + int(n))


def shard(name: str, parent: str | None = None, start: str = "100", end: str | None = None) -> dict[str, Any]:
    rng = {"StartingSequenceNumber": seq(start)} | ({"EndingSequenceNumber": seq(end)} if end else {})
    return {"ShardId": sid(name), "SequenceNumberRange": rng} | (
        {"ParentShardId": sid(parent)} if parent else {}
    )


SPLIT = [
    shard("shardId-0", end="199"),
    shard("shardId-1", parent="shardId-0", start="200", end="299"),
    shard("shardId-2", parent="shardId-0", start="210"),
    shard("shardId-3", parent="shardId-1", start="300"),
    shard("shardId-9", parent="shardId-trimmed", start="400"),  # its parent is past the retention
]


def ids(plan: ShardPlan) -> list[str]:
    names = {sid(f"shardId-{n}"): f"shardId-{n}" for n in ("0", "1", "2", "3", "4", "9")}
    return [names[s.shard_id] for s in plan.ready()]


def test_trim_horizon_reads_parents_before_children() -> None:
    plan = ShardPlan("trim_horizon")
    plan.update(SPLIT)
    assert ids(plan) == ["shardId-0", "shardId-9"]
    assert plan.iterator_args(plan.shards[sid("shardId-0")]) == {"ShardIteratorType": "TRIM_HORIZON"}
    s0 = plan.shards[sid("shardId-0")]
    assert not plan.advance(s0, [{"dynamodb": {"SequenceNumber": seq("150")}}], "it-next")
    assert plan.iterator_args(s0) == {
        "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
        "SequenceNumber": seq("150"),
    }
    assert plan.advance(s0, [], None)  # closed and read to its end
    assert ids(plan) == ["shardId-1", "shardId-2", "shardId-9"]
    plan.advance(plan.shards[sid("shardId-1")], [], None)
    assert ids(plan) == ["shardId-2", "shardId-3", "shardId-9"]


def test_latest_skips_closed_shards_and_starts_open_ones_at_latest() -> None:
    plan = ShardPlan("latest")
    plan.update(SPLIT)
    assert ids(plan) == ["shardId-2", "shardId-3", "shardId-9"]
    assert plan.iterator_args(plan.shards[sid("shardId-3")]) == {"ShardIteratorType": "LATEST"}
    # A shard found later holds only new records: from its start.
    plan.update([*SPLIT, shard("shardId-4", parent="shardId-2", start="500")])
    assert plan.iterator_args(plan.shards[sid("shardId-4")]) == {"ShardIteratorType": "TRIM_HORIZON"}


def _record(n: str, pk: str) -> dict[str, Any]:
    return {
        "eventID": n,
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"PK": {"S": pk}, "SK": {"S": "X"}},
            "NewImage": {"PK": {"S": pk}, "SK": {"S": "X"}},
            "SequenceNumber": seq(n),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_reader_follows_a_split() -> None:
    client = boto3.client(
        "dynamodbstreams", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    parent_open = [shard("shardId-0")]
    after_split = [shard("shardId-0", end="199"), shard("shardId-1", parent="shardId-0", start="200")]

    def describe(shards: list[dict[str, Any]]) -> None:
        stub.add_response(
            "describe_stream", {"StreamDescription": {"StreamArn": ARN, "Shards": shards}}, {"StreamArn": ARN}
        )

    def records(iterator: str, recs: list[dict[str, Any]], nxt: str | None) -> None:
        answer: dict[str, Any] = {"Records": recs} | ({"NextShardIterator": nxt} if nxt else {})
        stub.add_response("get_records", answer, {"ShardIterator": iterator, "Limit": 1000})

    describe(parent_open)
    stub.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-0"},
        {"StreamArn": ARN, "ShardId": sid("shardId-0"), "ShardIteratorType": "TRIM_HORIZON"},
    )
    records("it-0", [_record("150", "A")], "it-0b")
    records("it-0b", [_record("160", "A")], None)  # the split closed the shard: no next iterator
    describe(after_split)
    stub.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-1"},
        {"StreamArn": ARN, "ShardId": sid("shardId-1"), "ShardIteratorType": "TRIM_HORIZON"},
    )
    records("it-1", [_record("210", "A")], "it-1b")
    records("it-1b", [], "it-1c")  # nothing more: read_available stops
    with stub:
        table = Table(TableSpec(name="t-split"), client=object())
        reader = StreamReader(table, client=client, stream_arn=ARN, describe_interval=3600)
        got = [c.sequence_number for c in reader.read_available()]
        stub.assert_no_pending_responses()
    assert got == [seq("150"), seq("160"), seq("210")]
