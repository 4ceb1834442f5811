"""The workload the planner costs: access patterns, a traffic shape, storage and provisioning settings.

Workload files are TOML or JSON (no YAML dependency). Every pattern's request rate is the rate at
traffic factor 1; the traffic shape gives the factor minute by minute over a billing month. Item
sizes turn into capacity units through :mod:`singletable.capacity`, the rules the data layer uses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from singletable import capacity
from singletable.capacity import CapacityRecord, GsiChange
from singletable.cost.pricing import TableClass

KB = 1024


class WorkloadError(ValueError):
    """A workload file that cannot be used; the message names the field and the fix."""


class AccessPattern(BaseModel):
    """One access pattern: e.g. "get profile 200/s 1 KB eventual" or "create order 20/s 1.2 KB
    transactional, 1 GSI"."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    kind: Literal["read", "write"] | None = None
    rate: float = Field(gt=0, description="requests per second at traffic factor 1")
    item_kb: float = Field(default=1.0, gt=0, le=400)
    items: int = Field(default=1, ge=1, le=10_000, description="items per request (batch or query page)")
    consistency: Literal["eventual", "strong"] = "eventual"
    transactional: bool = False
    query: bool = Field(default=False, description="Query/Scan: the summed size is rounded up once")
    gsi: int = Field(default=0, ge=0, le=20, description="global secondary indexes each write touches")
    gsi_change: GsiChange = "insert"
    gsi_projected_kb: float | None = Field(default=None, gt=0, le=400)
    read_units: float | None = Field(default=None, ge=0, description="measured RCUs per request")
    write_units: float | None = Field(default=None, ge=0, description="measured WCUs per request")

    @model_validator(mode="after")
    def _kind_or_units(self) -> AccessPattern:
        if self.kind is None and self.read_units is None and self.write_units is None:
            raise ValueError(
                "give kind = 'read' or 'write' (or measured read_units / write_units per request)"
            )
        return self

    @property
    def item_bytes(self) -> int:
        return round(self.item_kb * KB)

    def rcu_per_request(self) -> float:
        """Read units one request consumes (capacity rules shared with the data layer)."""
        if self.read_units is not None or self.write_units is not None:
            return self.read_units or 0.0
        if self.kind != "read":
            return 0.0
        consistency: capacity.Consistency = "transactional" if self.transactional else self.consistency
        sizes = [self.item_bytes] * self.items
        if self.query:
            return capacity.query_read_units(sizes, consistency)
        return capacity.batch_read_units(sizes, consistency)

    def wcu_per_request(self) -> float:
        """Write units one request consumes, GSI writes included."""
        if self.read_units is not None or self.write_units is not None:
            return self.write_units or 0.0
        if self.kind != "write":
            return 0.0
        base = capacity.write_units(self.item_bytes, transactional=self.transactional)
        projected = round((self.gsi_projected_kb or self.item_kb) * KB)
        index = self.gsi * capacity.gsi_write_units(projected, self.gsi_change)
        return (base + index) * self.items


class Burst(BaseModel):
    """A recurring spike: ``factor`` times the base rate for ``duration_minutes``."""

    model_config = ConfigDict(extra="forbid")

    every_hours: float = Field(default=24.0, gt=0)
    start_minute: int = Field(default=0, ge=0, description="minutes after 00:00 UTC of the first day")
    duration_minutes: int = Field(gt=0)
    factor: float = Field(gt=0)


class Traffic(BaseModel):
    """How the rate varies: steady, a daily curve, or a CSV profile; bursts on top of any of them."""

    model_config = ConfigDict(extra="forbid")

    shape: Literal["steady", "daily", "csv"] = "steady"
    peak: float = Field(default=1.0, gt=0, description="daily: factor at the busiest hour")
    trough: float = Field(default=0.3, ge=0, description="daily: factor at the quietest hour")
    peak_hour_utc: float = Field(default=14.0, ge=0, lt=24)
    csv: str | None = Field(default=None, description="csv: path, relative to the workload file")
    resolution: Literal["minute", "hour"] | None = None
    bursts: list[Burst] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Traffic:
        if self.shape == "csv" and not self.csv:
            raise ValueError("shape = 'csv' needs csv = 'path/to/profile.csv'")
        if self.shape == "daily" and self.trough > self.peak:
            raise ValueError("daily: trough must not exceed peak")
        return self


class Storage(BaseModel):
    """Table size (base table plus indexes), growth and the share of new data TTL expires."""

    model_config = ConfigDict(extra="forbid")

    gb: float = Field(default=0.0, ge=0)
    growth_gb_per_month: float = Field(default=0.0, ge=0)
    ttl_fraction: float = Field(default=0.0, ge=0, le=1, description="share of new data expired by TTL")
    item_kb: float = Field(default=1.0, gt=0, le=400, description="average size of an expiring item")
    gsi: int = Field(default=0, ge=0, le=20, description="indexes an expiring item is in")
    pitr: bool = False


class Extras(BaseModel):
    """What a table costs beside its own reads, writes and storage (all off by default)."""

    model_config = ConfigDict(extra="forbid")

    replica_regions: int = Field(default=0, ge=0, le=20, description="global table replicas in other regions")
    backup_gb: float = Field(default=0.0, ge=0, description="on-demand backups kept, GB-month")
    stream_reads_per_s: float = Field(
        default=0.0, ge=0, description="DynamoDB Streams GetRecords calls/s (not Lambda's: those are free)"
    )
    free_tier: bool = Field(default=False, description="the account's 25 WCU + 25 RCU provisioned free tier")


class Provisioned(BaseModel):
    """Settings for the provisioned models."""

    model_config = ConfigDict(extra="forbid")

    headroom: float = Field(default=0.2, ge=0, le=10, description="fixed mode: provision peak x (1+headroom)")
    target_utilisation: float = Field(default=70.0, ge=20, le=90, description="autoscaling target, percent")
    min_rcu: int = Field(default=1, ge=1)
    max_rcu: int = Field(default=40_000, ge=1)
    min_wcu: int = Field(default=1, ge=1)
    max_wcu: int = Field(default=40_000, ge=1)
    burst_seconds: int = Field(default=300, ge=0, le=300)
    scale_delay_minutes: int = Field(
        default=2, ge=0, le=60, description="minutes an autoscaling UpdateTable takes to complete"
    )

    @model_validator(mode="after")
    def _bounds(self) -> Provisioned:
        if self.min_rcu > self.max_rcu or self.min_wcu > self.max_wcu:
            raise ValueError("min_rcu/min_wcu must not exceed max_rcu/max_wcu")
        return self


class OneOffLoad(BaseModel):
    """Traffic that happens once (a bulk load, a backfill): costed apart, never as a monthly rate."""

    model_config = ConfigDict(extra="forbid")

    name: str
    calls: int = Field(ge=0)
    read_units: float = Field(default=0.0, ge=0)
    write_units: float = Field(default=0.0, ge=0)


class Period(BaseModel):
    """The billing period: ``hours`` (720, 730, 744...) or a date range (``start`` to ``end``, 00:00 UTC)."""

    model_config = ConfigDict(extra="forbid")

    hours: float | None = Field(default=None, gt=0, le=24 * 366)
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Period:
        if (self.hours is None) == (self.start is None or self.end is None):
            raise ValueError("give hours = 720 (or 730, ...) or start and end dates, not both")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self

    def total_hours(self) -> float:
        if self.hours is not None:
            return self.hours
        assert self.start is not None and self.end is not None
        return (self.end - self.start).days * 24.0

    def label(self) -> str:
        if self.start is not None and self.end is not None:
            return f"{self.start.isoformat()} to {self.end.isoformat()} ({self.total_hours():g} h)"
        return f"{self.total_hours():g} h"


class Workload(BaseModel):
    """Everything the planner needs to cost one table for one month."""

    model_config = ConfigDict(extra="forbid")

    name: str = "workload"
    description: str = ""
    region: str = "us-east-1"
    table_class: TableClass = "standard"
    patterns: list[AccessPattern] = Field(min_length=1)
    traffic: Traffic = Field(default_factory=Traffic)
    storage: Storage = Field(default_factory=Storage)
    provisioned: Provisioned = Field(default_factory=Provisioned)
    extras: Extras = Field(default_factory=Extras)
    period: Period | None = Field(default=None, description="the billing period; default AWS's month, 730 h")
    one_off: list[OneOffLoad] = Field(default_factory=list, description="one-time loads, costed apart")
    base_dir: str = Field(default=".", exclude=True, description="where relative CSV paths start")

    def base_rcu(self) -> float:
        """RCU/s at traffic factor 1."""
        return sum(p.rate * p.rcu_per_request() for p in self.patterns)

    def base_wcu(self) -> float:
        """WCU/s at traffic factor 1."""
        return sum(p.rate * p.wcu_per_request() for p in self.patterns)

    def base_read_rps(self) -> float:
        return sum(p.rate for p in self.patterns if p.rcu_per_request() > 0)

    def base_write_rps(self) -> float:
        return sum(p.rate for p in self.patterns if p.wcu_per_request() > 0)


# -- errors --------------------------------------------------------------------------------------
_FIXES: dict[str, str] = {
    "missing": "add this field",
    "extra_forbidden": "remove it or check its spelling",
    "greater_than": "use a number greater than {gt}",
    "greater_than_equal": "use a number of at least {ge}",
    "less_than": "use a number below {lt}",
    "less_than_equal": "use a number of at most {le}",
    "literal_error": "use one of {expected}",
    "float_parsing": "use a number",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "bool_parsing": "use true or false",
    "string_type": "use a quoted string",
    "too_short": "give at least {min_length}",
    "list_type": "use a list ([[patterns]] tables in TOML, an array in JSON)",
    "model_type": "use a table/object",
    "value_error": "",
}


def format_validation_error(err: ValidationError, source: str) -> list[str]:
    """One line per problem: the file, the field path, what is wrong and how to fix it."""
    lines = []
    for e in err.errors():
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in e["loc"]).replace(".[", "[")
        ctx = {k: v for k, v in (e.get("ctx") or {}).items()}
        msg = e["msg"].removeprefix("Value error, ")
        fix = _FIXES.get(e["type"], "")
        with contextlib.suppress(KeyError, IndexError):
            fix = fix.format(**ctx)
        got = "" if e["type"] in ("missing", "value_error") else f" (got {e.get('input')!r})"
        where = f"{loc}: " if loc else ""
        lines.append(f"{source}: {where}{msg}{got}" + (f" — fix: {fix}" if fix else ""))
    return lines


def parse_workload(data: dict[str, Any], source: str = "workload", base_dir: str = ".") -> Workload:
    """Validate a workload mapping; raise :class:`WorkloadError` with one line per problem."""
    try:
        workload = Workload.model_validate(data)
    except ValidationError as err:
        raise WorkloadError("\n".join(format_validation_error(err, source))) from None
    workload.base_dir = base_dir
    return workload


def load_workload(path: str | Path) -> Workload:
    """Read a ``.toml`` or ``.json`` workload file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise WorkloadError(f"{p}: cannot read ({exc.strerror}) — fix: check the path") from None
    try:
        data = tomllib.loads(raw.decode("utf-8")) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        kind = "TOML" if p.suffix.lower() == ".toml" else "JSON"
        raise WorkloadError(f"{p}: not valid {kind}: {exc} — fix: correct the syntax") from None
    if not isinstance(data, dict):
        raise WorkloadError(f"{p}: the top level must be a table/object — fix: wrap the fields in {{}}")
    return parse_workload(data, str(p), str(p.parent))


# -- measured traffic ----------------------------------------------------------------------------
ONE_OFF_WORDS = ("bulk", "seed", "backfill", "migrat", "import")
"""A recorded pattern whose name holds one of these is a one-off load, not steady traffic."""
SHORT_WINDOW_SECONDS = 60.0


def is_one_off(pattern: str, one_off: Iterable[str] | None = None) -> bool:
    """Is ``pattern`` a one-off load: named in ``one_off``, or (when that is None) by its name."""
    if one_off is not None:
        return pattern in set(one_off)
    lowered = pattern.lower()
    return any(word in lowered for word in ONE_OFF_WORDS)


def measured_rates(
    records: Iterable[CapacityRecord],
    *,
    window_seconds: float | None = None,
    one_off: Iterable[str] | None = None,
) -> tuple[dict[str, list[CapacityRecord]], dict[str, list[CapacityRecord]], float, bool]:
    """Split recorded calls into steady patterns and one-off loads, and the window their rates use:
    ``window_seconds`` when stated, else the steady calls' own span (at least 1 s). Returns (steady,
    one-off, window, window_stated)."""
    names = list(one_off) if one_off is not None else None
    steady: dict[str, list[CapacityRecord]] = {}
    once: dict[str, list[CapacityRecord]] = {}
    for r in records:
        key = r.pattern or r.operation
        (once if is_one_off(key, names) else steady).setdefault(key, []).append(r)
    if window_seconds is not None:
        if not (window_seconds > 0 and window_seconds < float("inf")):
            raise WorkloadError(
                f"window must be a positive number of seconds (got {window_seconds}) — fix: pass --window 3600"
            )
        return steady, once, window_seconds, True
    ats = [r.at for group in steady.values() for r in group]
    span = max(ats) - min(ats) if ats else 0.0
    return steady, once, max(1.0, span), False


def workload_from_records(
    records: Iterable[CapacityRecord],
    *,
    scale: float = 1.0,
    name: str = "measured",
    region: str = "us-east-1",
    window_seconds: float | None = None,
    one_off: Iterable[str] | None = None,
) -> Workload:
    """Turn a consumed-capacity ledger into a steady workload: one pattern per recorded pattern.

    Each steady pattern's rate is its calls over the window (``window_seconds`` when stated, else its
    calls' own span, at least one second) times ``scale``; its units per request are the mean of what
    the size rules recorded. One-off loads (``one_off`` names them; by default a pattern named like a
    bulk load, seed, backfill, migration or import) are kept apart in ``Workload.one_off``, so a demo's
    bulk load is never read as steady traffic.
    """
    recs = list(records)
    if not recs:
        raise WorkloadError("the ledger has no records — fix: run some traffic (e.g. singletable demo)")
    if not (scale > 0 and scale < float("inf")):
        raise WorkloadError(f"scale must be greater than 0 (got {scale}) — fix: pass --scale 1 or more")
    steady, once, window, stated = measured_rates(recs, window_seconds=window_seconds, one_off=one_off)
    if not steady:
        raise WorkloadError(
            f"the ledger holds only one-off loads ({', '.join(sorted(once))}) — fix: record steady traffic, "
            "or name the one-off patterns with --one-off"
        )
    patterns = []
    for key, group in sorted(steady.items()):
        calls = len(group)
        patterns.append(
            AccessPattern(
                name=key,
                rate=calls / window * scale,
                read_units=sum(r.read_units for r in group) / calls,
                write_units=sum(r.write_units for r in group) / calls,
            )
        )
    loads = [
        OneOffLoad(
            name=key,
            calls=round(len(group) * scale),
            read_units=sum(r.read_units for r in group) * scale,
            write_units=sum(r.write_units for r in group) * scale,
        )
        for key, group in sorted(once.items())
    ]
    calls = sum(len(g) for g in steady.values())
    how = "stated window" if stated else "their own span"
    text = f"measured: {calls} steady calls over {window:,.1f} s ({how}), scaled x{scale:g}"
    if loads:
        text += f"; one-off loads apart: {', '.join(f'{x.name} ({x.calls:,} calls)' for x in loads)}"
    if not stated and window < SHORT_WINDOW_SECONDS:
        text += f"; WARNING: a {window:.1f} s run is no steady rate — state --window SECONDS"
    return Workload(name=name, description=text, region=region, patterns=patterns, one_off=loads)
