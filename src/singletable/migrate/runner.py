"""The migration runner: status, plan, up, down, verify, over a table and a folder of migrations.

    migrator = Migrator(table, "migrations")
    migrator.up(segments=4, wcu_per_second=200)

``up`` takes the table's migration lock (a lease, renewed by a heartbeat thread while the run goes on),
then runs each pending migration in order. A backfill runs as a parallel scan over ``segments`` threads,
each rewriting its items conditionally and checkpointing after every page; a run that was killed is
resumed from its checkpoints by the next ``up`` (once the dead runner's lease has lapsed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from singletable.batch import Backoff
from singletable.errors import (
    MigrationChecksumError,
    MigrationIrreversibleError,
    MigrationLockedError,
    MigrationSourceError,
    MigrationVerifyError,
)
from singletable.migrate.backfills import Backfill
from singletable.migrate.calls import HasTransport
from singletable.migrate.ledger import Direction, Ledger, RunRecord, SegmentCheckpoint, default_owner
from singletable.migrate.pacing import Pacer, watching
from singletable.migrate.segments import Segment, Tally
from singletable.migrate.source import Context, Migration, describe, is_backfill, load

log = logging.getLogger("singletable")
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


class Migrator:
    """Runs the migrations of ``migrations`` (a folder, or Migration objects) against ``table``."""

    def __init__(
        self,
        table: HasTransport,
        migrations: str | Path | Sequence[Migration],
        *,
        owner: str | None = None,
        lease_seconds: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.table = table
        self.migrations = load(migrations) if isinstance(migrations, str | Path) else list(migrations)
        self.owner = owner or default_owner()
        self.lease_seconds = lease_seconds
        self.backoff = backoff or Backoff(base=0.05, cap=2.0, deadline=120.0)
        self.ledger = Ledger(table, backoff=self.backoff)

    # -- what is where ------------------------------------------------------------------------------------

    def status(self) -> list[StatusLine]:
        runs = self.ledger.runs()
        out: list[StatusLine] = []
        known = {m.version for m in self.migrations}
        for m in self.migrations:
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

    def plan(self, target: int | None = None) -> list[Migration]:
        """The migrations ``up`` would run, in order (MigrationChecksumError if an applied one was edited)."""
        lines = {s.version: s for s in self.status()}
        self._check_edits(lines.values())
        return [
            m
            for m in self.migrations
            if lines[m.version].state in ("pending", "interrupted")
            and (target is None or m.version <= target)
        ]

    def _check_edits(self, lines: Any) -> None:
        for line in lines:
            if line.state == "edited":
                raise MigrationChecksumError(
                    f"migration {line.version:04d}_{line.name} was {line.record.status} with checksum "
                    f"{line.record.checksum[:12]}, but its file now has another"
                )

    # -- running ------------------------------------------------------------------------------------------

    def up(
        self,
        target: int | None = None,
        *,
        segments: int = 4,
        page_size: int = 100,
        wcu_per_second: float | None = None,
        rcu_per_second: float | None = None,
        dry_run: bool = False,
        wait: bool = False,
        wait_seconds: float = 600.0,
        progress: Progress | None = None,
    ) -> list[RunReport]:
        """Run every pending migration (up to ``target``); a dry run writes nothing and takes no lock."""
        return self._run_all(
            self.plan(target),
            "up",
            wait=wait,
            wait_seconds=wait_seconds,
            segments=segments,
            page_size=page_size,
            wcu_per_second=wcu_per_second,
            rcu_per_second=rcu_per_second,
            dry_run=dry_run,
            progress=progress,
        )

    def down(
        self,
        target: int | None = None,
        *,
        segments: int = 4,
        page_size: int = 100,
        wcu_per_second: float | None = None,
        rcu_per_second: float | None = None,
        dry_run: bool = False,
        wait: bool = False,
        wait_seconds: float = 600.0,
        progress: Progress | None = None,
    ) -> list[RunReport]:
        """Revert applied migrations above ``target`` (default: the last one applied), newest first."""
        lines = self.status()
        self._check_edits(lines)
        # Applied ones, and a down that was interrupted (it resumes from its checkpoints).
        applied = [
            s
            for s in lines
            if s.state == "applied"
            or (s.state == "interrupted" and s.record and s.record.direction == "down")
        ]
        chosen = applied[-1:] if target is None else [s for s in applied if s.version > target]
        by_version = {m.version: m for m in self.migrations}
        todo = [by_version[s.version] for s in reversed(chosen)]
        for m in todo:
            if m.down is None:
                raise MigrationIrreversibleError(f"migration {m.label} defines no down")
        return self._run_all(
            todo,
            "down",
            wait=wait,
            wait_seconds=wait_seconds,
            segments=segments,
            page_size=page_size,
            wcu_per_second=wcu_per_second,
            rcu_per_second=rcu_per_second,
            dry_run=dry_run,
            progress=progress,
        )

    def _run_all(
        self,
        todo: list[Migration],
        direction: Direction,
        *,
        wait: bool,
        wait_seconds: float,
        segments: int,
        page_size: int,
        wcu_per_second: float | None,
        rcu_per_second: float | None,
        dry_run: bool,
        progress: Progress | None,
    ) -> list[RunReport]:
        """Run ``todo`` in order under the lock; a dry run (or nothing to do) takes no lock."""

        def run(lease: _Lease | None) -> list[RunReport]:
            return [
                self._run(
                    m,
                    direction,
                    segments=segments,
                    page_size=page_size,
                    wcu_per_second=wcu_per_second,
                    rcu_per_second=rcu_per_second,
                    dry_run=dry_run,
                    progress=progress,
                    lease=lease,
                )
                for m in todo
            ]

        if dry_run or not todo:
            return run(None)
        with self._locked(wait, wait_seconds, direction) as lease:
            return run(lease)

    def verify(self, *, segments: int = 4, strict: bool = False) -> list[VerifyReport]:
        """For each applied backfill, count the items it would still change (0 when the table is migrated)."""
        out: list[VerifyReport] = []
        for line in self.status():
            m = next((x for x in self.migrations if x.version == line.version), None)
            if line.state != "applied" or m is None or not is_backfill(m.up):
                continue
            report = self._run(m, "up", segments=segments, page_size=500, dry_run=True)
            out.append(VerifyReport(m.version, m.name, report.scanned, report.changed))
        bad = [r for r in out if not r.ok]
        if strict and bad:
            raise MigrationVerifyError(
                f"migration {bad[0].version:04d}_{bad[0].name}: {bad[0].pending:,} items still need it",
                pending=bad[0].pending,
                hint="run `singletable migrate up` again, or re-run that migration (down, then up)",
            )
        return out

    def _locked(self, wait: bool, wait_seconds: float, purpose: str) -> _Lease:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self.ledger.acquire(self.owner, self.lease_seconds, purpose)
                return _Lease(self.ledger, self.owner, self.lease_seconds)
            except MigrationLockedError as exc:
                if not wait or time.monotonic() >= deadline:
                    raise
                pause = min(max(0.2, exc.expires_at - time.time()), self.lease_seconds / 3, 5.0)
                log.info("migration lock held by %s; waiting %.1f s", exc.owner, pause)
                time.sleep(pause)

    def _run(
        self,
        m: Migration,
        direction: Direction,
        *,
        segments: int,
        page_size: int,
        wcu_per_second: float | None = None,
        rcu_per_second: float | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
        lease: _Lease | None = None,
    ) -> RunReport:
        step = m.up if direction == "up" else m.down
        assert step is not None
        if segments < 1:
            raise MigrationSourceError(
                "segments must be at least 1", field="segments", hint="pass segments=4"
            )
        report = RunReport(m.version, m.name, direction, describe(step), dry_run=dry_run, segments=segments)
        started = time.monotonic()
        rec: RunRecord | None = None
        ckpts: dict[int, SegmentCheckpoint] = {}
        if not dry_run:
            rec = self.ledger.runs().get(m.version)
            if rec is not None and rec.status == "running" and rec.direction == direction:
                rec.attempts += 1
                report.resumed = True
                report.segments = segments = rec.segments  # the split is fixed by the first attempt
                ckpts = self.ledger.checkpoints(m.version, direction)
            else:
                self.ledger.clear_checkpoints(m.version, direction)
                rec = RunRecord(
                    m.version, m.name, m.checksum, "running", direction, time.time(), segments=segments
                )
            rec.checksum = m.checksum
            self.ledger.save_run(rec)
        if is_backfill(step):
            # Every throttle the transport sees during the backfill slows it, those it retried itself too.
            with watching(Pacer(wcu_per_second, rcu_per_second), self.table.transport) as pacer:
                tally = self._backfill(
                    m, direction, step, segments, page_size, pacer, ckpts, dry_run, progress, lease
                )
            report.scanned, report.changed, report.raced = tally.scanned, tally.changed, tally.raced
            report.write_units, report.read_units, report.throttles = (
                tally.write_units,
                tally.read_units,
                pacer.throttles,
            )
            report.changes = dict(tally.changes)
            if ckpts and not dry_run:
                # Counts of the whole run, the attempts before a kill included.
                final = self.ledger.checkpoints(m.version, direction)
                report.scanned = sum(c.scanned for c in final.values())
                report.changed = sum(c.changed for c in final.values())
                report.raced = sum(c.raced for c in final.values())
        else:
            ctx = Context(self.table, dry_run=dry_run)
            result = step(ctx)
            if result is not None:
                # A generator migration: `for old in ctx.scan(Old): yield New(...)`; each entity is put.
                for entity in result:
                    ctx.put(entity)
            report.changed = ctx.written
        report.seconds = time.monotonic() - started
        report.cost = _cost(report.write_units, report.read_units)
        if rec is not None:
            rec.status = "completed" if direction == "up" else "reverted"
            rec.finished_at = time.time()
            rec.scanned, rec.changed, rec.raced = report.scanned, report.changed, report.raced
            self.ledger.save_run(rec)
            self.ledger.clear_checkpoints(m.version, direction)
        log.info("%s", report.summary())
        return report

    def _backfill(
        self,
        m: Migration,
        direction: Direction,
        step: Backfill,
        segments: int,
        page_size: int,
        pacer: Pacer,
        ckpts: dict[int, SegmentCheckpoint],
        dry_run: bool,
        progress: Progress | None,
        lease: _Lease | None,
    ) -> Tally:
        tally, stop = Tally(), threading.Event()
        if progress is not None:
            progress.start(f"{m.label} {direction}", _item_count(self.table))
        workers = [
            Segment(
                self.table,
                step,
                self.ledger,
                m.version,
                direction,
                ckpts.get(i) or SegmentCheckpoint(i),
                segments,
                pacer,
                tally,
                stop,
                self.backoff,
                page_size=page_size,
                dry_run=dry_run,
                progress=progress.advance if progress is not None else None,
            )
            for i in range(segments)
        ]
        if lease is not None:
            lease.stop = stop  # a lost lease stops the segments
        try:
            with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="migrate") as pool:
                futures = [pool.submit(w.run) for w in workers]
                errors: list[BaseException] = []
                for f in futures:
                    exc = f.exception()
                    if exc is not None:
                        stop.set()
                        errors.append(exc)
            if lease is not None and lease.error is not None:
                raise lease.error
            if errors:
                raise errors[0]
        finally:
            if progress is not None:
                progress.finish()
        return tally


class _Lease:
    """The lock held for a run, renewed by a heartbeat thread; a lost lease stops the run's segments."""

    def __init__(self, ledger: Ledger, owner: str, lease_seconds: float) -> None:
        self.ledger, self.owner, self.lease_seconds = ledger, owner, lease_seconds
        self.stop: threading.Event | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="migrate-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        if self.error is None:
            self.ledger.release(self.owner)

    def _beat(self) -> None:
        while not self._done.wait(self.lease_seconds / 3):
            try:
                self.ledger.renew(self.owner, self.lease_seconds)
            except Exception as exc:
                self.error = exc
                if self.stop is not None:
                    self.stop.set()
                return


def _item_count(table: HasTransport) -> int | None:
    client = getattr(table, "client", None)
    if client is None:
        return None
    try:
        count = client.describe_table(TableName=table.schema.name)["Table"].get("ItemCount")
    except Exception:
        return None
    return int(count) if count else None


def _cost(wcu: float, rcu: float, region: str = "us-east-1") -> float | None:
    """On-demand dollars for these units, from the cost planner's bundled prices."""
    try:
        from singletable.cost.pricing import load_pricing

        prices = load_pricing().region(region)
    except Exception:
        return None
    return wcu * prices.wru() + rcu * prices.rru()
