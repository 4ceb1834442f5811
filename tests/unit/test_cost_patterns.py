"""Cost per access pattern from the code (``singletable cost --rates``), the ledger's one-off loads and
window, and the quota warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.cli import app
from singletable.cli.appref import seed_schema
from singletable.cost import load_pricing, plan, workload_from_records
from singletable.cost.patterns import load_rates, price_patterns, workload_of
from singletable.errors import RatesFileError

RATES = Path(__file__).resolve().parents[2] / "examples" / "rates" / "demo.toml"
runner = CliRunner()
MONTH_S = 730 * 3600  # the bundled price book's month
RRU, WRU = 0.125 / 1e6, 0.625 / 1e6  # us-east-1 on demand, per request unit (pricing.json, 2024-11-01)


def test_the_demo_patterns_match_a_hand_computation() -> None:
    book = load_pricing()
    costs = {
        c.name: c
        for c in price_patterns(seed_schema(), load_rates(RATES), book.region("us-east-1"), hours=730)
    }
    # Estimated sizes (lint.sizing): User 114 B, Order 96 B, UserOrder 94 B; all under 1 KB and 4 KB.
    get = costs["get profile"]
    assert (get.item_bytes, get.rcu_per_request) == (114, 0.5)  # eventual: half of 1 RCU per 4 KB
    assert get.on_demand_usd_month == pytest.approx(200 * 0.5 * MONTH_S * RRU)  # $32.85
    page = costs["user + all orders (1 query)"]
    assert page.rcu_per_request == 0.5  # 6 x 94 = 564 B summed, rounded up once: 1 RCU, halved
    assert page.on_demand_usd_month == pytest.approx(50 * 0.5 * MONTH_S * RRU)  # $8.2125
    assert costs["reverse lookup via GSI1"].rcu_per_s == 5.0  # 10/s x 0.5 (GSI reads are eventual)
    tx = costs["create order"]
    # Order: 1 KB doubled in the transaction (2) + its GSI1 entry (1, a standard write); UserOrder the same.
    assert (tx.table_wcu_per_request, tx.index_wcu_per_request, tx.transactional) == (4.0, 2.0, True)
    assert tx.wcu_per_s == 120.0 and tx.on_demand_usd_month == pytest.approx(120 * MONTH_S * WRU)  # $197.10
    signup = costs["sign up"]
    assert (signup.table_wcu_per_request, signup.index_wcu_per_request) == (1.0, 1.0)  # table + GSI1 (ALL)
    assert signup.on_demand_usd_month == pytest.approx(5 * 2 * MONTH_S * WRU)  # $16.425
    total = sum(c.on_demand_usd_month for c in costs.values())
    assert total == pytest.approx(266.085)  # 32.85 + 8.2125 + 3.285 + 1.6425 + 197.10 + 16.425 + 6.57
    assert sum(c.share for c in costs.values()) == pytest.approx(1.0)
    # The table under every billing mode: on demand is the patterns' sum.
    w = workload_of(load_rates(RATES), list(costs.values()), book)
    result = plan(w, book)
    assert result.on_demand.throughput == pytest.approx(total)
    assert w.base_rcu() == pytest.approx(140.0) and w.base_wcu() == pytest.approx(134.0)


def test_declared_sizes_and_the_sparse_gsi1_change_the_figures(tmp_path: Path) -> None:
    rates = load_rates(RATES)
    region = load_pricing().region("us-east-1")
    big = {
        c.name: c for c in price_patterns(seed_schema(), rates, region, hours=730, item_sizes={"User": 3000})
    }
    assert big["sign up"].wcu_per_request == 6.0  # 3 KB: 3 WCU in the table and 3 in GSI1 (ALL)
    assert big["get profile"].rcu_per_request == 0.5
    sparse_app = tmp_path / "sparse_app.py"
    sparse_app.write_text(
        "from singletable.schema import Schema\nfrom singletable.seed import ENTITIES\n"
        "from singletable.spec import SPARSE_GSI1, TableSpec\n"
        "schema = Schema(TableSpec(indexes=(SPARSE_GSI1,)), entities=ENTITIES)\n"
    )
    result = runner.invoke(
        app, ["cost", "--rates", str(RATES), "--app", f"{sparse_app}:schema", "--no-plot", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    by = {p["name"]: p for p in json.loads(result.stdout)["patterns"]}
    assert by["sign up"]["index_wcu_per_request"] == 0.0  # a User is not in the sparse GSI1
    assert by["create order"]["index_wcu_per_request"] == 1.0  # only the UserOrder edge is


def test_cli_prints_the_pattern_table_and_json() -> None:
    result = runner.invoke(app, ["cost", "--rates", str(RATES), "--no-plot"])
    assert result.exit_code == 0, result.output
    assert "Cost per access pattern" in result.output and "create order" in result.output
    assert "$197.10" in result.output and "$266.09" in result.output
    data = json.loads(runner.invoke(app, ["cost", "--rates", str(RATES), "--no-plot", "--json"]).stdout)
    assert data["modes"][0]["throughput_usd"] == pytest.approx(266.085, abs=1e-3)
    assert len(data["patterns"]) == 7


def test_bad_rates_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[patterns]]\nname = "x"\nop = "get"\nentity = "User"\nper_s = inf\n')
    with pytest.raises(RatesFileError, match="finite"):
        load_rates(bad)
    bad.write_text('[[patterns]]\nname = "x"\nop = "get"\nentity = "Nobody"\nper_s = 1\n')
    result = runner.invoke(app, ["cost", "--rates", str(bad), "--no-plot"])
    assert result.exit_code == 2 and "ST760" in result.output and "Nobody" in result.output
    bad.write_text('[[patterns]]\nname = "x"\nop = "transaction"\nper_s = 1\n')
    assert "writes" in runner.invoke(app, ["cost", "--rates", str(bad), "--no-plot"]).output
    bad.write_text('[[patterns]]\nname = "x"\nop = "get"\nentity = "User"\nper_s = 0\n')
    assert "rate is 0" in runner.invoke(app, ["cost", "--rates", str(bad), "--no-plot"]).output
    bad.write_text('[[patterns]]\nname = "x"\nop = "get"\nentity = "User"\n')  # no per_s, no ledger
    assert "states no per_s" in runner.invoke(app, ["cost", "--rates", str(bad), "--no-plot"]).output


def demo_like_ledger(tmp_path: Path) -> Path:
    """A demo's ledger: a 1,000-item bulk load in 2 s, then 1 s of access patterns."""
    ledger = CapacityLedger()
    t0 = 1_700_000_000.0
    for i in range(40):
        ledger.record(
            CapacityRecord("BatchWriteItem", "t", pattern="bulk load", write_units=50.0, at=t0 + i / 20)
        )
    for i in range(10):
        ledger.record(
            CapacityRecord("GetItem", "t", pattern="get profile", read_units=0.5, at=t0 + 2 + i / 10)
        )
    path = tmp_path / "demo.jsonl"
    ledger.dump(str(path))
    return path


def test_ledger_separates_one_off_loads_and_uses_the_window(tmp_path: Path) -> None:
    records = list(CapacityLedger.load(str(demo_like_ledger(tmp_path))))
    w = workload_from_records(records, scale=1000)
    assert [p.name for p in w.patterns] == ["get profile"]  # the bulk load is no steady rate
    assert w.base_wcu() == 0.0
    (load,) = w.one_off
    assert (load.name, load.calls, load.write_units) == ("bulk load", 40_000, 2_000_000.0)
    assert "WARNING" in w.description and "--window" in w.description  # a 0.9 s run
    stated = workload_from_records(records, window_seconds=60)
    assert stated.patterns[0].rate == pytest.approx(10 / 60) and "WARNING" not in stated.description
    everything = workload_from_records(records, one_off=[], window_seconds=3)
    assert {p.name for p in everything.patterns} == {"bulk load", "get profile"}
    result = plan(w)
    assert result.one_off_usd == pytest.approx(2_000_000 * WRU)
    assert result.to_dict()["one_off"][0]["name"] == "bulk load"


def test_quota_warnings(tmp_path: Path) -> None:
    path = demo_like_ledger(tmp_path)
    result = runner.invoke(
        app, ["cost", "--from-ledger", str(path), "--scale", "100000", "--no-plot", "--json"]
    )
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    # ~11 get/s x 100,000 x 0.5 RCU = 555,556 RCU/s: over the 40,000 table quota on demand and
    # provisioned, and the 80,000 account quota provisioned.
    assert any(w.startswith("on-demand:") and "40,000" in w for w in warnings)
    assert any(w.startswith("provisioned") and "account quota of 80,000" in w for w in warnings)
    calm = runner.invoke(app, ["cost", "--from-ledger", str(path), "--no-plot", "--json"])
    assert json.loads(calm.stdout)["warnings"] == []


def test_rates_without_per_s_take_the_ledgers_measured_rate(tmp_path: Path) -> None:
    rates = tmp_path / "measured.toml"
    rates.write_text('[[patterns]]\nname = "get profile"\nop = "get"\nentity = "User"\n')
    result = runner.invoke(
        app,
        [
            "cost",
            "--rates",
            str(rates),
            "--from-ledger",
            str(demo_like_ledger(tmp_path)),
            "--window",
            "10",
            "--json",
            "--no-plot",
        ],
    )
    assert result.exit_code == 0, result.output
    (pattern,) = json.loads(result.stdout)["patterns"]
    assert pattern["per_s"] == pytest.approx(1.0)  # 10 calls over the stated 10 s


def test_a_steady_pattern_named_with_load_is_not_a_one_off() -> None:
    from singletable.cost.workload import is_one_off

    assert is_one_off("bulk load") and is_one_off("write seed items") and is_one_off("backfill GSI2")
    assert not is_one_off("load profile") and not is_one_off("get profile")
    assert is_one_off("nightly", ["nightly"]) and not is_one_off("bulk load", [])
