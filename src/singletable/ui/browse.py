"""Reading for the page: a partition (table or GSI1) as rows typed by entity, and the access-pattern runner
(result, the exact request, the capacity consumed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.cli.options import json_dumps, to_typed
from singletable.errors import UiInputError
from singletable.model import ENTITY_ATTRIBUTE, Entity
from singletable.query import Query, SortKey
from singletable.request import Request
from singletable.results import Collection
from singletable.table import Table
from singletable.ui.describe import FOREIGN, Pattern, hue

PAGE_SIZE = 25
SORT_OPS = ("begins_with", "eq", "lt", "lte", "gt", "gte", "between")


@dataclass(frozen=True, slots=True)
class Row:
    """One item as the page shows it: its entity (None: not ours), key fields decoded, then attributes."""

    pk: str
    sk: str
    entity: str | None
    hue: int
    key_fields: list[tuple[str, str, str]]
    attributes: list[tuple[str, str, str]]
    stored: list[tuple[str, str, str]]
    raw: str
    expired: bool


def show(value: Any) -> tuple[str, str]:
    """A value as text and its type's name (the template escapes the text)."""
    if isinstance(value, bool):
        return ("true" if value else "false"), "bool"
    if value is None:
        return "null", "null"
    if isinstance(value, str):
        return value, "str"
    if isinstance(value, Decimal | int | float):
        return str(value), type(value).__name__
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(), type(value).__name__
    if isinstance(value, bytes | bytearray):
        return json_dumps(bytes(value)), "bytes"
    if isinstance(value, set | frozenset):
        return json_dumps(value), "set"
    return json_dumps(value), type(value).__name__


def _triples(values: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [(name, *show(v)) for name, v in values.items()]


def make_row(table: Table, item: Mapping[str, Any]) -> Row:
    """``item`` (plain values, as stored) typed by its entity where the table knows it."""
    spec = table.spec
    pk, sk = str(item.get(spec.pk, "")), str(item.get(spec.sk, ""))
    raw = json_dumps(to_typed(item), indent=2)
    expired = table.is_expired(item) if spec.ttl_attribute else False
    try:
        found = table.recognise(item)
    except Exception as exc:  # an item its entity refuses: shown raw, with the reason
        found = dict(item)
        stored = [("(refused by its entity)", str(exc), "error")]
    else:
        stored = []
    if not isinstance(found, Entity):
        rest = {k: v for k, v in item.items() if k not in (spec.pk, spec.sk)}
        return Row(pk, sk, None, 0, [], stored + _triples(rest), [], raw, expired)
    m = type(found).meta()
    values = found.__dict__
    keys = {f: values.get(f) for f in (*m.pk.fields, *m.sk.fields)}
    attrs = {name: values.get(name) for name in type(found).model_fields if name not in m.key_fields}
    known = {spec.pk, spec.sk, ENTITY_ATTRIBUTE, *attrs}
    if m.ttl_field and spec.ttl_attribute:
        known.add(spec.ttl_attribute)
    extra = {k: v for k, v in item.items() if k not in known}
    return Row(pk, sk, m.name, hue(m.name), _triples(keys), _triples(attrs), _triples(extra), raw, expired)


@dataclass(frozen=True, slots=True)
class Group:
    """The items of one entity in a page of a partition (``entity`` None: items that are not ours)."""

    entity: str | None
    hue: int
    rows: list[Row]

    @property
    def label(self) -> str:
        return self.entity or FOREIGN


@dataclass(slots=True)
class Partition:
    """One page of a partition: its rows in sort-key order, and the same rows grouped by entity."""

    pk: str
    index: str | None
    rows: list[Row]
    cursor: str | None
    request: str
    groups: list[Group] = field(default_factory=list)


def group(rows: list[Row]) -> list[Group]:
    """Rows grouped by entity, groups in order of first appearance, rows in sort-key order within."""
    by: dict[str | None, list[Row]] = {}
    for r in rows:
        by.setdefault(r.entity, []).append(r)
    return [Group(name, hue(name) if name else 0, members) for name, members in by.items()]


def read_partition(
    table: Table, pk: str, *, index: str | None = None, cursor: str | None = None, page_size: int = PAGE_SIZE
) -> Partition:
    """A page of the partition ``pk`` (of the table, or of ``index``), items in sort-key order."""
    if not pk:
        raise UiInputError("the partition key is empty", field="pk", hint="type a key such as USER#123")
    q: Query[Any] = table.query(
        pk=pk, index=index, limit=page_size, cursor=cursor or None, pattern="ui: partition"
    )
    q.raw_items = True  # the items as stored: typed below, and shown raw on request
    request = q.request().to_json()
    rows = [make_row(table, item) for item in q]
    return Partition(pk, index, rows, q.cursor, request, group(rows))


def partition_of(cls: type[Entity], values: Mapping[str, str], *, reverse: bool) -> str:
    """The partition an entity's key fields name: its PK, or (``reverse``) its SK, GSI1's hash key."""
    m = cls.meta()
    template = m.sk if reverse else m.pk
    wanted = {f: values.get(f, "") for f in template.fields}
    missing = [f for f, v in wanted.items() if not v]
    if missing:
        raise UiInputError(
            f"{cls.__name__}: fill in {', '.join(missing)}",
            field=missing[0],
            hint="type a value in each field",
        )
    return template.render(cls.validate_fields(wanted))


# -- the access-pattern runner ---------------------------------------------------------------------------


@dataclass(slots=True)
class RunResult:
    """What a pattern returned, the request it sent (as a dry run gives it), and what it consumed."""

    pattern: Pattern
    rows: list[Row]
    request: str
    records: list[CapacityRecord]

    @property
    def read_units(self) -> float:
        return sum(r.read_units for r in self.records)

    @property
    def write_units(self) -> float:
        return sum(r.write_units for r in self.records)

    @property
    def reported(self) -> str:
        values = [r.reported_read_units for r in self.records if r.reported_read_units is not None]
        return f"{sum(values):g}" if values else "not reported"


def sort_key(op: str, value: str, high: str) -> SortKey | None:
    """The sort-key condition of the runner's form (None when left empty)."""
    if not value:
        return None
    if op not in SORT_OPS:
        raise UiInputError(f"sort-key operator {op!r}", field="op", hint=f"pick one of {', '.join(SORT_OPS)}")
    if op == "between":
        if not high:
            raise UiInputError("between needs a high value", field="high", hint="fill in both bounds")
        return SortKey.between(value, high)
    made: SortKey = getattr(SortKey, op)(value)
    return made


def run_pattern(
    table: Table,
    cls: type[Entity],
    pattern: Pattern,
    values: Mapping[str, str],
    *,
    sk: SortKey | None = None,
    limit: int = PAGE_SIZE,
) -> RunResult:
    """Run one access pattern on a Table of its own ledger (its records are then added to ``table``'s)."""
    fields: dict[str, Any] = {f: values.get(f, "") for f in pattern.fields}
    missing = [f for f, v in fields.items() if not v]
    if missing:
        raise UiInputError(
            f"{pattern.name}: fill in {', '.join(missing)}",
            field=missing[0],
            hint="type a value in each field",
        )
    ledger = CapacityLedger()
    own = Table(table.spec, client=table.client, entities=table.entities, ledger=ledger, hide_expired=False)
    items: list[Mapping[str, Any]] = []
    request: Request
    if pattern.kind == "get":
        request = own.get(cls, dry_run=True, **fields)
        found = own.get(cls, pattern=pattern.name, **fields)
        if found is not None:
            items.append(own.schema.entity_item(found, validate=False))
    elif pattern.kind == "collection":
        pk = partition_of(cls, fields, reverse=False)
        request = own.query(pk=pk).request()
        coll: Collection = own.collection(cls, pattern=pattern.name, **fields)
        for group in coll.values():
            items.extend(_stored(own, v) for v in group)
    else:
        q: Query[Any] = (
            own.reverse(cls, pattern=pattern.name, limit=limit, **fields)
            if pattern.kind == "reverse"
            else own.query(cls, sk=sk, pattern=pattern.name, limit=limit, **fields)
        )
        q.raw_items = True
        request = q.request()
        items.extend(q)
    for rec in ledger:
        table.ledger.record(rec)
    return RunResult(pattern, [make_row(table, i) for i in items], request.to_json(), list(ledger))


def _stored(table: Table, value: Any) -> Mapping[str, Any]:
    return table.schema.entity_item(value, validate=False) if isinstance(value, Entity) else value
