"""The migration runner: status, plan, up, down, verify, over a table and a folder of migrations.

    migrator = Migrator(table, "migrations")
    migrator.up(segments=4, wcu_per_second=200)

``up`` takes the table's migration lock (a lease, renewed by a heartbeat thread while the run goes on:
:mod:`~singletable.migrate.lease`), then runs each pending migration in order
(:mod:`~singletable.migrate.execution`). A backfill runs as a parallel scan over ``segments`` threads,
each rewriting its items conditionally and checkpointing after every page; a run that was killed is
resumed from its checkpoints by the next ``up`` (once the dead runner's lease has lapsed). What runs is
decided by :mod:`~singletable.migrate.planning`; what comes back is in :mod:`~singletable.migrate.reports`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from singletable.batch import Backoff
from singletable.errors import MigrationVerifyError
from singletable.migrate.calls import HasTransport
from singletable.migrate.execution import Execution, RunOptions
from singletable.migrate.lease import Lease, take_lock
from singletable.migrate.ledger import Direction, Ledger, default_owner
from singletable.migrate.planning import status_lines, to_apply, to_revert
from singletable.migrate.reports import Progress, RunReport, State, StatusLine, VerifyReport
from singletable.migrate.source import Migration, is_backfill, load

# The reports were defined here first: their old import path keeps working.
__all__ = ["Migrator", "Progress", "RunReport", "State", "StatusLine", "VerifyReport"]


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
        self.execution = Execution(table, self.ledger, self.backoff)

    # -- what is where ------------------------------------------------------------------------------------

    def status(self) -> list[StatusLine]:
        return status_lines(self.migrations, self.ledger.runs())

    def plan(self, target: int | None = None) -> list[Migration]:
        """The migrations ``up`` would run, in order (MigrationChecksumError if an applied one was edited)."""
        return to_apply(self.migrations, self.status(), target)

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
        options = RunOptions(segments, page_size, wcu_per_second, rcu_per_second, dry_run, progress)
        return self._run_all(self.plan(target), "up", options, wait=wait, wait_seconds=wait_seconds)

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
        todo = to_revert(self.migrations, self.status(), target)
        options = RunOptions(segments, page_size, wcu_per_second, rcu_per_second, dry_run, progress)
        return self._run_all(todo, "down", options, wait=wait, wait_seconds=wait_seconds)

    def _run_all(
        self,
        todo: list[Migration],
        direction: Direction,
        options: RunOptions,
        *,
        wait: bool,
        wait_seconds: float,
    ) -> list[RunReport]:
        """Run ``todo`` in order under the lock; a dry run (or nothing to do) takes no lock."""

        def run(lease: Lease | None) -> list[RunReport]:
            return [self.execution.run(m, direction, options, lease) for m in todo]

        if options.dry_run or not todo:
            return run(None)
        lock = take_lock(
            self.ledger,
            self.owner,
            self.lease_seconds,
            wait=wait,
            wait_seconds=wait_seconds,
            purpose=direction,
        )
        with lock as lease:
            return run(lease)

    def verify(self, *, segments: int = 4, strict: bool = False) -> list[VerifyReport]:
        """For each applied backfill, count the items it would still change (0 when the table is migrated)."""
        out: list[VerifyReport] = []
        options = RunOptions(segments=segments, page_size=500, dry_run=True)
        for line in self.status():
            m = next((x for x in self.migrations if x.version == line.version), None)
            if line.state != "applied" or m is None or not is_backfill(m.up):
                continue
            report = self.execution.run(m, "up", options)
            out.append(VerifyReport(m.version, m.name, report.scanned, report.changed))
        bad = [r for r in out if not r.ok]
        if strict and bad:
            raise MigrationVerifyError(
                f"migration {bad[0].version:04d}_{bad[0].name}: {bad[0].pending:,} items still need it",
                pending=bad[0].pending,
                hint="run `singletable migrate up` again, or re-run that migration (down, then up)",
            )
        return out
