"""The CLI without an engine: help and examples, JSON in and out (exact numbers, typed detection),
the config file, and the usage errors found before anything is sent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from singletable.cli.app import app
from singletable.cli.options import (
    DEFAULT_TABLE,
    Connection,
    is_typed,
    json_dumps,
    loads,
    needs_typed,
    parse_item,
    parse_value,
    to_typed,
)
from singletable.errors import ValidationError

runner = CliRunner()
COMMANDS = ("put", "get", "delete", "update", "query", "scan", "export", "import", "doctor", "env", "cost")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config file, no table or endpoint from the environment of whoever runs the tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in (
        "SINGLETABLE_TABLE",
        "SINGLETABLE_CONFIG",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "SINGLETABLE_DEBUG",
    ):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Example: singletable {command}" in result.stdout


@pytest.mark.parametrize(
    "command", [*COMMANDS, "local", "env", "demo", "cost", "table create", "table delete"]
)
def test_help_metavars_read_as_words(command: str) -> None:
    result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for python_type in ("<bool>", "<str>", "<int", "<float", "<path>", "{file}", "{item}"):
        assert python_type not in result.stdout, (command, python_type)


def test_version_and_python_m() -> None:
    import subprocess
    import sys
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"singletable {version('singletable')}"
    done = subprocess.run([sys.executable, "-m", "singletable", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("singletable "), done.stderr


def test_completion_can_be_installed() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_root_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


# -- JSON in --------------------------------------------------------------------------------------------


def test_plain_json_keeps_exact_decimals() -> None:
    item = parse_item('{"PK":"ORDER#456","SK":"METADATA","total":99.99,"n":3,"big":12345678901234567890.5}')
    assert item["total"] == Decimal("99.99") and isinstance(item["total"], Decimal)
    assert item["n"] == 3 and isinstance(item["n"], int)
    assert json_dumps(item) == (
        '{"PK":"ORDER#456","SK":"METADATA","total":99.99,"n":3,"big":12345678901234567890.5}'
    )


def test_typed_json_is_detected_and_converted() -> None:
    text = (
        '{"PK":{"S":"USER#123"},"SK":{"S":"PROFILE"},"total":{"N":"99.99"},"n":{"N":"7"},'
        '"tags":{"SS":["b","a"]},"blob":{"B":"aGk="},"on":{"BOOL":true},"m":{"M":{"x":{"L":[{"N":"1"}]}}},'
        '"gone":{"NULL":true}}'
    )
    item = parse_item(text)
    assert item == {
        "PK": "USER#123",
        "SK": "PROFILE",
        "total": Decimal("99.99"),
        "n": 7,
        "tags": {"a", "b"},
        "blob": b"hi",
        "on": True,
        "m": {"x": [1]},
        "gone": None,
    }
    assert needs_typed(item) and not needs_typed({"PK": "A", "x": [1, {"y": Decimal("1.5")}]})
    assert json_dumps(to_typed({"tags": {"b", "a"}, "blob": b"hi", "t": Decimal("99.99")})) == (
        '{"tags":{"SS":["a","b"]},"blob":{"B":"aGk="},"t":{"N":"99.99"}}'
    )


def test_plain_item_with_a_map_is_not_taken_for_typed() -> None:
    assert not is_typed({"PK": "USER#1", "SK": "X", "m": {"S": "looks typed"}})
    assert is_typed({"PK": {"S": "USER#1"}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"PK":"USER#1",', "item is not valid JSON: Expecting property name enclosed in double quotes"),
        ('["PK"]', "item is a JSON array, not an object"),
        ("{}", "item is empty"),
        ('{"PK":"A","SK":"B","x":NaN}', "NaN is not a number DynamoDB can store"),
        ('{"PK":"A","PK":"B"}', "attribute 'PK' appears twice"),
        ('{"PK":{"S":"A"},"n":{"N":"abc"}}', "typed attribute n: N value 'abc' is not a number"),
        ('{"PK":{"S":"A"},"n":{"N":5}}', "typed attribute n: N takes a number in a string"),
        ('{"PK":{"S":"A"},"s":{"SS":[]}}', "typed attribute s: SS takes a non-empty array"),
        ('{"PK":{"S":"A"},"b":{"B":"***"}}', "typed attribute b: B takes base64 text"),
    ],
)
def test_bad_json_is_named(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_item(text)
    assert message in str(info.value)
    assert str(info.value).startswith("[ST100] ")


def test_set_values_are_json_when_they_parse_else_text() -> None:
    assert parse_value("John") == "John"
    assert parse_value("30") == 30
    assert parse_value("19.90") == Decimal("19.90")
    assert parse_value("true") is True
    assert parse_value('"007"') == "007"
    assert parse_value("007") == "007"
    assert parse_value('["a"]') == ["a"]
    assert loads("1.10") == Decimal("1.10")


def test_json_dumps_pretty_and_empty() -> None:
    assert json_dumps({"a": [], "b": {}, "c": [1, Decimal("2.50")]}, indent=2) == (
        '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    2.50\n  ]\n}'
    )
    assert json_dumps("é\n") == '"é\\n"'


# -- config ---------------------------------------------------------------------------------------------


def test_table_comes_from_flag_then_env_then_config_then_default(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Connection.resolve(None, None, None, None).table == DEFAULT_TABLE
    (clean_env / "singletable.toml").write_text(
        'table = "from-config"\nendpoint_url = "http://127.0.0.1:8000"\nprofile = "dynamodb-svc"\n'
    )
    conn = Connection.resolve(None, None, None, None)
    assert (conn.table, conn.endpoint_url, conn.profile) == (
        "from-config",
        "http://127.0.0.1:8000",
        "dynamodb-svc",
    )
    assert Connection.resolve("from-flag", None, None, None).table == "from-flag"
    monkeypatch.setenv("AWS_PROFILE", "other")
    assert Connection.resolve(None, None, None, None).profile is None  # boto3 reads AWS_PROFILE itself


def test_user_config_file_and_section(clean_env: Path) -> None:
    path = clean_env / "xdg" / "singletable" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[singletable]\ntable = "from-user-config"\n')
    assert Connection.resolve(None, None, None, None).table == "from-user-config"


def test_bad_config_file_is_a_usage_error(clean_env: Path) -> None:
    (clean_env / "singletable.toml").write_text('tabel = "typo"\n')
    result = runner.invoke(app, ["get", "--pk", "A", "--sk", "B"])
    assert result.exit_code == 2
    assert "has unknown key(s) ['tabel']. Fix: use only table, endpoint_url, region, profile" in result.stderr
    assert "Traceback" not in result.output


# -- usage errors before anything is sent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["put", '{"PK":"USER#1",'], "error: [ST100] item is not valid JSON"),
        (["put", "@missing.json"], "error: cannot read missing.json: No such file or directory"),
        (["update", "--pk", "A", "--sk", "B"], "error: nothing to update. Fix: pass --set NAME=VALUE"),
        (["update", "--pk", "A", "--sk", "B", "--set", "name"], "error: --set takes NAME=VALUE, got 'name'"),
        (
            ["update", "--pk", "A", "--sk", "B", "--add", "tags=[{}]"],
            "--add tags= takes a number or a non-empty",
        ),
        (["query", "--pk", "A", "--index", "GSI1", "--consistent"], "--consistent is not possible on GSI1"),
        (["query", "--pk", "A", "--sk-begins-with", "X", "--between", "A", "B"], "cannot be combined"),
        (["export", "-", "--resume"], "an export to stdout cannot be resumed"),
        (["import", "nowhere.jsonl"], "error: cannot read nowhere.jsonl: no such file"),
        (["get", "--pk", "A", "--sk", "B", "--table", "x"], "table name 'x' must be 3 to 255 characters"),
        (["doctor", "--billing-mode", "FREE"], "--billing-mode is 'FREE'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_missing_option_is_click_usage_error() -> None:
    result = runner.invoke(app, ["get", "--pk", "USER#1"])
    assert result.exit_code == 2
    assert "Missing option '--sk'" in result.output


@pytest.mark.parametrize(
    ("argv", "module", "extra"),
    [
        (["local", "--port", "0"], "moto", "local"),
        (["demo", "--users", "1"], "moto", "local"),
        (["cost", "examples/workloads/steady-api.toml"], "matplotlib", "cost"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it(
    argv: list[str], module: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    if argv[0] == "cost":
        argv = ["cost", str(Path(__file__).resolve().parents[2] / argv[1])]
    # Imports fail as if it were not installed (submodules too: another test may have imported them).
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")] + [module]:
        monkeypatch.setitem(sys.modules, name, None)
    result = runner.invoke(app, argv, env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "[ST323]" in result.stderr and f"pip install 'singletable[{extra}]'" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["get", "--pk", "A", "--sk", "B", "--endpoint-url", "localhost:8000"],
            "[ST100] endpoint URL 'localhost:8000' needs http:// or https:// and a host. "
            "Fix: pass --endpoint-url http://localhost:8000",
        ),
        (
            ["export", "no-such-folder/backup.jsonl", "--endpoint-url", "http://127.0.0.1:9"],
            "[ST100] cannot export to no-such-folder/backup.jsonl: the folder no-such-folder does not exist. "
            "Fix: create it first (mkdir -p no-such-folder)",
        ),
        (
            ["put", '{"PK":"A","SK":"B","n":1e400}', "--endpoint-url", "http://127.0.0.1:9"],
            "[ST100] number 1e400 is outside DynamoDB's number range",
        ),
        (
            [
                "put",
                '{"PK":{"S":"A"},"SK":{"S":"B"},"n":{"N":"1e-131"}}',
                "--endpoint-url",
                "http://127.0.0.1:9",
            ],
            "[ST100] n 1e-131 is outside DynamoDB's number range",
        ),
        (
            ["update", "--pk", "A", "--sk", "B", "--set", "n=1e400", "--endpoint-url", "http://127.0.0.1:9"],
            "[ST100] number 1e400 is outside DynamoDB's number range",
        ),
        (
            ["update", "--pk", "A", "--sk", "B", "--add", "v=abc", "--endpoint-url", "http://127.0.0.1:9"],
            "--add v=abc adds to a number or a set, and 'abc' is neither. Fix: --set v=abc stores it as is",
        ),
    ],
)
def test_user_mistakes_are_catalogued_one_liners(argv: list[str], expected: str) -> None:
    result = runner.invoke(app, argv, env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "unexpected" not in result.stderr and "report it" not in result.stderr
    assert "set()" not in result.stderr and "append()" not in result.stderr


def test_cost_takes_the_common_output_option() -> None:
    import json

    workload = str(Path(__file__).resolve().parents[2] / "examples" / "workloads" / "steady-api.toml")
    as_json = runner.invoke(app, ["cost", workload, "-o", "json", "--no-plot"])
    assert as_json.exit_code == 0, as_json.output
    one_line = runner.invoke(app, ["cost", workload, "-o", "jsonl", "--no-plot"])
    legacy = runner.invoke(app, ["cost", workload, "--json", "--no-plot"])
    assert json.loads(as_json.stdout) == json.loads(one_line.stdout) == json.loads(legacy.stdout)
    assert len(one_line.stdout.strip().splitlines()) == 1
