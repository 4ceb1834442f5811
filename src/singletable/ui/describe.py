"""The overview's facts: entities with their key templates and access patterns, sampled item counts, the
table's settings and its drift from the spec."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from singletable.model import ENTITY_ATTRIBUTE, Entity
from singletable.spec import Drift
from singletable.table import Table

PatternKind = Literal["get", "collection", "query", "reverse"]
FOREIGN = "(not an entity)"


def hue(name: str) -> int:
    """A stable colour (HSL hue) per entity name, so an entity looks the same on every page."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) % 360


@dataclass(frozen=True, slots=True)
class Pattern:
    """One access pattern an entity's key templates allow, with the fields its form asks for."""

    kind: PatternKind
    entity: str
    fields: tuple[str, ...]
    index: str | None = None

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.entity}"

    @property
    def name(self) -> str:
        """The ledger's pattern name (the data layer's own default for a collection)."""
        return f"{self.entity} collection" if self.kind == "collection" else f"{self.kind} {self.entity}"

    @property
    def summary(self) -> str:
        by = ", ".join(self.fields) or "nothing"
        return {
            "get": f"one {self.entity} by {by} (GetItem)",
            "collection": f"the whole partition of a {self.entity} by {by}, every entity in it (1 Query)",
            "query": f"{self.entity} items of a partition by {by}, with a sort-key condition (Query)",
            "reverse": f"{self.entity} items by {by} through {self.index} (reverse lookup, Query)",
        }[self.kind]


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """An entity as the overview lists it."""

    name: str
    hue: int
    pk: str
    sk: str
    pk_fields: tuple[str, ...]
    sk_fields: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]
    indexes: tuple[tuple[str, str], ...]
    ttl_field: str | None
    version_field: str | None
    patterns: tuple[Pattern, ...] = field(default=())


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "").replace("datetime.", "").replace("decimal.", "")


def entity_info(cls: type[Entity], inverted: str | None) -> EntityInfo:
    m = cls.meta()
    pk_fields, sk_fields = m.pk.fields, m.sk.fields
    patterns: list[Pattern] = [Pattern("get", m.name, (*pk_fields, *sk_fields))]
    patterns.append(Pattern("collection", m.name, pk_fields))
    if sk_fields:
        patterns.append(Pattern("query", m.name, pk_fields))
        if inverted is not None:
            patterns.append(Pattern("reverse", m.name, sk_fields, inverted))
    attributes = tuple(
        (name, _type_name(f.annotation)) for name, f in cls.model_fields.items() if name not in m.key_fields
    )
    indexes = tuple(
        (index, f"{h.template} / {r.template if r is not None else '-'}")
        for index, (h, r) in m.indexes.items()
    )
    return EntityInfo(
        name=m.name,
        hue=hue(m.name),
        pk=m.pk.template,
        sk=m.sk.template,
        pk_fields=pk_fields,
        sk_fields=sk_fields,
        attributes=attributes,
        indexes=indexes,
        ttl_field=m.ttl_field,
        version_field=m.version_field,
        patterns=tuple(patterns),
    )


def inverted_index(table: Table) -> str | None:
    """GSI1 (hash SK, range PK) when the table has it."""
    spec = table.spec
    for idx in spec.indexes:
        if idx.hash_key == spec.sk and idx.range_key == spec.pk:
            return idx.name
    return None


def entities(table: Table) -> list[EntityInfo]:
    inverted = inverted_index(table)
    return [entity_info(cls, inverted) for cls in table.entities]


def patterns(table: Table) -> dict[str, Pattern]:
    return {p.id: p for info in entities(table) for p in info.patterns}


@dataclass(frozen=True, slots=True)
class Sample:
    """Item counts per entity in the first ``scanned`` items of a Scan, scaled to the table's ItemCount."""

    counts: dict[str, int]
    scanned: int
    item_count: int | None
    complete: bool

    def estimate(self, n: int) -> int:
        if self.complete or not self.item_count or not self.scanned:
            return n
        return round(n * self.item_count / self.scanned)


def sample_counts(table: Table, limit: int = 1000) -> Sample:
    """One bounded Scan (``limit`` items at most, recorded in the ledger as "ui: sampled scan")."""
    client = table.client
    counts: Counter[str] = Counter()
    scan = table.scan(pattern="ui: sampled scan")
    scan.raw_items = True  # plain items: recognised below, foreign ones counted too
    scan.limit = limit
    scanned = 0
    for item in scan:
        scanned += 1
        found = table.recognise(item)
        counts[type(found).entity_name() if isinstance(found, Entity) else _foreign_name(item)] += 1
    item_count: int | None = None
    if client is not None:
        desc = client.describe_table(TableName=table.name)["Table"]
        item_count = desc.get("ItemCount")
    return Sample(dict(counts.most_common()), scanned, item_count, complete=scan.cursor is None)


def _foreign_name(item: dict[str, Any]) -> str:
    marker = item.get(ENTITY_ATTRIBUTE)
    return f"{FOREIGN}: _type {marker}" if isinstance(marker, str) else FOREIGN


def settings(table: Table) -> list[tuple[str, str]]:
    """The live table's settings, as DescribeTable and its companions report them."""
    client = table.client
    desc = client.describe_table(TableName=table.name)["Table"]
    keys = ", ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in desc.get("KeySchema", []))
    gsis = [
        f"{g['IndexName']}: "
        + ", ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in g.get("KeySchema", []))
        + f", projection {g.get('Projection', {}).get('ProjectionType', '?')}"
        for g in desc.get("GlobalSecondaryIndexes", [])
    ]
    billing = desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    rows = [
        ("table", str(desc.get("TableName"))),
        ("status", str(desc.get("TableStatus"))),
        ("keys", keys),
        ("indexes", "; ".join(gsis) or "none"),
        ("billing mode", str(billing)),
        ("items (DescribeTable, updated about every 6 hours on AWS)", str(desc.get("ItemCount", "?"))),
        ("size", f"{desc.get('TableSizeBytes', 0):,} bytes"),
        ("deletion protection", "on" if desc.get("DeletionProtectionEnabled") else "off"),
        ("stream", str(desc.get("StreamSpecification", {}).get("StreamViewType", "off"))),
    ]
    try:
        ttl = client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
        rows.append(("TTL", f"{ttl.get('TimeToLiveStatus', '?')} {ttl.get('AttributeName', '')}".strip()))
    except Exception as exc:  # an engine without the call: say so, do not fail the page
        rows.append(("TTL", f"unknown ({type(exc).__name__})"))
    return rows


def drift(table: Table) -> list[Drift]:
    """What ``singletable doctor`` would report against the table's spec (the module's defaults)."""
    return table.spec.verify(table.client, strict=True)
