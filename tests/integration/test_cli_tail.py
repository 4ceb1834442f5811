"""``singletable tail`` as a real process: it prints, within a couple of seconds, the changes another process
makes to the table on the local engine over HTTP (JSON lines, and coloured lines by entity)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import IO, Any

import pytest

from singletable import TableSpec, make_client
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature

pytestmark = [pytest.mark.integration, requires_engine_feature("streams")]

CLI = [sys.executable, "-m", "singletable.cli"]
WRITER = """
import sys
from singletable import Table, TableSpec, Update
from singletable.seed import ENTITIES, User
t = Table(TableSpec(sys.argv[1]), endpoint_url=sys.argv[2], entities=ENTITIES)
t.put(User(user_id="7", name="Ada", email="ada@example.com"))
t.update(User, Update().set(name="Ada L."), user_id="7")
t.put_item({"PK": "NOTE#1", "SK": "X", "text": "hello"})
t.delete(User, user_id="7")
"""


@pytest.fixture
def streamed(singletable_endpoint: str) -> Iterator[str]:
    name = f"tail-{uuid.uuid4().hex[:10]}"
    client = make_client(endpoint_url=singletable_endpoint)
    engine_table_spec(name, stream_view_type="NEW_AND_OLD_IMAGES").create(client)
    yield name
    drop_table(http_engine(), TableSpec(name=name), client)


def _lines(stream: IO[str], into: queue.Queue[tuple[float, str]]) -> None:
    for line in stream:
        into.put((time.monotonic(), line.rstrip("\n")))


def _start_tail(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[str], queue.Queue[tuple[float, str]]]:
    proc = subprocess.Popen(
        [*CLI, "tail", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    out: queue.Queue[tuple[float, str]] = queue.Queue()
    assert proc.stdout is not None and proc.stderr is not None
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    ready = proc.stderr.readline()  # printed once the stream is described: changes from now on are seen
    assert "following the stream" in ready, ready + proc.stderr.read()
    return proc, out


def _collect(
    proc: subprocess.Popen[str], out: queue.Queue[tuple[float, str]], n: int
) -> list[tuple[float, str]]:
    got: list[tuple[float, str]] = []
    deadline = time.monotonic() + 20
    while len(got) < n and time.monotonic() < deadline:
        try:
            got.append(out.get(timeout=0.5))
        except queue.Empty:
            continue
    proc.wait(timeout=10)
    return got


def _env(endpoint: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_"))}
    return keep | {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "COLUMNS": "200", **extra}


def _write(name: str, endpoint: str) -> float:
    """Make four changes from another process; the time the writes were done."""
    subprocess.run([sys.executable, "-c", WRITER, name, endpoint], check=True, env=_env(endpoint))
    return time.monotonic()


def test_tail_prints_another_process_changes_as_json_lines(streamed: str, singletable_endpoint: str) -> None:
    proc, out = _start_tail(
        ["--table", streamed, "--from", "latest", "-o", "jsonl", "--count", "4", "--interval", "0.2"],
        _env(singletable_endpoint),
    )
    written = _write(streamed, singletable_endpoint)
    got = _collect(proc, out, 4)
    assert proc.returncode == 0
    changes: list[dict[str, Any]] = [json.loads(line) for _, line in got]
    assert [(c["kind"], c["entity"], c["keys"]["PK"]) for c in changes] == [
        ("insert", "User", "USER#7"),
        ("modify", "User", "USER#7"),
        ("insert", None, "NOTE#1"),
        ("remove", "User", "USER#7"),
    ]
    assert changes[1]["old"]["name"] == "Ada" and changes[1]["new"]["name"] == "Ada L."
    assert changes[3]["new"] is None and changes[3]["old"]["email"] == "ada@example.com"
    # The last change was on stdout within a couple of seconds of the writes.
    assert got[-1][0] - written < 2.0


def test_tail_colours_by_entity_from_trim_horizon(streamed: str, singletable_endpoint: str) -> None:
    _write(streamed, singletable_endpoint)
    proc, out = _start_tail(
        ["--table", streamed, "--from", "trim-horizon", "--idle-exit", "0.5", "--interval", "0.1"],
        _env(singletable_endpoint, FORCE_COLOR="1", TERM="xterm-256color"),
    )
    lines = [line for _, line in _collect(proc, out, 4)]
    assert proc.returncode == 0 and len(lines) == 4
    assert "\x1b[" in lines[0] and "User" in lines[0] and "USER#7 / PROFILE" in lines[0]
    assert 'name: "Ada" -> "Ada L."' in lines[1]
    assert "NOTE#1" in lines[2] and "item" in lines[2]
    assert "REMOVE" in lines[3]


def test_env_points_the_aws_cli_at_the_local_stream(
    streamed: str, singletable_endpoint: str, tmp_path: Any
) -> None:
    """``eval "$(singletable env)"`` also sets AWS_ENDPOINT_URL_DYNAMODB_STREAMS: the aws CLI's
    ``dynamodbstreams`` commands read the local engine's stream, as its ``dynamodb`` ones read the table."""
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    if not os.path.exists(aws):
        pytest.skip("the aws CLI is not installed in this environment")
    script = (
        f'eval "$({sys.executable} -m singletable.cli env --endpoint-url {singletable_endpoint})"\n'
        f"{aws} dynamodbstreams list-streams --table-name {streamed} --output json"
    )
    env = _env(singletable_endpoint, XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    env.pop("AWS_ENDPOINT_URL_DYNAMODB")
    done = subprocess.run(["bash", "-ec", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert [s["TableName"] for s in json.loads(done.stdout)["Streams"]] == [streamed]
