"""Cost per access pattern, from the code: the rates a user states (or the ledger measures) for each
pattern, item sizes from the entities, index writes from the table's indexes and projections.

A rates file (TOML or JSON) names each pattern's operation and entity and its requests per second::

    name = "demo"
    [item_bytes]            # optional: declared or sampled sizes; otherwise estimated from the fields
    User = 180

    [[patterns]]
    name = "get profile"
    op = "get"
    entity = "User"
    per_s = 200

    [[patterns]]
    name = "create order"
    op = "transaction"
    writes = ["Order", "UserOrder"]
    per_s = 20

Every figure uses :mod:`singletable.capacity` (the rules the data layer records with): a write costs
1 WCU per started KB, doubled in a transaction; each index the item is in costs one standard write of
its entry (projected size); a read 1 RCU per started 4 KB strongly consistent, half eventually
consistent; a Query rounds the summed size of its page up once; index reads are eventually consistent.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from singletable import capacity
from singletable.cost.pricing import PriceBook, RegionPricing, TableClass
from singletable.cost.workload import (
    AccessPattern,
    Extras,
    Period,
    Provisioned,
    Storage,
    Traffic,
    Workload,
    WorkloadError,
    format_validation_error,
)
from singletable.errors import RatesFileError
from singletable.lint.sizing import estimate_item_size, estimate_projected_size
from singletable.model import Entity
from singletable.schema import Schema

Op = Literal["get", "batch_get", "query", "put", "batch_write", "update", "delete", "transaction"]
_READ_OPS = ("get", "batch_get", "query")


class PatternRate(BaseModel):
    """One access pattern of the rates file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    op: Op
    entity: str | None = None
    writes: list[str] = Field(default_factory=list, description="transaction: the entities it puts")
    per_s: float | None = Field(default=None, ge=0, description="requests per second; None: measured")
    items: int = Field(default=1, ge=1, le=10_000, description="items per request (query page, batch)")
    consistency: Literal["eventual", "strong"] = "eventual"
    index: str | None = Field(default=None, description="query: the index queried (None: the table)")

    @field_validator("per_s")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("per_s must be a finite number")
        return v

    @model_validator(mode="after")
    def _what(self) -> PatternRate:
        if self.op == "transaction":
            if not self.writes:
                raise ValueError("a transaction pattern needs writes = ['Entity', ...]")
        elif self.entity is None:
            raise ValueError(f"op = {self.op!r} needs entity = 'Entity'")
        return self


class Rates(BaseModel):
    """A rates file: patterns and their rates, optional sizes, and the planner's usual settings."""

    model_config = ConfigDict(extra="forbid")

    name: str = "access patterns"
    region: str = "us-east-1"
    table_class: TableClass = "standard"
    item_bytes: dict[str, int] = Field(default_factory=dict)
    patterns: list[PatternRate] = Field(min_length=1)
    traffic: Traffic = Field(default_factory=Traffic)
    storage: Storage = Field(default_factory=Storage)
    provisioned: Provisioned = Field(default_factory=Provisioned)
    extras: Extras = Field(default_factory=Extras)
    period: Period | None = None

    @field_validator("item_bytes")
    @classmethod
    def _sizes(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in v.items() if not 0 < n <= capacity.MAX_ITEM_BYTES]
        if bad:
            raise ValueError(f"item_bytes of {bad[0]} must be 1 to {capacity.MAX_ITEM_BYTES:,}")
        return v


def load_rates(path: str | Path) -> Rates:
    """Read a ``.toml`` or ``.json`` rates file (RatesFileError names the field and the fix)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if p.suffix.lower() == ".toml" else json.loads(raw)
    except OSError as exc:
        raise RatesFileError(
            f"{p}: cannot read ({exc.strerror})", field="rates", hint="check the path"
        ) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RatesFileError(
            f"{p}: not valid TOML/JSON: {exc}", field="rates", hint="correct the syntax"
        ) from None
    try:
        return Rates.model_validate(data)
    except ValidationError as err:
        raise RatesFileError("; ".join(format_validation_error(err, str(p))), field="rates") from None


@dataclass(frozen=True, slots=True)
class PatternCost:
    """One access pattern priced: units per request (table and index writes apart), per second, and
    its monthly on-demand bill; ``share`` is its part of the table's on-demand throughput bill."""

    name: str
    op: str
    entities: tuple[str, ...]
    per_s: float
    item_bytes: int
    rcu_per_request: float
    table_wcu_per_request: float
    index_wcu_per_request: float
    transactional: bool
    rcu_per_s: float
    wcu_per_s: float
    on_demand_usd_month: float
    share: float = 0.0

    @property
    def wcu_per_request(self) -> float:
        return self.table_wcu_per_request + self.index_wcu_per_request

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"wcu_per_request": self.wcu_per_request}


class PatternPricer:
    """Units of each operation on each entity of one table's design."""

    def __init__(self, schema: Schema, item_sizes: Mapping[str, int] | None = None) -> None:
        self.schema = schema
        self.sizes = dict(item_sizes or {})
        self.classes = {c.__name__: c for c in schema.entity_classes.values()} | dict(schema.entity_classes)

    def entity(self, name: str) -> type[Entity]:
        cls = self.classes.get(name)
        if cls is None:
            raise RatesFileError(
                f"no entity {name!r} in table {self.schema.name!r}",
                field="entity",
                hint=f"use one of {sorted({c.__name__ for c in self.schema.entity_classes.values()})}",
            )
        return cls

    def _own_attrs(self, cls: type[Entity]) -> dict[str, tuple[str, str | None]]:
        spec = self.schema.spec
        return {
            n: self.schema.index_attrs[n]
            for n in self.schema.index_templates(cls)
            if self.schema.index_attrs[n][0] not in (spec.pk, spec.sk)
        }

    def size(self, cls: type[Entity]) -> int:
        declared = self.sizes.get(cls.__name__) or self.sizes.get(cls.meta().name)
        return declared or estimate_item_size(cls, self._own_attrs(cls))

    def index_entries(self, cls: type[Entity]) -> list[tuple[str, int, str]]:
        """(index, projected bytes, projection) of every index a ``cls`` item is in."""
        size, own = self.size(cls), self._own_attrs(cls)
        out: list[tuple[str, int, str]] = []
        for name in self.schema.index_templates(cls):
            idx = self.schema.spec.index(name)
            out.append(
                (
                    name,
                    estimate_projected_size(cls, size, idx.projection, idx.non_key_attributes, own),
                    idx.projection,
                )
            )
        return out

    def units(self, rate: PatternRate) -> tuple[float, float, float, bool, int, tuple[str, ...]]:
        """(RCU, table WCU, index WCU) per request, transactional?, item bytes, entities."""
        if rate.op == "transaction":
            classes = [self.entity(n) for n in rate.writes]
            table = sum(capacity.write_units(self.size(c), transactional=True) for c in classes)
            index = sum(capacity.write_units(b) for c in classes for _, b, _ in self.index_entries(c))
            return 0.0, table, index, True, sum(self.size(c) for c in classes), tuple(rate.writes)
        assert rate.entity is not None
        cls = self.entity(rate.entity)
        size, n = self.size(cls), rate.items
        if rate.op in _READ_OPS:
            if rate.op == "query":
                read_size = size
                if rate.index is not None:
                    by_index = {i: b for i, b, _ in self.index_entries(cls)}
                    read_size = by_index.get(rate.index, size)
                consistency: capacity.Consistency = "eventual" if rate.index else rate.consistency
                rcu = capacity.query_read_units([read_size] * n, consistency)
            else:
                rcu = capacity.batch_read_units([size] * n, rate.consistency)
            return rcu, 0.0, 0.0, False, size, (cls.__name__,)
        entries = self.index_entries(cls)
        if rate.op == "update":
            # An update that keeps the keys changes projected attributes: ALL/INCLUDE entries are rewritten.
            entries = [e for e in entries if e[2] != "KEYS_ONLY"]
        table = capacity.write_units(size) * n
        index = sum(capacity.write_units(b) for _, b, _ in entries) * n
        return 0.0, table, index, False, size, (cls.__name__,)


def price_patterns(
    schema: Schema,
    rates: Rates,
    pricing: RegionPricing,
    *,
    hours: float,
    item_sizes: Mapping[str, int] | None = None,
    measured: Mapping[str, float] | None = None,
) -> list[PatternCost]:
    """Every pattern of ``rates`` priced on demand for ``hours`` (a billing month: 730). A pattern without
    ``per_s`` takes its rate from ``measured`` (pattern name -> requests/s, e.g. from the ledger)."""
    sizes = {**rates.item_bytes, **(item_sizes or {})}
    pricer = PatternPricer(schema, sizes)
    seconds = hours * 3600.0
    rru, wru = pricing.rru(rates.table_class), pricing.wru(rates.table_class)
    out: list[PatternCost] = []
    for rate in rates.patterns:
        per_s = rate.per_s if rate.per_s is not None else (measured or {}).get(rate.name)
        if per_s is None:
            raise RatesFileError(
                f"pattern {rate.name!r} states no per_s and the ledger has no calls of it",
                field="per_s",
                hint=f"state per_s for {rate.name!r}, or record it with pattern={rate.name!r}",
            )
        rcu, table_w, index_w, tx, size, names = pricer.units(rate)
        r_s, w_s = per_s * rcu, per_s * (table_w + index_w)
        usd = seconds * (r_s * rru + w_s * wru)
        out.append(
            PatternCost(rate.name, rate.op, names, per_s, size, rcu, table_w, index_w, tx, r_s, w_s, usd)
        )
    total = sum(p.on_demand_usd_month for p in out)
    return [
        PatternCost(**{**asdict(p), "share": p.on_demand_usd_month / total if total > 0 else 0.0})
        for p in out
    ]


def workload_of(rates: Rates, costs: list[PatternCost], book: PriceBook) -> Workload:
    """The table's workload: each priced pattern at its rate with its units per request."""
    patterns = [
        AccessPattern(name=c.name, rate=c.per_s, read_units=c.rcu_per_request, write_units=c.wcu_per_request)
        for c in costs
        if c.per_s > 0
    ]
    if not patterns:
        raise WorkloadError("every pattern's rate is 0 — fix: state per_s > 0 for at least one pattern")
    del book  # the month length comes from the price book inside plan()
    return Workload(
        name=rates.name,
        description=f"{len(patterns)} access patterns from the rates file, sizes from the entities",
        region=rates.region,
        table_class=rates.table_class,
        patterns=patterns,
        traffic=rates.traffic,
        storage=rates.storage,
        provisioned=rates.provisioned,
        extras=rates.extras,
        period=rates.period,
    )
