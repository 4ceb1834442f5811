"""Transactions on the in-process engine: atomicity, idempotency tokens, cancellation reasons, bad input
caught before sending, capacity, entity helpers, and optimistic locking under 8 threads."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from singletable import (
    Attr,
    DuplicateKeyError,
    Entity,
    ItemTooLargeError,
    LimitExceededError,
    Table,
    TransactionCanceledError,
    Update,
    ValidationError,
    VersionConflictError,
)
from singletable.seed import Order, User, UserOrder, create_order, delete_user
from singletable.testing import http_engine, requires_engine_feature
from singletable.transactions import transact_get
from tests.unit.test_transactions_engine import GapStats, moto_engine_gaps

pytestmark = requires_engine_feature("transactions")  # skipped over HTTP on dynalite

D = dt.date(2023, 2, 15)


class Counter(Entity):
    __pk__ = "COUNTER#{name}"
    __sk__ = "COUNTER"
    __version_field__ = "version"
    name: str
    value: int = 0
    version: int = 0


class Spy:
    """A client wrapper counting calls per operation, optionally failing some on purpose."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: dict[str, int] = {}
        self.requests: list[dict[str, Any]] = []
        self.fail: dict[str, list[BaseException | str]] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if not callable(real) or name.startswith("_") or name == "meta":
            return real

        def call(**params: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            self.requests.append({"op": name, **params})
            plan = self.fail.get(name)
            if plan:
                what = plan.pop(0)
                if what == "after":  # applied by the engine, then the answer is lost
                    real(**params)
                    raise ConnectionClosedError(endpoint_url="http://engine")
                assert isinstance(what, BaseException)
                raise what
            return real(**params)

        return call


@pytest.fixture
def gaps() -> Iterator[GapStats]:
    with moto_engine_gaps() as stats:
        yield stats


@pytest.fixture
def spy(table: Table) -> Spy:
    s = Spy(table.client)
    table.client = s
    return s


def order(n: int, user: str = "1") -> Order:
    return Order(order_id=str(n), user_id=f"USER#{user}", total=Decimal("9.99"))


def test_order_and_edge_are_created_together_or_not_at_all(table: Table) -> None:
    o, edge = create_order(table, order(456, "123"), D)
    assert table.get(Order, order_id="456") == o
    assert table.get(UserOrder, user_id="123", order_id="456") == edge
    # The same order again: the order exists, so neither item is written (the edge of user 9 neither).
    with pytest.raises(TransactionCanceledError) as err:
        create_order(table, Order(order_id="456", user_id="USER#9", total=Decimal(1)), D)
    msg = str(err.value)
    assert "action #0 (put Order ORDER#456/METADATA): condition failed (attribute_not_exists(PK))" in msg
    assert "action #1" not in msg and "nothing applied" in msg
    assert err.value.reasons[0]["code"] == "ConditionalCheckFailed"
    assert err.value.reasons[0]["item"]["total"] == Decimal("9.99")  # the item that is there
    assert err.value.reasons[1]["code"] == "None"
    assert table.get(UserOrder, user_id="9", order_id="456") is None
    assert table.get(Order, order_id="456") == o


def test_update_delete_and_condition_check_in_one_transaction(any_table: Table) -> None:
    table = any_table
    table.put(User(user_id="1", name="Ann", email="a@x"))
    table.put(order(1))
    with table.transact_write() as tx:
        tx.update(Order, {"total": "12.50"}, order_id="1")  # typed: the str becomes a number
        tx.condition_check(User, Attr("email").exists(), user_id="1")
        tx.delete(("USER#1", "ORDER#1"))
        tx.put(UserOrder(user_id="1", order_id="2", order_date=D))
    assert tx.committed is not None and tx.committed.actions == 4
    raw = table.client.get_item(TableName=table.name, Key={"PK": {"S": "ORDER#1"}, "SK": {"S": "METADATA"}})
    # Stored as DynamoDB stores numbers, canonical (the engine fills this on moto: docs/engines.md);
    # DynamoDB Local keeps a transaction's update operand as sent ("12.50", docs/engines.md #36).
    total = {"N": "12.5"} if http_engine() == "moto" else {"N": raw["Item"]["total"]["N"]}
    assert Decimal(total["N"]) == Decimal("12.5")
    assert raw["Item"]["total"] == total and raw["Item"]["_type"] == {"S": "Order"}
    # A failing condition check cancels the put beside it.
    tx2 = table.transact_write()
    tx2.put(UserOrder(user_id="1", order_id="3", order_date=D))
    tx2.condition_check(User, Attr("name").eq("Bob"), user_id="1")
    with pytest.raises(TransactionCanceledError, match=r"action #1 \(condition_check User USER#1/PROFILE\)"):
        tx2.commit()
    assert table.get(UserOrder, user_id="1", order_id="3") is None


def test_a_transactional_update_is_the_same_request_as_table_update(either_table: Table) -> None:
    table = either_table
    update = Update().set(total=Decimal(5)).remove("user_id")
    tx = table.transact_write().update(Order, update, order_id="7", upsert=True)
    single = table.update(Order, update, order_id="7", upsert=True, dry_run=True)
    body = tx.request().params["TransactItems"][0]["Update"]
    for field in ("Key", "UpdateExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"):
        assert body[field] == single.params[field]


def test_bad_input_is_refused_before_anything_is_sent(table: Table, spy: Spy) -> None:
    tx = table.transact_write()
    for i in range(100):
        tx.put(order(i))
    with pytest.raises(
        LimitExceededError, match=r"at most 100 actions; action #100 \(put Order ORDER#100/METADATA\)"
    ):
        tx.put(order(100))
    tx = table.transact_write().put(order(1))
    with pytest.raises(DuplicateKeyError, match=r"actions #0 \(put Order ORDER#1/METADATA\) and #1 \(update"):
        tx.update(Order, {"total": 2}, order_id="1")
    with pytest.raises(DuplicateKeyError, match="keys #0 and #1 are both USER#1/PROFILE"):
        transact_get(table, [(User, {"user_id": "1"}), ("USER#1", "PROFILE")])
    with pytest.raises(
        ValidationError, match=r"names 'totl', which no Order item holds \(Order has no attribute"
    ):
        table.transact_write().put(order(2), condition=Attr("totl").gt(1))
    with pytest.raises(ValidationError, match="'order_id' is a key field of UserOrder"):
        table.transact_write().delete(
            UserOrder, condition=Attr("order_id").exists(), user_id="1", order_id="2"
        )
    with pytest.raises(ValidationError, match="names 'nope'"):
        table.transact_write().condition_check(
            User, Attr("name").eq("a") & ~Attr("nope").exists(), user_id="1"
        )
    with pytest.raises(ItemTooLargeError, match=r"action #0 \(put USER#1/PROFILE\) is 4\d\d,\d\d\d bytes"):
        table.transact_write().put({"PK": "USER#1", "SK": "PROFILE", "blob": "x" * 420_000})
    with pytest.raises(LimitExceededError, match="PK is 3,000 bytes, over DynamoDB's 2,048-byte limit"):
        table.transact_write().delete(("x" * 3000, "S"))
    with pytest.raises(ValidationError, match="has no actions"):
        table.transact_write().commit()
    with pytest.raises(LimitExceededError, match="at most 100 keys"):
        transact_get(table, [("P", str(i)) for i in range(101)])
    assert spy.calls == {}


def test_the_token_is_sent_and_reused_so_a_lost_answer_is_not_applied_twice(
    table: Table, spy: Spy, gaps: GapStats
) -> None:
    table.put(User(user_id="1", name="Ann", email="a@x"))
    spy.fail["transact_write_items"] = ["after"]  # applied, then the connection drops
    tx = table.transact_write()
    tx.put(order(1), create_only=True).put(
        UserOrder(user_id="1", order_id="1", order_date=D), create_only=True
    )
    tx.update_item("STATS", "ORDERS", Update().increment("count"), upsert=True)
    result = tx.commit()
    sent = [r for r in spy.requests if r["op"] == "transact_write_items"]
    assert len(sent) == 2 and sent[0]["ClientRequestToken"] == sent[1]["ClientRequestToken"] == tx.token
    assert result.attempts == 2 and (gaps.applied, gaps.replayed) == (1, 1)
    assert table.get_item("STATS", "ORDERS") == {"PK": "STATS", "SK": "ORDERS", "count": 1}
    assert tx.commit() is result  # committing again sends nothing
    assert len([r for r in spy.requests if r["op"] == "transact_write_items"]) == 2
    with pytest.raises(ValidationError, match="already committed"):
        tx.put(order(5))


def test_conflicts_and_throttles_are_retried_with_the_same_token(table: Table, spy: Spy) -> None:
    conflict = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled [TransactionConflict]"},
            "CancellationReasons": [{"Code": "TransactionConflict", "Message": "conflict"}],
        },
        "TransactWriteItems",
    )
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
    )
    spy.fail["transact_write_items"] = [conflict, throttled]
    result = table.transact_write(token="my-token").put(order(1)).commit()
    assert result.attempts == 3 and result.token == "my-token"
    assert {r["ClientRequestToken"] for r in spy.requests} == {"my-token"}
    assert table.get(Order, order_id="1") == order(1)


def test_capacity_is_doubled_for_transactions(either_table: Table) -> None:
    table = either_table
    table.transact_write(pattern="tx").put(order(1)).put(order(2)).commit()
    rec = table.ledger.by_pattern()["tx"]
    # Two small items: 2 WCU each (transactional) + 1 each for GSI1, which every item lands in.
    assert rec.write_units == 6.0 and rec.operations == {"TransactWriteItems": 1}
    got = table.transact_get(
        [(Order, {"order_id": "1"}), (Order, {"order_id": "x"}), ("ORDER#2", "METADATA")], pattern="tget"
    )
    assert got == [order(1), None, order(2)]
    # 2 RCU per item asked for (transactional); an item not found still costs the minimum.
    assert table.ledger.by_pattern()["tget"].read_units == 6.0


def test_versioned_writes_in_a_transaction(either_table: Table) -> None:
    table = either_table
    c = table.put(Counter(name="c"))
    tx = table.transact_write().put(c.model_copy(update={"value": 1}))
    result = tx.commit()
    written = result.entities[0]
    assert isinstance(written, Counter) and written.version == 2
    with pytest.raises(
        TransactionCanceledError, match="version conflict: the item changed since it was read"
    ) as err:
        table.transact_write().update(Counter, {"value": 5}, name="c", expected_version=1).commit()
    assert err.value.reasons[0]["version_conflict"] is True
    assert err.value.reasons[0]["item"]["version"] == 2  # what to retry from
    table.transact_write().update(Counter, {"value": 5}, name="c", expected_version=2).commit()
    assert table.get(Counter, name="c", consistent=True) == Counter(name="c", value=5, version=3)


def test_delete_a_user_with_all_edges(table: Table) -> None:
    table.put(User(user_id="1", name="Ann", email="a@x"))
    for i in range(3):
        create_order(table, order(i), D)
    table.put(User(user_id="2", name="Bob", email="b@x"))
    assert delete_user(table, "1") == 4
    assert table.query(pk="USER#1").all() == []
    assert table.get(User, user_id="2") is not None
    assert all(table.get(Order, order_id=str(i)) for i in range(3))  # the orders themselves stay
    # More than 100 items: batch deletes, the profile last.
    table.put(User(user_id="3", name="Cy", email="c@x"))
    table.batch_write([UserOrder(user_id="3", order_id=str(i), order_date=D) for i in range(130)])
    assert delete_user(table, "3") == 131
    assert table.query(pk="USER#3").all() == []
    assert delete_user(table, "3") == 0


def increment(table: Table, times: int, mode: str, conflicts: list[int]) -> None:
    for _ in range(times):
        current = table.get(Counter, name="c", consistent=True)
        assert current is not None
        while True:
            try:
                if mode == "update":
                    table.update(
                        Counter, {"value": current.value + 1}, name="c", expected_version=current.version
                    )
                elif mode == "put":
                    table.put(current.model_copy(update={"value": current.value + 1}))
                else:
                    tx = table.transact_write()
                    tx.update(
                        Counter, {"value": current.value + 1}, name="c", expected_version=current.version
                    )
                    tx.commit()
                break
            except VersionConflictError as exc:
                assert exc.item is not None
                current = Counter(name="c", value=exc.item["value"], version=exc.item["version"])
            except TransactionCanceledError as exc:
                item = exc.reasons[0]["item"]
                assert exc.reasons[0]["version_conflict"] and item is not None
                current = Counter(name="c", value=item["value"], version=item["version"])
            conflicts.append(1)


@pytest.mark.parametrize(("mode", "total"), [("update", 500), ("put", 80), ("transaction", 80)])
def test_eight_threads_increment_an_optimistic_counter_exactly(
    table: Table, gaps: GapStats, mode: str, total: int
) -> None:
    table.put(Counter(name="c"))
    conflicts: list[int] = []
    start = threading.Barrier(8)  # all threads begin together, so that they surely collide

    def run(times: int) -> None:
        start.wait()
        increment(table, times, mode, conflicts)

    threads = [threading.Thread(target=run, args=(total // 8 + (i < total % 8),)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = table.get(Counter, name="c", consistent=True)
    assert final == Counter(name="c", value=total, version=total + 1)
    assert conflicts  # the threads did collide, and every collision was caught
