"""export and import through the FaultProxy: one retry policy for every call, a final check that
catches a false success, resume after kill -9.

Sizes, small for ``make test``: ``SINGLETABLE_TRANSFER_ITEMS`` (default 2,000; the issue's 20,000 with
``SINGLETABLE_TRANSFER_ITEMS=20000``). The CLI runs with ``--max-attempts 1``: botocore does not retry,
so every transient fault reaches the transfer's own policy (and no test waits on botocore's backoff).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from singletable import TableSpec, make_client
from singletable.cli import verify
from singletable.cli.app import app
from singletable.cli.options import parse_item
from singletable.codec import deserialize
from singletable.local import LocalServer
from singletable.local.faults import FaultProxy, FaultRates
from singletable.table import Table

pytestmark = pytest.mark.integration

ITEMS = int(os.environ.get("SINGLETABLE_TRANSFER_ITEMS", "2000"))
#: At 50 % faults the batch layer's backoff makes an import take ~15 ms an item on 2 cores: fewer items.
FAULTED_ITEMS = int(os.environ.get("SINGLETABLE_TRANSFER_FAULTED_ITEMS", "400"))
runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"
REAL_BATCH_WRITE = Table.batch_write

#: Half of all requests fail, split evenly over the kinds (reset_after: applied, then the answer lost),
#: and a tenth of each batch comes back unprocessed.
HALF = FaultRates(
    throughput_exceeded=0.5 / 6,
    throttling=0.5 / 6,
    http_500=0.5 / 6,
    http_503=0.5 / 6,
    reset_before=0.5 / 6,
    reset_after=0.5 / 6,
    unprocessed=0.1,
)


@pytest.fixture(scope="module")
def direct(singletable_server: LocalServer) -> Any:
    return make_client(endpoint_url=singletable_server.endpoint_url)


def new_table(direct: Any) -> str:
    name = f"xfer-{uuid.uuid4().hex[:10]}"
    TableSpec(name=name, deletion_protection=False).create(direct)
    return name


@pytest.fixture
def table(direct: Any) -> Iterator[str]:
    name = new_table(direct)
    yield name
    TableSpec(name=name).delete(direct)


@pytest.fixture
def proxy(singletable_server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_server.endpoint_url, seed=21) as p:
        yield p


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in ("SINGLETABLE_TABLE", "SINGLETABLE_CONFIG", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def cli(endpoint: str, table: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(
        app,
        [*args, "--table", table, "--endpoint-url", endpoint, "--max-attempts", "1"],
        input=input,
        env={"COLUMNS": "200"},
    )


def reading(i: int) -> str:
    """One line of a sensor-readings file (a non-seed domain); every 7th line typed, with a set and bytes."""
    if i % 7 == 0:
        return json.dumps(
            {
                "PK": {"S": f"SENSOR#{i % 50:03d}"},
                "SK": {"S": f"READING#{i:06d}"},
                "tags": {"SS": ["calibrated", f"batch-{i % 3}"]},
                "raw": {"B": "AAECAw=="},
                "temp": {"N": f"{i % 40}.25"},
            }
        )
    return json.dumps(
        {"PK": f"SENSOR#{i % 50:03d}", "SK": f"READING#{i:06d}", "temp": float(f"{i % 40}.5"), "ok": True}
    )


def write_input(path: Path, n: int = ITEMS) -> Path:
    path.write_text("".join(reading(i) + "\n" for i in range(n)), encoding="utf-8")
    return path


def raw_items(direct: Any, table: str) -> list[dict[str, Any]]:
    pages = direct.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [row for page in pages for row in page["Items"]]


def content_hash(rows: list[dict[str, Any]]) -> str:
    def canon(row: dict[str, Any]) -> str:
        fixed = {k: ({t: sorted(v) for t, v in av.items()} if "SS" in av else av) for k, av in row.items()}
        return json.dumps(fixed, sort_keys=True, default=lambda b: base64.b64encode(b).decode())

    return hashlib.sha256("\n".join(sorted(canon(r) for r in rows)).encode()).hexdigest()


# -- 1. one retry policy -------------------------------------------------------------------------------


def test_import_and_export_complete_through_half_faults(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path
) -> None:
    source = write_input(clean_env / "in.jsonl", FAULTED_ITEMS)
    proxy.set_rates(HALF)
    imported = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert imported.exit_code == 0, imported.output
    assert (
        f"imported {FAULTED_ITEMS} of {FAULTED_ITEMS} items from in.jsonl into '{table}'" in imported.stderr
    )
    assert (
        f"checked: '{table}' holds {FAULTED_ITEMS} items, at least the {FAULTED_ITEMS} imported"
        in imported.stderr
    )
    assert not (clean_env / "in.jsonl.import-checkpoint").exists()
    stored = raw_items(direct, table)
    assert len(stored) == FAULTED_ITEMS

    exported = cli(proxy.endpoint_url, table, "export", "out.jsonl", "--page-size", "50")
    assert exported.exit_code == 0, exported.output
    assert f"exported {FAULTED_ITEMS} items from '{table}' to out.jsonl" in exported.stderr
    lines = (clean_env / "out.jsonl").read_text().splitlines()
    assert len(lines) == len(set(lines)) == FAULTED_ITEMS
    counts = proxy.counts()
    assert counts["requests"] > counts["forwarded"] > 0
    for kind in ("throttling", "http_500", "http_503", "reset_before", "reset_after"):
        assert counts[kind] > 0, counts

    proxy.set_rates(FaultRates())
    copy = new_table(direct)
    try:
        again = cli(proxy.endpoint_url, copy, "import", "out.jsonl", "--verify", "scan")
        assert again.exit_code == 0, again.output
        assert f"verified by scan: all {FAULTED_ITEMS} items read back as written" in again.stderr
        assert content_hash(raw_items(direct, copy)) == content_hash(stored)
    finally:
        TableSpec(name=copy).delete(direct)
    assert source.exists()


def test_a_transient_fault_before_the_first_write_is_retried_not_blamed_on_the_configuration(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path
) -> None:
    write_input(clean_env / "in.jsonl", 30)
    # Every DescribeTable fails: the import retries it until --deadline, then names the transient cause.
    proxy.set_rates(FaultRates(reset_before=1.0, operations=frozenset({"DescribeTable"})))
    result = cli(proxy.endpoint_url, table, "import", "in.jsonl", "--deadline", "1")
    assert result.exit_code == 1
    err = result.stderr.replace("\n", " ")
    assert (
        "error: [ST510] DescribeTable gave up after 1 s of transient faults (last: ConnectionClosedError"
        in err
    )
    assert "Fix: the engine kept failing transiently" in err
    assert "check --endpoint-url" not in err
    assert proxy.counts()["reset_before"] >= 3  # retried, not given up after --max-attempts
    assert raw_items(direct, table) == []

    # Half of them fail: the import goes through, the same for an export's page reads.
    proxy.set_rates(
        FaultRates(reset_before=0.25, http_503=0.25, operations=frozenset({"DescribeTable", "Scan"}))
    )
    ok = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert ok.exit_code == 0, ok.output
    out = cli(proxy.endpoint_url, table, "export", "out.jsonl", "--page-size", "5")
    assert out.exit_code == 0, out.output
    assert len((clean_env / "out.jsonl").read_text().splitlines()) == 30
    assert proxy.counts()["http_503"] > 0


def test_an_export_that_gives_up_names_resume(proxy: FaultProxy, table: str, clean_env: Path) -> None:
    write_input(clean_env / "in.jsonl", 40)
    assert cli(proxy.endpoint_url, table, "import", "in.jsonl").exit_code == 0
    proxy.set_rates(FaultRates(http_500=1.0, operations=frozenset({"Scan"})))
    result = cli(proxy.endpoint_url, table, "export", "out.jsonl", "--page-size", "10", "--deadline", "1")
    assert result.exit_code == 1
    err = result.stderr.replace("\n", " ")
    assert "[ST510] export page 1 gave up after 1 s of transient faults (last: InternalServerError" in err
    assert "carry on with: singletable export out.jsonl --resume" in err
    proxy.set_rates(FaultRates())
    resumed = cli(proxy.endpoint_url, table, "export", "out.jsonl", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len((clean_env / "out.jsonl").read_text().splitlines()) == 40


# -- 2. no false success -------------------------------------------------------------------------------


def recreate_after(monkeypatch: pytest.MonkeyPatch, direct: Any, table: str, calls: int) -> None:
    """Drop and recreate ``table`` right after the import's ``calls``-th batch write."""
    real = Table.batch_write
    seen = []

    def batch_write(self: Table, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)
        seen.append(1)
        if len(seen) == calls:
            TableSpec(name=table).delete(direct)
            TableSpec(name=table, deletion_protection=False).create(direct)
        return result

    monkeypatch.setattr(Table, "batch_write", batch_write)


def test_a_table_recreated_mid_import_is_a_shortfall_not_a_success(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_input(clean_env / "in.jsonl", 500)
    recreate_after(monkeypatch, direct, table, 2)
    result = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert result.exit_code == 1, result.output
    assert "imported" not in result.stderr
    err = result.stderr.replace("\n", " ")
    assert (
        f"error: [ST511] the import wrote 500 distinct keys but '{table}' holds only 300 items: at least 200 "
        "are missing. Fix: the table was recreated or items were deleted or changed meanwhile: run the same "
        "import again from the start"
    ) in err
    assert not (clean_env / "in.jsonl.import-checkpoint").exists()  # its records are no longer true
    monkeypatch.setattr(Table, "batch_write", REAL_BATCH_WRITE)
    again = cli(proxy.endpoint_url, table, "import", "in.jsonl", "--verify", "get")
    assert again.exit_code == 0, again.output
    assert "verified by batch get: all 500 items read back as written" in again.stderr


@pytest.mark.parametrize("how", ["get", "scan"])
def test_verify_names_missing_and_changed_items(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    write_input(clean_env / "in.jsonl", 120)
    real = Table.batch_write

    def batch_write(self: Table, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)
        if any(i["SK"] == "READING#000119" for i in kwargs["puts"]):  # the last batch: tamper afterwards
            direct.delete_item(
                TableName=table, Key={"PK": {"S": "SENSOR#003"}, "SK": {"S": "READING#000003"}}
            )
            direct.put_item(
                TableName=table,
                Item={"PK": {"S": "SENSOR#005"}, "SK": {"S": "READING#000005"}, "temp": {"N": "99"}},
            )
        return result

    monkeypatch.setattr(Table, "batch_write", batch_write)
    result = cli(proxy.endpoint_url, table, "import", "in.jsonl", "--verify", how)
    assert result.exit_code == 1, result.output
    err = result.stderr.replace("\n", " ")
    assert (
        f"error: [ST511] verified by {'batch get' if how == 'get' else 'scan'}: of the 120 items imported into "
        f"'{table}', 1 missing (SENSOR#003/READING#000003) and 1 with other contents (SENSOR#005/READING#000005)"
    ) in err


# -- 3. resume after kill -9 ---------------------------------------------------------------------------

#: Faults while a transfer is killed and resumed: every kind, a tenth of the requests.
TENTH = FaultRates(
    throughput_exceeded=0.02,
    throttling=0.02,
    http_500=0.02,
    http_503=0.02,
    reset_before=0.01,
    reset_after=0.01,
    unprocessed=0.02,
)


def run_cli(args: list[str], cwd: Path, endpoint: str, table: str) -> subprocess.Popen[str]:
    """The CLI as a real process (``python -m singletable.cli``), so that it can be killed with SIGKILL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_"))}
    env |= {"PYTHONPATH": str(SRC), "COLUMNS": "200", "XDG_CONFIG_HOME": str(cwd / "xdg")}
    return subprocess.Popen(
        [sys.executable, "-m", "singletable.cli", *args, "--table", table, "--endpoint-url", endpoint],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 60.0) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` (the transfer is under way), polled every 10 ms."""
    stop = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"finished before it could be killed: {process.communicate()}"
        assert time.monotonic() < stop, "the transfer did not get under way"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def finish(process: subprocess.Popen[str], sig: int | None = None) -> tuple[int, str]:
    """Wait for ``process`` (after sending it ``sig``), killed if it does not end: (exit code, stderr)."""
    if sig is not None:
        process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, " ".join(err.split())


def checkpointed_lines(path: Path) -> int:
    """Lines an import checkpoint records as durably written (a record torn by the kill is not)."""
    if not path.exists():
        return 0
    done = 0
    for text in path.read_text(encoding="utf-8").splitlines()[1:]:
        with contextlib.suppress(ValueError, KeyError):  # a record torn by the kill does not count
            done += sum(last - first + 1 for first, last in json.loads(text)["lines"])
    return done


def file_hash(path: Path) -> str:
    return content_hash_of(parse_item(line, what="line") for line in path.read_text().splitlines() if line)


def table_hash(direct: Any, table: str) -> str:
    return content_hash_of(deserialize(row) for row in raw_items(direct, table))


def content_hash_of(items: Iterable[dict[str, Any]]) -> str:
    return verify.content_hash(verify.item_hash(i) for i in items)


def test_import_killed_mid_transfer_resumes_with_only_the_rest(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path
) -> None:
    source = write_input(clean_env / "in.jsonl")
    checkpoint = clean_env / "in.jsonl.import-checkpoint"
    proxy.set_rates(TENTH)
    proxy.latency = 0.005
    started = time.monotonic()
    first = run_cli(["import", "in.jsonl"], clean_env, proxy.endpoint_url, table)
    kill_when(first, lambda: checkpointed_lines(checkpoint) >= ITEMS // 3)
    done, stored = checkpointed_lines(checkpoint), len(raw_items(direct, table))
    # Only the batch in flight (at most --batch-size items) can be written without being checkpointed.
    assert done <= stored <= done + 100, (done, stored)

    resumed = run_cli(
        ["import", "in.jsonl", "--resume", "--verify", "scan"], clean_env, proxy.endpoint_url, table
    )
    code, err = finish(resumed)
    elapsed = time.monotonic() - started
    assert code == 0, err
    assert (
        f"imported {ITEMS} of {ITEMS} items from in.jsonl into '{table}'; {done} already written before"
        in err
    )
    assert f"verified by scan: all {ITEMS} items read back as written" in err
    assert not checkpoint.exists()
    rows = raw_items(direct, table)
    assert len(rows) == len({(r["PK"]["S"], r["SK"]["S"]) for r in rows}) == ITEMS
    assert table_hash(direct, table) == file_hash(source)
    print(  # the figures for the report (pytest -s)
        f"import of {ITEMS} killed after {done} checkpointed / {stored} stored; the resume wrote "
        f"{ITEMS - done} (rewrote {stored - done}); {elapsed:.1f} s in all; proxy {proxy.counts()}"
    )


def test_export_killed_mid_transfer_resumes_without_doubling(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path
) -> None:
    source = write_input(clean_env / "in.jsonl")
    loaded = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert loaded.exit_code == 0, loaded.output
    out, checkpoint = clean_env / "out.jsonl", clean_env / "out.jsonl.checkpoint"
    proxy.set_rates(TENTH)
    proxy.latency = 0.005
    args = ["export", "out.jsonl", "--page-size", "100"]

    def under_way() -> bool:
        try:
            return int(json.loads(checkpoint.read_text())["count"]) >= ITEMS // 3
        except (OSError, ValueError, KeyError):
            return False

    first = run_cli(args, clean_env, proxy.endpoint_url, table)
    kill_when(first, under_way)
    at_kill = json.loads(checkpoint.read_text())["count"]
    assert at_kill < ITEMS
    code, err = finish(run_cli([*args, "--resume"], clean_env, proxy.endpoint_url, table))
    assert code == 0, err
    assert f"exported {ITEMS} items from '{table}' to out.jsonl" in err
    lines = out.read_text().splitlines()
    assert len(lines) == len(set(lines)) == ITEMS
    assert file_hash(out) == file_hash(source) == table_hash(direct, table)
    assert not checkpoint.exists()


# -- Ctrl-C, errors that match the cause, invalid UTF-8 ------------------------------------------------


def hook_batch_write(monkeypatch: pytest.MonkeyPatch, on_call: int, action: Callable[[], None]) -> None:
    """Run ``action`` right after the import's ``on_call``-th batch write (before it returns)."""
    calls = []

    def batch_write(self: Table, *args: Any, **kwargs: Any) -> Any:
        result = REAL_BATCH_WRITE(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == on_call:
            action()
        return result

    monkeypatch.setattr(Table, "batch_write", batch_write)


def test_ctrl_c_during_an_import_says_what_was_done_and_how_to_resume(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_input(clean_env / "in.jsonl", 300)

    def interrupt() -> None:
        raise KeyboardInterrupt

    hook_batch_write(monkeypatch, 2, interrupt)  # the second batch is written, not yet checkpointed
    result = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert result.exit_code == 130
    assert (
        "interrupted with 100 of 300 items written: carry on with: singletable import in.jsonl --resume"
        in " ".join(result.stderr.split())
    )
    monkeypatch.setattr(Table, "batch_write", REAL_BATCH_WRITE)
    resumed = cli(proxy.endpoint_url, table, "import", "in.jsonl", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert f"imported 300 of 300 items from in.jsonl into '{table}'; 100 already written before" in " ".join(
        resumed.stderr.split()
    )
    assert len(raw_items(direct, table)) == 300


def test_a_table_dropped_mid_import_is_named_with_one_fix(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_input(clean_env / "in.jsonl", 300)
    hook_batch_write(monkeypatch, 1, lambda: TableSpec(name=table).delete(direct))
    try:
        result = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    finally:
        TableSpec(name=table, deletion_protection=False).create(direct)
    assert result.exit_code == 1
    err = " ".join(result.stderr.split())
    assert (
        f"error: [ST500] import into '{table}' stopped with 100 of 300 items written (the first not written is "
        f"line 101): table '{table}' not found at {proxy.endpoint_url}. Fix: check --table/--endpoint-url/"
        "--region, apply the Terraform module, or TableSpec.create(); then carry on with: singletable import "
        "in.jsonl --resume"
    ) in err
    assert err.count("Fix:") == 1 and ".unprocessed" not in err and ".." not in err


def test_invalid_utf8_is_a_bad_line_named_by_its_number(
    proxy: FaultProxy, direct: Any, table: str, clean_env: Path
) -> None:
    data = (reading(1) + "\n" + '{"PK":"SENSOR#001","SK":"\xff"}\n').encode() + b'{"PK":"X","SK":"\xff"}\n'
    data += (reading(2) + "\n").encode()
    (clean_env / "in.jsonl").write_bytes(data)
    refused = cli(proxy.endpoint_url, table, "import", "in.jsonl")
    assert refused.exit_code == 2
    assert "in.jsonl:3: line is not UTF-8 text (invalid start byte at byte 17 of the line)" in refused.stderr
    assert raw_items(direct, table) == []
    from_stdin = runner.invoke(
        app, ["import", "-", "--table", table, "--endpoint-url", proxy.endpoint_url], input=data
    )
    assert from_stdin.exit_code == 2
    assert "stdin:3: line is not UTF-8 text" in from_stdin.stderr
    skipped = cli(proxy.endpoint_url, table, "import", "in.jsonl", "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    assert "skipped 1 bad line (3)" in " ".join(skipped.stderr.split())
    assert len(raw_items(direct, table)) == 3  # line 2 is valid UTF-8 (ÿ): imported


def test_engine_messages_get_one_period_and_transient_ones_a_fix() -> None:
    from singletable.cli.options import describe
    from singletable.errors import EngineError

    err = EngineError(
        "Scan failed: InternalServerError: Internal server error.", aws_code="InternalServerError"
    )
    text, code = describe(err, None) or ("", 0)
    assert text == (
        "[ST900] Scan failed: InternalServerError: Internal server error. Fix: this fault is transient "
        "(throttling or an engine error): run the command again (a transfer: with --resume), or raise --max-attempts"
    )
    assert code == 1
    refused = EngineError("Scan failed: Odd: the engine said so.", aws_code="Odd", hint="read it")
    assert str(refused) == "[ST900] Scan failed: Odd: the engine said so. Fix: read it"
    bare = EngineError("Scan failed: Odd: the engine said so.", aws_code="Odd")
    assert describe(bare, None) == (
        "[ST900] Scan failed: Odd: the engine said so. Fix: the engine refused the request for the reason "
        "above; re-run with --debug for the full traceback",
        1,
    )


# -- the engine restarted mid-import -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_engine(port: int, data: Path) -> subprocess.Popen[str]:
    """``singletable local --data`` as a process of its own (one moto state per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_"))}
    env["PYTHONPATH"] = str(SRC)
    engine = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "singletable.cli",
            "local",
            "--port",
            str(port),
            "--ttl-sweep",
            "0",
            "--data",
            str(data),
            "--snapshot-interval",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert engine.stdout is not None
    assert engine.stdout.readline().strip() == f"http://127.0.0.1:{port}", engine.communicate(timeout=10)
    return engine


@pytest.mark.parametrize("restart", ["ctrl-c", "kill-9"])
def test_an_import_rides_through_an_engine_restart_or_names_the_shortfall(
    tmp_path: Path, restart: str
) -> None:
    """Ctrl-C: the engine's final snapshot holds every acknowledged write, the import waits for the
    engine to come back and completes. kill -9: the engine comes back with its last snapshot (the empty
    table), the import completes its writes but its final check finds the loss: exit 1, ST511."""
    port, data = free_port(), tmp_path / "engine"
    engine = start_engine(port, data)
    endpoint = f"http://127.0.0.1:{port}"
    importer: subprocess.Popen[str] | None = None
    try:
        TableSpec(name="readings", deletion_protection=False).create(make_client(endpoint_url=endpoint))
        finish(engine, signal.SIGINT)  # a snapshot holding the empty table
        engine = start_engine(port, data)
        source = write_input(tmp_path / "in.jsonl")
        checkpoint = tmp_path / "in.jsonl.import-checkpoint"
        importer = run_cli(["import", "in.jsonl", "--deadline", "60"], tmp_path, endpoint, "readings")
        stop = time.monotonic() + 60
        while checkpointed_lines(checkpoint) < ITEMS // 4:
            assert importer.poll() is None, f"finished before the restart: {importer.communicate()}"
            assert time.monotonic() < stop
            time.sleep(0.01)
        finish(engine, signal.SIGINT if restart == "ctrl-c" else signal.SIGKILL)
        engine = start_engine(port, data)
        code, err = finish(importer)
        client = make_client(endpoint_url=endpoint)
        if restart == "ctrl-c":
            assert code == 0, err
            assert f"imported {ITEMS} of {ITEMS} items from in.jsonl into 'readings'" in err
            assert table_hash(client, "readings") == file_hash(source)
        else:
            assert code == 1, err
            held = len(raw_items(client, "readings"))
            assert 0 < held < ITEMS
            assert (
                f"error: [ST511] the import wrote {ITEMS} distinct keys but 'readings' holds only {held} items"
            ) in err
    finally:
        for process in (importer, engine):
            if process is not None and process.poll() is None:
                finish(process, signal.SIGKILL)
