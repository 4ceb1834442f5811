"""Issue 11, items 9 and 10: capacity recorded as DynamoDB bills it, and the engine's item-size limit.

Written as a user meets them, on repos / issues / stars / accounts, against the real local engine.
"""

from __future__ import annotations

import pytest

from singletable import Table, capacity
from singletable.codec import item_size, serialize
from singletable.errors import (
    ConditionFailedError,
    ItemNotFoundError,
    ItemTooLargeError,
    SingleTableError,
    TransactionCanceledError,
)
from singletable.expressions import Attr, Update
from singletable.local import InProcessEngine
from singletable.model import Entity
from singletable.spec import GSI1, IndexSpec, TableSpec

KB = 1024


class Repo(Entity):
    __pk__ = "ACCOUNT#{owner}"
    __sk__ = "REPO#{name}"

    owner: str
    name: str
    description: str | None = None
    star_count: int = 0


class LangRepo(Entity):
    """A repo also listed by language in a sparse, keys-only index (only repos with a language)."""

    __entity__ = "LangRepo"
    __pk__ = "ACCOUNT#{owner}"
    __sk__ = "LREPO#{name}"
    __indexes__ = {"GSI2": ("LANG#{language}", "REPO#{name}")}

    owner: str
    name: str
    language: str | None = None
    star_count: int = 0


def _last(table: Table) -> capacity.CapacityRecord:
    return list(table.ledger)[-1]


def _size(table: Table, entity: Entity) -> int:
    return item_size(serialize(table.schema.entity_item(entity)))


@pytest.fixture
def lang_table(singletable_inprocess: InProcessEngine) -> Table:
    spec = TableSpec(
        name="issue11-capacity",
        deletion_protection=False,
        indexes=(GSI1, IndexSpec("GSI2", hash_key="GSI2PK", range_key="GSI2SK", projection="KEYS_ONLY")),
    )
    client = singletable_inprocess.client()
    spec.create(client)
    return Table(spec, client=client, entities=[LangRepo])


# -- item 9: updates ----------------------------------------------------------------------------------


def test_update_that_shrinks_a_repo_is_charged_on_the_item_before_it(table: Table) -> None:
    table.register(Repo)
    repo = table.put(Repo(owner="octo", name="hello", description="d" * 1500))
    assert _size(table, repo) > KB  # 2 WCU before
    stored = table.update(Repo, {"description": None}, owner="octo", name="hello")
    rec = _last(table)
    # max(before 2 KB, after < 1 KB) = 2, plus GSI1 (ALL projection) updated, sized by the same rule
    # (the larger entry, 2 KB): 2; DynamoDB Local 3.3 reports table 2 + GSI1 2 (tests/integration).
    assert rec.operation == "UpdateItem" and rec.write_units == 4.0
    assert stored.description is None and stored.star_count == 0  # the answer is the stored item
    assert table.get(Repo, owner="octo", name="hello") == stored


def test_update_that_grows_a_repo_is_charged_on_the_item_after_it(table: Table) -> None:
    table.register(Repo)
    table.put(Repo(owner="octo", name="grow"))
    table.update(
        Repo, Update().set(description="d" * 2500).increment("star_count"), owner="octo", name="grow"
    )
    assert _last(table).write_units == 3.0 + 3.0  # base 3 KB, GSI1 entry 3 KB
    assert table.get(Repo, owner="octo", name="grow").star_count == 1  # type: ignore[union-attr]


def test_update_with_a_nested_path_still_returns_the_stored_item(table: Table) -> None:
    table.register(Repo)
    table.put_item({"PK": "ACCOUNT#octo", "SK": "STATS", "stats": {"forks": 1}})
    out = table.update_item("ACCOUNT#octo", "STATS", Update().set({"stats.forks": 2}))
    assert out["stats"] == {"forks": 2}


def test_unchanged_keys_only_index_costs_nothing(lang_table: Table) -> None:
    lang_table.put(LangRepo(owner="octo", name="cli", language="python"))
    lang_table.update(LangRepo, Update().increment("star_count"), owner="octo", name="cli")
    # base 1 + GSI1 (ALL: the star count is projected) 1; GSI2 holds only keys, which did not change: 0.
    assert _last(lang_table).write_units == 2.0


def test_index_key_change_costs_a_delete_and_a_put(lang_table: Table) -> None:
    lang_table.put(LangRepo(owner="octo", name="cli", language="python"))
    lang_table.update(LangRepo, {"language": "rust"}, owner="octo", name="cli")
    assert _last(lang_table).write_units == 1.0 + 1.0 + 2.0  # base, GSI1, GSI2 delete + put
    assert [r.name for r in lang_table.query(LangRepo, index="GSI2", pk="LANG#rust")] == ["cli"]


def test_entering_and_leaving_a_sparse_index_cost_one_write_each(lang_table: Table) -> None:
    lang_table.put(LangRepo(owner="octo", name="docs"))  # no language: not in GSI2
    assert _last(lang_table).write_units == 2.0  # base + GSI1
    lang_table.update(LangRepo, {"language": "go"}, owner="octo", name="docs")
    assert _last(lang_table).write_units == 3.0  # base + GSI1 + GSI2 put
    lang_table.update(LangRepo, {"language": None}, owner="octo", name="docs")
    assert _last(lang_table).write_units == 3.0  # base + GSI1 + GSI2 delete


def test_put_over_a_bigger_item_is_charged_on_the_bigger_one(table: Table) -> None:
    table.register(Repo)
    table.put(Repo(owner="octo", name="big", description="d" * 3000))
    table.put(Repo(owner="octo", name="big"))
    # max(3 KB, small), and GSI1's entry updated: the larger of its before and after, 3 KB (as DynamoDB
    # Local reports it).
    assert _last(table).write_units == 3.0 + 3.0
    table.put(Repo(owner="octo", name="big"))  # the very same item again: GSI1 unchanged
    assert _last(table).write_units == 1.0


# -- item 9: failures and deletes -------------------------------------------------------------------


def test_failed_conditions_are_recorded_with_what_dynamodb_bills(table: Table) -> None:
    table.register(Repo)
    table.put(Repo(owner="octo", name="busy", description="d" * 1500))  # 2 KB stored
    before = len(table.ledger)
    with pytest.raises(ConditionFailedError):
        table.put(Repo(owner="octo", name="busy"), create_only=True)
    with pytest.raises(ConditionFailedError):
        table.update(Repo, {"star_count": 5}, owner="octo", name="busy", condition=Attr("star_count").gt(10))
    with pytest.raises(ConditionFailedError):
        table.delete(Repo, owner="octo", name="busy", condition=Attr("star_count").gt(10))
    with pytest.raises(ItemNotFoundError):
        table.update(Repo, {"star_count": 1}, owner="octo", name="missing")
    failed = list(table.ledger)[before:]
    assert [r.operation for r in failed] == ["PutItem", "UpdateItem", "DeleteItem", "UpdateItem"]
    # An existing item: its size (the larger of it and the new item), no index write; no item: 1 WCU.
    assert [r.write_units for r in failed] == [2.0, 2.0, 2.0, 1.0]
    assert all(r.items == 0 for r in failed)
    assert table.get(Repo, owner="octo", name="busy").description == "d" * 1500  # type: ignore[union-attr]


def test_delete_is_charged_on_the_deleted_repo_and_a_missing_one_costs_one(table: Table) -> None:
    table.register(Repo)
    table.put(Repo(owner="octo", name="old", description="d" * 1500))
    table.delete(Repo, owner="octo", name="old")
    assert _last(table).write_units == 2.0 + 2.0  # the 2 KB item, and its GSI1 entry deleted
    table.delete(Repo, owner="octo", name="old")
    rec = _last(table)
    assert rec.write_units == 1.0 and rec.items == 0


def test_cancelled_transaction_is_recorded(table: Table) -> None:
    table.register(Repo)
    table.put(Repo(owner="octo", name="tx"))
    before = len(table.ledger)
    tx = table.transact_write(pattern="star repo")
    tx.put(Repo(owner="octo", name="other"))
    tx.condition_check(Repo, Attr("star_count").gt(100), owner="octo", name="tx")
    with pytest.raises(TransactionCanceledError):
        tx.commit()
    recs = list(table.ledger)[before:]
    assert len(recs) == 1 and recs[0].operation == "TransactWriteItems" and recs[0].pattern == "star repo"
    # The prepare phase of each action, a standard write: two actions of under 1 KB.
    assert recs[0].write_units == 2.0 and recs[0].items == 0
    assert table.get(Repo, owner="octo", name="other") is None


def test_cost_planner_reads_failed_writes_from_the_ledger(table: Table, tmp_path: object) -> None:
    from pathlib import Path

    from singletable.capacity import CapacityLedger
    from singletable.cost.workload import workload_from_records

    table.register(Repo)
    table.put(Repo(owner="octo", name="plan"), pattern="create repo")
    with pytest.raises(ConditionFailedError):
        table.put(Repo(owner="octo", name="plan"), create_only=True, pattern="create repo")
    path = Path(str(tmp_path)) / "ledger.jsonl"
    table.ledger.dump(str(path))
    (pattern,) = workload_from_records(CapacityLedger.load(str(path))).patterns
    assert pattern.name == "create repo" and pattern.write_units == (2.0 + 1.0) / 2


# -- item 10: the 400 KB boundary -------------------------------------------------------------------


def _repo_of_size(table: Table, target: int) -> Repo:
    repo = Repo(owner="octo", name="huge", description="")
    pad = target - _size(table, repo)
    repo = Repo(owner="octo", name="huge", description="x" * pad)
    assert _size(table, repo) == target
    return repo


def test_item_just_under_400_kb_is_stored_and_one_just_over_is_refused(any_table: Table) -> None:
    table = any_table
    table.register(Repo)
    fits = _repo_of_size(table, capacity.MAX_ITEM_BYTES)  # 409,600 bytes: moto refused above 405,000
    table.put(fits)
    assert table.get(Repo, owner="octo", name="huge") == fits
    with pytest.raises(ItemTooLargeError) as exc:
        table.put(_repo_of_size(table, capacity.MAX_ITEM_BYTES + 1))
    assert exc.value.code == "ST102"


def test_engine_applies_the_size_rules_to_raw_writes_and_updates(any_table: Table) -> None:
    table = any_table
    client = table.client
    key = {"PK": {"S": "ACCOUNT#octo"}, "SK": {"S": "REPO#raw"}}
    name_bytes = sum(len(k) for k in ("PK", "SK", "blob")) + len("ACCOUNT#octo") + len("REPO#raw")
    # 406,000 bytes by DynamoDB's rules: a valid item moto used to refuse.
    client.put_item(TableName=table.name, Item={**key, "blob": {"S": "b" * (406_000 - name_bytes)}})
    got = client.get_item(TableName=table.name, Key=key)["Item"]
    assert item_size(got) == 406_000
    # An update that would take it past 409,600 is refused as too large, and leaves it as it was.
    with pytest.raises(ItemTooLargeError) as exc:
        table.update_item("ACCOUNT#octo", "REPO#raw", Update().set(more="m" * 4000))
    assert exc.value.code == "ST102" and "Fix:" in str(exc.value)
    assert "more" not in client.get_item(TableName=table.name, Key=key)["Item"]
    # Numbers count by significant digits: 40 big numbers of 38 digits are 20 bytes each, not 38.
    nums = {f"n{i:02d}": {"N": "9" * 38} for i in range(40)}
    client.put_item(TableName=table.name, Item={**key, **nums, "blob": {"S": "b" * 408_000}})


def test_no_catalogued_error_prints_an_empty_or_placeholder_fix(table: Table) -> None:
    with pytest.raises(SingleTableError) as exc:
        table.update_item("ACCOUNT#octo", "REPO#x", Update().set(bad=set()))  # engine refuses an empty set
    text = str(exc.value)
    assert "see the message above" not in text and "Fix: ." not in text and not text.endswith("Fix: ")

    def every(cls: type[SingleTableError]) -> list[type[SingleTableError]]:
        return [cls] + [c for sub in cls.__subclasses__() for c in every(sub)]

    from botocore.exceptions import ClientError

    from singletable.request import Request, translate

    engine_says = {
        "Error": {"Code": "ValidationException", "Message": "One or more parameter values were invalid"}
    }
    mapped = translate(ClientError(engine_says, "PutItem"), Request("PutItem", {"TableName": "t"}))
    assert isinstance(mapped, SingleTableError) and "dry_run=True" in str(mapped)
    assert "rejected by DynamoDB" not in str(mapped)  # it may be the local engine: it says which endpoint

    for cls in every(SingleTableError):
        assert "see the message" not in cls.default_hint
    assert "Fix" not in str(SingleTableError("x", hint="  "))


def test_update_answer_is_the_stored_item_for_every_kind_of_action(any_table: Table) -> None:
    """update() asks for the item before (ALL_OLD) and applies the actions itself: it must agree with the
    engine, action by action."""
    from decimal import Decimal

    from singletable.codec import deserialize

    table = any_table
    start = {
        "PK": "ACCOUNT#octo",
        "SK": "REPO#every",
        "stars": 10,
        "score": Decimal("1.2"),
        "tags": {"cli", "python"},
        "ids": {1, 2, 3},
        "log": ["a"],
        "title": "old",
        "blob": b"\x00\x01",
        "gone": "x",
    }
    steps = [
        Update().set(title="new", meta={"forks": 2, "open": True}, data=b"\xff", nums=[1, Decimal("2.50")]),
        Update()
        .remove("gone")
        .increment("stars", 5)
        .increment("score", Decimal("0.05"))
        .increment("fresh", 2),
        Update().add("tags", {"rust", "cli"}).add("ids", {3, 4}).add("stars", -3).add("newset", {"x"}),
        Update().delete("tags", {"python"}).delete("ids", {1, 2, 3, 4}).delete("nothere", {"z"}),
        Update().append("log", ["b", "c"]).prepend("log2", [1]).append("log3", [{"k": "v"}]),
        Update().set_if_not_exists("title", "ignored").set_if_not_exists("created", "2024-01-01"),
        Update()
        .set(big=Decimal("12345678901234567890.123456789012345678"))
        .increment("stars", Decimal("0.5")),
    ]
    table.put_item(start)
    key = {"PK": {"S": "ACCOUNT#octo"}, "SK": {"S": "REPO#every"}}
    for step in steps:
        answer = table.update_item("ACCOUNT#octo", "REPO#every", step)
        stored = deserialize(
            table.client.get_item(TableName=table.name, Key=key, ConsistentRead=True)["Item"]
        )
        assert answer == stored, step
    assert "ids" not in stored and stored["tags"] == {"cli", "rust"} and stored["stars"] == Decimal("12.5")
    # An upsert: no item before.
    created = table.update_item("ACCOUNT#octo", "REPO#new", Update().increment("stars"), upsert=True)
    assert created == {"PK": "ACCOUNT#octo", "SK": "REPO#new", "stars": 1}


def test_a_conflict_retried_is_recorded_once_per_attempt(table: Table) -> None:
    from typing import Any

    from botocore.exceptions import ClientError

    conflict = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled [TransactionConflict]"},
            "CancellationReasons": [{"Code": "TransactionConflict", "Message": "conflict"}],
        },
        "TransactWriteItems",
    )

    class ConflictOnce:
        """The engine's client, with one TransactionConflict before the transaction goes through."""

        def __init__(self, client: Any) -> None:
            self.client, self.left = client, 1

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def transact_write_items(self, **params: Any) -> Any:
            if self.left:
                self.left -= 1
                raise conflict
            return self.client.transact_write_items(**params)

    stars = Table(table.spec, client=ConflictOnce(table.client), entities=[Repo])
    result = stars.transact_write(pattern="star").put(Repo(owner="octo", name="s")).commit()
    assert result.attempts == 2
    cancelled, committed = list(stars.ledger)
    assert (cancelled.items, cancelled.write_units) == (0, 1.0)  # the prepare phase of one small put
    assert (committed.items, committed.write_units) == (1, 2.0 + 1.0)  # transactional put + GSI1 entry
    assert stars.ledger.by_pattern()["star"].calls == 2


def test_write_rules_item_by_item() -> None:
    """The rules on their own: sizes by codec.item_size, indexes by their projection."""
    keys_only = IndexSpec("GSI2", hash_key="G2", range_key=None, projection="KEYS_ONLY")
    include = IndexSpec("GSI3", hash_key="G3", projection="INCLUDE", non_key_attributes=("title",))
    base = {"PK": {"S": "ACCOUNT#a"}, "SK": {"S": "ISSUE#1"}}
    body = {"body": {"S": "b" * 3000}}
    old = {**base, **body, "G2": {"S": "open"}, "G3": {"S": "x"}, "title": {"S": "t"}}
    same_keys = {**old, "body": {"S": "short"}}
    # Base: max(3 KB before, small after) = 3; GSI2 keys unchanged: 0; GSI3 projection unchanged: 0.
    assert capacity.item_write_units(old, same_keys, [keys_only, include]) == 3.0
    # GSI2 key change: delete + put of two small entries; GSI3 title changed: one write.
    moved = {**same_keys, "G2": {"S": "closed"}, "title": {"S": "t2"}}
    assert capacity.item_write_units(same_keys, moved, [keys_only, include]) == 1.0 + 2.0 + 1.0
    # Leaving both sparse indexes: one delete each; a transactional base doubles, index writes do not.
    left = {**base, "body": {"S": "short"}}
    assert capacity.item_write_units(moved, left, [keys_only, include], transactional=True) == 2.0 + 1.0 + 1.0
    assert capacity.item_write_units(None, None, [keys_only]) == 1.0  # a delete of nothing
    assert capacity.index_entry(left, keys_only, ("PK", "SK")) is None
    assert capacity.index_entry(moved, keys_only, ("PK", "SK")) == {**base, "G2": {"S": "closed"}}
    assert capacity.failed_write_units(None) == 1.0
    assert capacity.failed_write_units(3000, 100) == capacity.failed_write_units(100, 3000) == 3.0
    assert capacity.cancelled_transaction_units([10, 2000]) == 1.0 + 2.0
