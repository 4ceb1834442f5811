"""The local engine's stream as DynamoDB writes it: each gap of moto filled in ``local/stream_gaps.py``,
on both engines (in-process and over HTTP), read through a plain boto3 ``dynamodbstreams`` client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from singletable.client import make_client
from singletable.local import InProcessEngine, sweep_expired
from singletable.spec import TableSpec
from singletable.testing import (
    engine_table_spec,
    http_engine,
    requires_engine_feature,
    skip_unless_engine_serves,
)

pytestmark = [pytest.mark.integration, requires_engine_feature("streams")]  # over HTTP


def _key(pk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": "X"}}


@pytest.fixture(params=["inprocess", "http"])
def engine(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, str]]:
    """(dynamodb client, dynamodbstreams client, table name) of a fresh streamed table."""
    name = f"s-{uuid.uuid4().hex[:10]}"
    spec = TableSpec(name=name, deletion_protection=False, stream_view_type="NEW_AND_OLD_IMAGES")
    if request.param == "inprocess":
        with InProcessEngine() as eng:
            client = eng.client()
            spec.create(client)
            # No endpoint: botocore picks the account-based streams endpoint, which moto did not route.
            yield client, boto3.client("dynamodbstreams", region_name="us-east-1"), name
    else:
        skip_unless_engine_serves(request.node, http_engine())
        endpoint = request.getfixturevalue("singletable_endpoint")
        client = make_client(endpoint_url=endpoint)
        spec = engine_table_spec(name, stream_view_type="NEW_AND_OLD_IMAGES")
        spec.create(client)
        streams = boto3.client(
            "dynamodbstreams",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        yield client, streams, name
        spec.delete(client)


def _records(client: Any, streams: Any, name: str) -> list[tuple[str, str, Any, Any]]:
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    out = []
    for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]:
        d = r["dynamodb"]
        out.append((r["eventName"], d["Keys"]["PK"]["S"], d.get("OldImage"), d.get("NewImage")))
    return out


def test_no_op_writes_write_no_record(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    item = {**_key("A"), "n": {"N": "1"}}
    client.put_item(TableName=name, Item=item)
    client.put_item(TableName=name, Item=item)
    client.update_item(
        TableName=name,
        Key=_key("A"),
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )
    client.delete_item(TableName=name, Key=_key("absent"))
    assert [(e, pk) for e, pk, _, _ in _records(client, streams, name)] == [("INSERT", "A")]


def test_update_that_creates_writes_one_insert(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    client.update_item(
        TableName=name,
        Key=_key("B"),
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "2"}},
    )
    assert _records(client, streams, name) == [("INSERT", "B", None, {**_key("B"), "n": {"N": "2"}})]


def test_refused_update_leaves_no_record(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    client.put_item(TableName=name, Item=_key("C"))
    for pk in ("C", "new"):  # over an item, and an upsert (which the size check takes back with a delete)
        with pytest.raises(ClientError):
            client.update_item(
                TableName=name,
                Key=_key(pk),
                UpdateExpression="SET big = :b",
                ExpressionAttributeValues={":b": {"S": "x" * 409_600}},
            )
    assert [(e, pk) for e, pk, _, _ in _records(client, streams, name)] == [("INSERT", "C")]


@requires_engine_feature("stream_latest_iterator")  # DynamoDB Local lacks it (docs/engines.md #35)
def test_cancelled_transaction_is_rolled_back_in_the_stream(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": _key("D")}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": _key("missing"),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    client.put_item(TableName=name, Item=_key("E"))
    # The iterator opened before the cancelled transaction still sees later writes, and not the cancelled one.
    records = streams.get_records(ShardIterator=latest["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == ["E"]
    assert [pk for _, pk, _, _ in _records(client, streams, name)] == ["E"]


@requires_engine_feature("ttl_deletion_records")  # singletable.local's fill on moto (docs/engines.md #38)
def test_ttl_deletions_carry_dynamodbs_user_identity(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    client.put_item(TableName=name, Item={**_key("old"), "expires_at": {"N": "1000"}})
    client.put_item(TableName=name, Item=_key("mine"))
    assert sweep_expired(client) == 1
    client.delete_item(TableName=name, Key=_key("mine"))  # the same client, after a sweep: a user's delete
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    removes = [
        (r["dynamodb"]["Keys"]["PK"]["S"], r.get("userIdentity"))
        for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        if r["eventName"] == "REMOVE"
    ]
    assert removes == [("old", {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}), ("mine", None)]


def test_a_stream_turned_off_stops_recording_and_stays_readable(engine: tuple[Any, Any, str]) -> None:
    client, streams, name = engine
    client.put_item(TableName=name, Item=_key("before"))
    old_arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    client.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": False}
    )  # stream_enabled = false
    client.put_item(TableName=name, Item=_key("while-off"))  # moto failed every write here (HTTP 500)
    desc = streams.describe_stream(StreamArn=old_arn)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED" and desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    [shard] = desc["Shards"]
    assert "EndingSequenceNumber" in shard["SequenceNumberRange"]
    iterator = streams.get_shard_iterator(
        StreamArn=old_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    answer = streams.get_records(ShardIterator=iterator["ShardIterator"])
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in answer["Records"]] == ["before"]
    assert "NextShardIterator" not in answer  # a closed shard, read to its end
    # On again, with another view type: a new stream; the old one is still readable.
    client.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    client.put_item(TableName=name, Item=_key("after"))
    new_arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert new_arn != old_arn
    assert [pk for _, pk, old, new in _records(client, streams, name) if old is None and new is None] == [
        "after"
    ]
    assert streams.describe_stream(StreamArn=old_arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
