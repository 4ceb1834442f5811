"""Every CLI command against the local engine over HTTP, through typer's runner: output, exit codes and the
exact text of each error; export -> import round trips (count and content hash) and resumed exports."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from click.testing import Result
from typer.testing import CliRunner

from singletable import TableSpec, make_client
from singletable.cli import options, transfer
from singletable.cli.app import app
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature

pytestmark = pytest.mark.integration
runner = CliRunner()

PROFILE = '{"PK":"USER#123","SK":"PROFILE","name":"John Doe","email":"john@example.com"}'
ORDER = '{"PK":{"S":"ORDER#456"},"SK":{"S":"METADATA"},"user_id":{"S":"USER#123"},"total":{"N":"99.99"}}'
EDGES = [
    '{"PK":"USER#123","SK":"ORDER#456","order_date":"2023-02-15"}',
    '{"PK":"USER#123","SK":"ORDER#789","order_date":"2023-03-01","total":15}',
]


@pytest.fixture(scope="module")
def client(singletable_endpoint: str) -> Any:
    return make_client(endpoint_url=singletable_endpoint)


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the click command and each botocore client once per module, not once per invocation (each
    costs a few hundred ms on 2 cores); the subprocess tests run the real, uncached path."""
    monkeypatch.setattr(typer.testing, "_get_command", _command)
    monkeypatch.setattr(options.Connection, "client", _client)


_built: dict[int, Any] = {}
_clients: dict[tuple[Any, ...], Any] = {}
_real_get_command = typer.testing._get_command
_real_client = options.Connection.client


def _command(app: Any) -> Any:
    if id(app) not in _built:
        _built[id(app)] = _real_get_command(app)
    return _built[id(app)]


def _client(conn: options.Connection) -> Any:
    key = (conn.endpoint_url, conn.region, conn.profile, conn.max_attempts)
    if key not in _clients:
        _clients[key] = _real_client(conn)
    return _clients[key]


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a temp dir, with no config file or AWS settings from whoever runs the tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for var in (
        "SINGLETABLE_TABLE",
        "SINGLETABLE_CONFIG",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_MAX_ATTEMPTS",
        "SINGLETABLE_DEBUG",
    ):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def new_table(client: Any) -> str:
    # The module's spec on moto; without PITR (and TTL) on an engine lacking them (SINGLETABLE_HTTP_ENGINE).
    name = f"cli-{uuid.uuid4().hex[:12]}"
    engine_table_spec(name).create(client)
    return name


@pytest.fixture
def table(client: Any) -> Iterator[str]:
    name = new_table(client)
    yield name
    drop_table(http_engine(), TableSpec(name=name), client)


@pytest.fixture
def cli(table: str, singletable_endpoint: str) -> Any:
    """``cli("get", "--pk", ...)`` runs the command against this test's table."""

    def run(*args: str, input: str | None = None, on: str | None = None) -> Result:
        return runner.invoke(
            app,
            [*args, "--table", on or table, "--endpoint-url", singletable_endpoint],
            input=input,
            env={"COLUMNS": "200"},
        )

    return run


@pytest.fixture
def seeded(cli: Any) -> Any:
    for item in (PROFILE, ORDER, *EDGES):
        result = cli("put", item)
        assert result.exit_code == 0, result.output
    return cli


def raw_items(client: Any, name: str) -> list[dict[str, Any]]:
    """Every item, as DynamoDB holds it (typed), read with a plain client."""
    return [i for page in client.get_paginator("scan").paginate(TableName=name) for i in page["Items"]]


def content_hash(items: list[dict[str, Any]]) -> str:
    lines = sorted(json.dumps(i, sort_keys=True, default=str) for i in items)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# -- put / get / delete / update ------------------------------------------------------------------------


def test_put_get_plain_json_exact_numbers_and_capacity(client: Any, cli: Any, table: str) -> None:
    put = cli(
        "put",
        '{"PK":"ORDER#1","SK":"METADATA","total":99.99,"qty":3,"tiny":0.000000000000000000001}',
        "--capacity",
    )
    assert put.exit_code == 0, put.output
    assert put.stdout == ""
    assert f"put ORDER#1/METADATA into '{table}' (5 attributes)" in put.stderr
    # moto reports 1 WCU whatever the indexes; DynamoDB Local counts the GSI1 copy as DynamoDB does.
    reported = {"moto": "1", "dynamodb-local": "2", "dynalite": "1"}[http_engine()]
    assert (
        f"capacity: PutItem: 1 call, 1 item, 2 WCU (engine reported {reported})" in put.stderr
    )  # + GSI1 copy

    got = cli("get", "--pk", "ORDER#1", "--sk", "METADATA", "--consistent", "--capacity")
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout, parse_float=str) == {
        "PK": "ORDER#1",
        "SK": "METADATA",
        "total": "99.99",
        "qty": 3,
        "tiny": "1E-21",
    }
    assert '"total": 99.99,' in got.stdout
    # A consistent read is 1 RCU: DynamoDB Local says so, moto reports 0.5 (it ignores ConsistentRead).
    reported = {"moto": "0.5", "dynamodb-local": "1", "dynalite": "1"}[http_engine()]
    assert f"capacity: GetItem: 1 call, 1 item, 1 RCU (engine reported {reported})" in got.stderr
    stored = raw_items(client, table)[0]
    assert stored["total"] == {"N": "99.99"} and stored["qty"] == {"N": "3"}


def test_put_typed_json_is_detected_and_stored_as_is(client: Any, cli: Any, table: str) -> None:
    item = '{"PK":{"S":"USER#7"},"SK":{"S":"PROFILE"},"tags":{"SS":["a","b"]},"n":{"N":"1.50"},"on":{"BOOL":true}}'
    assert cli("put", item).exit_code == 0
    stored = raw_items(client, table)[0]
    assert stored["tags"] == {"SS": ["a", "b"]} and stored["on"] == {"BOOL": True}
    got = cli("get", "--pk", "USER#7", "--sk", "PROFILE", "-o", "jsonl")
    assert json.loads(got.stdout) == {
        "PK": "USER#7",
        "SK": "PROFILE",
        "tags": ["a", "b"],
        "n": 1.5,
        "on": True,
    }


def test_put_from_stdin_and_file(cli: Any, clean_env: Path) -> None:
    assert cli("put", "-", input=PROFILE).exit_code == 0
    (clean_env / "item.json").write_text(EDGES[0])
    assert cli("put", "@item.json").exit_code == 0
    got = cli("query", "--pk", "USER#123", "-o", "jsonl")
    assert [json.loads(line)["SK"] for line in got.stdout.splitlines()] == ["ORDER#456", "PROFILE"]


def test_put_create_only_fails_on_existing_item(cli: Any, table: str) -> None:
    assert cli("put", PROFILE, "--create-only").exit_code == 0
    again = cli("put", PROFILE, "--create-only")
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"error: [ST201] an item USER#123/PROFILE already exists in '{table}'. "
        "Fix: drop --create-only to replace it, or pick another key"
    )


def test_get_missing_item_exits_1(cli: Any, table: str) -> None:
    result = cli("get", "--pk", "USER#999", "--sk", "PROFILE")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: [ST200] no item USER#999/PROFILE in table '{table}'. Fix: check the key (PK and SK are "
        "case-sensitive), or list the partition: singletable query --pk USER#999"
    )


def test_get_table_output_and_projection(seeded: Any) -> None:
    result = seeded("get", "--pk", "ORDER#456", "--sk", "METADATA", "-o", "table")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "Order"
    assert any("total" in line and "99.99" in line for line in lines)
    proj = seeded("get", "--pk", "USER#123", "--sk", "PROFILE", "--attributes", "name", "-o", "jsonl")
    assert proj.stdout.strip() == '{"name":"John Doe"}'


def test_delete_prints_what_was_there_then_exits_1(seeded: Any, table: str) -> None:
    first = seeded("delete", "--pk", "USER#123", "--sk", "ORDER#789", "-o", "jsonl")
    assert first.exit_code == 0
    assert json.loads(first.stdout)["order_date"] == "2023-03-01"
    assert f"deleted USER#123/ORDER#789 from '{table}'" in first.stderr
    second = seeded("delete", "--pk", "USER#123", "--sk", "ORDER#789")
    assert second.exit_code == 1
    assert "[ST200] no item USER#123/ORDER#789 in table" in second.stderr
    assert "pass --missing-ok" in second.stderr
    assert seeded("delete", "--pk", "USER#123", "--sk", "ORDER#789", "--missing-ok").exit_code == 0


def test_update_set_add_remove(seeded: Any) -> None:
    assert seeded("update", "--pk", "USER#123", "--sk", "PROFILE", "--set", "nickname=Johnny").exit_code == 0
    args = (
        "update",
        "--pk",
        "USER#123",
        "--sk",
        "PROFILE",
        "--set",
        "name=John",
        "--add",
        "logins=1",
        "--remove",
        "nickname",
        "--set",
        "score=12.50",
        "--add",
        'tags=["x"]',
        "-o",
        "jsonl",
    )
    first = seeded(*args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout, parse_float=str) == {
        "PK": "USER#123",
        "SK": "PROFILE",
        "name": "John",
        "email": "john@example.com",
        "logins": 1,
        "score": "12.50",
        "tags": ["x"],
    }
    second = seeded("update", "--pk", "USER#123", "--sk", "PROFILE", "--add", "logins=1", "-o", "jsonl")
    assert json.loads(second.stdout)["logins"] == 2


def test_update_missing_item_and_key_attribute(cli: Any, table: str) -> None:
    missing = cli("update", "--pk", "USER#9", "--sk", "PROFILE", "--set", "name=x")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        f"error: [ST200] no item USER#9/PROFILE in table '{table}' to update. "
        "Fix: create it first (singletable put), or pass --upsert"
    )
    upsert = cli("update", "--pk", "USER#9", "--sk", "PROFILE", "--set", "name=x", "--upsert", "-o", "jsonl")
    assert upsert.exit_code == 0 and json.loads(upsert.stdout) == {
        "PK": "USER#9",
        "SK": "PROFILE",
        "name": "x",
    }
    key = cli("update", "--pk", "USER#9", "--sk", "PROFILE", "--set", "SK=x")
    assert key.exit_code == 2
    assert "[ST100] SK is part of the key and cannot be updated" in key.stderr


# -- query / scan ---------------------------------------------------------------------------------------


def test_query_table_output_groups_by_entity_profile_first(seeded: Any) -> None:
    result = seeded("query", "--pk", "USER#123", "-o", "table", "--capacity")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("User (1 item)") < out.index("UserOrder (2 items)")
    assert out.index("John Doe") < out.index("ORDER#456") < out.index("ORDER#789")
    assert "_type" not in out
    assert "3 items in partition 'USER#123': User 1, UserOrder 2" in result.stderr
    assert "capacity: Query: 1 call, 3 items" in result.stderr


def test_query_sort_key_conditions_order_limit_and_cursor(seeded: Any) -> None:
    def sks(*args: str) -> list[str]:
        result = seeded("query", "--pk", "USER#123", *args, "-o", "jsonl")
        assert result.exit_code == 0, result.output
        return [json.loads(line)["SK"] for line in result.stdout.splitlines()]

    assert sks("--sk-begins-with", "ORDER#") == ["ORDER#456", "ORDER#789"]
    assert sks("--between", "ORDER#5", "ORDER#9") == ["ORDER#789"]
    assert sks("--desc") == ["PROFILE", "ORDER#789", "ORDER#456"]
    first = seeded("query", "--pk", "USER#123", "--limit", "2", "-o", "jsonl")
    assert len(first.stdout.splitlines()) == 2
    cursor = first.stderr.split("more items: add --cursor ")[1].split()[0]
    assert sks("--cursor", cursor) == ["PROFILE"]


def test_query_gsi1_reverse_lookup(seeded: Any) -> None:
    result = seeded("query", "--index", "GSI1", "--pk", "ORDER#456", "-o", "jsonl")
    assert result.exit_code == 0
    assert [json.loads(line)["PK"] for line in result.stdout.splitlines()] == ["USER#123"]


def test_query_empty_partition(cli: Any, table: str) -> None:
    result = cli("query", "--pk", "USER#999")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert result.stderr.strip() == f"no items in partition 'USER#999' of '{table}' (keys are case-sensitive)"


def test_scan_warns_and_prints_capacity(seeded: Any, table: str) -> None:
    result = seeded("scan", "-o", "jsonl")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 4
    assert result.stderr.startswith(
        f"warning: scan reads every item of '{table}' and is billed for all it reads"
    )
    assert "capacity: Scan: 1 call, 4 items, 0.5 RCU (engine reported" in result.stderr


# -- errors ---------------------------------------------------------------------------------------------


def test_unknown_table(cli: Any, singletable_endpoint: str) -> None:
    for args in (["get", "--pk", "A", "--sk", "B"], ["put", PROFILE], ["scan"], ["import", "-"]):
        result = cli(*args, on="no-such-table", input=PROFILE)
        assert result.exit_code == 1, (args, result.output)
        assert (
            f"error: [ST300] table 'no-such-table' not found at {singletable_endpoint}. Fix: check --table"
            in (result.stderr)
        )
        assert "Traceback" not in result.output


def test_wrong_endpoint_fails_fast_with_one_line(clean_env: Path) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(
        app,
        [
            "get",
            "--pk",
            "A",
            "--sk",
            "B",
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
            "--max-attempts",
            "1",
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: [ST310] cannot reach the engine at http://127.0.0.1:{port} ([Errno 111] Connection refused). "
        "Fix: start the local engine (singletable local) or check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB"
    )


def test_missing_keys_and_debug_traceback(cli: Any) -> None:
    result = cli("put", '{"PK":"USER#1","name":"x"}')
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == 'error: [ST100] item has no string \'SK\'. Fix: add "SK": "..." to the item'
    )
    debug = cli("put", '{"PK":"USER#1","name":"x"}', "--debug")
    assert debug.exit_code == 1 and debug.exception is not None
    assert "item has no string 'SK'" in str(debug.exception)


def test_config_file_supplies_table_and_endpoint(
    clean_env: Path, table: str, singletable_endpoint: str
) -> None:
    (clean_env / "singletable.toml").write_text(
        f'table = "{table}"\nendpoint_url = "{singletable_endpoint}"\n'
    )
    assert runner.invoke(app, ["put", PROFILE]).exit_code == 0
    result = runner.invoke(
        app, ["get", "--pk", "USER#123", "--sk", "PROFILE"], env={"SINGLETABLE_TABLE": table}
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "John Doe"


# -- export / import ------------------------------------------------------------------------------------


def test_export_import_round_trip_same_items(client: Any, seeded: Any, table: str, clean_env: Path) -> None:
    odd = (
        '{"PK":{"S":"BLOB#1"},"SK":{"S":"X"},"b":{"B":"AAEC"},"ns":{"NS":["1","2.5"]},'
        '"m":{"M":{"deep":{"L":[{"NULL":true},{"N":"123456789012345678901234567890.12345678"}]}}}}'
    )
    assert seeded("put", odd).exit_code == 0
    exported = seeded("export", "all.jsonl", "--capacity")
    assert exported.exit_code == 0, exported.output
    assert f"exported 5 items from '{table}' to all.jsonl" in exported.stderr
    assert "5/5" in exported.stderr  # the progress bar's last state
    lines = (clean_env / "all.jsonl").read_text().splitlines()
    assert len(lines) == 5
    assert sum(1 for line in lines if '"S":' in line) == 1  # only the item with bytes and a set is typed

    copy = new_table(client)
    imported = seeded("import", "all.jsonl", on=copy)
    assert imported.exit_code == 0, imported.output
    assert f"imported 5 of 5 items from all.jsonl into '{copy}'" in imported.stderr
    before, after = raw_items(client, table), raw_items(client, copy)
    assert len(after) == len(before) == 5
    assert content_hash(after) == content_hash(before)


def test_export_one_partition_and_empty_partition(seeded: Any, table: str, clean_env: Path) -> None:
    result = seeded("export", "user.jsonl", "--pk", "USER#123")
    assert result.exit_code == 0
    assert [json.loads(x)["SK"] for x in (clean_env / "user.jsonl").read_text().splitlines()] == [
        "ORDER#456",
        "ORDER#789",
        "PROFILE",
    ]
    empty = seeded("export", "none.jsonl", "--pk", "USER#404")
    assert empty.exit_code == 0
    assert (
        f"nothing to export: partition 'USER#404' of '{table}' is empty; wrote an empty none.jsonl"
        in empty.stderr
    )
    assert (clean_env / "none.jsonl").read_text() == ""
    to_stdout = seeded("export", "-", "--pk", "USER#123", "--typed")
    # Typed JSON, attributes in the engine's order (DynamoDB Local puts SK first).
    typed = [json.loads(line) for line in to_stdout.stdout.splitlines()]
    assert [(i["PK"], i["SK"]["S"][:1]) for i in typed] == [({"S": "USER#123"}, "O")] * 2 + [
        ({"S": "USER#123"}, "P")
    ]


def test_export_resumes_after_interruption(
    cli: Any, table: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = "\n".join(json.dumps({"PK": f"ITEM#{i:02d}", "SK": "X", "n": i}) for i in range(9))
    assert cli("import", "-", input=items).exit_code == 0
    real = transfer._save_checkpoint
    calls = []

    def crash_on_second(path: Path, state: dict[str, Any]) -> None:
        real(path, state)
        calls.append(state)
        if len(calls) == 3:  # the checkpoint written at the start, then one per page
            raise KeyboardInterrupt

    monkeypatch.setattr(transfer, "_save_checkpoint", crash_on_second)
    first = cli("export", "out.jsonl", "--page-size", "2")
    assert first.exit_code == 130
    assert "interrupted after 4 items: carry on with: singletable export out.jsonl --resume" in first.stderr
    monkeypatch.setattr(transfer, "_save_checkpoint", real)
    out, checkpoint = clean_env / "out.jsonl", clean_env / "out.jsonl.checkpoint"
    assert checkpoint.exists()
    with out.open("a") as fh:  # a half-written line after the checkpoint: cut off on resume
        fh.write('{"PK":"ITEM#99","SK"')

    again = cli("export", "out.jsonl")
    assert again.exit_code == 2
    assert (
        f"error: an interrupted export left {checkpoint.name}. Fix: add --resume to carry on" in again.stderr
    )

    resumed = cli("export", "out.jsonl", "--resume", "--page-size", "2")
    assert resumed.exit_code == 0, resumed.output
    assert f"exported 9 items from '{table}' to out.jsonl" in resumed.stderr
    assert not checkpoint.exists()
    pks = [json.loads(line)["PK"] for line in out.read_text().splitlines()]
    assert sorted(pks) == [f"ITEM#{i:02d}" for i in range(9)]
    # Interrupted after the last page but before the checkpoint was removed: nothing is read again.
    size, text = out.stat().st_size, out.read_text()
    transfer._save_checkpoint(
        checkpoint, {"table": table, "pk": None, "cursor": None, "offset": size, "count": 9}
    )
    with out.open("a") as fh:
        fh.write("junk")
    complete = cli("export", "out.jsonl", "--resume")
    assert complete.exit_code == 0, complete.output
    assert "the export to out.jsonl was already complete (9 items)" in complete.stderr
    assert out.read_text() == text and not checkpoint.exists()
    nothing = cli("export", "out.jsonl", "--resume")
    assert nothing.exit_code == 2 and "no checkpoint out.jsonl.checkpoint to resume from" in nothing.stderr


def test_import_counts_every_line(client: Any, cli: Any, table: str) -> None:
    items = "\n".join(json.dumps({"PK": f"U#{i}", "SK": "P", "price": f"{i}.10"}) for i in range(60)) + "\n\n"
    result = cli("import", "-", "--batch-size", "25", "--capacity", input=items)
    assert result.exit_code == 0, result.output
    assert f"imported 60 of 60 items from stdin into '{table}'" in result.stderr
    assert "capacity: BatchWriteItem: 3 calls, 60 items" in result.stderr
    assert len(raw_items(client, table)) == 60


BAD_FILE = "\n".join(
    [
        '{"PK":"A#1","SK":"X","total":99.99}',
        "not json",
        "",
        '{"PK":"A#2"}',
        '{"PK":"A#1","SK":"X"}',
        "[1, 2]",
        '{"PK":{"S":"A#3"},"SK":{"S":"X"},"n":{"N":"x"}}',
        '{"PK":"A#4","SK":"X","tags":["a"]}',
    ]
)


def test_import_bad_lines_are_fatal_by_default(client: Any, cli: Any, table: str, clean_env: Path) -> None:
    (clean_env / "bad.jsonl").write_text(BAD_FILE)
    result = cli("import", "bad.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "bad.jsonl:2: line is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        "bad.jsonl:4: the item has no string 'SK'",
        "bad.jsonl:5: duplicate key A#1/X (first on line 1)",
        "bad.jsonl:6: line is a JSON array, not an object",
        "bad.jsonl:7: typed attribute n: N value 'x' is not a number",
        "error: 5 bad lines in bad.jsonl (line 2, 4, 5, 6, 7); nothing was imported. Fix: correct them, or pass "
        "--skip-bad to import the other lines",
    ]
    assert raw_items(client, table) == []


def test_import_skip_bad_imports_the_rest_and_names_each_line(
    client: Any, cli: Any, table: str, clean_env: Path
) -> None:
    (clean_env / "bad.jsonl").write_text(BAD_FILE)
    result = cli("import", "bad.jsonl", "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "skipped bad.jsonl:2: line is not valid JSON" in result.stderr
    assert "skipped bad.jsonl:7: typed attribute n" in result.stderr
    assert f"imported 2 of 2 items from bad.jsonl into '{table}'; skipped 5 bad lines (2, 4, 5, 6, 7)" in (
        result.stderr
    )
    stored = {i["PK"]["S"]: i for i in raw_items(client, table)}
    assert sorted(stored) == ["A#1", "A#4"]
    assert stored["A#1"]["total"] == {"N": "99.99"}


# -- doctor ---------------------------------------------------------------------------------------------


def lacking_flags() -> list[str]:
    """doctor's flags for what the HTTP engine lacks (none on moto), as engine_table_spec made the table."""
    spec = engine_table_spec()
    flags = [] if spec.point_in_time_recovery else ["--no-pitr"]
    flags += [] if spec.encryption else ["--no-encryption"]
    return flags + ([] if spec.ttl_attribute else ["--ttl-attribute", ""])


def test_doctor_clean_table(cli: Any, table: str, singletable_endpoint: str) -> None:
    result = cli("doctor", "--no-deletion-protection", *lacking_flags())
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"doctor: table '{table}' at {singletable_endpoint} against the Terraform module spec",
        "  ok  no drift: keys, GSI1, TTL, billing mode, point-in-time recovery, deletion protection and "
        "encryption match",
    ]


@requires_engine_feature("pitr", "encryption", "ttl")
def test_doctor_reports_each_drift_with_its_fix(client: Any, cli: Any, table: str) -> None:
    client.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )
    result = cli("doctor", "--no-encryption")
    assert result.exit_code == 1
    out = result.stdout
    assert "  DRIFT  deletion protection: expected on, found off" in out
    assert (
        f"fix: set deletion_protection_enabled = true and apply (now: aws dynamodb update-table "
        f"--table-name {table} --deletion-protection-enabled)"
    ) in out
    assert "  DRIFT  encryption at rest: expected AWS owned key, found KMS key" in out
    assert "  DRIFT  TTL: expected ENABLED expires_at" in out
    assert f"error: table '{table}' drifts from the Terraform module spec in 3 places" in result.stderr
    as_json = cli("doctor", "-o", "json")
    assert as_json.exit_code == 1
    drift = json.loads(as_json.stdout)["drift"]
    assert [d["what"] for d in drift] == ["TTL", "deletion protection"]
    assert drift[1] == {
        "what": "deletion protection",
        "expected": True,
        "actual": False,
        "fix": f"set deletion_protection_enabled = true and apply (now: aws dynamodb update-table --table-name "
        f"{table} --deletion-protection-enabled)",
    }


def test_doctor_unknown_table(cli: Any, singletable_endpoint: str) -> None:
    result = cli("doctor", on="no-such-table")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(
        f"error: [ST300] table 'no-such-table' does not exist at {singletable_endpoint}. Fix: apply the Terraform"
    )


def tf_outputs(path: Path, table: str, **changes: Any) -> Path:
    """A `terraform output -json` file as the module's table_spec output prints it (defaults, then changes)."""
    spec = engine_table_spec()
    value = {
        "name": table,
        "partition_key": "PK",
        "sort_key": "SK",
        "indexes": [
            {
                "name": "GSI1",
                "hash_key": "SK",
                "range_key": "PK",
                "projection_type": "ALL",
                "non_key_attributes": [],
            }
        ],
        "billing_mode": "PAY_PER_REQUEST",
        "read_capacity": None,
        "write_capacity": None,
        "kms_key_arn": None,
        "deletion_protection": False,
        "stream_view_type": None,
        "tags": {},
        # As engine_table_spec made the table (the module's defaults on moto).
        "point_in_time_recovery": spec.point_in_time_recovery,
        "encryption": spec.encryption,
        "ttl_attribute": spec.ttl_attribute,
        **changes,
    }
    path.write_text(json.dumps({"table_spec": {"sensitive": False, "type": ["object", {}], "value": value}}))
    return path


def test_doctor_against_the_terraform_outputs(cli: Any, table: str, tmp_path: Path) -> None:
    clean = cli("doctor", "--terraform", str(tf_outputs(tmp_path / "out.json", table)))
    assert clean.exit_code == 0, clean.output
    assert "no drift" in clean.stdout
    drifted = cli(
        "doctor", "--terraform", str(tf_outputs(tmp_path / "out.json", table, deletion_protection=True))
    )
    assert drifted.exit_code == 1
    assert "  DRIFT  deletion protection: expected on, found off" in drifted.stdout
    missing = cli("doctor", "--terraform", str(tmp_path / "nothing.json"))
    assert missing.exit_code != 0 and "cannot read the Terraform outputs" in missing.stderr
