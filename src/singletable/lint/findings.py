"""What the lint reports: findings (code, severity, entity, index, numbers, fix) and where every
entity's writes land, as plain data that prints with rich and as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["warning", "info"]

WCU_PER_PARTITION = 1_000
"""Write units per second one partition serves (developer guide, "Designing partition keys")."""
RCU_PER_PARTITION = 3_000
"""Read units per second one partition serves (same page)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one entity's items go in the table or one index: the key templates, how many distinct
    partition key values they take, and the item's write cost there."""

    entity: str
    index: str
    """``table`` or an index name."""
    hash_template: str
    range_template: str | None
    partition_values: int | None
    """Distinct partition key values (None: unbounded, as spread as the application makes it)."""
    time_bucketed: bool
    item_bytes: int
    projected_bytes: int
    wcu_per_write: float


@dataclass(frozen=True, slots=True)
class Finding:
    """One risk (or notice) of the design, with the numbers behind it and the change that fixes it."""

    code: str
    severity: Severity
    entity: str | None
    index: str | None
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)
    fix: str = ""
    terraform: str | None = None
    """The Terraform module input that applies the fix, e.g. ``gsi1_key_mode = "sparse"``."""
    entity_change: str | None = None
    """The change to the entity declaration that applies the fix."""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LintReport:
    """The lint of one table's design."""

    table: str
    gsi1_mode: Literal["inverted", "sparse", "none"]
    placements: tuple[Placement, ...]
    findings: tuple[Finding, ...]

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "gsi1_mode": self.gsi1_mode,
            "limits": {"wcu_per_partition": WCU_PER_PARTITION, "rcu_per_partition": RCU_PER_PARTITION},
            "placements": [asdict(p) for p in self.placements],
            "findings": [f.to_dict() for f in self.findings],
        }
