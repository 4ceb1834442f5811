"""The demo runs end to end on the embedded engine and each access pattern costs what it should."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from singletable.capacity import CapacityLedger
from singletable.cli import app
from singletable.demo import run


def test_demo_runs_every_access_pattern(tmp_path: Path) -> None:
    buf = io.StringIO()
    ledger = tmp_path / "ledger.jsonl"
    summary = run(users=40, max_orders=5, ledger_path=str(ledger), console=Console(file=buf, width=120))
    text = buf.getvalue()
    assert (
        '{"PK": "ORDER#456", "SK": "METADATA", "_type": "Order", "user_id": "USER#123", "total": 99.99}'
        in text
    )
    patterns = summary["patterns"]
    assert patterns["user + all orders (1 query)"]["round_trips"] == 1
    # The naive way needs one round trip per item that the collection fetched in one.
    assert patterns["user + orders, naive N+1"]["round_trips"] == summary["collection_items"]
    assert patterns["reverse lookup via GSI1"]["rcu"] == 0.5
    assert patterns["get profile"]["rcu"] == 0.5
    assert "who has ORDER#456 -> ['USER#123']" in text
    assert len(CapacityLedger.load(str(ledger))) > 0


def test_demo_command_over_http() -> None:
    result = CliRunner().invoke(app, ["demo", "--users", "10", "--http"])
    assert result.exit_code == 0, result.output
    assert "local engine over HTTP" in result.output
