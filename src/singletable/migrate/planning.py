"""What a run would do, before it does anything: each migration's state from the ledger's records, the
migrations ``up`` or ``down`` would run, and what a run's capacity costs on demand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from singletable.errors import MigrationChecksumError, MigrationIrreversibleError
from singletable.migrate.ledger import RunRecord
from singletable.migrate.reports import State, StatusLine
from singletable.migrate.source import Migration, describe


def status_lines(migrations: Sequence[Migration], runs: Mapping[int, RunRecord]) -> list[StatusLine]:
    """Each migration's state by its run record (and records whose file is gone), by version."""
    out: list[StatusLine] = []
    known = {m.version for m in migrations}
    for m in migrations:
        rec = runs.get(m.version)
        state: State = "pending"
        if rec is not None and rec.status in ("completed", "running", "failed"):
            if rec.checksum != m.checksum:
                state = "edited"
            elif rec.status == "completed":
                state = "applied"
            else:
                state = "interrupted"
        out.append(StatusLine(m.version, m.name, state, describe(m.up), rec))
    for version, rec in sorted(runs.items()):
        if version not in known and rec.status != "reverted":
            out.append(StatusLine(version, rec.name, "missing", "(no file)", rec))
    return sorted(out, key=lambda s: s.version)


def check_edits(lines: Iterable[StatusLine]) -> None:
    """MigrationChecksumError if a migration that ran was edited since."""
    for line in lines:
        if line.state == "edited":
            assert line.record is not None  # edited: compared with its record
            raise MigrationChecksumError(
                f"migration {line.version:04d}_{line.name} was {line.record.status} with checksum "
                f"{line.record.checksum[:12]}, but its file now has another"
            )


def to_apply(
    migrations: Sequence[Migration], lines: Sequence[StatusLine], target: int | None
) -> list[Migration]:
    """The migrations ``up`` runs (pending or interrupted, up to ``target``), in order."""
    check_edits(lines)
    by_version = {s.version: s for s in lines}
    return [
        m
        for m in migrations
        if by_version[m.version].state in ("pending", "interrupted")
        and (target is None or m.version <= target)
    ]


def to_revert(
    migrations: Sequence[Migration], lines: Sequence[StatusLine], target: int | None
) -> list[Migration]:
    """The migrations ``down`` reverts, newest first: those applied above ``target`` (default: the last one
    applied), and a down that was interrupted (it resumes from its checkpoints)."""
    check_edits(lines)
    applied = [
        s
        for s in lines
        if s.state == "applied" or (s.state == "interrupted" and s.record and s.record.direction == "down")
    ]
    chosen = applied[-1:] if target is None else [s for s in applied if s.version > target]
    by_version = {m.version: m for m in migrations}
    todo = [by_version[s.version] for s in reversed(chosen)]
    for m in todo:
        if m.down is None:
            raise MigrationIrreversibleError(f"migration {m.label} defines no down")
    return todo


def on_demand_cost(wcu: float, rcu: float, region: str = "us-east-1") -> float | None:
    """On-demand dollars for these units, from the cost planner's bundled prices (None without them)."""
    try:
        from singletable.cost.pricing import load_pricing

        prices = load_pricing().region(region)
    except Exception:
        return None
    return wcu * prices.wru() + rcu * prices.rru()
