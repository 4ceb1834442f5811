"""Table operations on the in-process engine: entities, keys, conditions, indexes, TTL, capacity."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import ClassVar

import pytest
from pydantic import BaseModel

from singletable import (
    Attr,
    ConditionFailedError,
    Entity,
    IndexSpec,
    ItemNotFoundError,
    ItemTooLargeError,
    KeyTemplateError,
    SortKey,
    Table,
    TableSpec,
    Update,
    ValidationError,
    VersionConflictError,
)
from singletable.local import InProcessEngine
from singletable.seed import ENTITIES, SEED_EDGE, SEED_ORDER, SEED_USER, Order, User, UserOrder
from singletable.testing import requires_engine_feature


def _seed(table: Table) -> None:
    for entity in (SEED_USER, SEED_ORDER, SEED_EDGE):
        table.put(entity)


def test_items_are_stored_exactly_as_the_seed_shows(any_table: Table) -> None:
    table = any_table
    _seed(table)
    raw = table.client.get_item(TableName=table.name, Key={"PK": {"S": "ORDER#456"}, "SK": {"S": "METADATA"}})
    assert raw["Item"] == {
        "PK": {"S": "ORDER#456"},
        "SK": {"S": "METADATA"},
        "_type": {"S": "Order"},
        "user_id": {"S": "USER#123"},
        "total": {"N": "99.99"},
    }
    edge = table.client.get_item(
        TableName=table.name, Key={"PK": {"S": "USER#123"}, "SK": {"S": "ORDER#456"}}
    )
    assert edge["Item"]["order_date"] == {"S": "2023-02-15"}


def test_get_parses_key_fields_back(any_table: Table) -> None:
    table = any_table
    _seed(table)
    user = table.get(User, user_id="123")
    assert user == SEED_USER
    assert table.get(User, user_id="nobody") is None
    assert table.get(Order, order_id="456", consistent=True) == SEED_ORDER


def test_items_written_by_hand_are_recognised_by_key_pattern(either_table: Table) -> None:
    table = either_table
    table.client.put_item(
        TableName=table.name,
        Item={"PK": {"S": "USER#9"}, "SK": {"S": "PROFILE"}, "name": {"S": "Hand"}, "email": {"S": "h@x"}},
    )
    assert table.get(User, user_id="9") == User(user_id="9", name="Hand", email="h@x")
    assert table.collection(User, user_id="9") == {User: [User(user_id="9", name="Hand", email="h@x")]}


def test_foreign_items_in_a_shared_partition_are_never_taken_for_ours(any_table: Table) -> None:
    table = any_table
    _seed(table)
    table.client.put_item(
        TableName=table.name,
        Item={"PK": {"S": "USER#123"}, "SK": {"S": "ORDER#999"}, "_type": {"S": "Invoice"}, "x": {"N": "1"}},
    )
    got = table.collection(User, user_id="123")
    assert got[UserOrder] == [SEED_EDGE]
    assert got["foreign"] == [{"PK": "USER#123", "SK": "ORDER#999", "_type": "Invoice", "x": 1}]
    assert table.query(UserOrder, user_id="123").all() == [SEED_EDGE]


class Rich(Entity):
    __pk__ = "RICH#{rid}"
    __sk__ = "V"

    class Address(BaseModel):
        city: str
        lines: list[str]

    rid: int
    price: float
    exact: Decimal
    when: dt.datetime
    day: dt.date
    tags: set[str]
    scores: set[int]
    blob: bytes
    flag: bool
    extra: dict[str, list[int]]
    address: Address
    note: str | None = None


def test_every_declared_type_round_trips(either_table: Table) -> None:
    table = either_table
    rich = Rich(
        rid=7,
        price=0.1,
        exact=Decimal("12345678901234567890.123"),
        when=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        day=dt.date(2024, 2, 29),
        tags={"a", "b"},
        scores={1, 2},
        blob=b"\x00\xff",
        flag=False,
        extra={"k": [1, 2]},
        address=Rich.Address(city="Oslo", lines=["1", "2"]),
    )
    table.put(rich)
    got = table.get(Rich, rid=7)
    assert got == rich
    assert got is not None and type(got.price) is float and got.price == 0.1


def test_create_only_and_conditions(any_table: Table) -> None:
    table = any_table
    table.put(SEED_USER, create_only=True)
    with pytest.raises(ConditionFailedError, match="attribute_not_exists"):
        table.put(SEED_USER, create_only=True)
    with pytest.raises(ConditionFailedError, match=r"email = 'other@x'"):
        table.put(SEED_USER, condition=Attr("email").eq("other@x"))
    table.put(SEED_USER.model_copy(update={"name": "J"}), condition=Attr("email").eq("john@example.com"))
    assert table.get(User, user_id="123").name == "J"  # type: ignore[union-attr]


@requires_engine_feature("return_values_on_condition_check_failure")
def test_a_failed_condition_carries_the_item_there(any_table: Table) -> None:
    table = any_table
    table.put(SEED_USER, create_only=True)
    with pytest.raises(ConditionFailedError, match="attribute_not_exists") as err:
        table.put(SEED_USER, create_only=True)
    assert err.value.item is not None and err.value.item["name"] == "John Doe"


def test_update_set_remove_add_append_counters(any_table: Table) -> None:
    table = any_table
    table.put(SEED_EDGE)
    got = table.update(UserOrder, {"total": 10.5}, user_id="123", order_id="456")
    assert got.total == Decimal("10.5")
    got = table.update(UserOrder, Update().remove("total"), user_id="123", order_id="456")
    assert got.total is None
    with pytest.raises(ItemNotFoundError, match="USER#1/ORDER#2"):
        table.update(UserOrder, {"total": 1}, user_id="1", order_id="2")
    created = table.update(UserOrder, {"order_date": "2024-01-01"}, user_id="1", order_id="2", upsert=True)
    assert created.order_date == dt.date(2024, 1, 1)


class Counter(Entity):
    __pk__ = "COUNTER#{name}"
    __sk__ = "C"
    name: str
    hits: int = 0
    log: list[str] = []
    tags: set[str] | None = None


def test_atomic_counters_append_and_sets(either_table: Table) -> None:
    table = either_table
    key = {"name": "c"}
    for _ in range(3):
        got = table.update(
            Counter, Update().increment("hits").append("log", ["x"]).add("tags", {"t"}), **key, upsert=True
        )
    assert got.hits == 3 and got.log == ["x", "x", "x"] and got.tags == {"t"}
    got = table.update(Counter, Update().delete("tags", {"t"}).set_if_not_exists("hits", 100), **key)
    assert got.hits == 3 and got.tags is None


def test_update_validates_before_sending(either_table: Table) -> None:
    table = either_table
    table.put(SEED_USER)
    with pytest.raises(ValidationError, match="part of the key") as err:
        table.update(User, {"user_id": "9"}, user_id="123")
    assert err.value.field == "user_id"
    with pytest.raises(ValidationError, match="has no field 'emial'"):
        table.update(User, {"emial": "x"}, user_id="123")
    with pytest.raises(ValidationError, match=r"UserOrder\.order_date"):
        table.update(UserOrder, {"order_date": "not a date"}, user_id="1", order_id="2")
    with pytest.raises(KeyTemplateError, match=r"needs \['user_id'\]"):
        table.get(User)


class Member(Entity):
    """An entity with an extra, template-derived index: look members up by email within a tenant."""

    __pk__ = "MEMBER#{member_id}"
    __sk__ = "PROFILE"
    __indexes__: ClassVar = {"GSI2": ("EMAIL#{tenant}#{email}", "MEMBER#{member_id}")}
    member_id: str
    tenant: str
    email: str | None = None
    name: str = ""


@pytest.fixture
def gsi2_table(singletable_inprocess: InProcessEngine) -> Table:
    spec = TableSpec(
        name="with-gsi2",
        deletion_protection=False,
        indexes=(IndexSpec("GSI1", "SK", "PK"), IndexSpec("GSI2", "GSI2PK", "GSI2SK")),
    )
    client = singletable_inprocess.client()
    spec.create(client)
    return Table(spec, client=client, entities=[*ENTITIES, Member])


def test_derived_index_keys_are_rewritten_by_partial_updates(gsi2_table: Table) -> None:
    t = gsi2_table
    t.put(Member(member_id="m1", tenant="acme", email="a@x"))
    assert [m.member_id for m in t.query(Member, index="GSI2", tenant="acme", email="a@x")] == ["m1"]
    t.update(Member, {"email": "b@x", "tenant": "acme"}, member_id="m1")
    assert t.query(Member, index="GSI2", tenant="acme", email="a@x").all() == []
    assert [m.email for m in t.query(Member, index="GSI2", tenant="acme", email="b@x")] == ["b@x"]
    with pytest.raises(ValidationError, match=r"not \['tenant'\]") as err:
        t.update(Member, {"email": "c@x"}, member_id="m1")
    assert "GSI2" in str(err.value)
    # Removing a field the index needs takes the item out of the (sparse) index.
    t.update(Member, {"email": None}, member_id="m1")
    assert t.query(Member, index="GSI2", tenant="acme", email="b@x").all() == []
    # Updates that touch no index field leave the index alone.
    assert t.update(Member, {"name": "N"}, member_id="m1").name == "N"


def test_query_sort_key_conditions_direction_limit_filter(any_table: Table) -> None:
    table = any_table
    table.put(SEED_USER)
    for i in range(1, 8):
        table.put(
            UserOrder(user_id="123", order_id=f"{i:03d}", order_date=dt.date(2024, 1, i), total=Decimal(i))
        )
    ids = lambda q: [o.order_id for o in q]  # noqa: E731
    assert ids(table.query(UserOrder, user_id="123")) == [f"{i:03d}" for i in range(1, 8)]
    assert ids(table.query(UserOrder, user_id="123", reverse=True, limit=2)) == ["007", "006"]
    assert ids(table.query(UserOrder, user_id="123", sk=SortKey.between("ORDER#002", "ORDER#004"))) == [
        "002",
        "003",
        "004",
    ]
    assert ids(table.query(UserOrder, user_id="123", sk=SortKey.gt("ORDER#005"))) == ["006", "007"]
    assert ids(table.query(UserOrder, user_id="123", sk=SortKey.lte("ORDER#002"))) == ["001", "002"]
    assert ids(table.query(UserOrder, user_id="123", order_id="003")) == ["003"]
    by_date = table.query(
        UserOrder, user_id="123", filter=Attr("order_date").between("2024-01-03", "2024-01-04")
    )
    assert ids(by_date) == ["003", "004"]


def test_pagination_resumes_without_skipping_or_repeating(any_table: Table) -> None:
    table = any_table
    for i in range(23):
        table.put(UserOrder(user_id="p", order_id=f"{i:03d}", order_date=dt.date(2024, 1, 1)))
    seen: list[str] = []
    cursor = None
    while True:
        q = table.query(UserOrder, user_id="p", limit=5, page_size=3, cursor=cursor)
        batch = [o.order_id for o in q]
        seen += batch
        cursor = q.cursor
        if cursor is None:
            break
    assert seen == [f"{i:03d}" for i in range(23)]
    with pytest.raises(ValidationError, match="cursor is not one this query produced"):
        table.query(UserOrder, user_id="p", cursor="garbage").all()


def test_reverse_lookup_through_gsi1(any_table: Table) -> None:
    table = any_table
    _seed(table)
    table.put(UserOrder(user_id="777", order_id="456", order_date=dt.date(2024, 1, 1)))
    owners = sorted(e.user_id for e in table.reverse(UserOrder, order_id="456"))
    assert owners == ["123", "777"]
    # Without the PK fields, an entity query with the SK fields picks GSI1 by itself.
    assert table.query(UserOrder, order_id="456").request().params["IndexName"] == "GSI1"
    with pytest.raises(ValidationError, match="consistent reads are not possible"):
        table.query(UserOrder, order_id="456", index="GSI1", consistent=True)


def test_dry_run_returns_the_request_and_sends_nothing(either_table: Table) -> None:
    table = either_table
    req = table.put(SEED_USER, create_only=True, dry_run=True)
    assert req.operation == "PutItem"
    assert req.params["ConditionExpression"] == "attribute_not_exists(#n0)"
    assert req.params["Item"]["PK"] == {"S": "USER#123"}
    assert table.get(User, user_id="123") is None
    get = table.get(User, user_id="123", dry_run=True)
    assert get.params["Key"] == {"PK": {"S": "USER#123"}, "SK": {"S": "PROFILE"}}
    upd = table.update(User, {"name": "x"}, user_id="123", dry_run=True)
    assert upd.params["ExpressionAttributeNames"]["#n0"] == "name"
    assert [r.operation for r in table.ledger] == ["GetItem"]  # only the real get above was sent


def test_item_over_400_kb_is_refused_before_sending(either_table: Table) -> None:
    table = either_table
    big = User(user_id="big", name="x" * (400 * 1024), email="e")
    with pytest.raises(ItemTooLargeError, match="over DynamoDB's 409,600-byte limit"):
        table.put(big)
    assert len(table.ledger) == 0


class Session(Entity):
    __pk__ = "SESSION#{sid}"
    __sk__ = "S"
    __ttl__ = "expires"
    sid: str
    expires: dt.datetime | None = None


@requires_engine_feature("ttl")
def test_expired_items_are_hidden_and_ttl_is_stored_as_epoch(either_table: Table) -> None:
    table = either_table
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    table.put(Session(sid="old", expires=past))
    table.put(Session(sid="new", expires=future))
    raw = table.client.get_item(TableName=table.name, Key={"PK": {"S": "SESSION#new"}, "SK": {"S": "S"}})[
        "Item"
    ]
    assert raw["expires_at"] == {"N": str(int(future.timestamp()))}
    assert table.get(Session, sid="old") is None
    got = table.get(Session, sid="new")
    assert (
        got is not None and got.expires is not None and abs(got.expires.timestamp() - future.timestamp()) < 1
    )
    with pytest.raises(ValidationError, match="naive datetime"):
        table.put(Session(sid="n", expires=dt.datetime(2030, 1, 1)))


class Account(Entity):
    __pk__ = "ACCOUNT#{aid}"
    __sk__ = "A"
    __version_field__ = "version"
    aid: str
    balance: int = 0
    version: int = 0


@requires_engine_feature("return_values_on_condition_check_failure")
def test_optimistic_locking(any_table: Table) -> None:
    table = any_table
    a = table.put(Account(aid="1"))
    assert a.version == 1
    b = table.put(a.model_copy(update={"balance": 5}))
    assert b.version == 2
    with pytest.raises(VersionConflictError, match="version conflict"):
        table.put(a.model_copy(update={"balance": 9}))  # stale: still at version 1
    with pytest.raises(VersionConflictError):
        table.put(Account(aid="1"))  # version 0 means "create", but it exists
    got = table.update(Account, {"balance": 6}, aid="1", expected_version=2)
    assert got.version == 3 and got.balance == 6
    with pytest.raises(VersionConflictError):
        table.update(Account, {"balance": 7}, aid="1", expected_version=2)
    # A failed condition of the caller's own is not a version conflict.
    with pytest.raises(ConditionFailedError) as err:
        table.put(got.model_copy(update={"balance": 1}), condition=Attr("balance").gt(100))
    assert not isinstance(err.value, VersionConflictError)


@requires_engine_feature("return_values_on_condition_check_failure", "transactions")
def test_update_upsert_at_version_0_creates_as_put_does(any_table: Table) -> None:
    """Version 0 is "no version stored yet" (put's "never written"): an upsert expecting it creates a
    missing item at version 1; an existing item must have version 0 or none. Sync and async alike."""
    table = any_table
    created = table.update(Account, {"balance": 4}, aid="2", upsert=True, expected_version=0)
    assert created == Account(aid="2", balance=4, version=1)
    assert table.get(Account, aid="2", consistent=True) == created
    with pytest.raises(VersionConflictError):  # it exists now, at version 1: nothing changed
        table.update(Account, {"balance": 5}, aid="2", upsert=True, expected_version=0)
    assert table.get(Account, aid="2", consistent=True) == created
    with pytest.raises(ItemNotFoundError):  # without upsert a missing item is still not found
        table.update(Account, {"balance": 1}, aid="3", expected_version=0)
    # An item stored without a version (written before the entity was versioned) is at version 0.
    table.put_item({"PK": "ACCOUNT#4", "SK": "A", "_type": "Account", "balance": 1})
    assert table.update(Account, {"balance": 2}, aid="4", expected_version=0) == Account(
        aid="4", balance=2, version=1
    )
    # The caller's own failed condition is not taken for a version conflict.
    with pytest.raises(ConditionFailedError) as err:
        table.update(
            Account, {"balance": 1}, aid="6", upsert=True, expected_version=0, condition=Attr("balance").gt(1)
        )
    assert not isinstance(err.value, VersionConflictError)
    # A transaction's update follows the same rule (one builder).
    tx = table.transact_write()
    tx.update(Account, {"balance": 9}, aid="5", upsert=True, expected_version=0)
    tx.commit()
    assert table.get(Account, aid="5", consistent=True) == Account(aid="5", balance=9, version=1)


def test_delete_returns_what_was_there(any_table: Table) -> None:
    table = any_table
    _seed(table)
    assert table.delete(User, user_id="123") == SEED_USER
    assert table.delete(User, user_id="123") is None
    with pytest.raises(ConditionFailedError):
        table.delete(SEED_ORDER, condition=Attr("total").gt(1000))
    assert table.delete(SEED_ORDER, condition=Attr("total").lt(1000)) == SEED_ORDER


def test_capacity_is_computed_by_size_rules_for_every_call(either_table: Table) -> None:
    table = either_table
    _seed(table)
    table.get(User, user_id="123", pattern="get profile")
    table.get(User, user_id="123", consistent=True, pattern="get profile strong")
    table.collection(User, user_id="123", pattern="user and orders")
    big = User(user_id="b", name="x" * 3000, email="e")
    table.put(big, pattern="big put")
    summary = table.ledger.by_pattern()
    assert summary["get profile"].read_units == 0.5
    assert summary["get profile strong"].read_units == 1.0
    assert summary["user and orders"].round_trips == 1 and summary["user and orders"].items == 2
    # ~3 KB item: 3 WCU for the table and 3 more for GSI1, which projects every item (ALL).
    assert summary["big put"].write_units == 6.0
    assert summary["big put"].reported_write_units > 0  # the engine's own figure is kept beside ours


def test_unknown_table_is_a_clear_error(singletable_inprocess: InProcessEngine) -> None:
    from singletable import TableNotFoundError

    t = Table(TableSpec(name="missing-table"), client=singletable_inprocess.client(), entities=ENTITIES)
    with pytest.raises(TableNotFoundError, match="'missing-table' not found"):
        t.get(User, user_id="1")
    with pytest.raises(TableNotFoundError, match=r"TableSpec\.create"):
        t.spec.verify(t.client)


def test_batch_write_and_get(any_table: Table) -> None:
    table = any_table
    users = [User(user_id=str(i), name=f"n{i}", email="e") for i in range(60)]
    result = table.batch_write(users)
    assert result.processed == 60 and result.round_trips == 3
    got = table.batch_get([(User, {"user_id": "5"}), ("USER#7", "PROFILE"), (User, {"user_id": "none"})])
    assert got == [users[5], users[7], None]
    start = time.monotonic()
    assert sum(1 for _ in table.scan()) == 60
    assert time.monotonic() - start >= 0  # scan consumed; capacity recorded below
    assert table.ledger.by_pattern()["scan"].items == 60


@pytest.mark.parametrize("way", ["items_size", "py_items_size"])
def test_items_size_is_exactly_the_sum_of_item_sizes(way: str) -> None:
    from singletable import codec
    from singletable.codec import item_size, serialize

    size = getattr(codec, way)
    items = [
        serialize(
            {
                "PK": f"USER#{n}",
                "SK": "ORDER#é" * n,  # non-ASCII values and names are counted in UTF-8 bytes
                "naïve": "日本",
                "total": Decimal("-1234.5600"),
                "count": 10**n,
                "flag": True,
                "none": None,
                "nested": {"a": ["x", 1, {"b": Decimal("0.001")}], "ü": {"c", "d"}},
                "blob": b"\x00\x01" * n,
                "numbers": {1, 22, 333},
            }
        )
        for n in range(4)
    ]
    items.append({"odd": {"S": "two tags", "NULL": True}, "empty": {"S": ""}})  # the first tag decides
    assert size(items) == sum(item_size(i) for i in items)
    assert size([]) == 0


@requires_engine_feature("ttl")
def test_query_records_the_size_rule_capacity_and_hides_expired_items(either_table: Table) -> None:
    table = either_table
    from singletable.codec import item_size

    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    _seed(table)
    table.put(UserOrder(user_id="123", order_id="457", order_date=dt.date(2023, 2, 16), total=Decimal("5")))
    table.put_item({"PK": "USER#123", "SK": "NOTE#1", "text": "é" * 5000})  # foreign: not a UserOrder
    table.put_item(
        {
            "PK": "USER#123",
            "SK": "ORDER#458",
            "_type": "UserOrder",
            "order_date": "2023-02-17",
            "expires_at": int(past.timestamp()),
        }
    )
    table.put_item(
        {
            "PK": "USER#123",
            "SK": "ORDER#459",
            "_type": "UserOrder",
            "order_date": "2023-02-18",
            "expires_at": int(future.timestamp()),
        }
    )
    table.ledger.clear()
    orders = table.query(pk="USER#123", pattern="partition").all()
    got = table.query(UserOrder, user_id="123", pattern="orders").all()
    assert [o.order_id for o in got] == ["456", "457", "459"]  # 458 has expired
    assert len(orders) == 5 and sum(isinstance(o, dict) for o in orders) == 1
    stored = [r for r in table.client.scan(TableName=table.name)["Items"] if r["PK"] == {"S": "USER#123"}]
    summary = table.ledger.by_pattern()
    assert summary["partition"].bytes == sum(item_size(r) for r in stored)
    assert summary["partition"].read_units == max(1, -(-summary["partition"].bytes // 4096)) * 0.5
    edges = [r for r in stored if r["SK"]["S"].startswith("ORDER#")]
    assert summary["orders"].bytes == sum(item_size(r) for r in edges) and summary["orders"].items == 4


def test_ledger_memory_is_bounded_and_totals_cover_every_call(either_table: Table) -> None:
    table = either_table
    """A long-running service must not grow the ledger forever; its totals must stay exact."""
    from singletable import CapacityLedger

    bounded = Table(table.spec, client=table.client, entities=ENTITIES, ledger=CapacityLedger(keep=3))
    full = Table(table.spec, client=table.client, entities=ENTITIES, ledger=CapacityLedger(keep=None))
    for t in (bounded, full):
        _seed(t)
        for _ in range(4):
            assert t.get(User, user_id="123", pattern="profile") == SEED_USER
        t.query(UserOrder, user_id="123", pattern="orders").all()
        # Start the second run from an empty table: re-putting identical items costs no index write, so
        # the two ledgers would (rightly) differ.
        for entity in (SEED_USER, SEED_ORDER, SEED_EDGE):
            table.delete(entity)
    assert len(bounded.ledger) == 3 and bounded.ledger.dropped == 5
    assert len(full.ledger) == 8 and full.ledger.dropped == 0
    assert [r.pattern for r in bounded.ledger] == ["profile", "profile", "orders"]  # the latest kept
    assert bounded.ledger.by_pattern() == full.ledger.by_pattern()
    assert bounded.ledger.by_pattern()["profile"].calls == 4
    assert bounded.ledger.read_units == full.ledger.read_units == 4 * 0.5 + 0.5
    assert bounded.ledger.write_units == full.ledger.write_units > 0
    bounded.ledger.clear()
    assert bounded.ledger.by_pattern() == {} and bounded.ledger.dropped == 0
    with pytest.raises(ValueError, match="keep"):
        CapacityLedger(keep=0)
