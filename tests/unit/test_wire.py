"""The lean wire path (singletable.wire) against botocore's own, operation by operation.

Every data-plane operation the Table sends gives the same parsed response both ways (items of every
AttributeValue type, ``B``/``BS`` as bytes), errors come out as the same ``ClientError`` (modeled fields
such as ``Item`` and ``CancellationReasons`` included) and translate to the same singletable errors,
botocore's retries still run, and anything the path cannot vouch for takes the client's normal method.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import botocore.client
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from singletable import Table, wire
from singletable.client import make_client
from singletable.errors import (
    ConditionFailedError,
    TableNotFoundError,
    TransactionCanceledError,
    ValidationError,
)
from singletable.local import InProcessEngine
from singletable.request import METHODS, Request, send
from singletable.testing import requires_engine_feature

Call = Callable[[str, dict[str, Any]], dict[str, Any]]

BLOB = bytes(range(256))


def every_type(pk: str, sk: str, n: int = 1) -> dict[str, Any]:
    """An item with every AttributeValue type, binaries nested in maps and lists too."""
    return {
        "PK": {"S": pk},
        "SK": {"S": sk},
        "s": {"S": f"text é ✓ \u2028 {n}"},
        "n": {"N": f"{n}.5"},
        "b": {"B": BLOB + bytes([n])},
        "bs": {"BS": [b"\x00", b"\xff\xfe", bytes([n])]},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "l": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x01\x02"}, {"L": [{"BS": [b"\x03"]}]}, {"NULL": True}]},
        "m": {"M": {"B": {"B": b"\x04"}, "S": {"S": "B"}, "deep": {"M": {"b": {"B": b"\x05"}}}}},
        "t": {"BOOL": True},
        "f": {"BOOL": False},
        "z": {"NULL": True},
    }


def lean(client: Any) -> Call:
    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        plan = wire.plan_for(client, operation)
        assert plan is not None, f"no lean plan for {operation}"
        return plan.send(client, params)

    return call


def normal(client: Any) -> Call:
    def call(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = getattr(client, METHODS[operation])(**params)
        return response

    return call


def split(response: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    body = dict(response)
    return body, body.pop("ResponseMetadata")


def clear(table: Table) -> None:
    client = table.client
    for item in client.scan(TableName=table.name, ConsistentRead=True)["Items"]:
        client.delete_item(TableName=table.name, Key={"PK": item["PK"], "SK": item["SK"]})


def scenario(table: Table) -> list[tuple[str, dict[str, Any]]]:
    """Every operation the Table sends, with every output member that carries AttributeValues."""
    name = table.name
    key = {"PK": {"S": "P#1"}, "SK": {"S": "S#1"}}
    return [
        ("PutItem", {"TableName": name, "Item": every_type("P#1", "S#1"), "ReturnConsumedCapacity": "TOTAL"}),
        ("PutItem", {"TableName": name, "Item": every_type("P#1", "S#2", 2), "ReturnValues": "NONE"}),
        ("PutItem", {"TableName": name, "Item": every_type("P#1", "S#1", 3), "ReturnValues": "ALL_OLD"}),
        (
            "GetItem",
            {"TableName": name, "Key": key, "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"},
        ),
        ("GetItem", {"TableName": name, "Key": {"PK": {"S": "none"}, "SK": {"S": "none"}}}),
        (
            "GetItem",
            {
                "TableName": name,
                "Key": key,
                "ProjectionExpression": "#b, m.deep",
                "ExpressionAttributeNames": {"#b": "b"},
            },
        ),
        (
            "UpdateItem",
            {
                "TableName": name,
                "Key": key,
                "UpdateExpression": "SET b2 = :b, bs = :bs ADD hits :one",
                "ExpressionAttributeValues": {
                    ":b": {"B": b"\x00new"},
                    ":bs": {"BS": [b"\x09", b"\x0a"]},
                    ":one": {"N": "1"},
                },
                "ReturnValues": "ALL_NEW",
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        (
            "UpdateItem",
            {
                "TableName": name,
                "Key": key,
                "UpdateExpression": "REMOVE b2",
                "ReturnValues": "UPDATED_OLD",
            },
        ),
        (
            "Query",
            {
                "TableName": name,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": "P#1"}},
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        (
            "Query",
            {
                "TableName": name,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": "P#1"}},
                "Limit": 1,
                "ScanIndexForward": False,
            },
        ),
        (
            "Query",
            {
                "TableName": name,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": "P#1"}},
                "ExclusiveStartKey": {"PK": {"S": "P#1"}, "SK": {"S": "S#1"}},
                "Select": "COUNT",
            },
        ),
        ("Scan", {"TableName": name, "ConsistentRead": True}),
        ("Scan", {"TableName": name, "Limit": 1, "ReturnConsumedCapacity": "TOTAL"}),
        (
            "BatchWriteItem",
            {
                "RequestItems": {
                    name: [{"PutRequest": {"Item": every_type("P#2", f"S#{n}", n)}} for n in range(1, 5)]
                    + [{"DeleteRequest": {"Key": {"PK": {"S": "P#1"}, "SK": {"S": "S#2"}}}}]
                },
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        (
            "BatchGetItem",
            {
                "RequestItems": {
                    name: {
                        "Keys": [{"PK": {"S": "P#2"}, "SK": {"S": f"S#{n}"}} for n in range(1, 6)],
                        "ConsistentRead": True,
                    }
                },
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"TableName": name, "Item": every_type("P#3", "S#1", 7)}},
                    {
                        "Update": {
                            "TableName": name,
                            "Key": {"PK": {"S": "P#2"}, "SK": {"S": "S#1"}},
                            "UpdateExpression": "SET b = :b",
                            "ExpressionAttributeValues": {":b": {"B": b"\x7f"}},
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": name,
                            "Key": {"PK": {"S": "P#2"}, "SK": {"S": "S#2"}},
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {"Delete": {"TableName": name, "Key": {"PK": {"S": "P#2"}, "SK": {"S": "S#3"}}}},
                ],
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        (
            "TransactGetItems",
            {
                "TransactItems": [
                    {"Get": {"TableName": name, "Key": {"PK": {"S": "P#3"}, "SK": {"S": "S#1"}}}},
                    {"Get": {"TableName": name, "Key": {"PK": {"S": "P#2"}, "SK": {"S": "S#1"}}}},
                    {"Get": {"TableName": name, "Key": {"PK": {"S": "nope"}, "SK": {"S": "nope"}}}},
                ],
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        ("DeleteItem", {"TableName": name, "Key": key, "ReturnValues": "ALL_OLD"}),
        ("DeleteItem", {"TableName": name, "Key": key, "ReturnValues": "ALL_OLD"}),
    ]


def run(table: Table, call: Call) -> list[dict[str, Any]]:
    clear(table)
    return [call(op, json_copy(params)) for op, params in scenario(table)]


def json_copy(params: dict[str, Any]) -> dict[str, Any]:
    # A fresh parameter dict per run (bytes kept): both paths must see the same input.
    def copy(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: copy(v) for k, v in value.items()}
        if isinstance(value, list):
            return [copy(v) for v in value]
        return value

    result: dict[str, Any] = copy(params)
    return result


@requires_engine_feature("transactions")  # every operation, the transactions too
def test_every_operation_parses_the_same_both_ways(any_table: Table) -> None:
    ours = run(any_table, lean(any_table.client))
    theirs = run(any_table, normal(any_table.client))
    ops = [op for op, _ in scenario(any_table)]
    assert set(ops) == set(wire.OPERATIONS)
    for op, mine, botos in zip(ops, ours, theirs, strict=True):
        (body, meta), (their_body, their_meta) = split(mine), split(botos)
        assert body == their_body, op
        assert meta.keys() == their_meta.keys(), op
        assert (meta["HTTPStatusCode"], meta["RetryAttempts"]) == (200, 0), op
    # Binaries come back as bytes wherever they are (not base64 text).
    item = ours[3]["Item"]
    assert item["b"] == {"B": BLOB + b"\x03"}
    assert sorted(item["bs"]["BS"]) == [b"\x00", b"\x03", b"\xff\xfe"]  # a set: DynamoDB Local reorders it
    assert item["l"]["L"][2] == {"B": b"\x01\x02"} and item["l"]["L"][3] == {"L": [{"BS": [b"\x03"]}]}
    assert item["m"]["M"]["B"] == {"B": b"\x04"} and item["m"]["M"]["deep"]["M"]["b"] == {"B": b"\x05"}
    assert item["m"]["M"]["S"] == {"S": "B"} and item["z"] == {"NULL": True} and item["f"] == {"BOOL": False}
    assert ours[2]["Attributes"]["b"] == {"B": BLOB + b"\x01"}  # ALL_OLD
    assert ours[6]["Attributes"]["b2"] == {"B": b"\x00new"}  # UpdateItem ALL_NEW
    assert ours[6]["Attributes"]["bs"] == {"BS": [b"\x09", b"\x0a"]}
    assert ours[7]["Attributes"] == {"b2": {"B": b"\x00new"}}  # UPDATED_OLD
    assert ours[-2]["Attributes"]["b"] == {"B": BLOB + b"\x03"} and "Attributes" not in ours[-1]
    assert [r["Item"]["b"]["B"] for r in ours[16]["Responses"][:2]] == [BLOB + b"\x07", b"\x7f"]
    assert ours[16]["Responses"][2] == theirs[16]["Responses"][2]


def test_direct_client_calls_keep_botocores_behaviour(table: Table) -> None:
    client = table.client
    send(client, Request("PutItem", {"TableName": table.name, "Item": every_type("P", "S")}))
    assert wire.plan_for(client, "GetItem") is not None
    # The client's own model is untouched: its operations still have their output shapes.
    for op in wire.OPERATIONS:
        assert client.meta.service_model.operation_model(op).output_shape is not None
    got = client.get_item(TableName=table.name, Key={"PK": {"S": "P"}, "SK": {"S": "S"}})
    assert got["Item"]["b"] == {"B": BLOB + b"\x01"}


# -- errors -----------------------------------------------------------------------------------------


def failing_calls(table: Table) -> list[tuple[str, dict[str, Any], str]]:
    name = table.name
    key = {"PK": {"S": "P#1"}, "SK": {"S": "S#1"}}
    return [
        (
            "PutItem",
            {
                "TableName": name,
                "Item": every_type("P#1", "S#1", 9),
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            "ConditionalCheckFailedException",
        ),
        (
            "UpdateItem",
            {
                "TableName": name,
                "Key": {"PK": {"S": "no"}, "SK": {"S": "no"}},
                "UpdateExpression": "SET a = :a",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": {":a": {"S": "x"}},
            },
            "ConditionalCheckFailedException",
        ),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {
                        "ConditionCheck": {
                            "TableName": name,
                            "Key": key,
                            "ConditionExpression": "attribute_not_exists(PK)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {"Put": {"TableName": name, "Item": every_type("P#9", "S#9")}},
                ]
            },
            "TransactionCanceledException",
        ),
        ("GetItem", {"TableName": "no-such-table", "Key": key}, "ResourceNotFoundException"),
        (
            "Query",
            {
                "TableName": name,
                "KeyConditionExpression": "nope = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            "ValidationException",
        ),
        ("GetItem", {"TableName": name, "Key": {"PK": {"S": "only the hash key"}}}, "ValidationException"),
    ]


def raised(call: Call, op: str, params: dict[str, Any]) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(op, json_copy(params))
    return info.value


@requires_engine_feature("transactions", "return_values_on_condition_check_failure")
def test_errors_are_the_same_client_errors(any_table: Table) -> None:
    client = any_table.client
    client.put_item(TableName=any_table.name, Item=every_type("P#1", "S#1"))
    seen = set()
    for op, params, code in failing_calls(any_table):
        mine, theirs = raised(lean(client), op, params), raised(normal(client), op, params)
        assert type(mine) is type(theirs) and mine.response["Error"]["Code"] == code, op
        assert str(mine) == str(theirs) and mine.operation_name == theirs.operation_name == op
        (body, meta), (their_body, their_meta) = split(mine.response), split(theirs.response)
        assert body == their_body, op
        assert meta["HTTPStatusCode"] == their_meta["HTTPStatusCode"] == 400
        assert meta.keys() == their_meta.keys()
        if op == "PutItem":
            assert mine.response["Item"]["b"] == {"B": BLOB + b"\x01"}  # modeled error field, bytes
        if op == "TransactWriteItems":
            reasons = mine.response["CancellationReasons"]
            assert reasons[0]["Code"] == "ConditionalCheckFailed" and reasons[1]["Code"] == "None"
        seen.add(code)
    assert len(seen) == 4


def test_errors_translate_to_the_same_singletable_errors(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = table.client
    client.put_item(TableName=table.name, Item=every_type("P#1", "S#1"))
    kinds = []
    for op, params, _ in failing_calls(table):
        request = Request(op, params)
        with pytest.raises(Exception) as mine:
            send(client, request)
        with monkeypatch.context() as m:
            m.setattr(wire, "ENABLED", False)
            with pytest.raises(Exception) as theirs:
                send(client, request)
        assert type(mine.value) is type(theirs.value) and str(mine.value) == str(theirs.value), op
        assert isinstance(mine.value.__cause__, ClientError)
        kinds.append(type(mine.value))
        if isinstance(mine.value, ConditionFailedError) and op == "PutItem":
            assert mine.value.item is not None and mine.value.item["b"] == BLOB + b"\x01"
        if isinstance(mine.value, TransactionCanceledError):
            assert mine.value.reasons == theirs.value.reasons  # type: ignore[attr-defined]
    assert {TableNotFoundError, TransactionCanceledError, ValidationError} <= set(kinds)
    assert any(issubclass(k, ConditionFailedError) for k in kinds)


# -- botocore's machinery still runs ---------------------------------------------------------------------


@pytest.fixture
def engine() -> Iterator[InProcessEngine]:
    with InProcessEngine() as e:
        yield e


def _throttle_twice(client: Any) -> dict[str, Any]:
    """A ``before-send`` handler (ahead of moto's) answering the first two attempts with a throttle."""
    seen: dict[str, Any] = {"attempts": 0, "bodies": []}

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        seen["attempts"] += 1
        seen["bodies"].append(request.body)
        seen.setdefault("auth", []).append(request.headers.get("Authorization"))
        if seen["attempts"] <= 2:
            body = json.dumps(
                {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow down"}
            ).encode()
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "throttled"}
            return AWSResponse(request.url, 400, headers, _Raw(body))
        return None

    client.meta.events.register_first("before-send.dynamodb.GetItem", handler)
    return seen


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        body, self._body = self._body, b""
        return body


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
def test_botocore_retries_a_throttled_call(
    engine: InProcessEngine, mode: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(region="us-east-1", retry_mode=mode)
    table = "retried"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=table, Item={"PK": {"S": "k"}, "b": {"B": b"\x00\x01"}})
    sleeps: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", sleeps.append)
    # The lean path must not touch botocore's serializer or its output parser.
    monkeypatch.setattr(client._serializer, "serialize_to_request", _forbidden)
    seen = _throttle_twice(client)
    after_calls: list[Any] = []
    client.meta.events.register("after-call.dynamodb.GetItem", lambda **kw: after_calls.append(kw["parsed"]))
    resp = send(client, Request("GetItem", {"TableName": table, "Key": {"PK": {"S": "k"}}}))
    assert resp["Item"] == {"PK": {"S": "k"}, "b": {"B": b"\x00\x01"}}
    assert seen["attempts"] == 3 and len(sleeps) == 2 and resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(set(seen["bodies"])) == 1 and all(a and b"AWS4-HMAC-SHA256" in a for a in seen["auth"])
    assert after_calls == [resp]


def test_retries_give_up_with_the_throttle_error(
    engine: InProcessEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(region="us-east-1", max_attempts=2)  # one retry
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda _: None)
    seen = _throttle_twice(client)
    with pytest.raises(ClientError) as info:
        wire.plan_for(client, "GetItem").send(  # type: ignore[union-attr]
            client, {"TableName": "t", "Key": {"PK": {"S": "k"}}}
        )
    assert seen["attempts"] == 2
    assert info.value.response["Error"] == {"Code": "ThrottlingException", "Message": "slow down"}
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert info.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True


def _forbidden(*_: Any, **__: Any) -> Any:
    raise AssertionError("botocore's serializer was used")


def test_idempotency_token_is_generated_as_botocore_does(table: Table) -> None:
    bodies: list[bytes] = []
    table.client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems", lambda request, **_: bodies.append(request.body)
    )
    put = {"Put": {"TableName": table.name, "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}
    send(table.client, Request("TransactWriteItems", {"TransactItems": [put]}))
    token = json.loads(bodies[0])["ClientRequestToken"]
    assert len(token) == 36  # botocore's uuid4, from the before-parameter-build event


def test_stubber_answers_through_before_call(engine: InProcessEngine) -> None:
    client = make_client(region="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "get_item",
            {"Item": {"PK": {"S": "k"}, "b": {"B": b"\x01"}}},
            {"TableName": "t", "Key": {"PK": {"S": "k"}}},
        )
        resp = send(client, Request("GetItem", {"TableName": "t", "Key": {"PK": {"S": "k"}}}))
    assert resp["Item"] == {"PK": {"S": "k"}, "b": {"B": b"\x01"}}


# -- the parser ------------------------------------------------------------------------------------------


def test_parser_keeps_only_modeled_members_and_decodes_escaped_keys(table: Table) -> None:
    plan = wire.plan_for(table.client, "GetItem")
    assert plan is not None
    body = (
        b'{"Item": {"\\u0042": {"\\u0042": "AAE="}, "s": {"S": "x"}}, "Extra": 1, "ConsumedCapacity": null}'
    )
    parsed = plan.parse(body, {"ResponseMetadata": {"HTTPStatusCode": 200}})
    assert parsed == {
        "Item": {"B": {"B": b"\x00\x01"}, "s": {"S": "x"}},
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    escaped_bs = b'{"Item": {"a": {"B\\u0053": ["AAE="]}}}'
    assert plan.parse(escaped_bs, {}) == {"Item": {"a": {"BS": [b"\x00\x01"]}}}
    assert plan.parse(b"", {"ResponseMetadata": {}}) == {"ResponseMetadata": {}}
    assert plan.parse(b"not json", {"ResponseMetadata": {}}) == {"ResponseMetadata": {}}
    # No "B" key anywhere: the body is taken as it is, with no walk.
    assert plan.parse(b'{"Item": {"B2": {"S": "B"}}}', {}) == {"Item": {"B2": {"S": "B"}}}


def test_requests_carry_botocores_target_and_content_type(table: Table) -> None:
    requests: list[Any] = []
    table.client.meta.events.register("before-send.dynamodb.*", lambda request, **_: requests.append(request))
    params = {"TableName": table.name, "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}}
    send(table.client, Request("GetItem", params))
    table.client.get_item(**params)
    mine, theirs = requests
    for header in ("X-Amz-Target", "Content-Type", "User-Agent", "amz-sdk-request"):
        assert mine.headers[header] == theirs.headers[header], header
    assert json.loads(mine.body) == json.loads(theirs.body) and mine.url == theirs.url


# -- fallback --------------------------------------------------------------------------------------------


def test_anything_but_a_botocore_dynamodb_client_uses_its_methods() -> None:
    class Fake:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def get_item(self, **params: Any) -> dict[str, Any]:
            self.calls.append(params)
            return {"Item": {"PK": {"S": "k"}}}

    fake = Fake()
    assert wire.plan_for(fake, "GetItem") is None
    assert send(fake, Request("GetItem", {"TableName": "t", "Key": {}})) == {"Item": {"PK": {"S": "k"}}}
    assert fake.calls == [{"TableName": "t", "Key": {}}]
    s3 = boto3.session.Session().client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    assert wire.plan_for(s3, "GetItem") is None
    assert wire.plan_for(object(), "GetItem") is None
    assert wire.plan_for([], "GetItem") is None  # unhashable


def test_a_botocore_without_the_private_pieces_falls_back(
    engine: InProcessEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(region="us-east-1")
    monkeypatch.delattr(botocore.client.BaseClient, "_resolve_endpoint_ruleset")
    assert wire.plan_for(client, "GetItem") is None
    monkeypatch.undo()
    assert wire.plan_for(make_client(region="us-east-1"), "GetItem") is not None


def test_a_botocore_without_the_imported_helpers_sends_the_normal_way(
    table: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "AVAILABLE", False)
    client = make_client(region="us-east-1")  # plans are decided once per client
    assert wire.plan_for(client, "PutItem") is None
    item = every_type("P", "S")
    send(client, Request("PutItem", {"TableName": table.name, "Item": item}))
    got = send(
        client, Request("GetItem", {"TableName": table.name, "Key": {"PK": item["PK"], "SK": item["SK"]}})
    )
    assert got["Item"] == item


def test_an_instrumented_make_api_call_is_respected(table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    traced: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def traced_call(self: Any, operation_name: str, api_params: Any) -> Any:
        traced.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", traced_call)
    client = make_client(region="us-east-1")  # a new client: plans are decided once per client
    assert wire.plan_for(client, "GetItem") is None
    send(client, Request("GetItem", {"TableName": table.name, "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}}))
    assert traced == ["GetItem"]


def test_disabled_sends_through_the_clients_methods(table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "ENABLED", False)
    assert wire.plan_for(table.client, "GetItem") is None
    monkeypatch.setattr(table.client._serializer, "serialize_to_request", _forbidden)
    with pytest.raises(AssertionError, match="serializer was used"):
        send(table.client, Request("GetItem", {"TableName": table.name, "Key": {}}))


def test_the_table_goes_through_the_lean_path(table: Table, monkeypatch: pytest.MonkeyPatch) -> None:
    from singletable.seed import SEED_EDGE, SEED_USER, User, UserOrder

    monkeypatch.setattr(table.client._serializer, "serialize_to_request", _forbidden)
    table.put(SEED_USER)
    table.put(SEED_EDGE)
    assert table.get(User, user_id=SEED_USER.user_id) == SEED_USER
    assert table.query(UserOrder, user_id=SEED_USER.user_id).all() == [SEED_EDGE]
    assert Decimal("0.5") in {r.read_units for r in table.ledger}
