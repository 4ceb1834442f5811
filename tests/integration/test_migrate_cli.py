"""`singletable migrate` end to end on the local engine over HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from singletable import Table
from singletable.migrate import Ledger
from singletable.testing import drop_table, http_engine
from tests.migrate_support import TicketV0, engine_spec, seed, write_folder

pytestmark = pytest.mark.integration


def test_cli(singletable_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from singletable.cli.app import app
    from singletable.client import make_client

    name = f"cli-{time.time_ns()}"
    s = engine_spec(name)
    client = make_client(endpoint_url=singletable_endpoint)
    s.create(client)
    seed(Table(s, client=client, entities=[TicketV0]), 40)
    write_folder(tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    env = {"AWS_ENDPOINT_URL_DYNAMODB": singletable_endpoint, "SINGLETABLE_TABLE": name, "COLUMNS": "200"}
    run = CliRunner()
    for command in ("status", "plan", "up", "down", "verify"):
        assert (
            f"Example: singletable migrate {command}"
            in run.invoke(app, ["migrate", command, "--help"], env=env).stdout
        )
    plan = run.invoke(app, ["migrate", "plan"], env=env)
    assert "0001_tickets_by_queue: rewrite Ticket's index keys (GSI2)" in plan.stdout
    dry = run.invoke(app, ["migrate", "up", "--dry-run", "--no-progress"], env=env)
    assert dry.exit_code == 0 and "would change 40" in dry.stdout and "on demand" in dry.stdout
    up = run.invoke(app, ["migrate", "up", "--segments", "2", "--wcu", "500"], env=env)
    assert up.exit_code == 0 and "changed 40" in up.stdout, up.output
    assert "applied" in run.invoke(app, ["migrate", "status"], env=env).stdout
    assert "0 still to change: ok" in run.invoke(app, ["migrate", "verify"], env=env).stdout
    down = run.invoke(app, ["migrate", "down"], env=env)
    assert down.exit_code == 1 and "[ST705]" in down.output
    Ledger(Table(s, client=client)).acquire("someone-else", 30)
    (tmp_path / "migrations" / "0002_more.py").write_text("def up(ctx):\n    pass\n")
    locked = run.invoke(app, ["migrate", "up"], env=env)
    assert locked.exit_code == 1 and "[ST703]" in locked.output and "someone-else" in locked.output
    drop_table(http_engine(), s, client)
