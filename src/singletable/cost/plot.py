"""The plan as a picture: demand against provisioned capacity over the month, and cost per mode."""

from __future__ import annotations

from pathlib import Path

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


def plot_plan(plan: Plan, path: str | Path) -> Path:
    """Write a ``WIDTH_PX`` x ``HEIGHT_PX`` PNG; needs matplotlib (``pip install singletable[cost]``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    fig = plt.figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    grid = fig.add_gridspec(3, 2, width_ratios=(3, 2))
    series = (
        ("reads (RCU/s)", plan.read_demand, plan.fixed_read, plan.auto_read),
        ("writes (WCU/s)", plan.write_demand, plan.fixed_write, plan.auto_write),
    )
    for row, (title, demand, fixed, auto) in enumerate(series):
        # left: the whole month, hourly maxima (what provisioned capacity is billed on)
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
        ax.set_xlim(0, max(days[-1], 1.0) if days else 1.0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
        # right: minute by minute, around the first throttled minute (else the first two days)
        ax = fig.add_subplot(grid[row, 1])
        lo, hi = _zoom(auto.throttled, len(demand))
        hours = [m / 60.0 for m in range(lo, hi)]
        ax.step(hours, fixed.capacity[lo:hi], where="post", color="tab:orange")
        ax.step(hours, auto.capacity[lo:hi], where="post", color="tab:green")
        ax.fill_between(hours, demand[lo:hi], step="post", color="tab:blue", alpha=0.35)
        thr = [h for h, t in zip(hours, auto.throttled[lo:hi], strict=True) if t > 0]
        if thr:
            top = max(demand[lo:hi], default=1.0)
            ax.scatter(thr, [top * 1.05] * len(thr), marker="|", color="tab:red", s=30, label="throttled")
            ax.legend(loc="upper right", fontsize=7)
        ax.set_title(f"{title}, minute by minute", fontsize=10)
        ax.set_xlabel("hour (UTC)", fontsize=8)
        if hours:
            ax.set_xlim(hours[0], max(hours[-1], hours[0] + 1 / 60))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    ax = fig.add_subplot(grid[2, :])
    labels = [m.label for m in plan.modes]
    totals = [m.total for m in plan.modes]
    colors = [
        "tab:green" if m is plan.recommended else ("tab:red" if m.throttled_requests >= 0.5 else "tab:gray")
        for m in plan.modes
    ]
    bars = ax.barh(labels, totals, color=colors)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"${t:,.2f}" for t in totals], padding=3, fontsize=8)
    ax.set_xlim(0, max(totals, default=1.0) * 1.2 or 1.0)
    ax.set_title("monthly cost (green: recommended, red: throttles)", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"{plan.workload.name}: {plan.workload.region}, {plan.table_class}", fontsize=12)
    fig.tight_layout()
    fig.savefig(out, dpi=DPI, format="png")
    plt.close(fig)
    return out
