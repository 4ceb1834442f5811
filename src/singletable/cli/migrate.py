"""``singletable migrate status | plan | up | down | verify``: the migrations folder against a table."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable

from singletable.cli.options import (
    AttemptsOpt,
    DebugOpt,
    EndpointOpt,
    ProfileOpt,
    RegionOpt,
    Run,
    TableOpt,
    errors,
    note,
)
from singletable.errors import MigrationVerifyError

if TYPE_CHECKING:
    from singletable.migrate import Migrator, RunReport

migrate_app = typer.Typer(
    name="migrate",
    help="Migrations and backfills: numbered modules in a folder, tracked and locked in the table.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)

DirOpt = Annotated[
    Path,
    typer.Option(
        "--dir", "-d", envvar="SINGLETABLE_MIGRATIONS", help="The migrations folder (0001_name.py, ...)."
    ),
]
ToOpt = Annotated[int | None, typer.Option("--to", help="Stop at this migration number.", show_default=False)]
SegmentsOpt = Annotated[int, typer.Option("--segments", min=1, max=1000, help="Parallel scan segments.")]
WcuOpt = Annotated[
    float | None,
    typer.Option(
        "--wcu", min=0.1, help="Write budget, WCU per second (default: no limit).", show_default=False
    ),
]
RcuOpt = Annotated[
    float | None,
    typer.Option(
        "--rcu", min=0.1, help="Read budget, RCU per second (default: no limit).", show_default=False
    ),
]
DryOpt = Annotated[
    bool, typer.Option("--dry-run", help="Write nothing: report what would change and its capacity and cost.")
]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="If another runner holds the lock, wait for it instead of exiting.")
]
LeaseOpt = Annotated[
    float, typer.Option("--lease", min=1.0, help="Seconds the lock lease lasts without renewal.")
]


class _Bar:
    """The runner's progress as a rich bar with ETA, on stderr."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        self.progress.start()
        self.task = self.progress.add_task(label, total=total)

    def advance(self, items: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, items)

    def finish(self) -> None:
        self.progress.stop()


def _migrator(
    run: Run,
    folder: Path,
    table: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    max_attempts: int,
    lease: float = 30.0,
) -> Migrator:
    from singletable.migrate import Migrator
    from singletable.migrate.live import live_spec
    from singletable.table import Table

    conn = run.connect(table, endpoint_url, region, profile, max_attempts)
    client = conn.client()
    # Migration modules import the project's entities: resolve them from the current folder.
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    t = Table(live_spec(client, conn.table), client=client)
    return Migrator(t, folder, lease_seconds=lease)


def _print_reports(reports: list[RunReport]) -> None:
    if not reports:
        out.print("nothing to do: every migration is applied")
    for r in reports:
        out.print(r.summary(), markup=False)
        if r.changes:
            out.print(
                "  changes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r.changes.items())), markup=False
            )


@migrate_app.command("status")
def status(
    folder: DirOpt = Path("migrations"),
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Each migration and its state: pending, applied, interrupted (resumable), edited, missing.

    Example: singletable migrate status --dir migrations
    """
    with errors(debug) as run:
        m = _migrator(run, folder, table, endpoint_url, region, profile, max_attempts)
        grid = RichTable("#", "name", "state", "what", "finished", "items changed")
        for line in m.status():
            rec = line.record
            finished = (
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rec.finished_at))
                if rec and rec.finished_at
                else ""
            )
            grid.add_row(
                f"{line.version:04d}",
                line.name,
                line.state,
                line.description,
                finished,
                f"{rec.changed:,}" if rec else "",
            )
        out.print(grid)


@migrate_app.command("plan")
def plan(
    folder: DirOpt = Path("migrations"),
    to: ToOpt = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """The migrations `up` would run, in order (`up --dry-run` adds what they would change and cost).

    Example: singletable migrate plan --to 3
    """
    from singletable.migrate.source import describe

    with errors(debug) as run:
        m = _migrator(run, folder, table, endpoint_url, region, profile, max_attempts)
        todo = m.plan(to)
        if not todo:
            out.print("nothing to do: every migration is applied")
        for mig in todo:
            out.print(f"{mig.label}: {describe(mig.up)}", markup=False)


@migrate_app.command("up")
def up(
    folder: DirOpt = Path("migrations"),
    to: ToOpt = None,
    segments: SegmentsOpt = 4,
    wcu: WcuOpt = None,
    rcu: RcuOpt = None,
    dry_run: DryOpt = False,
    wait: WaitOpt = False,
    lease: LeaseOpt = 30.0,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Run the pending migrations (a killed run resumes from its checkpoints).

    Example: singletable migrate up --segments 4 --wcu 200
    """
    with errors(debug) as run:
        m = _migrator(run, folder, table, endpoint_url, region, profile, max_attempts, lease)
        reports = m.up(
            to,
            segments=segments,
            wcu_per_second=wcu,
            rcu_per_second=rcu,
            dry_run=dry_run,
            wait=wait,
            progress=_Bar() if progress else None,
        )
        if dry_run:
            note("dry run: nothing was written")
        _print_reports(reports)


@migrate_app.command("down")
def down(
    folder: DirOpt = Path("migrations"),
    to: Annotated[
        int | None,
        typer.Option(
            "--to",
            help="Revert every migration above this number (default: the last one).",
            show_default=False,
        ),
    ] = None,
    segments: SegmentsOpt = 4,
    wcu: WcuOpt = None,
    rcu: RcuOpt = None,
    dry_run: DryOpt = False,
    wait: WaitOpt = False,
    lease: LeaseOpt = 30.0,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Revert applied migrations (newest first) with their `down`.

    Example: singletable migrate down --to 2
    """
    with errors(debug) as run:
        m = _migrator(run, folder, table, endpoint_url, region, profile, max_attempts, lease)
        _print_reports(
            m.down(to, segments=segments, wcu_per_second=wcu, rcu_per_second=rcu, dry_run=dry_run, wait=wait)
        )


@migrate_app.command("verify")
def verify(
    folder: DirOpt = Path("migrations"),
    segments: SegmentsOpt = 4,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Check that every applied backfill left nothing to do (exit 1 naming the first that did).

    Example: singletable migrate verify --segments 8
    """
    with errors(debug) as run:
        m = _migrator(run, folder, table, endpoint_url, region, profile, max_attempts)
        reports = m.verify(segments=segments)
        for r in reports:
            out.print(
                f"{r.version:04d}_{r.name}: {r.scanned:,} items scanned, {r.pending:,} still to change"
                + (": ok" if r.ok else ""),
                markup=False,
            )
        bad = [r for r in reports if not r.ok]
        if bad:
            raise MigrationVerifyError(
                f"migration {bad[0].version:04d}_{bad[0].name}: {bad[0].pending:,} items still need it",
                pending=bad[0].pending,
                hint="run `singletable migrate up` again, or revert and re-apply that migration",
            )


def register(app: typer.Typer) -> None:
    """Add the migrate group."""
    app.add_typer(migrate_app)
