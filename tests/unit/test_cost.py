"""The cost planner: capacity rules, prices, the models and their properties."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singletable import capacity
from singletable.cost import (
    AccessPattern,
    WorkloadError,
    load_pricing,
    load_workload,
    models,
    parse_workload,
    plan,
    traffic,
)
from singletable.cost.pricing import BUNDLED, PriceBook

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workloads"
KB = 1024
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def workload(patterns: list[dict[str, Any]], **extra: Any) -> Any:
    return parse_workload({"name": "t", "patterns": patterns, **extra})


# -- capacity rules against AWS's documented examples ---------------------------------------------
def test_documented_read_examples() -> None:
    assert capacity.read_units(int(3.5 * KB), "strong") == 1  # GetItem 3.5 KB
    assert capacity.read_units(10 * KB, "strong") == 3
    assert capacity.read_units(10 * KB, "eventual") == 1.5
    assert capacity.batch_read_units([int(1.5 * KB), int(6.5 * KB)], "strong") == 3  # 1 + 2
    assert capacity.query_read_units([int(40.8 * KB)], "strong") == 11  # summed, rounded once
    assert [capacity.read_units(8 * KB, c) for c in ("strong", "eventual", "transactional")] == [2, 1, 4]


def test_documented_write_examples() -> None:
    assert capacity.write_units(int(1.6 * KB)) == 2  # PutItem 1.6 KB
    assert capacity.batch_write_units([500, int(3.5 * KB)]) == 5  # 1 + 4
    assert capacity.write_units(3 * KB) == 3
    assert capacity.write_units(3 * KB, transactional=True) == 6


def test_documented_rates_through_the_workload() -> None:
    w = workload(
        [
            {"name": "reads", "kind": "read", "rate": 80, "item_kb": 3, "consistency": "strong"},
            {"name": "writes", "kind": "write", "rate": 100, "item_kb": 0.5},
        ]
    )
    assert w.base_rcu() == 80  # 80 strongly consistent reads/s of 3 KB
    assert w.base_wcu() == 100  # 100 writes/s of 512 bytes


def test_query_pattern_rounds_the_page_once_and_batch_per_item() -> None:
    q = AccessPattern(name="q", kind="read", rate=1, item_kb=0.5, items=10, query=True, consistency="strong")
    b = AccessPattern(name="b", kind="read", rate=1, item_kb=0.5, items=10, consistency="strong")
    assert q.rcu_per_request() == 2  # 5 KB summed -> 2
    assert b.rcu_per_request() == 10  # 10 items, 1 each


def test_gsi_write_amplification_by_projection() -> None:
    assert capacity.gsi_write_units(int(1.2 * KB), "insert") == 2
    assert capacity.gsi_write_units(500, "projected") == 1
    assert capacity.gsi_write_units(500, "key") == 2  # delete old entry + put new one
    assert capacity.gsi_write_units(500, "unchanged") == 0
    assert capacity.gsi_write_units(500, "delete") == 1
    with pytest.raises(ValueError, match="change must be one of"):
        capacity.gsi_write_units(1, "moved")  # type: ignore[arg-type]
    # "create order 20/s 1.2 KB transactional, 1 GSI": 2 KB-units x2 (transaction) + 2 in the index
    order = AccessPattern(name="o", kind="write", rate=20, item_kb=1.2, transactional=True, gsi=1)
    assert order.wcu_per_request() == 6
    keep = AccessPattern(name="u", kind="write", rate=1, item_kb=1, gsi=2, gsi_change="unchanged")
    assert keep.wcu_per_request() == 1
    narrow = AccessPattern(
        name="k", kind="write", rate=1, item_kb=3, gsi=1, gsi_change="key", gsi_projected_kb=0.2
    )
    assert narrow.wcu_per_request() == 3 + 2


def test_ttl_deletes_are_free() -> None:
    assert capacity.delete_units(2 * KB) == 2
    assert capacity.delete_units(2 * KB, by_ttl=True) == 0


# -- prices -----------------------------------------------------------------------------------------
def test_every_figure_has_a_source_and_a_date() -> None:
    raw = json.loads(BUNDLED.read_text())
    figures = 0

    def walk(node: Any) -> None:
        nonlocal figures
        if isinstance(node, dict):
            if "value" in node:
                figures += 1
                assert node["source"].startswith("https://"), node
                assert len(node["date"]) == 10, node
            for v in node.values():
                walk(v)

    walk(raw)
    assert figures >= 3 * 17
    p = load_pricing().region("us-east-1")
    assert p.on_demand_write_per_million.value == 0.625
    assert p.on_demand_read_per_million.value == 0.125
    assert p.provisioned_wcu_hour.value == 0.00065
    assert p.provisioned_rcu_hour.value == 0.00013
    assert p.storage_gb_month.value == 0.25 and p.storage_free_gb.value == 25


def test_650k_writes_on_demand_cost_41_cents() -> None:
    p = load_pricing().region("us-east-1")
    assert round(650_000 * p.wru(), 2) == 0.41


def test_break_even_is_computed_from_the_prices() -> None:
    book = load_pricing()
    p = book.region("us-east-1")
    assert p.break_even_utilisation("write") == pytest.approx(0.00065 / (3600 * 0.625e-6))
    assert p.break_even_utilisation("write") == pytest.approx(0.2889, abs=1e-4)
    assert p.break_even_utilisation("read") == pytest.approx(0.2889, abs=1e-4)
    # before the November 2024 cut on-demand cost twice as much: break-even halves
    data = book.model_dump()
    data["regions"]["us-east-1"]["on_demand_write_per_million"]["value"] = 1.25
    old = PriceBook.model_validate(data).region("us-east-1")
    assert old.break_even_utilisation("write") == pytest.approx(0.1444, abs=1e-4)


def test_storage_table_class_and_unknown_region() -> None:
    p = load_pricing().region("us-east-1")
    assert p.storage_month(20) == 0  # inside the free 25 GB
    assert p.storage_month(125) == pytest.approx(25.0)
    assert p.storage_month(100, "standard_ia") == pytest.approx(10.0)
    assert p.wru("standard_ia") == pytest.approx(1.25 * p.wru())
    with pytest.raises(KeyError, match="known: us-east-1"):
        load_pricing().region("mars-1")


# -- traffic ---------------------------------------------------------------------------------------
def test_daily_curve_peaks_and_troughs() -> None:
    f = traffic.daily(peak=2.0, trough=0.5, peak_hour_utc=14, minutes=2 * 1440)
    assert f[14 * 60] == pytest.approx(2.0)
    assert f[2 * 60] == pytest.approx(0.5)
    assert f[1440 + 14 * 60] == pytest.approx(2.0)
    assert max(f) == pytest.approx(2.0) and min(f) == pytest.approx(0.5)


def test_csv_profiles_hourly_and_minutely(tmp_path: Path) -> None:
    values, res = traffic.read_csv_profile(EXAMPLES / "traffic-hourly.csv")
    assert res == "hour" and len(values) == 24
    f = traffic.csv_profile(values, res, minutes=3 * 1440)
    assert f[9 * 60 + 30] == values[9] and f[1440 + 9 * 60] == values[9]
    stamped = tmp_path / "m.csv"
    stamped.write_text("timestamp,requests,factor\n2025-01-01T00:00:00,5,1\n2025-01-01T00:01:00,9,3\n")
    values, res = traffic.read_csv_profile(stamped)
    assert (values, res) == ([1.0, 3.0], "minute")
    bad = tmp_path / "bad.csv"
    bad.write_text("minute,factor\n0,lots\n")
    with pytest.raises(WorkloadError, match=r"bad.csv:2: column 'factor' is not a number"):
        traffic.read_csv_profile(bad)


def test_bursts_multiply_the_shape() -> None:
    f = traffic.apply_bursts([1.0] * 1440, [(12.0, 60, 10, 5.0)])
    assert f[59] == 1 and f[60] == 5 and f[69] == 5 and f[70] == 1 and f[60 + 720] == 5
    assert sum(f) == 1440 + 2 * 10 * 4


# -- the simulator -----------------------------------------------------------------------------------
def test_burst_capacity_absorbs_a_short_spike() -> None:
    # 100 units/s provisioned, idle for 5 minutes banks 300 s x 100 = 30,000 units
    demand = [0.0] * 5 + [300.0] + [0.0] * 5
    sim = models.simulate(demand, initial=100)
    assert sim.throttled_units == pytest.approx(0)  # 12,000 extra units, all from the burst bucket
    sim = models.simulate([0.0] * 5 + [700.0, 700.0] + [0.0] * 5, initial=100)
    # extra: 2 x 36,000 = 72,000, bucket 30,000: 42,000 units throttled over 2 minutes
    assert sim.throttled_units == pytest.approx(42_000)
    assert sim.throttled_minutes == 2
    assert models.simulate([700.0], initial=100, burst_seconds=0).throttled_units == pytest.approx(36_000)


def test_autoscaling_scales_out_after_two_minutes_and_in_after_fifteen() -> None:
    demand = [70.0] * 10 + [140.0] * 10 + [10.0] * 40
    sim = models.simulate(demand, initial=100, target=0.7, burst_seconds=0)
    assert sim.capacity[:12] == [100] * 12  # above target in minutes 10 and 11: raised from minute 12
    assert sim.capacity[12] == 143  # ceil(100 served / 0.7), throttled while at 100
    assert sim.increases[0] == 12
    first_cut = sim.decreases[0]
    assert first_cut == 20 + 15  # 15 minutes at 10/s (well under 50%) after the drop at minute 20
    assert sim.capacity[first_cut] == math.ceil(10 / 0.7)


def test_decrease_allowance() -> None:
    # The developer guide: four decreases any time of a UTC day, one more whenever none in the past hour.
    assert models.decrease_allowed(10, [1, 2, 3])
    assert not models.decrease_allowed(10, [1, 2, 3, 4])
    assert models.decrease_allowed(64, [1, 2, 3, 4])  # 60 minutes after the last
    assert not models.decrease_allowed(119, [1, 2, 3, 4, 64])
    assert models.decrease_allowed(124, [1, 2, 3, 4, 64])
    # Not only in 00:00-00:59: the four may come at any time of the day.
    assert models.decrease_allowed(600, [300, 301, 302])
    assert not models.decrease_allowed(304, [300, 301, 302, 303])
    day = [0, 1, 2, 3] + [3 + 60 * h for h in range(1, 24)]  # 27, the most a day allows
    assert len(day) == 27 and not models.decrease_allowed(1439, day)
    assert models.decrease_allowed(1440 + 5, day)


hourly_levels = st.lists(st.floats(min_value=0, max_value=500), min_size=2, max_size=24)


@FAST
@given(
    levels=hourly_levels,
    hold=st.integers(min_value=1, max_value=90),
    lo=st.integers(min_value=1, max_value=50),
    span=st.integers(min_value=0, max_value=800),
    target=st.floats(min_value=0.2, max_value=0.9),
)
def test_autoscaling_respects_min_max_and_the_decrease_quota(
    levels: list[float], hold: int, lo: int, span: int, target: float
) -> None:
    demand = [levels[(m // hold) % len(levels)] for m in range(2 * 1440)]
    hi = lo + span
    sim = models.simulate(demand, initial=500, target=target, min_capacity=lo, max_capacity=hi)
    assert all(lo <= c <= hi for c in sim.capacity)
    cuts = [m for m in range(1, len(demand)) if sim.capacity[m] < sim.capacity[m - 1]]
    assert cuts == sim.decreases
    for day in range(2):
        today = [m for m in cuts if m // 1440 == day]
        assert len(today) <= 27
        # beyond the day's first four, each cut comes an hour or more after the one before
        later = today[3:]
        assert all(later[i + 1] - later[i] >= 60 for i in range(len(later) - 1)), today


@FAST
@given(
    rate=st.floats(min_value=0.01, max_value=5_000),
    k=st.floats(min_value=0.1, max_value=50),
    item_kb=st.floats(min_value=0.1, max_value=40),
    kind=st.sampled_from(["read", "write"]),
)
def test_on_demand_cost_is_linear_in_requests(rate: float, k: float, item_kb: float, kind: str) -> None:
    factors = [1.0, 0.5, 2.0] * 20

    def od(r: float) -> float:
        w = workload([{"name": "p", "kind": kind, "rate": r, "item_kb": item_kb}])
        return plan(w, factors=factors).on_demand.throughput

    assert od(rate * k) == pytest.approx(k * od(rate), rel=1e-9)


@FAST
@given(
    reads=st.floats(min_value=50, max_value=20_000),
    writes=st.floats(min_value=50, max_value=5_000),
    headroom=st.floats(min_value=0, max_value=0.9),
)
def test_steady_traffic_at_half_utilisation_or_more_makes_provisioned_cheaper(
    reads: float, writes: float, headroom: float
) -> None:
    w = workload(
        [
            {"name": "r", "kind": "read", "rate": reads, "item_kb": 4, "consistency": "strong"},
            {"name": "w", "kind": "write", "rate": writes, "item_kb": 1},
        ],
        provisioned={"headroom": headroom},
    )
    p = plan(w, factors=[1.0] * 180)
    assert p.utilisation_at_peak >= 0.5
    fixed = next(m for m in p.modes if m.key == "provisioned")
    assert fixed.throttled_requests == 0
    assert fixed.total < p.on_demand.total
    assert p.recommended.key != "on_demand"


@FAST
@given(
    rate=st.floats(min_value=0.5, max_value=200),
    spike=st.floats(min_value=15, max_value=60),
    duration=st.integers(min_value=3, max_value=15),
    every=st.sampled_from([6.0, 12.0, 24.0]),
)
def test_spiky_traffic_with_a_low_average_makes_on_demand_cheaper(
    rate: float, spike: float, duration: int, every: float
) -> None:
    w = workload(
        [
            {"name": "r", "kind": "read", "rate": rate * 5, "item_kb": 2},
            {"name": "w", "kind": "write", "rate": rate, "item_kb": 1},
        ]
    )
    factors = traffic.apply_bursts([1.0] * 1440, [(every, 30, duration, spike)])
    p = plan(w, factors=factors)
    assert p.utilisation_at_peak < p.break_even["write"]
    by_key = {m.key: m for m in p.modes}
    assert p.on_demand.total < by_key["provisioned"].total
    auto = by_key["autoscaling"]
    assert auto.throttled_requests > 0 or p.on_demand.total < auto.total
    assert p.recommended.key in ("on_demand", "reserved_1y", "reserved_3y")


# -- the example workloads -----------------------------------------------------------------------------
def test_examples_steady_prefers_provisioned_spiky_prefers_on_demand() -> None:
    steady = plan(load_workload(EXAMPLES / "steady-api.toml"))
    assert steady.recommended.key != "on_demand"
    assert all(m.total < steady.on_demand.total for m in steady.modes[1:])
    spiky = plan(load_workload(EXAMPLES / "spiky-sale.toml"))
    assert spiky.recommended.key == "on_demand"
    assert next(m for m in spiky.modes if m.key == "autoscaling").throttled_requests > 0
    assert "28.9%" in steady.recommendation


def test_ttl_and_table_class_sections() -> None:
    p = plan(load_workload(EXAMPLES / "daily-curve.toml"))
    assert p.ttl["expiring_gb_per_month"] == pytest.approx(24)
    assert p.ttl["delete_usd_avoided_per_month"] > 0
    assert p.ttl["storage_usd_saved_month_12"] > p.ttl["storage_usd_saved_month_1"] > 0
    assert set(p.table_classes) >= {"standard_usd", "standard_ia_usd", "saving_usd"}
    ia = load_workload(EXAMPLES / "daily-curve.toml")
    ia.table_class = "standard_ia"
    ia.storage.gb = 5_000
    p_ia = plan(ia)
    assert not any(m.key.startswith("reserved") for m in p_ia.modes)  # Standard-IA has no reserved capacity
    assert p_ia.table_classes["switch_to"] == "standard"


def test_workload_errors_name_the_field_and_the_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[patterns]]\nname = "p"\nkind = "raed"\nrate = -5\nitem_kbb = 1\n')
    with pytest.raises(WorkloadError) as info:
        load_workload(bad)
    lines = str(info.value).splitlines()
    assert any("patterns[0].kind" in ln and "fix: use one of 'read' or 'write'" in ln for ln in lines), lines
    assert any("patterns[0].rate" in ln and "fix: use a number greater than 0" in ln for ln in lines), lines
    assert any("patterns[0].item_kbb" in ln and "remove it or check its spelling" in ln for ln in lines), (
        lines
    )
    nothing = tmp_path / "n.json"
    nothing.write_text("{}")
    with pytest.raises(WorkloadError, match=r"patterns: Field required — fix: add this field"):
        load_workload(nothing)
    broken = tmp_path / "b.json"
    broken.write_text("{")
    with pytest.raises(WorkloadError, match="not valid JSON"):
        load_workload(broken)


def test_reservation_buys_the_blocks_that_pay() -> None:
    p = load_pricing().region("us-east-1")
    term = p.reserved["1y"]
    # a 1-year block costs ~46% of list price: a block used more than ~46% of the way pays
    flat = models.best_reservation([230] * 730, term.block_hourly("write"), p.wcu_hour())
    assert flat.blocks == 2  # the third block would carry only 30 units
    assert flat.unreserved_unit_hours == 30 * 730
    assert models.best_reservation([250] * 730, term.block_hourly("write"), p.wcu_hour()).blocks == 3
    brief = models.best_reservation([1000] * 10 + [0] * 720, term.block_hourly("write"), p.wcu_hour())
    assert brief.blocks == 0  # ten busy hours a month do not pay for a year's commitment
