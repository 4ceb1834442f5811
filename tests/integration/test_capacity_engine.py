"""Capacity checked against the engine: our units (capacity.py) against what AWS's DynamoDB Local reports
with ``ReturnConsumedCapacity=INDEXES``, for every access pattern, table and each index separately.

The table has the module's GSI1 (hash SK, range PK, ALL) and a sparse KEYS_ONLY GSI2, so that writes
touch zero, one or two indexes, and insert, update, re-key and leave them. Items are small and multi-KB.
Where DynamoDB Local departs from the developer guide, the test pins what it does and docs/engines.md
says which is right and why (transactions' index writes, reads that found nothing). Then the same calls
through :class:`Table`: the ledger's computed units against the reported TOTAL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from singletable import Entity, Table, capacity, make_client
from singletable.codec import item_size
from singletable.local.dynamodb_local import DynamoDBLocalServer
from singletable.spec import GSI1, IndexSpec, TableSpec

pytestmark = pytest.mark.integration

GSI2 = IndexSpec("GSI2", hash_key="GSI2PK", range_key="GSI2SK", projection="KEYS_ONLY")
INDEXES = (GSI1, GSI2)
KB = 1024

Units = dict[str | None, float]


def S(v: str) -> dict[str, str]:
    return {"S": v}


def item(pk: str, sk: str, size: int = 0, lang: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"PK": S(pk), "SK": S(sk)}
    if size:
        out["blob"] = S("x" * size)
    if lang is not None:
        out["GSI2PK"], out["GSI2SK"] = S(f"LANG#{lang}"), S(sk)
    return out


def reported(cc: dict[str, Any]) -> Units:
    """An INDEXES ConsumedCapacity as {None: table, index: units}, indexes that consumed 0 left out."""
    out: Units = {None: cc.get("Table", {}).get("CapacityUnits", 0.0)}
    for name, part in cc.get("GlobalSecondaryIndexes", {}).items():
        if part["CapacityUnits"]:
            out[name] = part["CapacityUnits"]
    return out


def ours(old: dict[str, Any] | None, new: dict[str, Any] | None, *, transactional: bool = False) -> Units:
    return capacity.item_write_units_by_index(old, new, INDEXES, ("PK", "SK"), transactional=transactional)


@pytest.fixture(scope="module")
def engine(singletable_dynamodb_local: DynamoDBLocalServer) -> Iterator[tuple[Any, str]]:
    client = make_client(endpoint_url=singletable_dynamodb_local.endpoint_url)
    spec = TableSpec(
        name=f"cap-{uuid.uuid4().hex[:10]}",
        indexes=INDEXES,
        deletion_protection=False,
        point_in_time_recovery=False,
    )
    spec.create(client)
    yield client, spec.name
    spec.delete(client)


# -- writes, one item ---------------------------------------------------------------------------------

WRITES = [
    # (name, item before or None, item after or None)
    ("put new, small, GSI1 only", None, item("A", "s1")),
    ("put new, 3 KB, GSI1 only", None, item("A", "m1", 3 * KB)),
    ("put new, 3 KB, GSI1 and sparse GSI2", None, item("A", "m2", 3 * KB, "py")),
    ("put over a bigger item (index entry updated)", item("A", "r1", 3 * KB), item("A", "r1")),
    ("put over a smaller item", item("A", "r2"), item("A", "r2", 2 * KB + 1)),
    ("put the very same item again (indexes unchanged)", item("A", "r3", 1500), item("A", "r3", 1500)),
    ("put that enters the sparse GSI2", item("A", "r4", 10), item("A", "r4", 10, "go")),
    ("put that leaves the sparse GSI2", item("A", "r5", 10, "go"), item("A", "r5", 10)),
    ("put that re-keys GSI2", item("A", "r6", 10, "go"), item("A", "r6", 10, "rust")),
    ("delete a 5 KB item in both indexes", item("A", "d1", 5 * KB, "py"), None),
    ("delete a missing item", None, None),
]


@pytest.mark.parametrize(("name", "before", "after"), WRITES, ids=[w[0] for w in WRITES])
def test_put_and_delete_units_match_the_engine_per_index(
    engine: tuple[Any, str], name: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> None:
    client, table = engine
    key = {"PK": S("A"), "SK": S(f"missing-{uuid.uuid4().hex[:6]}")}
    if before is not None:
        client.put_item(TableName=table, Item=before)
        key = {"PK": before["PK"], "SK": before["SK"]}
    if after is not None:
        resp = client.put_item(TableName=table, Item=after, ReturnConsumedCapacity="INDEXES")
    else:
        resp = client.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="INDEXES")
    assert reported(resp["ConsumedCapacity"]) == ours(before, after), name


UPDATES = [
    # (name, item before, SET expression values, item after)
    ("update that grows a 1 KB item to 3 KB", item("U", "g", 500), {"blob": "x" * 3 * KB}),
    ("update that shrinks a 3 KB item", item("U", "h", 3 * KB), {"blob": "y"}),
    ("update that adds the GSI2 keys", item("U", "i", 10), {"GSI2PK": "LANG#c", "GSI2SK": "i"}),
    ("update that re-keys GSI2", item("U", "j", 10, "c"), {"GSI2PK": "LANG#d"}),
    ("upsert of a missing item", None, {"blob": "z" * 1500}),
]


@pytest.mark.parametrize(("name", "before", "changes"), UPDATES, ids=[u[0] for u in UPDATES])
def test_update_units_match_the_engine_per_index(
    engine: tuple[Any, str], name: str, before: dict[str, Any] | None, changes: dict[str, str]
) -> None:
    client, table = engine
    key = (
        {"PK": S("U"), "SK": S(f"new-{uuid.uuid4().hex[:6]}")}
        if before is None
        else {
            "PK": before["PK"],
            "SK": before["SK"],
        }
    )
    if before is not None:
        client.put_item(TableName=table, Item=before)
    names = {f"#a{i}": k for i, k in enumerate(changes)}
    values = {f":v{i}": S(v) for i, v in enumerate(changes.values())}
    resp = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(changes))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="INDEXES",
    )
    assert reported(resp["ConsumedCapacity"]) == ours(before, resp["Attributes"]), name


# -- reads ------------------------------------------------------------------------------------------------


def test_get_units_match_the_engine(engine: tuple[Any, str]) -> None:
    client, table = engine
    big = item("R", "big", 9 * KB)  # 3 read units of 4 KB
    client.put_item(TableName=table, Item=big)
    key = {"PK": S("R"), "SK": S("big")}
    for consistent, consistency in ((False, "eventual"), (True, "strong")):
        got = client.get_item(
            TableName=table, Key=key, ConsistentRead=consistent, ReturnConsumedCapacity="INDEXES"
        )
        assert reported(got["ConsumedCapacity"]) == {None: capacity.read_units(item_size(big), consistency)}
    missing = client.get_item(
        TableName=table, Key={"PK": S("R"), "SK": S("none")}, ReturnConsumedCapacity="INDEXES"
    )
    assert reported(missing["ConsumedCapacity"]) == {None: 0.5}  # a missing item still costs the minimum
    tx = client.transact_get_items(
        TransactItems=[{"Get": {"TableName": table, "Key": key}}], ReturnConsumedCapacity="INDEXES"
    )
    assert reported(tx["ConsumedCapacity"][0]) == {None: capacity.read_units(item_size(big), "transactional")}


def test_query_units_match_the_engine_on_the_table_and_on_gsi1(engine: tuple[Any, str]) -> None:
    client, table = engine
    items = [item("Q", f"q{i}", 1500 * i) for i in range(1, 6)]
    for it in items:
        client.put_item(TableName=table, Item=it)
    page = client.query(
        TableName=table,
        KeyConditionExpression="PK = :p",
        ExpressionAttributeValues={":p": S("Q")},
        ReturnConsumedCapacity="INDEXES",
    )
    # One rounding for the whole page (the summed size), not per item.
    assert reported(page["ConsumedCapacity"]) == {None: capacity.query_read_units(map(item_size, items))}
    on_index = client.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="SK = :s",
        ExpressionAttributeValues={":s": S("q5")},
        ReturnConsumedCapacity="INDEXES",
    )
    assert reported(on_index["ConsumedCapacity"]) == {
        None: 0.0,
        "GSI1": capacity.query_read_units([item_size(items[4])]),
    }


def test_batch_units_match_the_engine(engine: tuple[Any, str]) -> None:
    client, table = engine
    items = [item("B", f"b{i}", 700 * i, "py" if i % 2 else None) for i in range(1, 8)]
    resp = client.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": it}} for it in items]}, ReturnConsumedCapacity="INDEXES"
    )
    expected: Units = {}
    for it in items:
        for where, units in ours(None, it).items():
            expected[where] = expected.get(where, 0.0) + units
    assert reported(resp["ConsumedCapacity"][0]) == expected
    got = client.batch_get_item(
        RequestItems={table: {"Keys": [{"PK": it["PK"], "SK": it["SK"]} for it in items]}},
        ReturnConsumedCapacity="INDEXES",
    )
    # Each item rounded on its own (as a GetItem), then summed.
    assert reported(got["ConsumedCapacity"][0]) == {None: capacity.batch_read_units(map(item_size, items))}


# -- where DynamoDB Local departs from the guide (docs/engines.md) ----------------------------------------


def test_transactions_engine_doubles_index_writes_we_do_not(engine: tuple[Any, str]) -> None:
    client, table = engine
    new = item("T", "t1", 3000)  # 3 units
    resp = client.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": new}}], ReturnConsumedCapacity="INDEXES"
    )
    ours_units = ours(None, new, transactional=True)
    assert ours_units == {None: 6.0, "GSI1": 3.0}  # table doubled, the index entry a standard write
    assert reported(resp["ConsumedCapacity"][0]) == {None: 6.0, "GSI1": 6.0}  # DynamoDB Local doubles both


def test_engine_charges_nothing_for_reads_that_found_nothing(engine: tuple[Any, str]) -> None:
    client, table = engine
    empty = client.query(
        TableName=table,
        KeyConditionExpression="PK = :p",
        ExpressionAttributeValues={":p": S("nothing-here")},
        ReturnConsumedCapacity="INDEXES",
    )
    # The guide: a Query still consumes read capacity "even if no data exists"; we record the minimum.
    assert reported(empty["ConsumedCapacity"]) == {None: 0.0}
    assert capacity.query_read_units([]) == 0.5


# -- the same through the data layer: the ledger against the reported TOTAL ------------------------------


class Doc(Entity):
    __pk__ = "DOC#{doc_id}"
    __sk__ = "BODY"
    doc_id: str
    body: str = ""


def test_ledger_matches_the_engine_call_by_call(singletable_dynamodb_local: DynamoDBLocalServer) -> None:
    client = make_client(endpoint_url=singletable_dynamodb_local.endpoint_url)
    spec = TableSpec(
        name=f"led-{uuid.uuid4().hex[:10]}", deletion_protection=False, point_in_time_recovery=False
    )
    spec.create(client)
    try:
        table = Table(spec, client=client, entities=[Doc])
        table.put(Doc(doc_id="a", body="x" * 3000), pattern="put 3 KB")
        table.put(Doc(doc_id="a", body="y"), pattern="put over 3 KB")
        table.get(Doc, doc_id="a", pattern="get")
        table.get(Doc, doc_id="a", consistent=True, pattern="get strong")
        table.update(Doc, {"body": "z" * 5000}, doc_id="a", pattern="update grow")
        table.batch_write([Doc(doc_id=str(i), body="b" * 900 * i) for i in range(1, 6)], pattern="batch put")
        table.batch_get([(Doc, {"doc_id": str(i)}) for i in range(1, 6)], pattern="batch get")
        list(table.query(Doc, doc_id="3", pattern="query"))
        list(table.scan(pattern="scan"))
        table.transact_get([(Doc, {"doc_id": "4"})], pattern="transact get")
        table.delete(Doc, doc_id="a", pattern="delete")
        for rec in table.ledger:
            assert (rec.reported_read_units or 0.0, rec.reported_write_units or 0.0) == (
                rec.read_units,
                rec.write_units,
            ), rec
    finally:
        spec.delete(client)
