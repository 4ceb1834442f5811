"""``singletable cost``: the command, the plot, measured traffic from a ledger, bad input."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.cli.app import app
from singletable.cost import load_workload, plan, traffic, workload_from_records
from singletable.cost.plot import HEIGHT_PX, WIDTH_PX, plot_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "workloads"
runner = CliRunner()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data[-8:-4] == b"IEND"
    return width, height


def test_plot_is_a_png_of_the_expected_size(tmp_path: Path) -> None:
    w = load_workload(EXAMPLES / "spiky-sale.toml")
    p = plan(w, factors=traffic.minute_factors(w.traffic, minutes=2 * 1440))  # two days: a quick plot
    out = plot_plan(p, tmp_path / "spiky.png")
    assert png_size(out) == (WIDTH_PX, HEIGHT_PX) == (1200, 900)


def test_cli_prints_the_comparison_and_writes_the_plot(tmp_path: Path) -> None:
    out = tmp_path / "steady.png"
    result = runner.invoke(app, ["cost", str(EXAMPLES / "steady-api.toml"), "--plot", str(out)])
    assert result.exit_code == 0, result.output
    for text in ("on-demand", "autoscaling", "reserved 1y", "Recommendation", "28.9%", "TTL", "Standard-IA"):
        assert text in result.output
    assert png_size(out) == (WIDTH_PX, HEIGHT_PX)


def test_cli_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cost", str(EXAMPLES / "csv-profile.toml"), "--json", "--no-plot"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["workload"] == "csv-profile" and data["plot"] is None
    modes = {m["mode"]: m for m in data["modes"]}
    assert set(modes) == {"on_demand", "provisioned", "autoscaling", "reserved_1y", "reserved_3y"}
    assert modes["on_demand"]["vs_on_demand_pct"] == 0
    assert data["break_even_utilisation"]["write"] == pytest.approx(0.288889, abs=1e-6)
    assert data["prices"]["on_demand_write_per_million"]["source"].startswith("https://")


def test_cli_bad_workload_exits_2_naming_field_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"patterns": [{"name": "p", "kind": "write", "rate": 0}], "region": 5}))
    result = runner.invoke(app, ["cost", str(bad), "--no-plot"])
    assert result.exit_code == 2
    assert "patterns[0].rate: Input should be greater than 0 (got 0) — fix: use a number greater than 0" in (
        result.output
    )
    assert "region" in result.output
    assert "Traceback" not in result.output
    for args in ([], [str(bad), "--from-ledger", str(bad)]):
        assert runner.invoke(app, ["cost", *args]).exit_code == 2
    unknown = runner.invoke(app, ["cost", str(EXAMPLES / "steady-api.toml"), "--region", "mars-1"])
    assert unknown.exit_code == 2 and "known: us-east-1" in unknown.output


def ledger_file(tmp_path: Path) -> Path:
    ledger = CapacityLedger()
    t0 = 1_700_000_000.0
    for i in range(100):  # 100 gets in 10 s: 10/s, 0.5 RCU each
        ledger.record(
            CapacityRecord("GetItem", "app", pattern="get profile", read_units=0.5, bytes=900, at=t0 + i / 10)
        )
    for i in range(20):  # 20 transactional puts: 2/s, 4 WCU each
        ledger.record(
            CapacityRecord(
                "TransactWriteItems", "app", pattern="create order", write_units=4.0, at=t0 + i / 2
            )
        )
    ledger.record(CapacityRecord("Query", "app", read_units=3.0, at=t0 + 10.0))
    path = tmp_path / "ledger.jsonl"
    ledger.dump(str(path))
    return path


def test_measured_traffic_from_a_ledger(tmp_path: Path) -> None:
    path = ledger_file(tmp_path)
    w = workload_from_records(CapacityLedger.load(str(path)), scale=100)
    by_name = {p.name: p for p in w.patterns}
    assert set(by_name) == {"get profile", "create order", "Query"}
    assert by_name["get profile"].rate == pytest.approx(1000)  # 100 calls / 10 s x 100
    assert by_name["get profile"].rcu_per_request() == 0.5
    assert by_name["create order"].wcu_per_request() == 4.0
    assert w.base_rcu() == pytest.approx(1000 * 0.5 + 10 * 3.0)
    assert w.base_wcu() == pytest.approx(200 * 4.0)

    saved = tmp_path / "measured.json"
    result = runner.invoke(
        app,
        [
            "cost",
            "--from-ledger",
            str(path),
            "--scale",
            "100",
            "--json",
            "--no-plot",
            "--save-workload",
            str(saved),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["base_rcu_per_s"] == pytest.approx(530) and data["base_wcu_per_s"] == pytest.approx(800)
    assert load_workload(saved).base_wcu() == pytest.approx(800)  # the saved workload round-trips

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = runner.invoke(app, ["cost", "--from-ledger", str(empty), "--no-plot"])
    assert result.exit_code == 2 and "no records" in result.output


def test_user_pricing_file(tmp_path: Path) -> None:
    from singletable.cost.pricing import BUNDLED

    data = json.loads(BUNDLED.read_text())
    data["regions"]["us-east-1"]["on_demand_write_per_million"]["value"] = 1.25
    data["regions"]["us-east-1"]["on_demand_read_per_million"]["value"] = 0.25
    mine = tmp_path / "prices.json"
    mine.write_text(json.dumps(data))
    result = runner.invoke(
        app, ["cost", str(EXAMPLES / "spiky-sale.toml"), "--pricing", str(mine), "--json", "--no-plot"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["break_even_utilisation"]["write"] == pytest.approx(0.144444, abs=1e-6)
    del data["regions"]["us-east-1"]["pitr_gb_month"]["source"]
    mine.write_text(json.dumps(data))
    result = runner.invoke(app, ["cost", str(EXAMPLES / "spiky-sale.toml"), "--pricing", str(mine)])
    assert result.exit_code == 2 and "pitr_gb_month.source" in result.output


def test_console_script_runs_on_an_example(tmp_path: Path) -> None:
    script = shutil.which("singletable", path=str(Path(sys.executable).parent)) or shutil.which("singletable")
    cmd = [script] if script else [sys.executable, "-c", "from singletable.cli import main; main()"]
    out = tmp_path / "spiky.png"
    proc = subprocess.run(
        [*cmd, "cost", str(EXAMPLES / "spiky-sale.toml"), "--plot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Use on-demand" in proc.stdout
    assert png_size(out) == (WIDTH_PX, HEIGHT_PX)
