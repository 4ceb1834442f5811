"""The lint report printed with rich: where each entity's writes land, then each finding and its fix."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from singletable.lint.findings import LintReport

_STYLE = {"warning": "yellow", "info": "cyan"}


def render(report: LintReport, console: Console) -> None:
    console.print(
        f"[bold]singletable lint[/] table [cyan]{escape(report.table)}[/] (GSI1: {report.gsi1_mode})"
    )
    grid = RichTable(title="Where each entity's writes land", title_justify="left")
    for col in (
        "entity",
        "index",
        "partition key",
        "sort key",
        "key values",
        "item B",
        "entry B",
        "WCU/write",
    ):
        grid.add_column(col, justify="right" if col in ("item B", "entry B", "WCU/write") else "left")
    for p in report.placements:
        values = "unbounded" if p.partition_values is None else f"{p.partition_values:,}"
        if p.time_bucketed:
            values = "1 per time bucket"
        grid.add_row(
            p.entity,
            p.index,
            escape(p.hash_template),
            escape(p.range_template or "-"),
            values,
            f"{p.item_bytes:,}",
            f"{p.projected_bytes:,}",
            f"{p.wcu_per_write:g}",
        )
    console.print(grid)
    if not report.findings:
        console.print("[green]no hot partitions found[/]")
    for f in report.findings:
        style = _STYLE.get(f.severity, "white")
        where = "/".join(x for x in (f.entity, f.index) if x)
        console.print(f"[{style}]{f.code} {f.severity}[/] [bold]{escape(where)}[/]: {escape(f.message)}")
        if f.note:
            console.print(f"  [dim]{escape(f.note)}[/]")
        if f.fix:
            console.print(f"  fix: {escape(f.fix)}")
        if f.terraform:
            console.print(f"  terraform: [green]{escape(f.terraform)}[/]")
        if f.entity_change:
            console.print(f"  entities: [green]{escape(f.entity_change)}[/]")
    warnings = len(report.warnings())
    console.print(f"{warnings} warning(s), {len(report.findings) - warnings} notice(s)")
