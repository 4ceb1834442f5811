"""What moto got wrong and our local engine fills (singletable.local.gaps_requests), proven on each engine:
the same raw request gets the same answer from moto (with the fills), AWS's DynamoDB Local and dynalite,
as DynamoDB gives it (docs/engines.md lists every difference and the guide's text that decides it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from singletable import make_client
from singletable.local.gaps_requests import RequestRefused, canonical_number
from singletable.testing import EngineRef, drop_table, table_spec_for

pytestmark = pytest.mark.integration


def S(v: str) -> dict[str, str]:
    return {"S": v}


@pytest.fixture
def raw(singletable_engine: EngineRef) -> Iterator[tuple[Any, str]]:
    client = make_client(endpoint_url=singletable_engine.endpoint_url, max_attempts=2)
    spec = table_spec_for(singletable_engine.name)
    spec.create(client)
    yield client, spec.name
    drop_table(singletable_engine.name, spec, client)


def refused(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException", error
    return str(error["Message"])


def test_table_names_of_3_to_255_allowed_characters(
    raw: tuple[Any, str], singletable_engine: EngineRef
) -> None:
    client, _ = raw
    spec = table_spec_for(singletable_engine.name)
    for name in ("ab", "a" * 256, "a!b"):
        refused(lambda n=name: client.create_table(**{**spec.create_request(), "TableName": n}))


def test_numbers_are_canonical_and_in_range(raw: tuple[Any, str]) -> None:
    client, table = raw
    for text, stored in (("1.50", "1.5"), ("1e2", "100"), ("-0", "0"), ("-007.500", "-7.5")):
        client.put_item(TableName=table, Item={"PK": S("n"), "SK": S(text), "v": {"N": text}})
        got = client.get_item(TableName=table, Key={"PK": S("n"), "SK": S(text)}, ConsistentRead=True)
        assert got["Item"]["v"] == {"N": stored}, text
    for text in ("1" * 39, "1e126", "1e-131"):
        refused(
            lambda t=text: client.put_item(TableName=table, Item={"PK": S("n"), "SK": S("x"), "v": {"N": t}})
        )


def test_sets_with_duplicates_are_refused(raw: tuple[Any, str]) -> None:
    client, table = raw
    for value in ({"SS": ["a", "a"]}, {"NS": ["1", "1.0"]}):
        refused(lambda v=value: client.put_item(TableName=table, Item={"PK": S("s"), "SK": S("s"), "v": v}))


def test_batch_write_of_26_is_refused(raw: tuple[Any, str]) -> None:
    client, table = raw
    puts = [{"PutRequest": {"Item": {"PK": S("b"), "SK": S(str(i))}}} for i in range(26)]
    refused(lambda: client.batch_write_item(RequestItems={table: puts}))
    client.batch_write_item(RequestItems={table: puts[:25]})


def test_unused_placeholders_are_refused(raw: tuple[Any, str]) -> None:
    client, table = raw
    message = refused(
        lambda: client.update_item(
            TableName=table,
            Key={"PK": S("u"), "SK": S("u")},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": S("x"), ":w": S("y")},
        )
    )
    assert ":w" in message
    message = refused(
        lambda: client.query(
            TableName=table,
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": S("u")},
            ExpressionAttributeNames={"#x": "y"},
        )
    )
    assert "#x" in message


def test_size_of_a_missing_attribute_fails_the_condition(raw: tuple[Any, str]) -> None:
    client, table = raw
    with pytest.raises(ClientError) as caught:
        client.put_item(
            TableName=table,
            Item={"PK": S("z"), "SK": S("z")},
            ConditionExpression="size(nope) > :z",
            ExpressionAttributeValues={":z": {"N": "0"}},
        )
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"  # moto: HTTP 500


def test_canonical_number_keeps_every_digit() -> None:
    # Decimal's default context rounds to 28 digits; DynamoDB keeps 38.
    # Past 38 integer digits moto keeps scientific notation (DynamoDB writes the digits out): same value,
    # and the one moto's own reading of its numbers (boto3's 38-digit context) takes.
    big = "9.9999999999999999999999999999999999999E+125"
    assert canonical_number(big) == big
    assert canonical_number("-72057594037927935E+28") == "-7.2057594037927935E+44"
    assert (
        canonical_number("12345678901234567890123456789012345678") == "12345678901234567890123456789012345678"
    )
    with pytest.raises(RequestRefused):
        canonical_number("NaN")
