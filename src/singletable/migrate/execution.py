"""The execution of one migration's run: its run record (resumed when a run was interrupted), then a
backfill as a paced parallel scan over segment threads, or a function migration; its report.

A backfill's segments each rewrite their items conditionally and checkpoint after every page; a run
that was killed is resumed from its checkpoints, with the split of its first attempt.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from singletable.batch import Backoff
from singletable.errors import MigrationSourceError
from singletable.migrate.backfills import Backfill
from singletable.migrate.calls import HasTransport
from singletable.migrate.lease import Lease
from singletable.migrate.ledger import Direction, Ledger, RunRecord, SegmentCheckpoint
from singletable.migrate.pacing import Pacer, watching
from singletable.migrate.planning import on_demand_cost
from singletable.migrate.reports import Progress, RunReport
from singletable.migrate.segments import Segment, Tally
from singletable.migrate.source import Context, Migration, describe, is_backfill

log = logging.getLogger("singletable")


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: segments (threads) and scan page size of a backfill, its capacity budget, whether to
    write at all, where progress goes."""

    segments: int = 4
    page_size: int = 100
    wcu_per_second: float | None = None
    rcu_per_second: float | None = None
    dry_run: bool = False
    progress: Progress | None = None


class Execution:
    """Runs migrations one at a time over ``table``, recording each run in ``ledger``."""

    def __init__(self, table: HasTransport, ledger: Ledger, backoff: Backoff) -> None:
        self.table, self.ledger, self.backoff = table, ledger, backoff

    def run(
        self, m: Migration, direction: Direction, options: RunOptions, lease: Lease | None = None
    ) -> RunReport:
        """Run ``m`` in ``direction`` (resuming an interrupted run of it); ``lease`` is the lock held."""
        step = m.up if direction == "up" else m.down
        assert step is not None
        segments, dry_run = options.segments, options.dry_run
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
            pacer = Pacer(options.wcu_per_second, options.rcu_per_second)
            with watching(pacer, self.table.transport):
                tally = self._backfill(m, direction, step, segments, pacer, ckpts, options, lease)
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
        report.cost = on_demand_cost(report.write_units, report.read_units)
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
        pacer: Pacer,
        ckpts: dict[int, SegmentCheckpoint],
        options: RunOptions,
        lease: Lease | None,
    ) -> Tally:
        tally, stop = Tally(), threading.Event()
        progress = options.progress
        if progress is not None:
            progress.start(f"{m.label} {direction}", item_count(self.table))
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
                page_size=options.page_size,
                dry_run=options.dry_run,
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


def item_count(table: HasTransport) -> int | None:
    """The table's approximate item count (DescribeTable), for a progress bar; None when unknown."""
    client = getattr(table, "client", None)
    if client is None:
        return None
    try:
        count = client.describe_table(TableName=table.schema.name)["Table"].get("ItemCount")
    except Exception:
        return None
    return int(count) if count else None
