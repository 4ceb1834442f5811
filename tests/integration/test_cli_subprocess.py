"""The CLI as real processes: the installed ``singletable`` script and ``python -m singletable.cli``, side by
side with the seed's own ``aws dynamodb`` commands (real aws CLI), each seeing the other's items."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from singletable import TableSpec, make_client
from singletable.testing import drop_table, engine_table_spec, http_engine

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
SINGLETABLE = [str(BIN / "singletable")]
PYTHON_M = [sys.executable, "-m", "singletable.cli"]
AWS = BIN / "aws"

# The seed's commands, verbatim but for the table name.
SEED_PUT = """aws dynamodb put-item --table-name my-app-main-table --item '{"PK":{"S":"USER#123"},"SK":{"S":"PROFILE"},"name":{"S":"John"},"email":{"S":"john@example.com"}}' --profile dynamodb-svc"""
SEED_GET = """aws dynamodb get-item --table-name my-app-main-table --key '{"PK":{"S":"USER#123"},"SK":{"S":"PROFILE"}}' --profile dynamodb-svc"""
SEED_QUERY = """aws dynamodb query --table-name my-app-main-table --key-condition-expression 'PK = :pk' --expression-attribute-values '{":pk":{"S":"USER#123"}}' --profile dynamodb-svc"""


@pytest.fixture
def table(singletable_endpoint: str) -> Iterator[str]:
    name = f"cli-sub-{uuid.uuid4().hex[:10]}"
    client = make_client(endpoint_url=singletable_endpoint)
    engine_table_spec(name).create(client)
    yield name
    drop_table(http_engine(), TableSpec(name=name), client)


@pytest.fixture
def env(tmp_path: Path, singletable_endpoint: str) -> dict[str, str]:
    """A clean environment whose only AWS settings are a temp config defining the seed's profile."""
    config, credentials = tmp_path / "aws-config", tmp_path / "aws-credentials"
    config.write_text("[profile dynamodb-svc]\nregion = us-east-1\noutput = json\n")
    credentials.write_text("[dynamodb-svc]\naws_access_key_id = local\naws_secret_access_key = local\n")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_"))}
    return keep | {
        "AWS_ENDPOINT_URL_DYNAMODB": singletable_endpoint,
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "COLUMNS": "200",
    }


def run(
    argv: list[str], env: dict[str, str], cwd: Path, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, input=input, capture_output=True, text=True, timeout=60)


def aws(command: str, table: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    argv = shlex.split(command.replace("my-app-main-table", table))
    assert argv[0] == "aws"
    done = run([str(AWS), *argv[1:]], env, cwd)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout or "{}")  # put-item prints nothing
    return result


def test_seed_aws_commands_and_this_cli_see_each_others_items(
    table: str, env: dict[str, str], tmp_path: Path
) -> None:
    # aws writes, singletable (the installed script) reads.
    aws(SEED_PUT, table, env, tmp_path)
    got = run(
        [
            *SINGLETABLE,
            "get",
            "--pk",
            "USER#123",
            "--sk",
            "PROFILE",
            "--table",
            table,
            "--profile",
            "dynamodb-svc",
        ],
        env,
        tmp_path,
    )
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == {
        "PK": "USER#123",
        "SK": "PROFILE",
        "name": "John",
        "email": "john@example.com",
    }

    # singletable (python -m) writes plain JSON, aws reads typed JSON with the exact number.
    order_item = '{"PK":"ORDER#456","SK":"METADATA","user_id":"USER#123","total":99.99}'
    put = run([*PYTHON_M, "put", order_item, "--table", table, "--profile", "dynamodb-svc"], env, tmp_path)
    assert put.returncode == 0, put.stderr
    make_client(endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"]).put_item(
        TableName=table,
        Item={"PK": {"S": "USER#123"}, "SK": {"S": "ORDER#456"}, "order_date": {"S": "2023-02-15"}},
    )
    order = aws(
        SEED_GET.replace("USER#123", "ORDER#456").replace("PROFILE", "METADATA"), table, env, tmp_path
    )
    assert order["Item"]["total"] == {"N": "99.99"}
    listed = aws(SEED_QUERY, table, env, tmp_path)
    assert [i["SK"]["S"] for i in listed["Items"]] == ["ORDER#456", "PROFILE"]

    # And the partition, grouped by entity: the profile, then the orders.
    grouped = run([*SINGLETABLE, "query", "--pk", "USER#123", "-o", "table", "--table", table], env, tmp_path)
    assert grouped.returncode == 0, grouped.stderr
    assert grouped.stdout.index("User (1 item)") < grouped.stdout.index("UserOrder (1 item)")
    assert "2 items in partition 'USER#123': User 1, UserOrder 1" in grouped.stderr


def test_export_import_round_trip_as_processes(table: str, env: dict[str, str], tmp_path: Path) -> None:
    lines = [f'{{"PK":"USER#{i}","SK":"PROFILE","score":{i}.25,"n":{i}}}' for i in range(30)]
    imported = run([*SINGLETABLE, "import", "-", "--table", table], env, tmp_path, input="\n".join(lines))
    assert imported.returncode == 0, imported.stderr
    assert f"imported 30 of 30 items from stdin into '{table}'" in imported.stderr
    exported = run([*PYTHON_M, "export", "out.jsonl", "--table", table], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert f"exported 30 items from '{table}' to out.jsonl" in exported.stderr
    out = (tmp_path / "out.jsonl").read_text().splitlines()
    if http_engine() == "moto":
        assert sorted(out) == sorted(lines)  # byte for byte
    else:  # the same JSON, number text kept, attributes in the engine's order (docs/engines.md #33)

        def key(line: str) -> str:
            return json.dumps(json.loads(line, parse_float=str), sort_keys=True)

        assert sorted(map(key, out)) == sorted(map(key, lines))


def test_errors_are_one_line_without_traceback_unless_debug(
    table: str, env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = env | {"AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "1"}
    unreachable = run([*SINGLETABLE, "get", "--pk", "A", "--sk", "B", "--table", table], down, tmp_path)
    assert unreachable.returncode == 1
    assert unreachable.stdout == ""
    assert unreachable.stderr == (
        f"error: [ST310] cannot reach the engine at http://127.0.0.1:{port} ([Errno 111] Connection refused). "
        "Fix: start the local engine (singletable local) or check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB\n"
    )
    bad = run([*PYTHON_M, "put", '{"PK":"USER#1",', "--table", table], env, tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: [ST100] item is not valid JSON: Expecting property name")
    assert "Traceback" not in bad.stderr
    debug = run([*PYTHON_M, "put", '{"PK":"USER#1",', "--table", table, "--debug"], env, tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "singletable.errors.ValidationError: [ST100] item is not valid JSON" in debug.stderr
