"""The plan as a picture: demand against provisioned capacity over the month, and cost per mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from singletable.cost.planner import Plan

WIDTH_PX = 1200
HEIGHT_PX = 900
DPI = 100
ZOOM_MINUTES = 48 * 60


def _hourly_max(values: list[float] | list[int]) -> list[float]:
    return [float(max(values[h : h + 60])) for h in range(0, len(values), 60)]


def _zoom(throttled: list[float], n: int) -> tuple[int, int]:
    """Minutes to show in detail: an hour before to three after the first throttling, else two days."""
    first = next((m for m, t in enumerate(throttled) if t > 0), None)
    if first is None:
        return 0, min(n, ZOOM_MINUTES)
    lo = max(0, first - 60)
    return lo, min(n, lo + 240)


def _money_axis(x: float, _pos: object = None) -> str:
    """Dollars on the cost axis, in full with thousands separators (never matplotlib's ``1e6`` offset)."""
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f}M"
    return f"${x:,.0f}" if abs(x) >= 10 else f"${x:,.2f}"


def plot_plan(plan: Plan, path: str | Path) -> Path:
    """Write a ``WIDTH_PX`` x ``HEIGHT_PX`` PNG; needs matplotlib (``pip install singletable[cost]``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    fig = build_figure(plan)
    fig.savefig(out, dpi=DPI, format="png")
    plt.close(fig)
    return out


def build_figure(plan: Plan) -> Any:
    """The figure: per direction with traffic (a write-only workload gets no empty read panels), the
    whole period and a minute-by-minute zoom, each with a legend and units; then the cost per mode, in
    dollars, with the requests each throttling mode would throttle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig = plt.figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    series = [
        s
        for s in (
            ("reads", "RCU/s", plan.read_demand, plan.fixed_read, plan.auto_read),
            ("writes", "WCU/s", plan.write_demand, plan.fixed_write, plan.auto_write),
        )
        if max(s[2], default=0.0) > 0
    ] or [("writes", "WCU/s", plan.write_demand, plan.fixed_write, plan.auto_write)]
    grid = fig.add_gridspec(len(series) + 1, 2, width_ratios=(3, 2))
    for row, (title, unit, demand, fixed, auto) in enumerate(series):
        # left: the whole period, hourly maxima (what provisioned capacity is billed on)
        ax = fig.add_subplot(grid[row, 0])
        d_h = _hourly_max(demand)
        days = [h / 24.0 for h in range(len(d_h))]
        ax.step(
            days, _hourly_max(fixed.capacity), where="post", color="tab:orange", label="provisioned at peak"
        )
        ax.step(days, _hourly_max(auto.capacity), where="post", color="tab:green", label="autoscaled")
        ax.step(days, d_h, where="post", color="tab:blue", alpha=0.8, linewidth=0.8, label="demand")
        ax.set_title(f"{title}, whole period: hourly maximum", fontsize=10)
        ax.set_xlabel("day (UTC)", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.set_xlim(0, max(days[-1], 1.0) if days else 1.0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
        # right: minute by minute, around the first throttled minute (else the first two days)
        ax = fig.add_subplot(grid[row, 1])
        lo, hi = _zoom(auto.throttled, len(demand))
        hours = [m / 60.0 for m in range(lo, hi)]
        ax.step(hours, fixed.capacity[lo:hi], where="post", color="tab:orange", label="provisioned at peak")
        ax.step(hours, auto.capacity[lo:hi], where="post", color="tab:green", label="autoscaled")
        ax.fill_between(hours, demand[lo:hi], step="post", color="tab:blue", alpha=0.35, label="demand")
        thr = [h for h, t in zip(hours, auto.throttled[lo:hi], strict=True) if t > 0]
        if thr:
            top = max(demand[lo:hi], default=1.0)
            units = sum(auto.throttled[lo:hi])
            ax.scatter(
                thr,
                [top * 1.05] * len(thr),
                marker="|",
                color="tab:red",
                s=30,
                label=f"throttled ({units:,.0f} {unit.split('/')[0]} in {len(thr)} min)",
            )
        ax.set_title(f"{title}, minute by minute", fontsize=10)
        ax.set_xlabel("hour (UTC)", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        if hours:
            ax.set_xlim(hours[0], max(hours[-1], hours[0] + 1 / 60))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
    ax = fig.add_subplot(grid[len(series), :])
    labels = [m.label for m in plan.modes]
    totals = [m.total for m in plan.modes]
    colors = [
        "tab:green" if m is plan.recommended else ("tab:red" if m.throttled_requests >= 0.5 else "tab:gray")
        for m in plan.modes
    ]
    bars = ax.barh(labels, totals, color=colors)
    ax.invert_yaxis()
    texts = [
        f"${m.total:,.2f}"
        + (f", throttles {m.throttled_requests:,.0f} requests" if m.throttled_requests >= 0.5 else "")
        for m in plan.modes
    ]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
    ax.set_xlim(0, max(totals, default=1.0) * 1.45 or 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(_money_axis))
    ax.set_xlabel(f"USD for {plan.period}", fontsize=8)
    ax.set_title("cost per mode (green: recommended, red: throttles)", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(
        f"{plan.workload.name}: {plan.workload.region}, {plan.table_class}, {plan.period}", fontsize=12
    )
    fig.tight_layout()
    return fig
