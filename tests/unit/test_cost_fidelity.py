"""Planner fidelity: the autoscaling delay, the decrease quota's wording, a burst at minute 0, the
billing period, reserved terms in the advice, and input holes (inf, nan, zero prices, zero minutes)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from rich.console import Console

from singletable.cost import WorkloadError, load_workload, models, parse_workload, plan
from singletable.cost.pricing import BUNDLED, PriceBook
from singletable.cost.report import render
from singletable.cost.traffic import read_csv_profile
from singletable.cost.workload import Provisioned

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workloads"
ONE_WRITE = [{"name": "w", "kind": "write", "rate": 10, "item_kb": 1}]


def _text(result: object) -> str:
    console = Console(width=140, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    render(result, console)  # type: ignore[arg-type]
    return console.export_text()


def test_the_update_table_delay_makes_a_burst_throttle_more() -> None:
    # One hour at 80x a base of 10 units/s, autoscaled at 70 %: the share of the burst throttled.
    demand = [10.0] * 600 + [800.0] * 60 + [10.0] * 780
    burst = sum(demand[600:660]) * 60
    share = {
        d: models.simulate(demand, initial=15, target=0.7, scale_delay=d).throttled_units / burst
        for d in (0, 2, 5)
    }
    assert share[0] == pytest.approx(0.288, abs=0.005)  # the old model: capacity usable the next minute
    assert 0.43 < share[2] < share[5]  # 2 and 5 minutes of UpdateTable: ~58 % and ~89 %
    sim = models.simulate(demand, initial=15, target=0.7, scale_delay=2)
    assert sim.increases[0] == 604  # above target in minutes 600-601, usable 2 minutes after 601 ends
    assert Provisioned().scale_delay_minutes == models.DEFAULT_SCALE_DELAY_MINUTES == 2
    with pytest.raises(ValueError, match="scale_delay"):
        models.simulate(demand, initial=15, target=0.7, scale_delay=-1)


def test_a_burst_at_minute_zero_meets_the_usual_capacity() -> None:
    w = parse_workload({"patterns": ONE_WRITE})
    factors = [80.0] * 60 + [1.0] * (1440 - 60)
    p = plan(w, factors=factors)
    assert p.auto_write.capacity[0] == math.ceil(10 / 0.7)  # the day's median, not the burst's 800
    auto = next(m for m in p.modes if m.key == "autoscaling")
    assert auto.throttled_requests > 0 and p.recommended.key != "autoscaling"


def test_the_period_comes_from_the_workload_and_shows_in_the_header() -> None:
    month = plan(parse_workload({"patterns": ONE_WRITE}))
    assert month.period == "one month (730 h)"
    short = plan(parse_workload({"patterns": ONE_WRITE, "period": {"hours": 720}}))
    assert short.period == "720 h" and len(short.write_demand) == 720 * 60
    assert short.on_demand.total == pytest.approx(month.on_demand.total * 720 / 730)
    dated = plan(
        parse_workload({"patterns": ONE_WRITE, "period": {"start": "2026-02-01", "end": "2026-03-01"}})
    )
    assert dated.period == "2026-02-01 to 2026-03-01 (672 h)"
    assert "2026-02-01 to 2026-03-01 (672 h)" in _text(dated)
    assert dated.to_dict()["period"] == dated.period
    for bad in (
        {"hours": 720, "start": "2026-01-01", "end": "2026-02-01"},
        {"start": "2026-02-01", "end": "2026-01-01"},
    ):
        with pytest.raises(WorkloadError, match="period"):
            parse_workload({"patterns": ONE_WRITE, "period": bad})


def test_reserved_advice_names_the_term_and_the_upfront_fee() -> None:
    p = plan(load_workload(EXAMPLES / "steady-api.toml"))
    assert p.recommended.key == "reserved_3y" and p.recommended.term_years == 3
    assert p.recommended.upfront_usd > 0
    assert f"commits you for 3 years: ${p.recommended.upfront_usd:,.2f} upfront" in p.recommendation
    assert p.to_dict()["modes"][-1]["term_years"] == 3


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e999"])
def test_non_finite_csv_factors_are_refused(tmp_path: Path, value: str) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text(f"hour,factor\n0,1\n1,{value}\n")
    with pytest.raises(WorkloadError, match="not a finite number"):
        read_csv_profile(csv)


def test_zero_prices_zero_minutes_and_an_all_zero_profile(tmp_path: Path) -> None:
    data = json.loads(BUNDLED.read_text())
    for name in ("on_demand_write_per_million", "on_demand_read_per_million"):
        data["regions"]["us-east-1"][name]["value"] = 0.0
    free = PriceBook.model_validate(data)
    p = plan(parse_workload({"patterns": ONE_WRITE}), free)
    assert p.recommended.key == "on_demand" and p.on_demand.total == 0.0
    assert p.to_dict()["break_even_utilisation"] == {"read": None, "write": None}
    assert "on-demand requests are free" in p.recommendation
    with pytest.raises(WorkloadError, match="0 minutes"):
        plan(parse_workload({"patterns": ONE_WRITE}), minutes=0)
    with pytest.raises(WorkloadError, match="no minutes"):
        plan(parse_workload({"patterns": ONE_WRITE}), factors=[])
    csv = tmp_path / "zero.csv"
    csv.write_text("hour,factor\n0,0\n1,0\n")
    idle = plan(parse_workload({"patterns": ONE_WRITE, "traffic": {"shape": "csv", "csv": str(csv)}}))
    text = _text(idle) + idle.recommendation
    assert "$-0.00" not in text and "$0.00" in text


def test_replicated_writes_backups_stream_reads_and_the_free_tier() -> None:
    extras = {"replica_regions": 1, "backup_gb": 100, "stream_reads_per_s": 10, "free_tier": True}
    p = plan(parse_workload({"patterns": ONE_WRITE, "extras": extras}))
    by = {m.key: m for m in p.modes}
    seconds = 730 * 3600
    backups = 100 * 0.10  # $0.10 per GB-month
    streams = (10 * seconds - 2_500_000) / 100_000 * 0.02  # $0.02 per 100,000 after 2.5 M free
    # On demand: every write unit is replicated once at $0.625 per million rWRU.
    assert by["on_demand"].extras == pytest.approx(10 * seconds * 0.625 / 1e6 + backups + streams)
    # Provisioned at peak+20 %: 12 WCU replicated at $0.00065 per rWCU-hour; the free tier covers the
    # 1 RCU and 12 WCU (both under 25) every hour.
    replicated = 12 * 730 * 0.00065
    free = 1 * 730 * 0.00013 + 12 * 730 * 0.00065
    assert by["provisioned"].extras == pytest.approx(backups + streams + replicated - free)
    assert "replicated writes to 1 region(s)" in by["provisioned"].extras_detail
    assert "free tier" in by["provisioned"].extras_detail and "free tier" not in by["on_demand"].extras_detail
    assert by["on_demand"].total == pytest.approx(by["on_demand"].throughput + by["on_demand"].extras)
    assert "includes" in _text(p)
    bare = json.loads(BUNDLED.read_text())
    del bare["regions"]["us-east-1"]["backup_gb_month"]
    with pytest.raises(KeyError, match="backup_gb_month"):
        plan(
            parse_workload({"patterns": ONE_WRITE, "extras": {"backup_gb": 1}}),
            PriceBook.model_validate(bare),
        )


def test_every_new_figure_has_a_source_and_a_date() -> None:
    data = json.loads(BUNDLED.read_text())
    for region in data["regions"].values():
        for name in (
            "free_tier_wcu",
            "replicated_write_per_million",
            "replicated_wcu_hour",
            "backup_gb_month",
            "stream_read_per_100k",
            "stream_free_reads",
        ):
            assert region[name]["source"].startswith("https://") and region[name]["date"] == "2024-11-01"


def test_plot_has_no_empty_panels_legends_units_and_plain_dollars(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from singletable.cost.plot import build_figure, plot_plan

    spiky = [{"name": "w", "kind": "write", "rate": 2000, "item_kb": 1}]  # write-only, $ in the thousands
    factors = [1.0] * 600 + [40.0] * 30 + [1.0] * 810
    p = plan(parse_workload({"patterns": spiky}), factors=factors)
    fig = build_figure(p)
    try:
        fig.canvas.draw()
        panels = fig.axes
        assert len(panels) == 3  # whole period + zoom for writes only, then cost: no empty read panels
        for ax in panels[:2]:
            assert ax.get_legend() is not None and ax.get_ylabel() == "WCU/s"
        zoom_labels = [t.get_text() for t in panels[1].get_legend().get_texts()]
        assert any(label.startswith("throttled (") and " min)" in label for label in zoom_labels)
        cost = panels[2]
        assert cost.xaxis.get_offset_text().get_text() == ""  # no "1e6" offset
        ticks = [t.get_text() for t in cost.get_xticklabels() if t.get_text()]
        assert ticks and all(t.startswith("$") for t in ticks)
        assert cost.get_xlabel().startswith("USD for one month")
        bar_texts = [t.get_text() for t in cost.texts]
        assert any("throttles" in t and "requests" in t for t in bar_texts)
    finally:
        plt.close(fig)
    out = plot_plan(p, tmp_path / "w.png")
    assert out.stat().st_size > 0
