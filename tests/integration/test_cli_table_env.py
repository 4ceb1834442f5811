"""`singletable table create | describe | list | delete`, `singletable env` (the local-setup step) and `local`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singletable import TableSpec, make_client
from singletable.cli.app import app
from singletable.cli.env import wait_for
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in list(os.environ):
        if name.startswith(("AWS_", "SINGLETABLE_")):
            monkeypatch.delenv(name)


def lacking_flags() -> list[str]:
    """table create's flags for what the HTTP engine lacks (none on moto)."""
    spec = engine_table_spec()
    flags = [] if spec.point_in_time_recovery else ["--no-pitr"]
    flags += [] if spec.encryption else ["--no-encryption"]
    return flags + ([] if spec.ttl_attribute else ["--ttl-attribute", ""])


def test_table_create_list_describe_delete(singletable_endpoint: str) -> None:
    name = f"cli-table-{uuid.uuid4().hex[:8]}"
    common = ["--table", name, "--endpoint-url", singletable_endpoint]
    create = ["table", "create", *common, *lacking_flags()]
    made = runner.invoke(app, [*create, "--no-deletion-protection"])
    assert made.exit_code == 0, made.output
    assert f"table {name!r} ready at {singletable_endpoint}" in made.output
    assert engine_table_spec(name).verify(make_client(endpoint_url=singletable_endpoint)) == []

    again = runner.invoke(app, [*create, "--no-deletion-protection"])
    assert again.exit_code == 1 and "[ST321]" in again.output and "--exist-ok" in again.output
    ok = runner.invoke(app, [*create, "--no-deletion-protection", "--exist-ok"])
    assert ok.exit_code == 0, ok.output

    listed = runner.invoke(app, ["table", "list", "--endpoint-url", singletable_endpoint])
    assert name in listed.stdout.splitlines()
    desc = runner.invoke(app, ["table", "describe", *common])
    assert json.loads(desc.stdout)["TableName"] == name

    unsure = runner.invoke(app, ["table", "delete", *common])
    assert unsure.exit_code == 2 and "--yes" in unsure.output
    gone = runner.invoke(app, ["table", "delete", *common, "--yes"])
    assert gone.exit_code == 0, gone.output
    missing = runner.invoke(app, ["table", "describe", *common])
    assert missing.exit_code == 1 and "[ST300]" in missing.output


@requires_engine_feature("deletion_protection")  # dynalite could not drop the table afterwards
def test_table_delete_refuses_a_protected_table(singletable_endpoint: str) -> None:
    name = f"cli-prot-{uuid.uuid4().hex[:8]}"
    common = ["--table", name, "--endpoint-url", singletable_endpoint]
    assert runner.invoke(app, ["table", "create", *common, *lacking_flags()]).exit_code == 0
    try:
        refused = runner.invoke(app, ["table", "delete", *common, "--yes"])
        assert refused.exit_code == 1 and "[ST320]" in refused.output
        assert "--no-deletion-protection-enabled" in refused.output
    finally:
        TableSpec(name=name).delete(make_client(endpoint_url=singletable_endpoint))


def test_table_create_refuses_a_bad_billing_mode() -> None:
    bad = runner.invoke(
        app, ["table", "create", "--billing-mode", "FREE", "--endpoint-url", "http://127.0.0.1:9"]
    )
    assert bad.exit_code == 2 and "PAY_PER_REQUEST or PROVISIONED" in bad.output


def test_env_lets_the_aws_cli_and_the_seed_profile_reach_the_engine(
    singletable_endpoint: str, tmp_path: Path
) -> None:
    port = singletable_endpoint.rsplit(":", 1)[1]
    done = runner.invoke(app, ["env", "--port", port])
    assert done.exit_code == 0, done.output
    folder = tmp_path / "xdg" / "singletable" / "local-aws"
    assert (folder / "config").is_file() and (folder / "credentials").is_file()
    assert f"export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:{port}" in done.stdout
    # As a user would: eval the exports in a shell with no AWS settings, then the seed's aws command.
    script = f'eval "$({Path(sys.executable).parent}/singletable env --port {port})" && aws dynamodb list-tables --profile dynamodb-svc && aws dynamodb list-tables'
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
    }
    shell = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.count('"TableNames"') == 2


def test_env_warns_when_nothing_listens() -> None:
    assert not wait_for("http://127.0.0.1:9", 0.2)
    done = runner.invoke(app, ["env", "--port", "9", "--wait", "0.2"])
    assert done.exit_code == 0
    assert "nothing answers at http://127.0.0.1:9" in done.stderr
    assert "export AWS_CONFIG_FILE=" in done.stdout


def test_local_on_a_busy_port_exits_2_at_once_naming_the_port() -> None:
    import socket
    import time

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "singletable", "local", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert f"[ST322] port {port} on 127.0.0.1 is in use" in done.stderr
    assert time.monotonic() - started < 30  # it hung for minutes before


@pytest.fixture
def filled(singletable_endpoint: str) -> Iterator[list[str]]:
    name = f"cli-bg-{uuid.uuid4().hex[:8]}"
    client = make_client(endpoint_url=singletable_endpoint)
    engine_table_spec(name).create(client)
    common = ["--table", name, "--endpoint-url", singletable_endpoint]
    for i in (1, 2, 3):
        item = f'{{"PK":"USER#9","SK":"ORDER#{i}","order_date":"2023-0{i}-15","total":{i * 30}}}'
        assert runner.invoke(app, ["put", item, *common]).exit_code == 0
    yield common
    drop_table(http_engine(), TableSpec(name=name), client)


def test_batch_get_in_order_and_exit_1_naming_the_missing(filled: list[str], tmp_path: Path) -> None:
    done = runner.invoke(
        app,
        [
            "batch-get",
            "--key",
            "USER#9/ORDER#3",
            "--key",
            "USER#9/ORDER#7",
            "--key",
            "USER#9/ORDER#1",
            *filled,
            "-o",
            "jsonl",
        ],
    )
    assert done.exit_code == 1
    assert [json.loads(line)["SK"] for line in done.stdout.splitlines()] == ["ORDER#3", "ORDER#1"]
    assert "[ST200] 1 of 3 keys not found" in done.stderr and "USER#9/ORDER#7" in done.stderr
    keys = tmp_path / "keys.jsonl"
    keys.write_text('{"PK":"USER#9","SK":"ORDER#2"}\n')
    from_file = runner.invoke(app, ["batch-get", "--keys", str(keys), *filled, "-o", "jsonl"])
    assert from_file.exit_code == 0 and json.loads(from_file.stdout)["total"] == 60
    bad = runner.invoke(app, ["batch-get", "--key", "USER#9", *filled])
    assert bad.exit_code == 2 and "is not PK/SK" in bad.stderr


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["total>=50"], ["ORDER#2", "ORDER#3"]),
        (["total>=50", "order_date^=2023-03"], ["ORDER#3"]),
        (["total=30"], ["ORDER#1"]),
        (["total?"], ["ORDER#1", "ORDER#2", "ORDER#3"]),
        (["!total"], []),
        (["order_date!=2023-01-15"], ["ORDER#2", "ORDER#3"]),
    ],
)
def test_query_filter(filled: list[str], filters: list[str], expected: list[str]) -> None:
    argv = ["query", "--pk", "USER#9", *filled, "-o", "jsonl"]
    for f in filters:
        argv += ["--filter", f]
    done = runner.invoke(app, argv)
    assert done.exit_code == 0, done.output
    assert [json.loads(line)["SK"] for line in done.stdout.splitlines()] == expected


def test_query_filter_that_is_not_one() -> None:
    done = runner.invoke(
        app, ["query", "--pk", "A", "--filter", "total", "--endpoint-url", "http://127.0.0.1:9"]
    )
    assert done.exit_code == 2 and "--filter 'total' is not NAME OP VALUE" in done.stderr
