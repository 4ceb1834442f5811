"""Stateful model-based test of the data layer (issue 11: "the proof that should have caught these").

Random sequences of put (create_only, conditions), get (with and without projection), update (set,
remove, increment, set_if_not_exists, append, ADD, DELETE, conditions, upsert), delete, query (sort-key
conditions, filters, limits, page sizes, both directions, resumption by cursor), GSI1 reverse lookups,
collections, batch write/get and transactions, over four entities sharing partitions (plus foreign items
written by hand), with values from the awkward space (``#``, ``%``, astral unicode, empty strings, 38-digit
numbers, sets, nested maps and lists, bytes). Every step is checked against the plain reference in
``reference_model.py``: same items, same order, same (catalogued) errors, and every write in the ledger;
the whole table is compared after every example.

Engines: the in-process moto engine by default, bounded (150 examples of up to 30 steps, about 20 s of
CPU) and derandomized so CI is deterministic. ``SINGLETABLE_MODEL_ENGINES=inprocess,http,dynalite`` adds
moto over HTTP and dynalite (skipped when not installed; it lacks transactions, so those rules do nothing
there); ``dynamodb-local`` runs it on AWS's DynamoDB Local, and ``differential`` on moto and DynamoDB Local
driven as one table (tests/differential.py: every call's result, error and capacity compared; a bounded run
of it is in ``make test``, tests/integration/test_differential.py); ``SINGLETABLE_MODEL_EXAMPLES=500``, ``SINGLETABLE_MODEL_STEPS=60`` and ``SINGLETABLE_MODEL_RANDOM=1``
make a longer, fresh run (``make model``); ``SINGLETABLE_MODEL_SHRINK=0`` reports a failure without
spending minutes shrinking it. Areas that issue 11 changes are behind the switches of ``reference_model``
(``SINGLETABLE_MODEL_FIXED=empty_sets,cursors_bound`` or ``all`` turns them on for a run).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from singletable import Condition, Entity, Table, TableSpec
from singletable.errors import (
    ConditionFailedError,
    DuplicateKeyError,
    ItemNotFoundError,
    SingleTableError,
    TransactionCanceledError,
    ValidationError,
    VersionConflictError,
)
from singletable.query import SortKey
from tests.unit import reference_model as ref
from tests.unit.reference_model import (
    COUNTERS,
    ENTITIES,
    KEY_FIELDS,
    Account,
    Change,
    Cond,
    Issue,
    Reference,
    Repo,
    Star,
    StoredItem,
    Team,
    esc,
    render_key,
    utf8,
)

ENGINES = [
    e.strip() for e in os.environ.get("SINGLETABLE_MODEL_ENGINES", "inprocess").split(",") if e.strip()
]
EXAMPLES = int(os.environ.get("SINGLETABLE_MODEL_EXAMPLES", "150"))
STEPS = int(os.environ.get("SINGLETABLE_MODEL_STEPS", "30"))

# -- the awkward space ------------------------------------------------------------------------------------

# Key values come from a small pool so that keys collide and partitions are shared; each is awkward:
# the delimiter, the escape character and escaped-looking text, astral characters (UTF-8 order differs
# from UTF-16 order between U+E000..U+FFFF and astral ones), spaces, case.
KEY_TEXT = [
    "a",
    "b",
    "A",
    "a#b",
    "a%23b",
    "%",
    "#",
    "%25",
    "é",
    "中文",
    "\U0001f600",
    "\uffff",
    "\ue000",
    "a b",
    "z",
]
NUMBERS = [0, 1, 2, 7, 9, 10, 11, 100, 999_999, 1_000_000]
CHARS = st.sampled_from(
    ["a", "b", "#", "%", "2", "3", " ", "é", "中", "\U0001f600", "\uffff", "\ue000", "\n"]
)
TEXT = st.text(CHARS, max_size=6)
BIG_INT = st.integers(-(10**35), 10**35) | st.sampled_from([0, 1, -1, 10**35, -(10**35)])
DECIMAL = st.builds(
    lambda m, e: Decimal(m).scaleb(e), st.integers(-(10**37), 10**37), st.integers(-30, 30)
) | st.sampled_from([Decimal("0"), Decimal("0.1"), Decimal("-1.5"), Decimal("9" * 38)])
BYTES = st.binary(max_size=6)
STR_SET = st.sets(st.text(CHARS, min_size=1, max_size=4), min_size=1, max_size=3)
INT_SET = st.sets(st.integers(-(10**30), 10**30), min_size=1, max_size=3)
SCALAR = TEXT | st.integers(-(10**30), 10**30) | DECIMAL | st.booleans() | st.none() | BYTES
NESTED = st.recursive(
    SCALAR | STR_SET,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(CHARS, min_size=1, max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
NESTED_MAP = st.dictionaries(st.text(CHARS, min_size=1, max_size=3), NESTED, max_size=3)
MAYBE_SET = STR_SET | st.none() | (st.just(set()) if ref.EMPTY_SETS else st.none())

FIELD_VALUES: dict[type[Entity], dict[str, st.SearchStrategy[Any]]] = {
    Account: {
        "display": TEXT,
        "balance": BIG_INT,
        "badges": MAYBE_SET,
        "settings": NESTED_MAP,
        "avatar": BYTES | st.none(),
    },
    Repo: {
        "description": TEXT,
        "stars": BIG_INT,
        "price": DECIMAL | st.none(),
        "topics": st.lists(TEXT, max_size=3),
        "ids": INT_SET | st.none(),
    },
    Star: {"note": TEXT, "weight": DECIMAL},
    Issue: {"title": TEXT, "votes": BIG_INT, "labels": STR_SET | st.none(), "body": NESTED_MAP},
}
#: Set fields and the members ADD and DELETE take.
SET_FIELDS: dict[str, st.SearchStrategy[Any]] = {"badges": STR_SET, "ids": INT_SET, "labels": STR_SET}
#: Fields that may be removed (no required value): all of them have defaults.
OPTIONAL_FIELDS = {cls: tuple(values) for cls, values in FIELD_VALUES.items()}


PK_FIELDS: dict[type[Entity], tuple[str, ...]] = {
    Account: ("account_id",),
    Repo: ("owner",),
    Star: ("account_id",),
    Issue: ("owner", "name"),
}
SK_FIELDS: dict[type[Entity], tuple[str, ...]] = {
    Account: (),
    Repo: ("name",),
    Star: ("owner", "name"),
    Issue: ("number",),
}
PREFIX: dict[type[Entity], str] = {Account: "PROFILE", Repo: "REPO#", Star: "STAR#", Issue: "ISSUE#"}


# Partitions (account ids, owners) come from a few values so that partitions fill up and queries page;
# the rest of a key from the whole pool, the first few values more often than the others.
OWNERS = ["a", "a#b", "\U0001f600", "\uffff"]
KEY_PART: dict[str, st.SearchStrategy[Any]] = {
    "account_id": st.sampled_from(OWNERS),
    "owner": st.sampled_from(OWNERS),
    "name": st.sampled_from(["a", "\U0001f600", "\uffff", "%"]) | st.sampled_from(KEY_TEXT),
    "number": st.sampled_from(NUMBERS),
}


def key_values(cls: type[Entity]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({f: KEY_PART[f] for f in KEY_FIELDS[cls]})


def entity_of(cls: type[Entity], key: dict[str, Any]) -> st.SearchStrategy[Entity]:
    attrs = st.fixed_dictionaries({}, optional=FIELD_VALUES[cls])
    return attrs.map(lambda a: cls.model_validate({**a, **key}))


def key_fits(cls: type[Entity], key: dict[str, Any]) -> bool:
    return "number" not in key or ref.number_fits(int(key["number"]))


# -- the machine ------------------------------------------------------------------------------------------

STATS: Counter[str] = Counter()


class DataLayerModel(RuleBasedStateMachine):
    """One table against one Reference; the table is emptied at the start of every example."""

    table: Table
    transactions = True
    #: Whether the engine returns the item on a failed condition (ReturnValuesOnConditionCheckFailure);
    #: dynalite 4 does not, and singletable then tells some failed conditions as ItemNotFoundError.
    returns_old_item = True

    def __init__(self) -> None:
        super().__init__()
        self.ref = Reference()

    @initialize(data=st.data())
    def seed(self, data: st.DataObject) -> None:
        """An empty table, then a few partitions' worth of items (so that queries have pages to turn)."""
        STATS["examples"] += 1
        clear(self.table)
        self.table.ledger.clear()
        entities: dict[tuple[str, str], Entity] = {}
        home = data.draw(st.sampled_from(OWNERS), label="home partition")
        for _ in range(data.draw(st.integers(0, 24), label="seed items")):
            cls = data.draw(st.sampled_from(ENTITIES))
            key = self.draw_key(data, cls)
            if data.draw(st.booleans(), label="at home"):  # crowd one partition so that queries page
                key.update({f: home for f in ("owner", "account_id") if f in key})
            if key_fits(cls, key):
                entities[render_key(cls, key)] = data.draw(entity_of(cls, key))
        if entities:
            self.table.batch_write(list(entities.values()))
        for entity in entities.values():
            self.ref.put(entity)

    # -- helpers --------------------------------------------------------------------------------------

    def key_arg(self, data: st.DataObject, key: dict[str, Any]) -> dict[str, Any]:
        """The key as a caller passes it: once keys are validated, an int field may come as text."""
        if ref.VALIDATED_KEYS and "number" in key and data.draw(st.booleans(), label="number as text"):
            pad = data.draw(st.integers(0, 2), label="zeros")
            return {**key, "number": "0" * pad + str(key["number"])}
        return dict(key)

    def draw_key(self, data: st.DataObject, cls: type[Entity]) -> dict[str, Any]:
        """A key: mostly one of a stored item (of any entity: its fields fill those of ``cls``), else new."""
        stored = [dict(item.key) for item in self.ref.items.values() if item.cls is not None]
        if stored and data.draw(st.integers(0, 3), label="stored key?") > 0:
            near = data.draw(st.sampled_from(stored), label="near")
            fresh = data.draw(key_values(cls), label=f"{cls.__name__} key")
            if "owner" in near and "account_id" in KEY_FIELDS[cls] and "account_id" not in near:
                near["account_id"] = near["owner"]
            return {f: near.get(f, fresh[f]) for f in KEY_FIELDS[cls]}
        return data.draw(key_values(cls), label=f"{cls.__name__} key")

    def draw_condition(
        self, data: st.DataObject, cls: type[Entity], key: dict[str, Any], depth: int = 0
    ) -> Cond:
        item = self.ref.get(cls, key) if key else None
        attrs = ref.CONDITION_ATTRS[cls]
        shape = data.draw(
            st.sampled_from(
                ["cmp", "exists", "not_exists", "begins_with"] + (["and", "or", "not"] if depth < 1 else [])
            ),
            label="condition",
        )
        if shape in ("and", "or"):
            return (
                shape,
                self.draw_condition(data, cls, key, depth + 1),
                self.draw_condition(data, cls, key, depth + 1),
            )
        if shape == "not":
            return ("not", self.draw_condition(data, cls, key, depth + 1))
        name = data.draw(st.sampled_from(attrs), label="attribute")
        current = item.attrs.get(name) if item is not None else None
        strategy = FIELD_VALUES[cls][name].filter(lambda v: v is not None)
        candidates = strategy if current is None else st.just(current) | strategy
        if shape in ("exists", "not_exists"):
            return (shape, name)
        if shape == "begins_with":
            if isinstance(current, bytes) and not ref.ENGINE_BINARY_BEGINS_WITH:
                return ("exists", name)
            if isinstance(current, str | bytes) and current:
                n = data.draw(st.integers(0, len(current)))
                return ("begins_with", name, current[:n])
            return ("begins_with", name, data.draw(TEXT))
        op = data.draw(st.sampled_from(["=", "<", "<=", ">", ">="]), label="op")
        return ("cmp", name, op, data.draw(candidates, label="operand"))

    def draw_changes(self, data: st.DataObject, cls: type[Entity]) -> list[Change]:
        names = data.draw(
            st.lists(st.sampled_from(OPTIONAL_FIELDS[cls]), min_size=1, max_size=3, unique=True),
            label="fields",
        )
        changes: list[Change] = []
        for name in names:
            kinds = ["set", "remove", "set_if_not_exists"]
            kinds += ["increment", "add"] if name in COUNTERS[cls] else []
            kinds += ["add", "delete"] if name in SET_FIELDS else []
            kinds += ["append"] if name == "topics" else []
            kind = data.draw(st.sampled_from(kinds), label=f"{name} change")
            values = FIELD_VALUES[cls][name]
            if kind == "set":
                changes.append(("set", name, data.draw(values, label=name)))
            elif kind == "remove":
                changes.append(("remove", name))
            elif kind == "set_if_not_exists":
                value = data.draw(values.filter(lambda v: not ref.omitted(v)), label=name)
                changes.append(("set_if_not_exists", name, value))
            elif kind in ("increment", "add") and name in COUNTERS[cls]:
                changes.append((kind, name, data.draw(BIG_INT, label="by")))
            elif kind in ("add", "delete"):
                changes.append((kind, name, data.draw(SET_FIELDS[name], label="members")))
            else:
                changes.append(("append", name, data.draw(st.lists(TEXT, min_size=1, max_size=2))))
        return changes

    def check_error(
        self,
        raised: BaseException | None,
        expected: tuple[type[BaseException], ...] | None,
        ledger_before: int | None = None,
    ) -> None:
        """The call raised what the reference expects; a write that reached the engine is in the ledger."""
        if ledger_before is not None:
            grew = len(self.table.ledger) - ledger_before
            if expected is None:
                assert grew == 1, f"a successful write left {grew} ledger records"
            elif ref.LEDGER_RECORDS_FAILURES and not issubclass(expected[0], ValidationError):
                assert grew == 1, f"a failed write ({expected[0].__name__}) left {grew} ledger records"
        if expected is None:
            if raised is not None:
                raise raised
            return
        STATS["refused as expected: " + " or ".join(e.__name__ for e in expected)] += 1
        assert raised is not None, f"expected {[e.__name__ for e in expected]}, nothing was raised"
        if not isinstance(raised, expected):
            raise AssertionError(
                f"expected {[e.__name__ for e in expected]}, got {type(raised).__name__}: {raised}"
            ) from raised
        assert isinstance(raised, SingleTableError), f"uncatalogued error {raised!r}"

    def update_call(
        self,
        cls: type[Entity],
        key: dict[str, Any],
        changes: list[Change],
        cond: Cond | Condition | None,
        upsert: bool,
    ) -> Entity:
        condition = ref.to_condition(cond) if isinstance(cond, tuple) else cond
        if ref.UPDATE_KEYWORDS:
            return self.table.update(cls, ref.to_update(changes), condition=condition, upsert=upsert, **key)
        return self.table.update(cls, key, ref.to_update(changes), condition=condition, upsert=upsert)

    # -- single items ---------------------------------------------------------------------------------

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES), create_only=st.booleans(), conditional=st.booleans())
    def put(self, data: st.DataObject, cls: type[Entity], create_only: bool, conditional: bool) -> None:
        STATS["put"] += 1
        key = self.draw_key(data, cls)
        entity = data.draw(entity_of(cls, key), label="entity")
        cond = self.draw_condition(data, cls, key) if conditional else None
        current = self.ref.attrs_at(render_key(cls, key))
        expected: tuple[type[BaseException], ...] | None = None
        if not key_fits(cls, key):
            expected = (ValidationError,)
        elif (create_only and current is not None) or (cond is not None and not ref.evaluate(cond, current)):
            expected = (ConditionFailedError,)
        raised = None
        ledger = len(self.table.ledger)
        try:
            written = self.table.put(
                entity, create_only=create_only, condition=ref.to_condition(cond) if cond else None
            )
        except Exception as exc:
            raised = exc
        self.check_error(raised, expected, ledger)
        if expected is None:
            assert written == entity
            self.ref.put(entity)

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def get(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["get"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            with pytest.raises(ValidationError):
                self.table.get(cls, **self.key_arg(data, key))
            return
        item = self.ref.get(cls, key)
        got = self.table.get(cls, consistent=data.draw(st.booleans()), **self.key_arg(data, key))
        assert got == (item.entity() if item else None)

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def get_projected(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["get projected"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        names = data.draw(
            st.lists(st.sampled_from(OPTIONAL_FIELDS[cls]), min_size=1, max_size=2, unique=True)
        )
        item = self.ref.get(cls, key)
        got = self.table.get(cls, projection=names, **self.key_arg(data, key))
        if item is None:
            assert got is None
            return
        assert got is not None
        for name in names:
            if name in item.attrs:
                assert projected(got, name) == item.attrs[name], name
            elif ref.PROJECTION_SAFE:  # absent: the field's default, as a full read gives
                assert projected(got, name, missing=None) == ref.read_back(cls, name, item.attrs), name
        if ref.PROJECTION_SAFE:
            # Nothing that was not read may show a value other than the stored one, and the result
            # cannot be written back as a whole item.
            for name in set(OPTIONAL_FIELDS[cls]) - set(names):
                value = projected(got, name, missing=_MISSING)
                assert value is _MISSING or value == ref.read_back(cls, name, item.attrs), (
                    f"{name} shows {value!r}"
                )
            refused = False
            try:
                self.table.put(got)  # type: ignore[type-var]
            except (SingleTableError, TypeError):
                refused = True
            assert refused, "put() accepted a projected read as a whole item"
            assert self.ref.get(cls, key) is item

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES), conditional=st.booleans(), upsert=st.booleans())
    def update(self, data: st.DataObject, cls: type[Entity], conditional: bool, upsert: bool) -> None:
        STATS["update"] += 1
        key = self.draw_key(data, cls)
        changes = self.draw_changes(data, cls)
        cond = self.draw_condition(data, cls, key) if conditional else None
        pair = render_key(cls, key)
        current = self.ref.attrs_at(pair)
        expected: tuple[type[BaseException], ...] | None = None
        if not key_fits(cls, key):
            expected = (ValidationError,)
        elif current is None and not upsert:
            expected = (ItemNotFoundError,)
        elif cond is not None and not ref.evaluate(cond, current):
            expected = (ConditionFailedError,)
            if (current is None or not self.returns_old_item) and not ref.UPSERT_CONDITION_FAILS_AS_CONDITION:
                expected = (ConditionFailedError, ItemNotFoundError)
        raised = None
        ledger = len(self.table.ledger)
        try:
            got = self.update_call(cls, self.key_arg(data, key), changes, cond, upsert)
        except Exception as exc:
            raised = exc
        self.check_error(raised, expected, ledger)
        if expected is None:
            item = StoredItem(cls, key, ref.apply_update(current or {}, changes))
            self.ref.items[pair] = item
            assert got == item.entity()

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES), conditional=st.booleans(), by_instance=st.booleans())
    def delete(self, data: st.DataObject, cls: type[Entity], conditional: bool, by_instance: bool) -> None:
        STATS["delete"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            with pytest.raises(ValidationError):
                self.table.delete(cls, **self.key_arg(data, key))
            return
        cond = self.draw_condition(data, cls, key) if conditional else None
        pair = render_key(cls, key)
        current = self.ref.items.get(pair)
        expected: tuple[type[BaseException], ...] | None = None
        if cond is not None and not ref.evaluate(cond, current.attrs if current else None):
            # A failed condition on a missing item may also be told as "no item there".
            expected = (ConditionFailedError,)
            if current is None or not self.returns_old_item:
                expected = (ConditionFailedError, ItemNotFoundError)
        condition = ref.to_condition(cond) if cond is not None else None
        raised = None
        ledger = len(self.table.ledger)
        try:
            if by_instance:
                target = (
                    current.entity()
                    if current is not None and current.cls is cls
                    else data.draw(entity_of(cls, key))
                )
                old = self.table.delete(target, condition=condition)
            else:
                old = self.table.delete(cls, condition=condition, **self.key_arg(data, key))
        except Exception as exc:
            raised = exc
        self.check_error(raised, expected, ledger)
        if expected is None:
            assert old == (current.entity() if current and current.cls else foreign_view(pair, current))
            self.ref.items.pop(pair, None)

    @rule(data=st.data())
    def put_foreign(self, data: st.DataObject) -> None:
        """An item written by hand (no marker, keys matching no entity) in an account's partition."""
        STATS["put foreign"] += 1
        pk = f"ACCOUNT#{esc(data.draw(st.sampled_from(OWNERS)))}"
        sk = f"NOTE#{esc(data.draw(st.sampled_from(KEY_TEXT)))}"
        attrs = {"text": data.draw(TEXT), "n": data.draw(BIG_INT)}
        self.table.put_item({"PK": pk, "SK": sk, **attrs})
        self.ref.items[(pk, sk)] = StoredItem(None, {}, attrs)

    # -- queries --------------------------------------------------------------------------------------

    def draw_sort_key(
        self, data: st.DataObject, ranges: list[str], prefix: str
    ) -> tuple[str, tuple[str, ...]] | None:
        """None (the entity's own prefix), or a condition on values near the ones stored."""
        if not data.draw(st.booleans(), label="own sort-key condition"):
            return None
        pool = st.sampled_from(ranges) if ranges else st.just(prefix)
        operand = (
            pool.flatmap(lambda v: st.integers(0, len(v)).map(lambda n: v[:n]))
            | pool
            | st.just(prefix)
            | TEXT
        )
        op = data.draw(st.sampled_from(["=", "<", "<=", ">", ">=", "begins_with", "between"]), label="sk op")
        # DynamoDB refuses an empty key operand: an empty draw stands for the entity's prefix.
        operand = operand.map(lambda v: v or prefix)
        if op == "between":
            low, high = sorted([data.draw(operand), data.draw(operand)], key=utf8)
            return ("between", (low, high))
        return (op, (data.draw(operand, label="sk operand"),))

    def run_query(
        self,
        data: st.DataObject,
        cls: type[Entity],
        fields: dict[str, Any],
        *,
        hash_value: str,
        on_index: bool,
        default_prefix: str,
        default_eq: bool = False,
    ) -> None:
        index = "GSI1" if on_index else None
        ranges = [
            p[0] if on_index else p[1]
            for p, _ in self.ref.select(
                hash_value=hash_value, on_index=on_index, sk=None, cls=None, reverse=False
            )
        ]
        sk = self.draw_sort_key(data, ranges, default_prefix)
        if sk is None:
            effective = ("=", (default_prefix,)) if default_eq else ("begins_with", (default_prefix,))
        else:
            effective = sk
        reverse = data.draw(st.booleans(), label="reverse")
        limit = data.draw(st.none() | st.integers(1, 4), label="limit")
        page_size = data.draw(st.none() | st.integers(1, 3), label="page_size")
        filter_cond = (
            self.draw_condition(data, cls, {}) if data.draw(st.integers(0, 3), label="filter?") == 0 else None
        )
        expected = [
            item.entity()
            for _, item in self.ref.select(
                hash_value=hash_value, on_index=on_index, sk=effective, cls=cls, reverse=reverse
            )
            if filter_cond is None or ref.evaluate(filter_cond, item.attrs)
        ]
        sort_key = SortKey(sk[0], sk[1]) if sk is not None else None
        filter_ = ref.to_condition(filter_cond) if filter_cond is not None else None

        def query(cursor: str | None) -> Any:
            return self.table.query(
                cls,
                index=index,
                sk=sort_key,
                filter=filter_,
                limit=limit,
                page_size=page_size,
                reverse=reverse,
                cursor=cursor,
                **fields,
            )

        STATS[f"query rows {min(len(expected), 5)}"] += 1
        if limit is None:
            assert query(None).all() == expected
            return
        seen: list[Any] = []
        cursor: str | None = None
        for _ in range(len(expected) + 2):
            q = query(cursor)
            chunk = q.all()
            assert chunk == expected[len(seen) : len(seen) + limit], f"page after {len(seen)} items"
            seen += chunk
            cursor = q.cursor
            if cursor is None:
                break
            STATS["query resumed by cursor"] += 1
        assert seen == expected
        assert cursor is None

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def query_partition(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["query"] += 1
        key = self.draw_key(data, cls)
        pk, _ = render_key(cls, key)
        if cls is Account:
            fields, prefix, eq = {"account_id": key["account_id"]}, "PROFILE", True
        elif cls is Repo:
            fields, prefix, eq = {"owner": key["owner"]}, "REPO#", False
        elif cls is Star:
            fields, prefix, eq = {"account_id": key["account_id"]}, "STAR#", False
            if data.draw(st.booleans(), label="by owner"):
                fields["owner"] = key["owner"]
                prefix = f"STAR#{esc(key['owner'])}#"
        else:
            fields, prefix, eq = {"owner": key["owner"], "name": key["name"]}, "ISSUE#", False
        self.run_query(data, cls, fields, hash_value=pk, on_index=False, default_prefix=prefix, default_eq=eq)

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def query_gsi1(self, data: st.DataObject, cls: type[Entity]) -> None:
        """The reverse lookup through GSI1 (hash SK, range PK), with paging."""
        STATS["query GSI1"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        _, sk = render_key(cls, key)
        arg = self.key_arg(data, key)
        fields = {f: arg[f] for f in SK_FIELDS[cls]}
        prefix = "REPO#" if cls is Issue else "ACCOUNT#"
        self.run_query(data, cls, fields, hash_value=sk, on_index=True, default_prefix=prefix)

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def reverse_lookup(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["reverse"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        _, sk = render_key(cls, key)
        arg = self.key_arg(data, key)
        got = self.table.reverse(cls, **{f: arg[f] for f in SK_FIELDS[cls]}).all()
        prefix = "REPO#" if cls is Issue else "ACCOUNT#"
        expected = self.ref.select(
            hash_value=sk, on_index=True, sk=("begins_with", (prefix,)), cls=cls, reverse=False
        )
        assert got == [item.entity() for _, item in expected]

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def collection(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["collection"] += 1
        key = self.draw_key(data, cls)
        pk, _ = render_key(cls, key)
        got = self.table.collection(cls, **{f: key[f] for f in PK_FIELDS[cls]})
        expected: dict[Any, list[Any]] = {}
        for pair, item in self.ref.select(hash_value=pk, on_index=False, sk=None, cls=None, reverse=False):
            group = item.cls if item.cls is not None else "foreign"
            expected.setdefault(group, []).append(item.entity() if item.cls else foreign_view(pair, item))
        assert got == expected

    @rule(data=st.data(), cls=st.sampled_from(ENTITIES))
    def query_projected(self, data: st.DataObject, cls: type[Entity]) -> None:
        STATS["query projected"] += 1
        key = self.draw_key(data, cls)
        pk, _ = render_key(cls, key)
        pk_fields = PK_FIELDS[cls]
        prefix = PREFIX[cls]
        ranges = [
            p[1] for p, _ in self.ref.select(hash_value=pk, on_index=False, sk=None, cls=None, reverse=False)
        ]
        sk = self.draw_sort_key(data, ranges, prefix)
        names = data.draw(
            st.lists(st.sampled_from(OPTIONAL_FIELDS[cls]), min_size=1, max_size=2, unique=True)
        )
        got = self.table.query(
            cls, sk=SortKey(sk[0], sk[1]) if sk else None, projection=names, **{f: key[f] for f in pk_fields}
        ).all()
        effective = sk or ("begins_with", (prefix,))
        expected = self.ref.select(hash_value=pk, on_index=False, sk=effective, cls=cls, reverse=False)
        if not ref.PROJECTED_QUERY_KEEPS_ENTITY:  # today: rows of every entity in the range come back
            expected = self.ref.select(hash_value=pk, on_index=False, sk=effective, cls=None, reverse=False)
        assert len(got) == len(expected), f"{len(got)} projected rows, {len(expected)} {cls.__name__} items"
        for row, (_, item) in zip(got, expected, strict=True):
            for name in names:
                assert projected(row, name, missing=None) == ref.read_back(cls, name, item.attrs), name

    # -- optimistic locking ---------------------------------------------------------------------------

    def draw_version(self, data: st.DataObject, stored: int | None) -> int:
        near = [v for v in (stored, (stored or 0) + 1, 0) if v is not None]
        return data.draw(st.sampled_from(near) | st.integers(0, 3), label="version")

    @rule(data=st.data(), create_only=st.booleans())
    def put_versioned(self, data: st.DataObject, create_only: bool) -> None:
        """A versioned put succeeds only over the version it was read at (0: only where nothing is)."""
        STATS["put versioned"] += 1
        key = {
            "account_id": data.draw(st.sampled_from(OWNERS)),
            "team": data.draw(st.sampled_from(KEY_TEXT[:4])),
        }
        pair = render_key(Team, key)
        current = self.ref.attrs_at(pair)
        version = self.draw_version(data, current.get("version") if current else None)
        team = Team(**key, size=data.draw(BIG_INT), version=version)
        fits = (version == 0 and current is None) or (
            version > 0 and current is not None and current.get("version") == version
        )
        expected: tuple[type[BaseException], ...] | None = None
        if not fits:
            # Without the old item (dynalite) the conflict cannot be told from another failed condition.
            expected = (VersionConflictError,) if self.returns_old_item else (ConditionFailedError,)
        elif create_only and current is not None:
            expected = (ConditionFailedError,)
        raised = None
        try:
            written = self.table.put(team, create_only=create_only)
        except Exception as exc:
            raised = exc
        self.check_error(raised, expected)
        if expected is None:
            assert written == team.model_copy(update={"version": version + 1})
            self.ref.put(written)

    @rule(data=st.data(), upsert=st.booleans(), locked=st.booleans())
    def update_versioned(self, data: st.DataObject, upsert: bool, locked: bool) -> None:
        """An update bumps the version; with ``expected_version`` it applies only over that version."""
        STATS["update versioned"] += 1
        key = {
            "account_id": data.draw(st.sampled_from(OWNERS)),
            "team": data.draw(st.sampled_from(KEY_TEXT[:4])),
        }
        pair = render_key(Team, key)
        current = self.ref.attrs_at(pair)
        expected_version = (
            self.draw_version(data, current.get("version") if current else None) if locked else None
        )
        changes: list[Change] = [data.draw(st.sampled_from(["set", "increment"])), "size", data.draw(BIG_INT)]
        changes = [tuple(changes)]
        expected: tuple[type[BaseException], ...] | None = None
        # Version 0 is "no version stored" (put's "never written"): a missing item is at version 0, so
        # an upsert expecting 0 creates it at version 1, as put does (finding D, fixed).
        stored_version = (current or {}).get("version", 0)
        if current is None and not upsert:
            expected = (ItemNotFoundError,)
        elif expected_version is not None and stored_version != expected_version:
            expected = (VersionConflictError,)
            if not self.returns_old_item:  # dynalite: told apart from nothing, see update()
                expected = (ConditionFailedError, ItemNotFoundError)
        raised = None
        try:
            got = self.table.update(
                Team, ref.to_update(changes), upsert=upsert, expected_version=expected_version, **key
            )
        except Exception as exc:
            raised = exc
        self.check_error(raised, expected)
        if expected is None:
            after = ref.apply_update(current or {}, changes)
            after["version"] = (expected_version if expected_version is not None else stored_version) + 1
            self.ref.items[pair] = StoredItem(Team, key, after)
            assert got == self.ref.items[pair].entity()

    # -- refusals that issue 11 adds (each behind its switch) ----------------------------------------

    @precondition(lambda self: ref.PUT_VALIDATES)
    @rule(data=st.data(), cls=st.sampled_from(ENTITIES), construct=st.booleans())
    def put_mutated(self, data: st.DataObject, cls: type[Entity], construct: bool) -> None:
        """Item 4: a model changed after construction (or built unvalidated) is refused, nothing written."""
        STATS["put mutated"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        name, wrong = {
            Account: ("balance", "many"),
            Repo: ("stars", "many"),
            Star: ("weight", "heavy"),
            Issue: ("votes", [1]),
        }[cls]
        if construct:
            entity = cls.model_construct(**key, **{name: wrong})
        else:
            entity = data.draw(entity_of(cls, key))
            setattr(entity, name, wrong)
        with pytest.raises(ValidationError):
            self.table.put(entity)

    @precondition(lambda self: ref.TYPOS_REFUSED)
    @rule(
        data=st.data(),
        cls=st.sampled_from(ENTITIES),
        where=st.sampled_from(["get", "delete", "collection", "reverse", "query"]),
    )
    def misspelled_keyword(self, data: st.DataObject, cls: type[Entity], where: str) -> None:
        """Item 6: an unknown keyword is refused everywhere (not ignored), naming the valid ones."""
        STATS["typo refused"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        # ``limit`` is a real parameter of query (and so of reverse, which passes its keywords on).
        typos = ["nmae", "ownr", "number_", "projections"] + (
            ["limit"] if where in ("get", "delete", "collection") else []
        )
        typo = {data.draw(st.sampled_from(typos)): 1}
        pk_fields = {f: key[f] for f in PK_FIELDS[cls]}
        calls: dict[str, Callable[[], Any]] = {
            "get": lambda: self.table.get(cls, **key, **typo),
            "delete": lambda: self.table.delete(cls, **key, **typo),
            "collection": lambda: self.table.collection(cls, **pk_fields, **typo),
            "reverse": lambda: self.table.reverse(cls, **{f: key[f] for f in SK_FIELDS[cls]}, **typo).all(),
            "query": lambda: self.table.query(cls, **pk_fields, **typo).all(),
        }
        with pytest.raises(ValidationError):
            calls[where]()

    @precondition(lambda self: ref.KEY_FIELD_CONDITIONS_REFUSED)
    @rule(
        data=st.data(),
        cls=st.sampled_from(ENTITIES),
        where=st.sampled_from(["filter", "update", "put", "delete", "transaction"]),
    )
    def condition_on_key_field_or_typo(self, data: st.DataObject, cls: type[Entity], where: str) -> None:
        """Item 7: a filter or condition naming a key field or an attribute the entity does not store is
        refused before anything is sent, on every path (as the transaction builder already does)."""
        STATS["bad condition refused"] += 1
        key = self.draw_key(data, cls)
        if not key_fits(cls, key):
            return
        name = data.draw(st.sampled_from([*KEY_FIELDS[cls], "descrption", "titel", "PKK"]))
        value = key.get(name, "x")
        bad = ref.to_condition(("cmp", name, "=", value) if data.draw(st.booleans()) else ("exists", name))
        before = dict(self.ref.items)
        calls: dict[str, Callable[[], Any]] = {
            "filter": lambda: self.table.query(cls, filter=bad, **{f: key[f] for f in PK_FIELDS[cls]}).all(),
            "update": lambda: self.update_call(cls, key, self.draw_changes(data, cls), bad, True),
            "put": lambda: self.table.put(data.draw(entity_of(cls, key)), condition=bad),
            "delete": lambda: self.table.delete(cls, condition=bad, **key),
            "transaction": lambda: self.table.transact_write().condition_check(cls, bad, **key).commit(),
        }
        with pytest.raises(ValidationError):
            calls[where]()
        assert self.ref.items == before

    @precondition(lambda self: ref.CURSORS_BOUND)
    @rule(data=st.data(), other=st.sampled_from(["partition", "direction", "entity", "index"]))
    def foreign_cursor(self, data: st.DataObject, other: str) -> None:
        """Item 5: a cursor works only on the query that made it; anywhere else it is refused."""
        STATS["foreign cursor refused"] += 1
        owner = data.draw(st.sampled_from(KEY_TEXT))
        names = data.draw(st.lists(st.sampled_from(KEY_TEXT), min_size=2, max_size=2, unique=True))
        for name in names:
            entity = Repo(owner=owner, name=name)
            self.table.put(entity)
            self.ref.put(entity)
        q = self.table.query(Repo, owner=owner, limit=1)
        q.all()
        assert q.cursor is not None
        others: dict[str, Callable[[], Any]] = {
            "partition": lambda: self.table.query(Repo, owner=owner + "x", cursor=q.cursor).all(),
            "direction": lambda: self.table.query(Repo, owner=owner, reverse=True, cursor=q.cursor).all(),
            "entity": lambda: self.table.query(Star, account_id=owner, cursor=q.cursor).all(),
            "index": lambda: self.table.query(Repo, name=names[0], cursor=q.cursor).all(),
        }
        with pytest.raises(ValidationError):
            others[other]()

    # -- many items -----------------------------------------------------------------------------------

    def draw_distinct_keys(
        self, data: st.DataObject, n_max: int
    ) -> list[tuple[type[Entity], dict[str, Any]]]:
        keys: list[tuple[type[Entity], dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        for _ in range(data.draw(st.integers(1, n_max), label="how many")):
            cls = data.draw(st.sampled_from(ENTITIES))
            key = self.draw_key(data, cls)
            if key_fits(cls, key) and render_key(cls, key) not in seen:
                seen.add(render_key(cls, key))
                keys.append((cls, key))
        return keys

    @rule(data=st.data(), duplicate=st.booleans())
    def batch_write(self, data: st.DataObject, duplicate: bool) -> None:
        STATS["batch_write"] += 1
        keys = self.draw_distinct_keys(data, 6)
        plan = [(cls, key, data.draw(st.booleans(), label="delete")) for cls, key in keys]
        puts = [data.draw(entity_of(cls, key)) for cls, key, is_delete in plan if not is_delete]
        deletes: list[Any] = []
        for cls, key, is_delete in plan:
            if is_delete:
                deletes.append(
                    render_key(cls, key) if data.draw(st.booleans()) else data.draw(entity_of(cls, key))
                )
        if duplicate and puts:
            deletes.append(puts[0].key())
            with pytest.raises(DuplicateKeyError):
                self.table.batch_write(puts, deletes)
            return
        self.table.batch_write(puts, deletes)
        for entity in puts:
            self.ref.put(entity)
        for target in deletes:
            self.ref.items.pop(
                target if isinstance(target, tuple) else render_key(type(target), keyof(target)), None
            )

    @rule(data=st.data())
    def batch_get(self, data: st.DataObject) -> None:
        STATS["batch_get"] += 1
        keys = self.draw_distinct_keys(data, 6)
        if keys and data.draw(st.booleans(), label="ask twice"):
            keys.append(keys[0])
        raw = [data.draw(st.booleans(), label="raw key") for _ in keys]
        asked: list[Any] = [
            render_key(cls, key) if r else (cls, self.key_arg(data, key))
            for (cls, key), r in zip(keys, raw, strict=True)
        ]
        got = self.table.batch_get(asked)
        assert got == [self.read_expected(cls, key, r) for (cls, key), r in zip(keys, raw, strict=True)]

    def read_expected(self, cls: type[Entity], key: dict[str, Any], raw_key: bool) -> Any:
        pair = render_key(cls, key)
        item = self.ref.items.get(pair)
        if item is None:
            return None
        if raw_key:
            return item.entity() if item.cls else foreign_view(pair, item)
        return item.entity() if item.cls is cls else None

    @precondition(lambda self: self.transactions)
    @rule(data=st.data(), duplicate=st.booleans())
    def transact_write(self, data: st.DataObject, duplicate: bool) -> None:
        STATS["transact_write"] += 1
        keys = self.draw_distinct_keys(data, 4)
        tx = self.table.transact_write()
        ok = True
        after = dict(self.ref.items)
        kinds = []
        for cls, key in keys:
            kind = data.draw(st.sampled_from(["put", "update", "delete", "condition_check"]), label="action")
            kinds.append(kind)
            cond = (
                self.draw_condition(data, cls, key)
                if kind == "condition_check" or data.draw(st.booleans())
                else None
            )
            condition = ref.to_condition(cond) if cond is not None else None
            pair = render_key(cls, key)
            current = self.ref.attrs_at(pair)
            holds = cond is None or ref.evaluate(cond, current)
            if kind == "put":
                entity = data.draw(entity_of(cls, key))
                create_only = data.draw(st.booleans(), label="create_only")
                tx.put(entity, create_only=create_only, condition=condition)
                ok &= holds and not (create_only and current is not None)
                after[pair] = StoredItem(cls, key, ref.stored_attrs(entity))
            elif kind == "update":
                changes = self.draw_changes(data, cls)
                upsert = data.draw(st.booleans(), label="upsert")
                arg = self.key_arg(data, key)
                if ref.UPDATE_KEYWORDS:
                    tx.update(cls, ref.to_update(changes), condition=condition, upsert=upsert, **arg)
                else:
                    tx.update(cls, arg, ref.to_update(changes), condition=condition, upsert=upsert)
                ok &= holds and (upsert or current is not None)
                after[pair] = StoredItem(cls, key, ref.apply_update(current or {}, changes))
            elif kind == "delete":
                tx.delete(cls, condition=condition, **self.key_arg(data, key))
                ok &= holds
                after.pop(pair, None)
            else:
                assert condition is not None
                tx.condition_check(cls, condition, **self.key_arg(data, key))
                ok &= holds
        if duplicate and keys:
            cls, key = keys[0]
            with pytest.raises(DuplicateKeyError):
                tx.condition_check(cls, ref.to_condition(("exists", ref.CONDITION_ATTRS[cls][0])), **key)
        if not keys:
            return
        ledger = len(self.table.ledger)
        if ok:
            tx.commit()
            self.ref.items = after
            assert len(self.table.ledger) == ledger + 1
        else:
            STATS["refused as expected: TransactionCanceledError"] += 1
            with pytest.raises(TransactionCanceledError):
                tx.commit()
            if ref.LEDGER_RECORDS_FAILURES:
                assert len(self.table.ledger) == ledger + 1, "a cancelled transaction is not in the ledger"

    @precondition(lambda self: self.transactions)
    @rule(data=st.data())
    def transact_get(self, data: st.DataObject) -> None:
        STATS["transact_get"] += 1
        keys = self.draw_distinct_keys(data, 5)
        raw = [data.draw(st.booleans(), label="raw key") for _ in keys]
        asked: list[Any] = [
            render_key(cls, key) if r else (cls, self.key_arg(data, key))
            for (cls, key), r in zip(keys, raw, strict=True)
        ]
        got = self.table.transact_get(asked)
        assert got == [self.read_expected(cls, key, r) for (cls, key), r in zip(keys, raw, strict=True)]

    # -- the whole table ------------------------------------------------------------------------------

    @rule()
    def scan_all(self) -> None:
        STATS["scan"] += 1
        self.check_table()

    def check_table(self) -> None:
        stored = {}
        for found in self.table.scan().all():
            pair = (
                render_key(type(found), keyof(found))
                if isinstance(found, Entity)
                else (found["PK"], found["SK"])
            )
            stored[pair] = found
        expected = {
            pair: (item.entity() if item.cls else foreign_view(pair, item))
            for pair, item in self.ref.items.items()
        }
        assert stored == expected

    def teardown(self) -> None:
        if hasattr(self, "ref"):
            self.check_table()


# -- helpers ------------------------------------------------------------------------------------------------

_MISSING = object()


def projected(result: Any, name: str, missing: Any = _MISSING) -> Any:
    """A projected attribute of a read's result, whatever its form (entity, partial, or dict)."""
    if isinstance(result, dict):
        return result.get(name, missing)
    try:
        return getattr(result, name)
    except AttributeError:
        return missing


def keyof(entity: Entity) -> dict[str, Any]:
    return {f: getattr(entity, f) for f in KEY_FIELDS[type(entity)]}


def foreign_view(pair: tuple[str, str], item: StoredItem | None) -> dict[str, Any] | None:
    return None if item is None else {"PK": pair[0], "SK": pair[1], **item.attrs}


def clear(table: Table) -> None:
    """Delete every item (cheaper than a table per example, the same on every engine); a twin of two
    engines (tests/differential.py) is cleared on each, so that one example's divergence stays its own."""
    for one in getattr(table, "tables", (table,)):
        keys = [
            (i["PK"], i["SK"])
            for i in one.client.scan(TableName=one.name, ProjectionExpression="PK, SK")["Items"]
        ]
        if keys:
            one.batch_write(deletes=[(k["S"], s["S"]) for k, s in keys])


# -- engines ------------------------------------------------------------------------------------------------


def _inprocess() -> Iterator[tuple[Table, bool]]:
    from singletable.local import InProcessEngine

    with InProcessEngine() as engine:
        spec = TableSpec(deletion_protection=False)
        client = engine.client()
        spec.create(client)
        yield Table(spec, client=client, entities=[*ENTITIES, Team]), True


def _http() -> Iterator[tuple[Table, bool]]:
    from singletable.client import make_client
    from singletable.local import LocalServer

    with LocalServer(ttl_sweep_interval=None) as server:
        spec = TableSpec(name=f"t-{uuid.uuid4().hex[:12]}", deletion_protection=False)
        client = make_client(endpoint_url=server.endpoint_url)
        spec.create(client)
        yield Table(spec, client=client, entities=[*ENTITIES, Team]), True


def _dynalite() -> Iterator[tuple[Table, bool]]:
    from singletable.client import make_client
    from singletable.local.dynalite import DynaliteServer, find_dynalite

    cli = find_dynalite()
    if cli is None:
        pytest.skip("dynalite is not installed: run scripts/install-dynalite.sh (needs node and npm)")
    with DynaliteServer(cli) as server:
        spec = TableSpec(
            name=f"t-{uuid.uuid4().hex[:10]}",
            deletion_protection=False,
            ttl_attribute=None,
            point_in_time_recovery=False,
        )
        client = make_client(endpoint_url=server.endpoint_url, max_attempts=4)
        spec.create(client)
        yield Table(spec, client=client, entities=[*ENTITIES, Team]), False  # dynalite has no transactions


def _dynamodb_local_server() -> Iterator[Any]:
    from singletable.local.dynamodb_local import DynamoDBLocalServer
    from singletable.local.engines import engine_available

    missing = engine_available("dynamodb-local")
    if missing is not None:
        pytest.skip(missing)
    with DynamoDBLocalServer() as server:
        yield server


def _dynamodb_local_table(endpoint: str, name: str) -> Table:
    from singletable.client import make_client

    # DynamoDB Local has no point-in-time recovery (UpdateContinuousBackups): the rest is the module's.
    spec = TableSpec(name=name, deletion_protection=False, point_in_time_recovery=False)
    client = make_client(endpoint_url=endpoint, max_attempts=4)
    spec.create(client)
    return Table(spec, client=client, entities=[*ENTITIES, Team])


def _dynamodb_local() -> Iterator[tuple[Table, bool]]:
    for server in _dynamodb_local_server():
        yield _dynamodb_local_table(server.endpoint_url, f"t-{uuid.uuid4().hex[:12]}"), True


def _differential() -> Iterator[tuple[Table, bool]]:
    """moto in-process and DynamoDB Local driven as one table (tests/differential.py)."""
    from singletable.local import InProcessEngine
    from tests.differential import TwinTable

    for server in _dynamodb_local_server():
        with InProcessEngine() as engine:
            name = f"t-{uuid.uuid4().hex[:12]}"
            spec = TableSpec(name=name, deletion_protection=False)
            client = engine.client()
            spec.create(client)
            moto = Table(spec, client=client, entities=[*ENTITIES, Team])
            twin: Any = TwinTable(moto, _dynamodb_local_table(server.endpoint_url, name))
            yield twin, True


ENGINE_FACTORIES: dict[str, Callable[[], Iterator[tuple[Table, bool]]]] = {
    "inprocess": _inprocess,
    "http": _http,
    "dynalite": _dynalite,
    "dynamodb-local": _dynamodb_local,
    "differential": _differential,
}


@pytest.mark.parametrize("engine", ENGINES)
def test_data_layer_agrees_with_the_reference(engine: str) -> None:
    run_model(engine, EXAMPLES, STEPS)


def run_model(engine: str, examples: int, steps: int) -> None:
    """Run the machine on ``engine`` (a key of ENGINE_FACTORIES) and print what it did."""
    if engine not in ENGINE_FACTORIES:
        pytest.fail(f"SINGLETABLE_MODEL_ENGINES names {engine!r}; use {sorted(ENGINE_FACTORIES)}")
    STATS.clear()
    started = time.monotonic()
    for table, transactions in ENGINE_FACTORIES[engine]():

        class Machine(DataLayerModel):
            pass

        Machine.table = table
        Machine.transactions = Machine.returns_old_item = transactions
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=not os.environ.get("SINGLETABLE_MODEL_RANDOM"),
                # Shrinking a long failing sequence takes minutes; SINGLETABLE_MODEL_SHRINK=0 reports it as found.
                phases=[
                    p
                    for p in Phase
                    if os.environ.get("SINGLETABLE_MODEL_SHRINK", "1") != "0" or p != Phase.shrink
                ],
            ),
        )
    steps = sum(
        v for k, v in STATS.items() if k != "examples" and not k.startswith(("refused as", "query resumed"))
    )
    print(
        f"\nmodel-based test on {engine}: {STATS['examples']} examples, {steps} steps in "
        f"{time.monotonic() - started:.1f} s; " + ", ".join(f"{k} {v}" for k, v in sorted(STATS.items()))
    )
