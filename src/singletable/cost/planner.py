"""Cost one workload for one month in every capacity mode and pick the cheapest safe one."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from singletable import capacity
from singletable.cost import models
from singletable.cost.models import Reservation, Simulation
from singletable.cost.pricing import PriceBook, RegionPricing, TableClass, load_pricing
from singletable.cost.quotas import quota_warnings
from singletable.cost.traffic import MINUTES_PER_MONTH, minute_factors
from singletable.cost.workload import KB, Workload, WorkloadError

GB = 1024**3


@dataclass
class ModeCost:
    """One row of the comparison."""

    key: str
    label: str
    throughput: float  # $/month, reads + writes
    storage: float  # $/month, storage + PITR (the same in every mode)
    throttled_requests: float = 0.0
    throttled_minutes: int = 0
    detail: str = ""
    extras: float = 0.0
    """$ for replicated writes, backups and stream reads, less the free tier (see ``extras_detail``)."""
    extras_detail: str = ""
    term_years: int = 0
    """Reserved capacity: the term (1 or 3 years); 0 for the other modes."""
    upfront_usd: float = 0.0
    """Reserved capacity: the one-time fee (the monthly figure spreads it over the term)."""

    @property
    def total(self) -> float:
        return self.throughput + self.storage + self.extras

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.key,
            "label": self.label,
            "throughput_usd": round(self.throughput, 4),
            "storage_usd": round(self.storage, 4),
            "total_usd": round(self.total, 4),
            "throttled_requests": round(self.throttled_requests),
            "throttled_minutes": self.throttled_minutes,
            "detail": self.detail,
            "extras_usd": round(self.extras, 4),
            "extras_detail": self.extras_detail,
            "term_years": self.term_years,
            "upfront_usd": round(self.upfront_usd, 2),
        }


@dataclass
class Plan:
    """Everything the report, the JSON and the plot show."""

    workload: Workload
    pricing: RegionPricing
    table_class: TableClass
    read_demand: list[float]
    write_demand: list[float]
    fixed_read: Simulation
    fixed_write: Simulation
    auto_read: Simulation
    auto_write: Simulation
    modes: list[ModeCost]
    break_even: dict[str, float]
    utilisation_at_peak: float
    recommended: ModeCost
    recommendation: str
    ttl: dict[str, float] = field(default_factory=dict)
    table_classes: dict[str, Any] = field(default_factory=dict)
    reservations: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    period: str = "730 h"
    """The billing period costed, as the report header shows it."""
    one_off_usd: float = 0.0
    """What the workload's one-off loads cost once, at on-demand prices (in no monthly figure)."""

    @property
    def on_demand(self) -> ModeCost:
        return self.modes[0]

    def vs_on_demand(self, mode: ModeCost) -> float:
        od = self.on_demand.total
        return (mode.total - od) / od if od > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        w = self.workload
        p = self.pricing
        return {
            "workload": w.name,
            "region": w.region,
            "table_class": self.table_class,
            "base_rcu_per_s": round(w.base_rcu(), 4),
            "base_wcu_per_s": round(w.base_wcu(), 4),
            "peak_rcu_per_s": round(max(self.read_demand, default=0.0), 4),
            "peak_wcu_per_s": round(max(self.write_demand, default=0.0), 4),
            "modes": [
                m.to_dict() | {"vs_on_demand_pct": round(100 * self.vs_on_demand(m), 2)} for m in self.modes
            ],
            "recommended": self.recommended.key,
            "recommendation": self.recommendation,
            "period": self.period,
            "break_even_utilisation": {
                k: round(v, 6) if math.isfinite(v) else None for k, v in self.break_even.items()
            },
            "utilisation_at_peak": round(self.utilisation_at_peak, 6),
            "reservations_blocks_of_100": self.reservations,
            "warnings": self.warnings,
            "one_off": [o.model_dump() for o in w.one_off],
            "one_off_usd": round(self.one_off_usd, 4),
            "ttl": {k: round(v, 4) for k, v in self.ttl.items()},
            "table_classes": self.table_classes,
            "prices": {
                name: fig.model_dump()
                for name, fig in (
                    ("on_demand_write_per_million", p.on_demand_write_per_million),
                    ("on_demand_read_per_million", p.on_demand_read_per_million),
                    ("provisioned_wcu_hour", p.provisioned_wcu_hour),
                    ("provisioned_rcu_hour", p.provisioned_rcu_hour),
                    ("storage_gb_month", p.storage_gb_month),
                )
            },
        }


def _span(values: list[int]) -> str:
    lo, hi = min(values, default=0), max(values, default=0)
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


def _money(x: float) -> str:
    return f"${0.0 if abs(x) < 0.005 else x:,.2f}"  # never "$-0.00"


def storage_cost(w: Workload, p: RegionPricing, table_class: TableClass) -> float:
    """Monthly storage (+PITR): the starting size plus half the month's net growth, on average."""
    avg_gb = w.storage.gb + w.storage.growth_gb_per_month * (1 - w.storage.ttl_fraction) / 2
    pitr = avg_gb * p.pitr_gb_month.value if w.storage.pitr else 0.0
    return p.storage_month(avg_gb, table_class) + pitr


def ttl_savings(w: Workload, p: RegionPricing, table_class: TableClass) -> dict[str, float]:
    """What TTL saves against deleting expired items yourself, or against keeping them."""
    s = w.storage
    expiring_gb = s.growth_gb_per_month * s.ttl_fraction
    item_bytes = round(s.item_kb * KB)
    items = expiring_gb * GB / item_bytes if item_bytes else 0.0
    per_item = capacity.delete_units(item_bytes) + s.gsi * capacity.gsi_write_units(item_bytes, "delete")
    ttl_per_item = capacity.delete_units(item_bytes, by_ttl=True)
    delete_usd = items * (per_item - ttl_per_item) * p.wru(table_class)
    base_gb = s.gb + s.growth_gb_per_month * (1 - s.ttl_fraction) / 2
    pitr = p.pitr_gb_month.value if s.pitr else 0.0

    def kept(months: float) -> float:
        extra = expiring_gb * months
        return (
            p.storage_month(base_gb + extra, table_class)
            - p.storage_month(base_gb, table_class)
            + extra * pitr
        )

    return {
        "expiring_gb_per_month": expiring_gb,
        "expiring_items_per_month": items,
        "delete_wcu_avoided_per_month": items * (per_item - ttl_per_item),
        "delete_usd_avoided_per_month": delete_usd,
        "storage_usd_saved_month_1": kept(0.5),
        "storage_usd_saved_month_12": kept(11.5),
    }


def plan(
    workload: Workload,
    pricing: PriceBook | None = None,
    *,
    minutes: int | None = None,
    factors: list[float] | None = None,
) -> Plan:
    """Cost ``workload`` for its billing period (``workload.period``; default AWS's month of 730 hours)
    in every mode. ``factors`` (one per minute) replaces the traffic shape; a shorter series is scaled
    up to the period."""
    book = pricing or load_pricing()
    p = book.region(workload.region)
    tc = workload.table_class
    period_hours = workload.period.total_hours() if workload.period else book.hours_per_month.value
    if minutes is None:
        minutes = round(period_hours * 60) if workload.period else MINUTES_PER_MONTH
    if factors is None:
        if minutes < 1:
            raise WorkloadError(f"a run of {minutes} minutes costs nothing — fix: give 1 minute or more")
        factors = minute_factors(workload.traffic, workload.base_dir, minutes)
    if not factors:
        raise WorkloadError("the traffic has no minutes — fix: give at least one minute of factors")
    base_r, base_w = workload.base_rcu(), workload.base_wcu()
    read_demand = [base_r * f for f in factors]
    write_demand = [base_w * f for f in factors]
    hours = len(factors) / 60.0
    month_scale = period_hours / hours
    prov = workload.provisioned
    target = prov.target_utilisation / 100.0

    # requests per unit, to turn throttled units into throttled requests
    r_rpu = workload.base_read_rps() / base_r if base_r else 0.0
    w_rpu = workload.base_write_rps() / base_w if base_w else 0.0

    # Storage is priced per GB-month (730 h): a period of other length pays its share.
    store = storage_cost(workload, p, tc) * period_hours / book.hours_per_month.value

    def on_demand_usd(table_class: TableClass) -> float:
        return month_scale * (
            models.on_demand_units(read_demand) * p.rru(table_class)
            + models.on_demand_units(write_demand) * p.wru(table_class)
        )

    def provisioned_usd(rs: Simulation, ws: Simulation, table_class: TableClass) -> float:
        return month_scale * (
            models.provisioned_unit_hours(rs.hourly_capacity()) * p.rcu_hour(table_class)
            + models.provisioned_unit_hours(ws.hourly_capacity()) * p.wcu_hour(table_class)
        )

    def throttle(rs: Simulation, ws: Simulation) -> tuple[float, int]:
        reqs = rs.throttled_units * r_rpu + ws.throttled_units * w_rpu
        mins = sum(1 for a, b in zip(rs.throttled, ws.throttled, strict=True) if a > 1e-9 or b > 1e-9)
        return reqs, mins

    fixed_r_cap = models.fixed_capacity(read_demand, prov.headroom) if base_r else 1
    fixed_w_cap = models.fixed_capacity(write_demand, prov.headroom) if base_w else 1
    fixed_read = models.simulate(read_demand, initial=fixed_r_cap, burst_seconds=prov.burst_seconds)
    fixed_write = models.simulate(write_demand, initial=fixed_w_cap, burst_seconds=prov.burst_seconds)

    def auto(demand: list[float], lo: int, hi: int) -> Simulation:
        # Autoscaling starts from the usual level (the first day's median), not from minute 0's: a
        # burst at minute 0 must meet the capacity the table had before it.
        day = sorted(demand[:1440])
        usual = day[len(day) // 2] if day else 0.0
        return models.simulate(
            demand,
            initial=models.ceil_units(usual / target),
            target=target,
            min_capacity=lo,
            max_capacity=hi,
            burst_seconds=prov.burst_seconds,
            scale_delay=prov.scale_delay_minutes,
        )

    auto_read = auto(read_demand, prov.min_rcu, prov.max_rcu)
    auto_write = auto(write_demand, prov.min_wcu, prov.max_wcu)

    od = ModeCost("on_demand", "on-demand", on_demand_usd(tc), store, detail="pay per request")
    f_thr = throttle(fixed_read, fixed_write)
    fixed = ModeCost(
        "provisioned",
        f"provisioned (peak+{prov.headroom:.0%})",
        provisioned_usd(fixed_read, fixed_write, tc),
        store,
        *f_thr,
        detail=f"{fixed_r_cap:,} RCU / {fixed_w_cap:,} WCU",
    )
    a_thr = throttle(auto_read, auto_write)
    ar_h, aw_h = auto_read.hourly_capacity(), auto_write.hourly_capacity()
    autoscaled = ModeCost(
        "autoscaling",
        f"autoscaling ({prov.target_utilisation:.0f}% target)",
        provisioned_usd(auto_read, auto_write, tc),
        store,
        *a_thr,
        detail=f"{_span(ar_h)} RCU / {_span(aw_h)} WCU",
    )
    modes = [od, fixed, autoscaled]

    # reserved capacity on top of the provisioned baseline (Standard table class only)
    reservations: dict[str, dict[str, int]] = {}
    safe_prov = [m for m in (fixed, autoscaled) if m.throttled_requests < 0.5]
    base_mode = min(safe_prov or [fixed], key=lambda m: m.throughput)
    base_r_sim, base_w_sim = (fixed_read, fixed_write) if base_mode is fixed else (auto_read, auto_write)
    if tc == "standard":
        for term_name, term in sorted(p.reserved.items()):
            rr: Reservation = models.best_reservation(
                base_r_sim.hourly_capacity(), term.block_hourly("read"), p.rcu_hour()
            )
            rw: Reservation = models.best_reservation(
                base_w_sim.hourly_capacity(), term.block_hourly("write"), p.wcu_hour()
            )
            reservations[term_name] = {"rcu_blocks": rr.blocks, "wcu_blocks": rw.blocks}
            upfront = rr.blocks * term.rcu_100_upfront.value + rw.blocks * term.wcu_100_upfront.value
            modes.append(
                ModeCost(
                    f"reserved_{term_name}",
                    f"reserved {term_name} + {base_mode.key}",
                    month_scale * (rr.cost + rw.cost),
                    store,
                    base_mode.throttled_requests,
                    base_mode.throttled_minutes,
                    detail=f"{rr.blocks * 100:,} RCU + {rw.blocks * 100:,} WCU reserved, upfront "
                    f"${rr.blocks * term.rcu_100_upfront.value + rw.blocks * term.wcu_100_upfront.value:,.0f}"
                    if rr.blocks or rw.blocks
                    else "no 100-unit block pays off",
                    term_years=term.years,
                    upfront_usd=upfront,
                )
            )

    _add_extras(
        workload,
        p,
        modes,
        month_scale,
        period_hours / book.hours_per_month.value,
        write_demand,
        {"provisioned": (fixed_read, fixed_write), "autoscaling": (auto_read, auto_write)},
        base_mode.key,
        len(factors) * 60.0,
    )

    break_even = {"read": p.break_even_utilisation("read"), "write": p.break_even_utilisation("write")}
    avg_r = sum(read_demand) / len(read_demand) if read_demand else 0.0
    avg_w = sum(write_demand) / len(write_demand) if write_demand else 0.0
    used = (avg_r * p.rcu_hour() if base_r else 0.0) + (avg_w * p.wcu_hour() if base_w else 0.0)
    used_cap = (fixed_r_cap * p.rcu_hour() if base_r else 0.0) + (
        fixed_w_cap * p.wcu_hour() if base_w else 0.0
    )
    utilisation = used / used_cap if used_cap else 0.0

    safe = [m for m in modes if m.throttled_requests < 0.5]
    best = min(safe, key=lambda m: m.total)
    text = _recommend(
        best, modes, od, utilisation, break_even, p, prov.scale_delay_minutes, prov.burst_seconds
    )

    # table class comparison for the recommended mode (reserved capacity is Standard-only)
    cmp_mode = best if not best.key.startswith("reserved") else base_mode
    by_class: dict[str, float] = {}
    for cls in ("standard", "standard_ia"):
        c: TableClass = "standard" if cls == "standard" else "standard_ia"
        if cmp_mode.key == "on_demand":
            thr = on_demand_usd(c)
        elif cmp_mode.key == "provisioned":
            thr = provisioned_usd(fixed_read, fixed_write, c)
        else:
            thr = provisioned_usd(auto_read, auto_write, c)
        by_class[cls] = thr + storage_cost(workload, p, c)
    other: TableClass = "standard_ia" if tc == "standard" else "standard"
    table_classes: dict[str, Any] = {
        "mode": cmp_mode.key,
        "mode_label": cmp_mode.label,
        "standard_usd": round(by_class["standard"], 4),
        "standard_ia_usd": round(by_class["standard_ia"], 4),
        "switch_to": other,
        "saving_usd": round(by_class[tc] - by_class[other], 4),
    }

    peak_r, peak_w = max(read_demand, default=0.0), max(write_demand, default=0.0)
    warnings = quota_warnings(od.label, peak_r, peak_w, provisioned=False)
    warnings += quota_warnings(fixed.label, fixed_r_cap, fixed_w_cap, provisioned=True)
    warnings += quota_warnings(autoscaled.label, max(ar_h, default=0), max(aw_h, default=0), provisioned=True)
    one_off_usd = sum(o.read_units * p.rru(tc) + o.write_units * p.wru(tc) for o in workload.one_off)

    return Plan(
        period=workload.period.label() if workload.period else f"one month ({period_hours:g} h)",
        warnings=warnings,
        one_off_usd=one_off_usd,
        workload=workload,
        pricing=p,
        table_class=tc,
        read_demand=read_demand,
        write_demand=write_demand,
        fixed_read=fixed_read,
        fixed_write=fixed_write,
        auto_read=auto_read,
        auto_write=auto_write,
        modes=modes,
        break_even=break_even,
        utilisation_at_peak=utilisation,
        recommended=best,
        recommendation=text,
        ttl=ttl_savings(workload, p, tc),
        table_classes=table_classes,
        reservations=reservations,
    )


def _add_extras(
    w: Workload,
    p: RegionPricing,
    modes: list[ModeCost],
    month_scale: float,
    months: float,
    write_demand: list[float],
    sims: dict[str, tuple[Simulation, Simulation]],
    base_key: str,
    seconds: float,
) -> None:
    """Add replicated writes (per mode), backups and stream reads (every mode) and the free tier
    (provisioned modes) to each mode, each from its figure in the price list."""
    x = w.extras
    shared, parts = 0.0, []
    if x.backup_gb:
        usd = x.backup_gb * p.figure("backup_gb_month").value * months
        shared += usd
        parts.append(f"backups {_money(usd)}")
    if x.stream_reads_per_s:
        free = p.figure("stream_free_reads").value * months
        reads = max(0.0, x.stream_reads_per_s * seconds * month_scale - free)
        usd = reads / 100_000 * p.figure("stream_read_per_100k").value
        shared += usd
        parts.append(f"stream reads {_money(usd)}")
    for m in modes:
        extra, detail = shared, list(parts)
        sim_key = base_key if m.key.startswith("reserved") else m.key
        if x.replica_regions:
            if m.key == "on_demand":
                units = models.on_demand_units(write_demand) * month_scale
                usd = units * x.replica_regions * p.figure("replicated_write_per_million").value / 1e6
            else:
                hours = models.provisioned_unit_hours(sims[sim_key][1].hourly_capacity()) * month_scale
                usd = hours * x.replica_regions * p.figure("replicated_wcu_hour").value
            extra += usd
            detail.append(f"replicated writes to {x.replica_regions} region(s) {_money(usd)}")
        if x.free_tier and m.key != "on_demand":
            read_sim, write_sim = sims[sim_key]
            free_r = p.figure("free_tier_rcu").value
            free_w = p.figure("free_tier_wcu").value
            usd = month_scale * (
                sum(min(free_r, c) for c in read_sim.hourly_capacity()) * p.rcu_hour()
                + sum(min(free_w, c) for c in write_sim.hourly_capacity()) * p.wcu_hour()
            )
            extra -= usd
            detail.append(f"free tier -{_money(usd)}")
        m.extras, m.extras_detail = extra, ", ".join(detail)


def _recommend(
    best: ModeCost,
    modes: list[ModeCost],
    od: ModeCost,
    utilisation: float,
    break_even: dict[str, float],
    p: RegionPricing,
    delay: int = models.DEFAULT_SCALE_DELAY_MINUTES,
    burst_seconds: int = 300,
) -> str:
    be_w, be_r = break_even["write"], break_even["read"]

    def rate(x: float) -> str:
        return f"{x:.1%}" if math.isfinite(x) else "no (on-demand requests are free)"

    be_txt = (
        rate(be_w)
        if be_w == be_r or abs(be_w - be_r) < 1e-6
        else f"{rate(be_w)} for writes, {rate(be_r)} for reads"
    )
    lines = []
    if best is od:
        lines.append(f"Use on-demand: {_money(best.total)}/month.")
    else:
        saving = od.total - best.total
        pct = saving / od.total if od.total else 0.0
        lines.append(
            f"Use {best.label}: {_money(best.total)}/month, {_money(saving)} ({pct:.0%}) less than on-demand."
        )
        if best.term_years:
            years = f"{best.term_years} year{'s' if best.term_years > 1 else ''}"
            lines.append(
                f"Reserved capacity commits you for {years}: {_money(best.upfront_usd)} upfront (spread over "
                "the term in the monthly figure), then its hourly rate whether used or not."
            )
    lines.append(
        f"Capacity provisioned at peak would be {utilisation:.1%} used on average; provisioned beats "
        f"on-demand above {be_txt} average utilisation "
        f"(${p.provisioned_wcu_hour.value:g} per WCU-hour / "
        f"(3,600 x ${p.on_demand_write_per_million.value:g} per million WRU))."
    )
    risky = [m for m in modes if m.throttled_requests >= 0.5 and m.total < best.total]
    for m in risky:
        lines.append(
            f"{m.label} would cost {_money(m.total)} but throttle ~{m.throttled_requests:,.0f} requests "
            f"in {m.throttled_minutes:,} minutes: the traffic moves faster than autoscaling reacts "
            f"(2 minutes above target, then {delay} for UpdateTable, {burst_seconds} s of burst)."
        )
    return "\n".join(lines)
