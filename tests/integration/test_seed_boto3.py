"""The seed's plain boto3 code runs unchanged against our table and sees what our library wrote."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from singletable import Table, make_client
from singletable.local import sweep_expired
from singletable.seed import SEED_EDGE, SEED_ORDER, SEED_USER, User, UserOrder
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature

pytestmark = pytest.mark.integration


@pytest.fixture
def seed_env(http_table: Table, singletable_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Table:
    """Only the endpoint comes from the environment, as it would on a laptop pointing at the local engine."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", singletable_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return http_table


def test_seed_snippet_reads_library_items_and_library_reads_snippet_items(seed_env: Table) -> None:
    table_name = seed_env.name
    seed_env.put(SEED_ORDER)
    seed_env.put(SEED_EDGE)

    # --- the seed's snippet, verbatim but for the table name and the Key import the seed forgot ---
    import boto3
    from boto3.dynamodb.conditions import Key

    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(table_name)

    # Put item
    table.put_item(Item={"PK": "USER#123", "SK": "PROFILE", "name": "John Doe", "email": "john@example.com"})

    # Get item
    response = table.get_item(Key={"PK": "USER#123", "SK": "PROFILE"})
    user = response.get("Item")

    # Query pattern
    response = table.query(KeyConditionExpression=Key("PK").eq("USER#123"))
    user_items = response["Items"]
    # --- end of the seed's snippet ---

    assert user == {"PK": "USER#123", "SK": "PROFILE", "name": "John Doe", "email": "john@example.com"}
    assert [i["SK"] for i in user_items] == ["ORDER#456", "PROFILE"]
    assert user_items[0]["order_date"] == "2023-02-15"
    order = table.get_item(Key={"PK": "ORDER#456", "SK": "METADATA"})["Item"]
    assert order["total"] == Decimal("99.99") and order["user_id"] == "USER#123"
    # The library recognises the snippet's unmarked profile by its key pattern.
    assert seed_env.get(User, user_id="123") == SEED_USER
    assert seed_env.collection(User, user_id="123") == {UserOrder: [SEED_EDGE], User: [SEED_USER]}


@requires_engine_feature("ttl")  # the sweep reads the table's TTL attribute
def test_local_engine_sweeps_expired_items(singletable_endpoint: str) -> None:
    client = make_client(endpoint_url=singletable_endpoint)
    spec = engine_table_spec("ttl-sweep")
    spec.create(client)
    try:
        now = int(time.time())
        for sk, expires in (("OLD", now - 10), ("NEW", now + 3600)):
            client.put_item(
                TableName=spec.name,
                Item={"PK": {"S": "S#1"}, "SK": {"S": sk}, "expires_at": {"N": str(expires)}},
            )
        assert sweep_expired(client) == 1
        left = client.query(
            TableName=spec.name,
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": {"S": "S#1"}},
        )["Items"]
        assert [i["SK"]["S"] for i in left] == ["NEW"]
    finally:
        drop_table(http_engine(), spec, client)


def test_http_engine_round_trip_with_dates(http_table: Table) -> None:
    edge = UserOrder(user_id="u", order_id="o", order_date=dt.date(2024, 5, 1), total=Decimal("0.10"))
    http_table.put(edge)
    assert http_table.get(UserOrder, user_id="u", order_id="o") == edge
    assert http_table.reverse(UserOrder, order_id="o").all() == [edge]
