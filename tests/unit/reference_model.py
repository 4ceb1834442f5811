"""The plain in-memory reference that tests/unit/test_model_based.py checks the library against.

Written from DynamoDB's documented rules, not from singletable's code: keys are rendered here by hand
(``%`` -> ``%25``, ``#`` -> ``%23``), strings order by their UTF-8 bytes, a condition on a missing attribute
or on another type is false, a transaction applies all its actions or none.

Switches: each names one item of issue 11 whose fix changes what the model expects. They default to the
behaviour of the code before the fix (so the model passes on it); flip one to True once its fix is merged,
or turn some on for one run with ``SINGLETABLE_MODEL_FIXED=format_specs,validated_keys`` (or ``all``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import Field

from singletable import Attr, Condition, Entity, Update

_FIXED = {s.strip().lower() for s in os.environ.get("SINGLETABLE_MODEL_FIXED", "").split(",") if s.strip()}


def _switch(name: str, default: bool = False) -> bool:
    return default or name in _FIXED or "all" in _FIXED


#: item 1: a projected get/query never yields something put() accepts as a whole item, nor a default
#: where the stored value was not read; get and query agree.
PROJECTION_SAFE = _switch("projection_safe", True)
#: item 2: key fields go through the field types on every path (``get(Issue, number="07")`` finds issue 7).
VALIDATED_KEYS = _switch("validated_keys", True)
#: item 3: key templates take format specs: Issue's SK is ``ISSUE#{number:06d}``, a wider number is refused.
FORMAT_SPECS = _switch("format_specs", True)
#: item 4: put() validates the model as written (a field mutated to a wrong type is refused).
PUT_VALIDATES = _switch("put_validates", True)
#: item 5: a cursor is bound to its query (table, index, partition, entity, direction); a foreign one is refused.
CURSORS_BOUND = _switch("cursors_bound", True)
#: item 6: unknown keyword arguments are refused by get/delete/collection/reverse (as query already does).
TYPOS_REFUSED = _switch("typos_refused", True)
#: item 7: filters and conditions on key fields or on attributes the entity does not store are refused.
KEY_FIELD_CONDITIONS_REFUSED = _switch("key_field_conditions_refused", True)
#: item 8: empty sets (a ``default_factory=set`` field) are omitted on write and restored on read.
EMPTY_SETS = _switch("empty_sets", True)
#: item 9: a write that reaches the engine and fails its condition (or a cancelled transaction) is
#: recorded in the capacity ledger too (DynamoDB bills it).
LEDGER_RECORDS_FAILURES = _switch("ledger_records_failures", True)
#: item 13: update() takes the key as keyword arguments, like get() and delete().
UPDATE_KEYWORDS = _switch("update_keywords", True)
#: NEW (found by this model, akin to item 1): ``query(Repo, sk=..., projection=[...])`` returns rows of
#: every entity in the key range (a Star among the Repos), since projected rows skip the entity filter.
PROJECTED_QUERY_KEEPS_ENTITY = _switch("projected_query_keeps_entity", True)
#: NEW (found by this model, an engine gap): moto's ``begins_with`` holds only on String attributes
#: (moto/dynamodb/comparisons.py FuncBeginsWith: ``get_type != "S"`` -> False), so on a Binary attribute it
#: never holds, not even on the stored value itself; DynamoDB and dynalite compare the bytes.
#: Off: conditions draw no begins_with on bytes.
ENGINE_BINARY_BEGINS_WITH = _switch("engine_binary_begins_with", True)
#: NEW (found by this model): ``update(..., upsert=True, condition=Attr("x").exists())`` on a missing item
#: raises ItemNotFoundError ("pass upsert=True") instead of ConditionFailedError.
UPSERT_CONDITION_FAILS_AS_CONDITION = _switch("upsert_condition_fails_as_condition", True)

ISSUE_WIDTH = 6

# -- the entities -----------------------------------------------------------------------------------------
# Four entities in two kinds of partition: an account's partition holds its profile, its repos and the
# stars it gave; a repo's issue partition holds its issues (composite PK, numeric, optionally padded SK).


class Account(Entity):
    __pk__ = "ACCOUNT#{account_id}"
    __sk__ = "PROFILE"
    account_id: str
    display: str = ""
    balance: int = 0
    badges: set[str] | None = Field(default_factory=set) if EMPTY_SETS else None
    settings: dict[str, Any] = Field(default_factory=dict)
    avatar: bytes | None = None


class Repo(Entity):
    __pk__ = "ACCOUNT#{owner}"
    __sk__ = "REPO#{name}"
    owner: str
    name: str
    description: str = ""
    stars: int = 0
    price: Decimal | None = None
    topics: list[str] = Field(default_factory=list)
    ids: set[int] | None = None


class Star(Entity):
    __pk__ = "ACCOUNT#{account_id}"
    __sk__ = "STAR#{owner}#{name}"
    account_id: str
    owner: str
    name: str
    note: str = ""
    weight: Decimal = Decimal(0)


class Issue(Entity):
    __pk__ = "REPO#{owner}#{name}"
    __sk__ = f"ISSUE#{{number:0{ISSUE_WIDTH}d}}" if FORMAT_SPECS else "ISSUE#{number}"
    owner: str
    name: str
    number: int
    title: str = ""
    votes: int = 0
    labels: set[str] | None = None
    body: dict[str, Any] = Field(default_factory=dict)


class Team(Entity):
    """Versioned (optimistic locking); kept out of ENTITIES: its own rules draw it."""

    __pk__ = "ACCOUNT#{account_id}"
    __sk__ = "TEAM#{team}"
    __version_field__ = "version"
    account_id: str
    team: str
    size: int = 0
    version: int = 0


ENTITIES: tuple[type[Entity], ...] = (Account, Repo, Star, Issue)
KEY_FIELDS: dict[type[Entity], tuple[str, ...]] = {
    Account: ("account_id",),
    Repo: ("owner", "name"),
    Star: ("account_id", "owner", "name"),
    Issue: ("owner", "name", "number"),
    Team: ("account_id", "team"),
}
#: Non-key attributes that hold a number (increment targets) and that take conditions.
COUNTERS: dict[type[Entity], tuple[str, ...]] = {
    Account: ("balance",),
    Repo: ("stars",),
    Star: (),
    Issue: ("votes",),
}
#: Attributes a condition may name, by entity (scalars: strings and numbers).
CONDITION_ATTRS: dict[type[Entity], tuple[str, ...]] = {
    Account: ("display", "balance", "avatar"),
    Repo: ("description", "stars", "price"),
    Star: ("note", "weight"),
    Issue: ("title", "votes"),
}


def esc(value: str) -> str:
    return value.replace("%", "%25").replace("#", "%23")


def issue_sk(number: int) -> str:
    return f"ISSUE#{number:0{ISSUE_WIDTH}d}" if FORMAT_SPECS else f"ISSUE#{number}"


def number_fits(number: int) -> bool:
    """Whether an issue number fits its key (always, without format specs)."""
    return not FORMAT_SPECS or 0 <= number < 10**ISSUE_WIDTH


RENDER: dict[type[Entity], Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    Account: lambda k: (f"ACCOUNT#{esc(k['account_id'])}", "PROFILE"),
    Repo: lambda k: (f"ACCOUNT#{esc(k['owner'])}", f"REPO#{esc(k['name'])}"),
    Star: lambda k: (f"ACCOUNT#{esc(k['account_id'])}", f"STAR#{esc(k['owner'])}#{esc(k['name'])}"),
    Issue: lambda k: (f"REPO#{esc(k['owner'])}#{esc(k['name'])}", issue_sk(int(k["number"]))),
    Team: lambda k: (f"ACCOUNT#{esc(k['account_id'])}", f"TEAM#{esc(k['team'])}"),
}


def render_key(cls: type[Entity], key: Mapping[str, Any]) -> tuple[str, str]:
    return RENDER[cls](key)


def utf8(value: str) -> bytes:
    return value.encode("utf-8")


# -- stored form ------------------------------------------------------------------------------------------


def stored_value(value: Any) -> Any:
    """A Python value as it reads back after a round trip through DynamoDB (tuples become lists)."""
    if isinstance(value, dict):
        return {k: stored_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stored_value(v) for v in value]
    return value


def omitted(value: Any) -> bool:
    """Whether a top-level value is left out of the item (None; an empty set once empty sets are omitted)."""
    return value is None or (EMPTY_SETS and isinstance(value, set | frozenset) and not value)


def read_back(cls: type[Entity], name: str, attrs: dict[str, Any]) -> Any:
    """What reading field ``name`` gives for a stored item with ``attrs``: the stored value, or, when absent,
    an empty set for a set field that is required or defaults to a set (the documented empty-set rule),
    else the field's default (what a full read gives: ``note: str = ""`` removed by an update reads ``""``),
    None for a required field."""
    if name in attrs:
        return attrs[name]
    info = cls.model_fields[name]
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    set_field = isinstance(default, set | frozenset) or (info.is_required() and "set" in str(info.annotation))
    if EMPTY_SETS and set_field:
        return set()
    return default


def stored_attrs(entity: Entity) -> dict[str, Any]:
    """The non-key attributes a put of ``entity`` stores."""
    keys = KEY_FIELDS[type(entity)]
    out = {}
    for name in type(entity).model_fields:
        value = getattr(entity, name)
        if name in keys or omitted(value):
            continue
        out[name] = stored_value(value)
    return out


@dataclass
class StoredItem:
    cls: type[Entity] | None  # None: a foreign item (no marker, matching no entity's keys)
    key: dict[str, Any]  # key field values (canonical types)
    attrs: dict[str, Any]  # non-key attributes as stored (foreign items: the whole item but PK/SK)

    def entity(self) -> Entity:
        """The entity a read of this item returns."""
        assert self.cls is not None
        return self.cls.model_validate({**self.attrs, **self.key})


# -- conditions -------------------------------------------------------------------------------------------
# A condition is a small tree: ("cmp", attr, op, value) | ("exists", attr) | ("not_exists", attr) |
# ("begins_with", attr, prefix) | ("and"|"or", left, right) | ("not", inner).


Cond = tuple[Any, ...]

_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int | Decimal):
        return "N"
    if isinstance(value, str):
        return "S"
    if isinstance(value, bytes):
        return "B"
    return None


def evaluate(cond: Cond, attrs: Mapping[str, Any] | None) -> bool:
    """DynamoDB's value of ``cond`` on an item (``None``: no item: every attribute is missing)."""
    item = attrs or {}
    op = cond[0]
    if op == "and":
        return evaluate(cond[1], attrs) and evaluate(cond[2], attrs)
    if op == "or":
        return evaluate(cond[1], attrs) or evaluate(cond[2], attrs)
    if op == "not":
        return not evaluate(cond[1], attrs)
    if op == "exists":
        return cond[1] in item
    if op == "not_exists":
        return cond[1] not in item
    name = cond[1]
    if name not in item:
        return False
    current = item[name]
    if op == "begins_with":
        prefix = cond[2]
        if isinstance(current, str) and isinstance(prefix, str):
            return current.startswith(prefix)
        if isinstance(current, bytes) and isinstance(prefix, bytes):
            return current.startswith(prefix)
        return False
    assert op == "cmp"
    kind = _kind(current)
    if kind is None or kind != _kind(cond[3]) or kind == "BOOL":
        return False
    left, right = current, cond[3]
    if kind == "S":
        left, right = utf8(left), utf8(right)
    return bool(_OPS[cond[2]](left, right))


def to_condition(cond: Cond) -> Condition:
    """The library's Condition for a condition tree."""
    op = cond[0]
    if op == "and":
        return to_condition(cond[1]) & to_condition(cond[2])
    if op == "or":
        return to_condition(cond[1]) | to_condition(cond[2])
    if op == "not":
        return ~to_condition(cond[1])
    if op == "exists":
        return Attr(cond[1]).exists()
    if op == "not_exists":
        return Attr(cond[1]).not_exists()
    if op == "begins_with":
        return Attr(cond[1]).begins_with(cond[2])
    attr = Attr(cond[1])
    method = {"=": attr.eq, "<": attr.lt, "<=": attr.lte, ">": attr.gt, ">=": attr.gte}[cond[2]]
    return method(cond[3])


# -- updates ----------------------------------------------------------------------------------------------
# An update is a list of ("set", attr, value) | ("remove", attr) | ("increment", attr, by) |
# ("set_if_not_exists", attr, value) | ("append", attr, [values]) | ("add", attr, number or set) |
# ("delete", attr, set).

Change = tuple[Any, ...]


def to_update(changes: list[Change]) -> Update:
    update = Update()
    for change in changes:
        kind, name = change[0], change[1]
        if kind == "set":
            update.set({name: change[2]})
        elif kind == "remove":
            update.remove(name)
        elif kind == "increment":
            update.increment(name, change[2])
        elif kind == "set_if_not_exists":
            update.set_if_not_exists(name, change[2])
        elif kind == "append":
            update.append(name, change[2])
        elif kind == "add":
            update.add(name, change[2])
        else:
            update.delete(name, change[2])
    return update


def apply_update(attrs: Mapping[str, Any], changes: list[Change]) -> dict[str, Any]:
    """DynamoDB's UpdateItem on the stored attributes (a set emptied by DELETE is removed)."""
    out = dict(attrs)
    for change in changes:
        kind, name = change[0], change[1]
        if kind == "set" and not omitted(change[2]):
            out[name] = stored_value(change[2])
        elif kind in ("set", "remove"):
            out.pop(name, None)
        elif kind == "set_if_not_exists":
            out.setdefault(name, stored_value(change[2]))
        elif kind == "append":
            out[name] = list(out.get(name, [])) + stored_value(change[2])
        elif kind == "add" and isinstance(change[2], set):
            out[name] = set(out.get(name, set())) | change[2]
        elif kind in ("add", "increment"):
            out[name] = out.get(name, 0) + change[2]
        elif name in out:
            left = set(out[name]) - change[2]
            if left:
                out[name] = left
            else:
                del out[name]
    return out


# -- the reference ----------------------------------------------------------------------------------------


@dataclass
class Reference:
    """Items by (PK, SK): what the table should hold after every step."""

    items: dict[tuple[str, str], StoredItem] = field(default_factory=dict)

    def get(self, cls: type[Entity], key: Mapping[str, Any]) -> StoredItem | None:
        item = self.items.get(render_key(cls, key))
        return item if item is not None and item.cls is cls else None

    def attrs_at(self, pair: tuple[str, str]) -> dict[str, Any] | None:
        item = self.items.get(pair)
        return None if item is None else item.attrs

    def put(self, entity: Entity) -> None:
        cls = type(entity)
        key = {f: getattr(entity, f) for f in KEY_FIELDS[cls]}
        self.items[render_key(cls, key)] = StoredItem(cls, key, stored_attrs(entity))

    def select(
        self,
        *,
        hash_value: str,
        on_index: bool,
        sk: tuple[str, tuple[str, ...]] | None,
        cls: type[Entity] | None,
        reverse: bool,
    ) -> list[tuple[tuple[str, str], StoredItem]]:
        """A query: items whose hash key is ``hash_value`` (PK on the table, SK on GSI1), the range key
        matching ``sk`` ((op, values) on UTF-8 bytes), in range-key byte order, of ``cls`` if given."""
        out = []
        for pair, item in self.items.items():
            hash_key, range_key = (pair[1], pair[0]) if on_index else pair
            if hash_key != hash_value:
                continue
            if sk is not None and not sort_key_matches(range_key, *sk):
                continue
            if cls is not None and item.cls is not cls:
                continue
            out.append((pair, item))
        out.sort(key=lambda p: utf8(p[0][0] if on_index else p[0][1]), reverse=reverse)
        return out


def sort_key_matches(value: str, op: str, operands: tuple[str, ...]) -> bool:
    v = utf8(value)
    ops = [utf8(o) for o in operands]
    if op == "begins_with":
        return v.startswith(ops[0])
    if op == "between":
        return ops[0] <= v <= ops[1]
    return bool(_OPS[op](v, ops[0]))
