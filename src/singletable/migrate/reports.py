"""What the runner reports: a migration's state, a run's figures, a verification; and where a run's
progress goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from singletable.migrate.ledger import Direction, RunRecord

State = Literal["pending", "applied", "interrupted", "edited", "missing"]


class Progress(Protocol):
    """Where a run reports how far it got (the CLI's rich bar is one)."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, items: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StatusLine:
    version: int
    name: str
    state: State
    description: str
    record: RunRecord | None = None


@dataclass(slots=True)
class RunReport:
    """What one migration's run did (or, in a dry run, would do)."""

    version: int
    name: str
    direction: Direction
    description: str
    dry_run: bool = False
    resumed: bool = False
    segments: int = 1
    scanned: int = 0
    changed: int = 0
    raced: int = 0
    changes: dict[str, int] = field(default_factory=dict)
    write_units: float = 0.0
    read_units: float = 0.0
    throttles: int = 0
    seconds: float = 0.0
    cost: float | None = None

    @property
    def items_per_second(self) -> float:
        return self.scanned / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        text = (
            f"{self.version:04d}_{self.name} {self.direction}: {self.scanned:,} items scanned, {verb} "
            f"{self.changed:,}, {self.raced:,} lost races re-read; {self.write_units:,.0f} WCU, "
            f"{self.read_units:,.0f} RCU in {self.seconds:.1f} s"
        )
        if self.cost is not None:
            text += f"; about ${self.cost:,.4f} on demand"
        return text


@dataclass(slots=True)
class VerifyReport:
    version: int
    name: str
    scanned: int
    pending: int

    @property
    def ok(self) -> bool:
        return self.pending == 0
