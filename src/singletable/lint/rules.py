"""The hot-partition rules: where every entity's writes land, and which of those places can run hot."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from singletable import capacity
from singletable.keys import KeyTemplate
from singletable.lint.cardinality import Cardinality, is_sequential, template_cardinality
from singletable.lint.findings import RCU_PER_PARTITION, WCU_PER_PARTITION, Finding, LintReport, Placement
from singletable.lint.sizing import estimate_item_size, estimate_projected_size
from singletable.model import Entity
from singletable.schema import Schema
from singletable.spec import IndexSpec

SPLIT_NOTE = (
    "Not a hard cap: after sustained heat (minutes) DynamoDB can split a hot partition by sort-key range "
    '("split for heat"), each part serving about {wcu:,} WCU/s again. A spike from a quiet start is '
    "throttled above the figure until that happens, and writes that arrive in sort-key order (sequential "
    "ids, timestamps) cannot be spread by it."
)


def gsi1_mode(schema: Schema) -> Literal["inverted", "sparse", "none"]:
    """How the table's reverse-lookup index is keyed: ``inverted`` (hash SK, range PK: every item),
    ``sparse`` (its own attributes, written for entities with ``__reverse__``) or ``none``."""
    reverse = schema.spec.reverse_index()
    if reverse is None:
        return "none"
    return "sparse" if reverse[1] else "inverted"


def lint(schema: Schema, *, item_sizes: Mapping[str, int] | None = None) -> LintReport:
    """Lint a table's design: every registered entity's keys in the table and in each index it is written
    to. ``item_sizes`` (entity name -> bytes, measured or declared) overrides the estimate from the
    entity's field types."""
    sizes = dict(item_sizes or {})
    mode = gsi1_mode(schema)
    placements: list[Placement] = []
    findings: list[Finding] = []
    reverse_capable = sorted(
        c.__name__ for c in schema.entity_classes.values() if not c.meta().sk.is_constant
    )
    for cls in schema.entity_classes.values():
        meta = cls.meta()
        templates = schema.index_templates(cls)
        own_attrs = {
            name: schema.index_attrs[name]
            for name in templates
            if schema.index_attrs[name][0] not in (schema.spec.pk, schema.spec.sk)
        }
        size = sizes.get(meta.name) or sizes.get(cls.__name__) or estimate_item_size(cls, own_attrs)
        where: list[tuple[str, KeyTemplate, KeyTemplate | None, IndexSpec | None]] = [
            ("table", meta.pk, meta.sk, None)
        ]
        where += [(name, h, r, schema.spec.index(name)) for name, (h, r) in templates.items()]
        for index, hash_t, range_t, idx in where:
            projected = (
                size
                if idx is None
                else estimate_projected_size(cls, size, idx.projection, idx.non_key_attributes, own_attrs)
            )
            card = template_cardinality(cls, hash_t)
            wcu = capacity.write_units(projected)
            placements.append(
                Placement(
                    entity=meta.name,
                    index=index,
                    hash_template=hash_t.template,
                    range_template=range_t.template if range_t else None,
                    partition_values=card.values,
                    time_bucketed=bool(card.time_fields),
                    item_bytes=size,
                    projected_bytes=projected,
                    wcu_per_write=wcu,
                )
            )
            if card.low or card.time_fields:
                findings.append(
                    _hot(
                        schema,
                        cls,
                        index,
                        idx,
                        hash_t,
                        range_t,
                        card,
                        size,
                        projected,
                        wcu,
                        mode,
                        reverse_capable,
                    )
                )
    if mode == "sparse":
        findings.append(_sparse_notice(schema))
    return LintReport(schema.spec.name, mode, tuple(placements), tuple(findings))


def _hot(
    schema: Schema,
    cls: type[Entity],
    index: str,
    idx: IndexSpec | None,
    hash_t: KeyTemplate,
    range_t: KeyTemplate | None,
    card: Cardinality,
    size: int,
    projected: int,
    wcu: float,
    mode: str,
    reverse_capable: list[str],
) -> Finding:
    name = cls.__name__
    values = card.values or 1
    max_wcu = WCU_PER_PARTITION * values
    max_writes = math.floor(max_wcu / wcu)
    read_units = capacity.read_units(projected, "eventual")
    max_reads = math.floor(RCU_PER_PARTITION * values / read_units)
    key_attr = schema.spec.pk if idx is None else idx.hash_key
    if range_t is None or (range_t.is_constant and idx is not None):
        split = "impossible: the sort key is constant"
    elif is_sequential(cls, range_t):
        split = f"defeated: the sort key {range_t.template} grows in write order"
    else:
        split = f"possible after sustained heat: the sort key {range_t.template} is distinct per item"
    numbers: dict[str, object] = {
        "partition_key": key_attr,
        "partition": hash_t.template,
        "partition_values": card.values,
        "item_bytes": size,
        "projected_bytes": projected,
        "projection": "ALL" if idx is None else idx.projection,
        "wcu_per_write": wcu,
        "partition_wcu_per_s": WCU_PER_PARTITION,
        "partition_rcu_per_s": RCU_PER_PARTITION,
        "max_wcu_per_s": max_wcu,
        "max_writes_per_s": max_writes,
        "max_reads_per_s": max_reads,
        "back_pressure": idx is not None,
        "split_for_heat": split,
    }
    where = "the table" if idx is None else index
    size_text = f"{wcu:g} WCU each: ~{projected:,} B {'item' if idx is None else f'entry, projection {idx.projection}'}"
    if card.time_fields:
        code, what = (
            "ST753",
            f"time-bucketed on {', '.join(card.time_fields)}: every write of one period shares one value",
        )
        numbers["partition_values"] = 1
    elif card.constant:
        code = "ST750" if idx is not None else "ST751"
        what = f"constant: every {name} write lands in {where} partition {hash_t.template!r}"
    else:
        code = "ST752"
        what = f"low-cardinality: {values} value(s) from {', '.join(card.bounded_by)}"
    message = (
        f"{name}'s {where} partition key {key_attr} = {hash_t.template!r} is {what}. About "
        f"{max_wcu:,} WCU/s ({WCU_PER_PARTITION:,} per partition x {values}) = {max_writes:,} {name} writes/s "
        f"({size_text}) and {RCU_PER_PARTITION * values:,} RCU/s = {max_reads:,} eventually consistent reads/s "
        "before it throttles"
    )
    if idx is not None:
        message += (
            f"; a throttled GSI throttles the base table's writes that touch it, so {name} writes fail "
            "at that rate whatever the table's capacity"
        )
    note = SPLIT_NOTE.format(wcu=WCU_PER_PARTITION) + f" Here split for heat is {split}."
    fix, terraform, change = _fix(schema, cls, index, idx, hash_t, mode, reverse_capable, code)
    return Finding(
        code=code,
        severity="warning",
        entity=name,
        index=index,
        message=message,
        numbers=numbers,
        fix=fix,
        terraform=terraform,
        entity_change=change,
        note=note,
    )


def _fix(
    schema: Schema,
    cls: type[Entity],
    index: str,
    idx: IndexSpec | None,
    hash_t: KeyTemplate,
    mode: str,
    reverse_capable: list[str],
    code: str,
) -> tuple[str, str | None, str | None]:
    name = cls.__name__
    meta = cls.meta()
    inverted = idx is not None and idx.hash_key == schema.spec.sk and idx.range_key == schema.spec.pk
    shard_attr = "__sk__" if inverted else ("__pk__" if idx is None else f"__indexes__[{index!r}]")
    shard = (
        f'{shard_attr} = "{hash_t.template}#{{shard}}" with `shard: int = Field(ge=0, lt=N)` set from a hash '
        f"of the item's id (N >= peak writes/s x WCU per write / {WCU_PER_PARTITION:,}; reads then query the N "
        "shards)"
    )
    if inverted and mode == "inverted":
        needs = [c for c in reverse_capable if c != name]
        lost = (
            f"{name}'s SK has no fields, so a reverse lookup could only list every {name}: nothing is lost"
            if meta.sk.is_constant
            else f"{name} keeps reverse lookup only with __reverse__ = True (then shard its SK)"
        )
        declared = [c.__name__ for c in schema.entity_classes.values() if c.__reverse__]
        already = (
            f" ({', '.join(declared)} declare{'s' if len(declared) == 1 else ''} it already)"
            if declared
            else ""
        )
        return (
            f"make GSI1 sparse: its own key attributes GSI1PK/GSI1SK, written only for entities that need "
            f"reverse lookup ({', '.join(needs) or 'none yet'}); {lost}. Or write-shard: {shard}",
            'gsi1_key_mode = "sparse"',
            f"__reverse__ = True on {', '.join(needs) or 'the entities that need reverse lookup'} only{already}; "
            f"nothing on {name}; build the Table from TableSpec.from_terraform(...) or "
            "TableSpec(indexes=(SPARSE_GSI1,))",
        )
    if idx is not None and mode == "sparse" and index == _sparse_name(schema):
        return (
            f"drop __reverse__ from {name} if nothing looks it up by SK, or write-shard: {shard}",
            None,
            f"remove __reverse__ = True from {name}, or {shard}",
        )
    return (f"write-shard the key: {shard}", None, shard)


def _sparse_name(schema: Schema) -> str | None:
    return schema.sparse_reverse[0] if schema.sparse_reverse else None


def _sparse_notice(schema: Schema) -> Finding:
    name = _sparse_name(schema) or "GSI1"
    members = sorted(c.__name__ for c in schema.entity_classes.values() if name in schema.index_templates(c))
    others = sorted(
        c.__name__ for c in schema.entity_classes.values() if name not in schema.index_templates(c)
    )
    return Finding(
        code="ST754",
        severity="info",
        entity=None,
        index=name,
        message=(
            f"{name} is sparse: only {', '.join(members) or 'no entity'} write its keys (reverse lookup); "
            f"{', '.join(others) or 'no other entity'} stay out of it and cost no index writes"
        ),
        numbers={"entities_in_index": members, "entities_not_in_index": others},
        fix="nothing to do",
        terraform='gsi1_key_mode = "sparse"',
    )
