"""The three local engines: DynamoDB Local starts and stops, ``singletable local --engine`` serves each,
the plugin's per-engine fixtures run a test once per engine and skip, saying why, where one is missing."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singletable import make_client
from singletable.cli import app
from singletable.errors import EngineNotInstalledError
from singletable.local import dynamodb_local as ddbl
from singletable.local import engines
from singletable.local.dynamodb_local import DynamoDBLocalNotInstalled, DynamoDBLocalServer
from singletable.testing import EngineRef, table_spec_for

pytestmark = pytest.mark.integration


def test_dynamodb_local_answers_and_reports_its_jvm_start(
    singletable_dynamodb_local: DynamoDBLocalServer,
) -> None:
    server = singletable_dynamodb_local
    assert server.startup_seconds is not None and 0 < server.startup_seconds < server.startup_timeout
    client = make_client(endpoint_url=server.endpoint_url)
    spec = table_spec_for("dynamodb-local")
    spec.create(client)
    try:
        assert client.describe_table(TableName=spec.name)["Table"]["TableStatus"] == "ACTIVE"
        # -sharedDb: a client with other credentials and region sees the same tables.
        other = make_client(endpoint_url=server.endpoint_url, region="eu-west-1")
        assert spec.name in other.list_tables()["TableNames"]
    finally:
        spec.delete(client)


def test_missing_java_or_jar_is_reported_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ddbl, "find_java", lambda: None)
    assert ddbl.find_dynamodb_local() is None
    why = engines.engine_available("dynamodb-local")
    assert why is not None and "java" in why
    with pytest.raises(EngineNotInstalledError) as caught:
        engines.start_engine("dynamodb-local")
    assert caught.value.code == "ST770" and "install-dynamodb-local.sh" in (caught.value.hint or "")
    monkeypatch.undo()
    with pytest.raises(DynamoDBLocalNotInstalled) as missing:
        DynamoDBLocalServer(tmp_path / "DynamoDBLocal.jar").start()
    assert missing.value.code == "ST770"


def test_install_script_is_tolerant_without_npm(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "install-dynamodb-local.sh"
    done = subprocess.run(
        ["/bin/bash", str(script), str(tmp_path / "dest")],
        env={"PATH": str(tmp_path)},  # neither npm nor java on it
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and "npm is needed" in done.stderr
    assert not (tmp_path / "dest").exists()


def test_engine_runs_once_per_engine(singletable_engine: EngineRef, request: pytest.FixtureRequest) -> None:
    assert request.node.callspec.id == singletable_engine.name
    assert request.node.get_closest_marker(singletable_engine.name.replace("-", "_")) is not None
    assert make_client(endpoint_url=singletable_engine.endpoint_url).list_tables()["TableNames"] is not None


@pytest.mark.singletable_engines("dynamodb-local")
def test_the_marker_chooses_the_engines(singletable_engine: EngineRef) -> None:
    assert singletable_engine.name == "dynamodb-local"
    assert singletable_engine.lacks == {
        "pitr",
        "encryption",
        "stream_latest_iterator",
        "ttl_deletion_records",
    }


# dynalite goes through the same start_engine path; one JVM start is enough of the time budget.
@pytest.mark.parametrize("engine", ["dynamodb-local"])
def test_local_engine_cli_serves_until_ctrl_c(engine: str) -> None:
    why = engines.engine_available(engine)  # type: ignore[arg-type]
    if why is not None:
        pytest.skip(why)
    process = subprocess.Popen(
        [sys.executable, "-m", "singletable.cli", "local", "--engine", engine, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = make_client(endpoint_url=url)
        spec = table_spec_for(engine, f"cli-{uuid.uuid4().hex[:8]}")  # type: ignore[arg-type]
        spec.create(client)
        assert spec.name in client.list_tables()["TableNames"]
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"{engine} listening on" in err


def test_local_engine_cli_refuses_what_the_engine_cannot_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["local", "--engine", "dynamodb-local", "--data", str(tmp_path)])
    assert result.exit_code != 0
    assert "[ST771]" in result.output and "--engine moto" in result.output
    result = CliRunner().invoke(app, ["local", "--engine", "nosuch"])
    assert result.exit_code == 2 and "moto" in result.output
