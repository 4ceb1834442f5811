"""The comparison as a rich table and a few lines of advice."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from singletable.cost.patterns import PatternCost
from singletable.cost.planner import Plan


def _money(x: float) -> str:
    return f"${0.0 if abs(x) < 0.005 else x:,.2f}"  # never "$-0.00"


def _pct(x: float) -> str:
    return "—" if abs(x) < 5e-4 else f"{x:+.0%}"


def render(plan: Plan, console: Console) -> None:
    """Print the comparison, the recommendation, TTL and table-class savings."""
    w = plan.workload
    peak_r, peak_w = max(plan.read_demand, default=0.0), max(plan.write_demand, default=0.0)
    console.print(
        f"[bold]{w.name}[/bold] — {w.region}, {plan.table_class.replace('_', '-')} table class, {plan.period}"
    )
    if w.description:
        console.print(f"  {w.description}")
    console.print(
        f"  demand: {w.base_rcu():,.1f} RCU/s and {w.base_wcu():,.1f} WCU/s at factor 1; "
        f"peak {peak_r:,.1f} RCU/s, {peak_w:,.1f} WCU/s"
    )
    table = Table(title="Monthly cost by capacity mode", title_justify="left")
    table.add_column("mode", no_wrap=True)
    table.add_column("monthly cost", justify="right")
    table.add_column("vs on-demand", justify="right")
    table.add_column("throttled", justify="right", no_wrap=True)
    table.add_column("capacity")
    for m in plan.modes:
        thr = (
            "—"
            if m.key == "on_demand"
            else (
                "0"
                if m.throttled_requests < 0.5
                else f"{m.throttled_requests:,.0f} req / {m.throttled_minutes:,} min"
            )
        )
        style = "bold green" if m is plan.recommended else None
        table.add_row(m.label, _money(m.total), _pct(plan.vs_on_demand(m)), thr, m.detail, style=style)
    console.print(table)
    console.print(
        f"  (each total includes storage{' and PITR' if w.storage.pitr else ''}: "
        f"{_money(plan.on_demand.storage)}/month)"
    )
    for m in plan.modes:
        if m.extras_detail:
            console.print(f"  {m.label} includes {_money(m.extras)} of extras: {m.extras_detail}")
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    for load in w.one_off:
        console.print(
            f"  one-off load {load.name!r}: {load.calls:,} calls, {load.write_units:,.0f} WCU and "
            f"{load.read_units:,.0f} RCU once (not in the monthly figures)"
        )
    if w.one_off:
        console.print(f"  one-off loads cost {_money(plan.one_off_usd)} once at on-demand prices")
    console.print("[bold]Recommendation[/bold]")
    for line in plan.recommendation.splitlines():
        console.print(f"  {line}")
    ttl = plan.ttl
    if ttl.get("expiring_gb_per_month", 0.0) > 0:
        console.print("[bold]TTL[/bold]")
        console.print(
            f"  {ttl['expiring_gb_per_month']:,.1f} GB/month expire by TTL "
            f"({ttl['expiring_items_per_month']:,.0f} items): deleting them yourself would cost "
            f"{_money(ttl['delete_usd_avoided_per_month'])}/month in write units; TTL deletes are free."
        )
        console.print(
            f"  Keeping them instead would add {_money(ttl['storage_usd_saved_month_1'])} in month 1 and "
            f"{_money(ttl['storage_usd_saved_month_12'])}/month by month 12 in storage."
        )
    tc = plan.table_classes
    if tc:
        other = "Standard-IA" if tc["switch_to"] == "standard_ia" else "Standard"
        saving = tc["saving_usd"]
        verdict = f"saves {_money(saving)}/month" if saving > 0.005 else f"costs {_money(-saving)}/month more"
        console.print("[bold]Table class[/bold]")
        console.print(
            f"  {tc['mode_label']}: Standard {_money(tc['standard_usd'])}, "
            f"Standard-IA {_money(tc['standard_ia_usd'])}"
            f" — switching to {other} {verdict} (IA: requests 125%, storage 40%, no reserved capacity)."
        )


def render_patterns(costs: Sequence[PatternCost], console: Console, *, hours: float) -> None:
    """The per-pattern table: units per request (table and index writes apart), per second, on-demand $."""
    table = Table(title=f"Cost per access pattern (on-demand, {hours:g} h)", title_justify="left")
    for col in (
        "pattern",
        "op",
        "entities",
        "req/s",
        "item B",
        "RCU/req",
        "WCU/req (table+index)",
        "RCU/s",
        "WCU/s",
        "$/month",
        "share",
    ):
        table.add_column(col, justify="left" if col in ("pattern", "op", "entities") else "right")
    for c in costs:
        table.add_row(
            c.name,
            c.op,
            ", ".join(c.entities),
            f"{c.per_s:,.4g}",
            f"{c.item_bytes:,}",
            f"{c.rcu_per_request:g}",
            f"{c.wcu_per_request:g} ({c.table_wcu_per_request:g}+{c.index_wcu_per_request:g})",
            f"{c.rcu_per_s:,.1f}",
            f"{c.wcu_per_s:,.1f}",
            _money(c.on_demand_usd_month),
            f"{c.share:.1%}",
        )
    console.print(table)
