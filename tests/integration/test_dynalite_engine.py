"""dynalite (npm) as a second, independent engine: it starts, serves the single-table shape, follows
DynamoDB's size rules for capacity and its batch limits, and lacks what we say it lacks.

Skipped when dynalite is not installed (``scripts/install-dynalite.sh``)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from singletable.local import dynalite as dynalite_module
from singletable.local.dynalite import DynaliteNotInstalled, DynaliteServer, find_dynalite
from singletable.local.faults import FaultProxy, FaultRates

pytestmark = pytest.mark.integration

NOT_INSTALLED = "dynalite is not installed: run scripts/install-dynalite.sh (needs node and npm)"


def make_client(endpoint_url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def dynalite() -> Iterator[DynaliteServer]:
    cli = find_dynalite()
    if cli is None:
        pytest.skip(NOT_INSTALLED)
    with DynaliteServer(cli) as server:
        yield server


@pytest.fixture(scope="module")
def client(dynalite: DynaliteServer) -> Any:
    return make_client(dynalite.endpoint_url)


@pytest.fixture
def table(client: Any) -> str:
    name = f"app-{uuid.uuid4().hex[:10]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI1",
                "KeySchema": [
                    {"AttributeName": "SK", "KeyType": "HASH"},
                    {"AttributeName": "PK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    return name


def string_item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item whose attributes are all strings: names plus UTF-8 values."""
    return sum(len(name.encode()) + len(value["S"].encode()) for name, value in item.items())


def profile(user: str, payload_bytes: int) -> dict[str, Any]:
    return {"PK": {"S": f"USER#{user}"}, "SK": {"S": "PROFILE"}, "data": {"S": "x" * payload_bytes}}


# -- without dynalite -------------------------------------------------------------------------------


def test_find_dynalite_is_none_without_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynalite_module, "find_node", lambda: None)
    assert find_dynalite() is None


def test_find_dynalite_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cli = tmp_path / "node_modules" / "dynalite" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("// stand-in\n")
    monkeypatch.setattr(dynalite_module, "find_node", lambda: "/usr/bin/node")
    monkeypatch.setenv(dynalite_module.DYNALITE_DIR_ENV, str(tmp_path))
    assert find_dynalite() == cli.resolve()


def test_a_missing_dynalite_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DynaliteNotInstalled, match="install-dynalite"):
        DynaliteServer(tmp_path / "nope" / "cli.js").start()


# -- against dynalite ----------------------------------------------------------------------------------


def test_put_get_query_and_gsi1_reverse_lookup(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={"PK": {"S": "USER#1"}, "SK": {"S": "PROFILE"}, "n": {"S": "Ada"}})
    for order in ("ORDER#1", "ORDER#2"):
        client.put_item(TableName=table, Item={"PK": {"S": "USER#1"}, "SK": {"S": order}})
    client.put_item(TableName=table, Item={"PK": {"S": "USER#2"}, "SK": {"S": "ORDER#3"}})

    got = client.get_item(TableName=table, Key={"PK": {"S": "USER#1"}, "SK": {"S": "PROFILE"}})
    assert got["Item"]["n"] == {"S": "Ada"}
    orders = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :o)",
        ExpressionAttributeValues={":pk": {"S": "USER#1"}, ":o": {"S": "ORDER#"}},
    )["Items"]
    assert [o["SK"]["S"] for o in orders] == ["ORDER#1", "ORDER#2"]
    owner = client.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="SK = :sk",
        ExpressionAttributeValues={":sk": {"S": "ORDER#3"}},
    )["Items"]
    assert [o["PK"]["S"] for o in owner] == ["USER#2"]


@pytest.mark.parametrize("payload", [100, 1600, 5000])
def test_consumed_capacity_follows_the_size_rules(client: Any, table: str, payload: int) -> None:
    item = profile("cap", payload)
    size = string_item_size(item)
    key = {"PK": item["PK"], "SK": item["SK"]}
    wcu = math.ceil(size / 1024)
    rcu_strong = math.ceil(size / 4096)

    put = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"]["CapacityUnits"] == wcu
    strong = client.get_item(TableName=table, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert strong["ConsumedCapacity"]["CapacityUnits"] == rcu_strong
    eventual = client.get_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"]["CapacityUnits"] == rcu_strong / 2


def test_a_1_6_kb_put_costs_2_wcu(client: Any, table: str) -> None:
    item = profile("sixteen", 1600)
    assert 1024 < string_item_size(item) <= 2048
    put = client.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"]["Table"]["CapacityUnits"] == 2.0


def test_batch_limits_are_enforced(client: Any, table: str) -> None:
    writes = [{"PutRequest": {"Item": {"PK": {"S": f"USER#{i}"}, "SK": {"S": "PROFILE"}}}} for i in range(26)]
    assert client.batch_write_item(RequestItems={table: writes[:25]})["UnprocessedItems"] == {}
    with pytest.raises(ClientError) as raised:
        client.batch_write_item(RequestItems={table: writes})
    assert raised.value.response["Error"]["Code"] == "ValidationException"

    keys = [{"PK": {"S": f"USER#{i}"}, "SK": {"S": "PROFILE"}} for i in range(101)]
    got = client.batch_get_item(RequestItems={table: {"Keys": keys[:100]}})
    assert len(got["Responses"][table]) == 25
    with pytest.raises(ClientError) as raised:
        client.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_items_over_400_kb_are_rejected(client: Any, table: str) -> None:
    with pytest.raises(ClientError) as raised:
        client.put_item(TableName=table, Item=profile("big", 400 * 1024))
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_what_dynalite_lacks(client: Any, table: str) -> None:
    """Pinned facts of dynalite 4.0.0, the list of what engine-parametrised tests may skip on it."""
    key = {"PK": {"S": "USER#1"}, "SK": {"S": "PROFILE"}}
    unsupported = {
        "TransactWriteItems": lambda: client.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": key}}]
        ),
        "TransactGetItems": lambda: client.transact_get_items(
            TransactItems=[{"Get": {"TableName": table, "Key": key}}]
        ),
        "UpdateTimeToLive": lambda: client.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        ),
        "ExecuteStatement": lambda: client.execute_statement(Statement=f'SELECT * FROM "{table}"'),
    }
    for name, call in unsupported.items():
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "UnknownOperationException", name
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == (
        "DISABLED"
    )
    # Writes to a GSI are not charged: DynamoDB would add GSI1's 2.0 WCU (4.0 in all) for this put.
    put = client.put_item(TableName=table, Item=profile("gsi", 1600), ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"]["CapacityUnits"] == 2.0
    assert "GlobalSecondaryIndexes" not in put["ConsumedCapacity"]


def test_fault_proxy_in_front_of_dynalite(dynalite: DynaliteServer, client: Any, table: str) -> None:
    with FaultProxy(dynalite.endpoint_url, FaultRates(unprocessed=0.5), seed=3) as proxy:
        writes = [
            {"PutRequest": {"Item": {"PK": {"S": f"USER#{i}"}, "SK": {"S": "PROFILE"}}}} for i in range(25)
        ]
        response = make_client(proxy.endpoint_url).batch_write_item(RequestItems={table: writes})
    held = {w["PutRequest"]["Item"]["PK"]["S"] for w in response["UnprocessedItems"][table]}
    assert 0 < len(held) < 25
    stored = {row["PK"]["S"] for row in client.scan(TableName=table, ConsistentRead=True)["Items"]}
    assert stored == {f"USER#{i}" for i in range(25)} - held
