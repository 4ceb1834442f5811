"""Per-call overhead with the network cut out: get, put and a 25-item query.

Every client answers from a canned HTTP response returned on botocore's ``before-send`` event, so
parameter validation, serialisation, signing and response parsing all still run; only the socket is
gone. Measured as CPU per call of the calling thread, best of several runs, for:

- the raw boto3 client (``client.get_item`` / ``put_item`` / ``query`` with DynamoDB JSON prepared
  beforehand: the least any code can do through boto3, no conversion at all);
- the boto3 resource ``Table`` (Python values, boto3's TypeSerializer/TypeDeserializer);
- PynamoDB (``Model.get`` / ``save`` / ``query``) on equivalent models;
- our entity API (``Table.get`` / ``put`` / ``query(...).all()``: pydantic validation, entity objects,
  key templates and the capacity ledger included).

Every call sends the same DynamoDB request as ours (``ReturnConsumedCapacity`` included) and gets the
same response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from bench._common import Result, Row, best_per_call, fake_client, install_canned
from singletable import Table, TableSpec
from singletable.codec import serialize
from singletable.seed import ENTITIES, User, UserOrder

TABLE = "bench"
ENDPOINT = "http://127.0.0.1:9"  # never contacted


class PUser(Model):
    class Meta:
        table_name = TABLE
        region = "us-east-1"
        host = ENDPOINT
        aws_access_key_id = "bench"
        aws_secret_access_key = "bench"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    type_ = UnicodeAttribute(attr_name="_type")
    name = UnicodeAttribute()
    email = UnicodeAttribute()


class PUserOrder(Model):
    class Meta:
        table_name = TABLE
        region = "us-east-1"
        host = ENDPOINT
        aws_access_key_id = "bench"
        aws_secret_access_key = "bench"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    type_ = UnicodeAttribute(attr_name="_type")
    order_date = UnicodeAttribute()
    total = NumberAttribute(null=True)


def _fixtures(query_items: int) -> tuple[Table, User, dict[str, Any], list[dict[str, Any]]]:
    table = Table(TableSpec(name=TABLE), client=fake_client(), entities=ENTITIES)
    user = User(user_id="u00001", name="User 1", email="user1@example.com")
    user_item = table.schema.entity_item(user)
    edges = [
        table.schema.entity_item(
            UserOrder(
                user_id="u00001",
                order_id=f"{1000 + n}",
                order_date=dt.date(2023, 1, 1) + dt.timedelta(days=n),
                total=Decimal(1999 + n) / 100,
            )
        )
        for n in range(query_items)
    ]
    return table, user, user_item, edges


def canned_responder(
    user_item: dict[str, Any], edges: list[dict[str, Any]]
) -> Callable[[str, Any], dict[str, Any]]:
    """The answers every way gets: the user for GetItem, the edges for Query, capacity on each."""
    user_av = serialize(user_item)
    edge_avs = [serialize(e) for e in edges]
    cc = {"TableName": TABLE, "CapacityUnits": 1.0}

    def respond(op: str, body: Any) -> dict[str, Any]:
        if op == "GetItem":
            return {"Item": user_av, "ConsumedCapacity": {**cc, "CapacityUnits": 0.5}}
        if op == "PutItem":
            return {"ConsumedCapacity": cc}
        if op == "Query":
            n = len(edge_avs)
            return {"Items": edge_avs, "Count": n, "ScannedCount": n, "ConsumedCapacity": cc}
        raise AssertionError(f"unexpected {op}")

    return respond


def run(number: int = 300, repeat: int = 7, query_items: int = 25) -> Result:
    table, user, user_item, edges = _fixtures(query_items)
    respond = canned_responder(user_item, edges)
    user_av = serialize(user_item)  # what the raw client sends: DynamoDB JSON prepared beforehand

    # Ours: the entity API on a client that never leaves the process.
    install_canned(table.client, respond)
    # The raw client.
    client = fake_client()
    install_canned(client, respond)
    key = {"PK": {"S": user_item["PK"]}, "SK": {"S": user_item["SK"]}}
    query_params = {
        "TableName": TABLE,
        "KeyConditionExpression": "#n0 = :v0 AND begins_with(#n1, :v1)",
        "ExpressionAttributeNames": {"#n0": "PK", "#n1": "SK"},
        "ExpressionAttributeValues": {":v0": {"S": "USER#u00001"}, ":v1": {"S": "ORDER#"}},
        "ScanIndexForward": True,
        "ReturnConsumedCapacity": "TOTAL",
    }
    # The resource Table.
    resource = boto3.session.Session().resource(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    rtable = resource.Table(TABLE)
    install_canned(rtable.meta.client, respond)
    # PynamoDB.
    install_canned(PUser._get_connection().connection.client, respond)
    install_canned(PUserOrder._get_connection().connection.client, respond)
    puser = PUser("USER#u00001", "PROFILE", type_="User", name="User 1", email="user1@example.com")

    calls: dict[str, dict[str, Any]] = {
        "get": {
            "raw boto3 client": lambda: client.get_item(
                TableName=TABLE, Key=key, ConsistentRead=False, ReturnConsumedCapacity="TOTAL"
            )["Item"],
            "boto3 resource Table": lambda: rtable.get_item(
                Key={"PK": "USER#u00001", "SK": "PROFILE"}, ReturnConsumedCapacity="TOTAL"
            )["Item"],
            "PynamoDB": lambda: PUser.get("USER#u00001", "PROFILE"),
            "ours": lambda: table.get(User, user_id="u00001"),
        },
        "put": {
            "raw boto3 client": lambda: client.put_item(
                TableName=TABLE, Item=user_av, ReturnConsumedCapacity="TOTAL"
            ),
            "boto3 resource Table": lambda: rtable.put_item(Item=user_item, ReturnConsumedCapacity="TOTAL"),
            "PynamoDB": lambda: puser.save(),
            "ours": lambda: table.put(user),
        },
        f"query of {query_items}": {
            "raw boto3 client": lambda: client.query(**query_params)["Items"],
            "boto3 resource Table": lambda: rtable.query(
                KeyConditionExpression=Key("PK").eq("USER#u00001") & Key("SK").begins_with("ORDER#"),
                ReturnConsumedCapacity="TOTAL",
            )["Items"],
            "PynamoDB": lambda: list(
                PUserOrder.query("USER#u00001", PUserOrder.SK.startswith("ORDER#"))  # type: ignore[attr-defined]
            ),
            "ours": lambda: table.query(UserOrder, user_id="u00001").all(),
        },
    }

    # Correctness: every way reads the same things.
    got = table.get(User, user_id="u00001")
    orders = table.query(UserOrder, user_id="u00001").all()
    facts: dict[str, Any] = {
        "get_equal": got == user,
        "query_count": len(orders),
        "query_types": sorted({type(o).__name__ for o in orders}),
        "raw_query_count": len(client.query(**query_params)["Items"]),
        "pynamo_query_count": len(calls[f"query of {query_items}"]["PynamoDB"]()),
        "resource_get_equal": calls["get"]["boto3 resource Table"]() == user_item,
        "us": {},
    }
    table.ledger.clear()

    rows: list[Row] = []
    for op, ways in calls.items():
        n = number if op != f"query of {query_items}" else max(1, number // 3)
        times = best_per_call(ways, n, repeat)
        table.ledger.clear()
        facts["us"][op] = {k: v * 1e6 for k, v in times.items()}
        base = times["raw boto3 client"]
        for name in ("raw boto3 client", "boto3 resource Table", "PynamoDB"):
            ratio = times[name] / times["ours"]
            is_raw = name == "raw boto3 client"
            rows.append(
                Row(
                    "per-call CPU",
                    f"{op}: ours {times['ours'] / base:.2f}x raw client",
                    times["ours"] * 1e6,
                    name,
                    times[name] * 1e6,
                    "us",
                    ratio,
                    "≥ 1.0x (ours ≤ raw)" if is_raw else "",
                    ratio >= 1.0 if is_raw else None,
                )
            )
    return Result(rows, facts)
