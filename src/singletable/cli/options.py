"""What every data command shares: common options, the config file, building the Table, JSON in and out,
printing capacity, and turning errors into one line on stderr with the right exit code.

Exit codes: 0 ok; 1 not found, condition failed, drift, unreachable or engine error; 2 usage or bad input.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer
from rich.console import Console

from singletable.errors import MissingExtraError, SingleTableError, ValidationError

if TYPE_CHECKING:
    from singletable.table import Table

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_TABLE = "my-app-main-table"
CONFIG_KEYS = ("table", "endpoint_url", "region", "profile")
EXAMPLE_ITEM = '{"PK":"USER#123","SK":"PROFILE","name":"John"}'
CONNECTION = "Connection"
OUTPUT = "Output"


class Output(StrEnum):
    json = "json"
    jsonl = "jsonl"
    table = "table"


# -- the common options (each command declares the ones it takes) ---------------------------------------

TableOpt = Annotated[
    str | None,
    typer.Option(
        "--table",
        "-t",
        envvar="SINGLETABLE_TABLE",
        help=f"Table name. Default: $SINGLETABLE_TABLE, then `table` in ./singletable.toml or "
        f"~/.config/singletable/config.toml, then {DEFAULT_TABLE}.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL_DYNAMODB",
        help="DynamoDB endpoint, e.g. http://127.0.0.1:8000 for `singletable local`. Default: AWS.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile", help="AWS profile, e.g. dynamodb-svc.", show_default=False, rich_help_panel=CONNECTION
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region", help="AWS region, e.g. us-east-1.", show_default=False, rich_help_panel=CONNECTION
    ),
]
AttemptsOpt = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        envvar="AWS_MAX_ATTEMPTS",
        min=1,
        help="Tries per request, first one included (throttling and network errors are retried).",
        rich_help_panel=CONNECTION,
    ),
]
OutputOpt = Annotated[
    Output,
    typer.Option("--output", "-o", help="json, jsonl (one item a line) or table.", rich_help_panel=OUTPUT),
]
CapacityOpt = Annotated[
    bool,
    typer.Option("--capacity", help="Print the consumed capacity on stderr.", rich_help_panel=OUTPUT),
]
DebugOpt = Annotated[
    bool,
    typer.Option(
        "--debug",
        envvar="SINGLETABLE_DEBUG",
        help="Show the full traceback on errors.",
        rich_help_panel=OUTPUT,
    ),
]
ConsistentOpt = Annotated[
    bool, typer.Option("--consistent", help="Strongly consistent read (twice the read capacity).")
]


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to find the table: resolved from flags, environment and the config file."""

    table: str
    endpoint_url: str | None
    region: str | None
    profile: str | None
    max_attempts: int = 3

    @classmethod
    def resolve(
        cls,
        table: str | None,
        endpoint_url: str | None,
        region: str | None,
        profile: str | None,
        max_attempts: int = 3,
    ) -> Connection:
        """Flags (and their env vars) first, then the config file, then the default table name.

        boto3's own environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL) beats the config file too.
        """
        config = load_config()
        env = os.environ
        if endpoint_url is None and not env.get("AWS_ENDPOINT_URL"):
            endpoint_url = config.get("endpoint_url")
        if region is None and not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
            region = config.get("region")
        if profile is None and not (env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE")):
            profile = config.get("profile")
        if endpoint_url:
            check_endpoint(endpoint_url)
        return cls(
            table=table or config.get("table") or DEFAULT_TABLE,
            endpoint_url=endpoint_url or None,
            region=region or None,
            profile=profile or None,
            max_attempts=max_attempts,
        )

    def client(self) -> Any:
        from singletable.client import make_client

        return make_client(
            endpoint_url=self.endpoint_url,
            region=self.region,
            profile=self.profile,
            max_attempts=self.max_attempts,
        )

    def open(self, *, hide_expired: bool = True) -> Table:
        """The Table, with the seed's entities registered (for entity-aware output)."""
        from singletable.seed import ENTITIES
        from singletable.spec import TableSpec
        from singletable.table import Table

        return Table(
            TableSpec(name=self.table), client=self.client(), entities=ENTITIES, hide_expired=hide_expired
        )


def billing(mode: str) -> Literal["PAY_PER_REQUEST", "PROVISIONED"]:
    """A ``--billing-mode`` value, in any case, as the spec's literal (ValidationError otherwise)."""
    if mode.upper() == "PROVISIONED":
        return "PROVISIONED"
    if mode.upper() == "PAY_PER_REQUEST":
        return "PAY_PER_REQUEST"
    raise ValidationError(
        f"--billing-mode is {mode!r}", field="billing_mode", hint="pass PAY_PER_REQUEST or PROVISIONED"
    )


def check_endpoint(url: str) -> None:
    """Refuse an endpoint botocore would reject with a bare ValueError (``localhost:8000``: no scheme)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        guess = url if "://" in url else f"http://{url}"
        raise ValidationError(
            f"endpoint URL {url!r} needs http:// or https:// and a host",
            field="endpoint_url",
            hint=f"pass --endpoint-url {guess} (or set AWS_ENDPOINT_URL_DYNAMODB to it)",
        )


def describe_table(t: Table) -> dict[str, Any]:
    """DescribeTable, with a missing table reported as the data layer reports it (ST300)."""
    from botocore.exceptions import ClientError

    from singletable.errors import TableNotFoundError

    try:
        desc = dict(t.client.describe_table(TableName=t.name)["Table"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        raise TableNotFoundError(
            f"table {t.name!r} not found at {t.client.meta.endpoint_url}",
            hint="check --table/--endpoint-url/--region, apply the Terraform module, or TableSpec.create()",
        ) from None
    return desc


def config_paths() -> list[Path]:
    """Where the config file is looked for, first found wins."""
    explicit = os.environ.get("SINGLETABLE_CONFIG")
    if explicit:
        return [Path(explicit)]
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path("singletable.toml"), Path(xdg) / "singletable" / "config.toml"]


def load_config() -> dict[str, str]:
    """The first config file found, as ``{table, endpoint_url, region, profile}`` (all optional).

    It holds flat keys, or the same keys under ``[singletable]``::

        table = "my-app-main-table"
        endpoint_url = "http://127.0.0.1:8000"
        profile = "dynamodb-svc"
    """
    for path in config_paths():
        if not path.is_file():
            if os.environ.get("SINGLETABLE_CONFIG"):
                raise ValidationError(
                    f"config file {path} (from $SINGLETABLE_CONFIG) does not exist",
                    hint="fix the path, or unset SINGLETABLE_CONFIG",
                )
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValidationError(
                f"config file {path} is not valid TOML ({exc})", hint="fix or remove it"
            ) from None
        section = data.get("singletable", data)
        if not isinstance(section, dict):
            raise ValidationError(
                f"config file {path}: [singletable] is not a table", hint="fix or remove it"
            )
        unknown = sorted(k for k in section if k not in CONFIG_KEYS and k != "singletable")
        if unknown:
            raise ValidationError(
                f"config file {path} has unknown key(s) {unknown}", hint=f"use only {', '.join(CONFIG_KEYS)}"
            )
        bad = sorted(k for k in CONFIG_KEYS if k in section and not isinstance(section[k], str))
        if bad:
            raise ValidationError(
                f"config file {path}: {bad} must be strings", hint='quote them: table = "..."'
            )
        return {k: section[k] for k in CONFIG_KEYS if k in section}
    return {}


# -- optional dependencies ------------------------------------------------------------------------------


def require_extra(module: str, extra: str, feature: str) -> None:
    """Refuse ``feature`` in one line naming the extra to install when ``module`` cannot be imported."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{feature} needs {module.split('.')[0]}, which is not installed ({exc})",
            field=extra,
            hint=f"pip install 'singletable[{extra}]'",
        ) from None


# -- errors ---------------------------------------------------------------------------------------------

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """A line for the person at the terminal (stderr, so stdout stays clean for pipes)."""
    err_console.print(message, markup=False)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def exit_code(exc: SingleTableError) -> int:
    """2 for bad input (nothing was sent); 1 for not found, condition failed, drift and engine errors."""
    return EXIT_USAGE if isinstance(exc, ValidationError) else EXIT_FAILED


def describe(exc: BaseException, endpoint_url: str | None) -> tuple[str, int] | None:
    """One line for an error we know how to explain, and its exit code; None for a real bug."""
    from botocore import exceptions as bex

    from singletable.batch import is_transient

    where = endpoint_url or "AWS"
    if isinstance(exc, SingleTableError):
        if is_transient(exc) and not (exc.hint or "").strip():
            # An engine error that is a transient fault (a 5xx, throttling) after the retries ran out.
            return (
                f"[{exc.code}] {_detail(exc)}. Fix: this fault is transient (throttling or an engine error): "
                "run the command again (a transfer: with --resume), or raise --max-attempts",
                exit_code(exc),
            )
        if not (exc.hint or "").strip():
            # Every error line ends with a fix, even the engine's uncatalogued refusals.
            return (
                f"[{exc.code}] {_detail(exc)}. Fix: the engine refused the request for the reason above; "
                "re-run with --debug for the full traceback",
                exit_code(exc),
            )
        return str(exc), exit_code(exc)
    if isinstance(exc, bex.EndpointConnectionError | bex.ConnectTimeoutError):
        from singletable.request import unreachable

        # A raw client call (describe, create): the same catalogued line the data calls raise.
        return str(unreachable(exc, endpoint_url)), EXIT_FAILED
    if isinstance(exc, bex.ReadTimeoutError):
        return (
            f"cannot reach DynamoDB at {where} ({type(exc).__name__}). Fix: start the local engine "
            "(singletable local) or check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB and your network",
            EXIT_FAILED,
        )
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        return (
            "no AWS credentials found. Fix: pass --profile dynamodb-svc, set AWS_PROFILE, or pass "
            "--endpoint-url for the local engine (which needs none)",
            EXIT_USAGE,
        )
    if isinstance(exc, bex.ProfileNotFound):
        return f"{exc}. Fix: define it in ~/.aws/config, or pass another --profile", EXIT_USAGE
    if isinstance(exc, bex.NoRegionError):
        return "no AWS region configured. Fix: pass --region us-east-1 or set AWS_REGION", EXIT_USAGE
    if is_transient(exc):
        # Throttling, a 5xx or a dropped connection that outlasted the retries: not a configuration
        # problem, so no configuration hint.
        from singletable.cli.policy import cause_of

        return (
            f"DynamoDB at {where} failed transiently ({cause_of(exc)}: {_detail(exc)}) and the retries ran "
            "out. Fix: run the command again (a transfer: with --resume), or raise --max-attempts",
            EXIT_FAILED,
        )
    if isinstance(exc, bex.ClientError):
        err = exc.response.get("Error", {})
        return (
            f"DynamoDB refused: {err.get('Code', '?')}: {str(err.get('Message', '')).rstrip('.')}. Fix: check "
            "the table, the region and your permissions",
            EXIT_FAILED,
        )
    if isinstance(exc, bex.BotoCoreError):
        return f"{_detail(exc)}. Fix: check --endpoint-url, --region and --profile", EXIT_FAILED
    return None


def _detail(exc: BaseException) -> str:
    """The exception's text without the trailing period, so that ". Fix:" does not follow ".."."""
    if isinstance(exc, SingleTableError):
        return exc.message.rstrip(".")
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and response.get("Error", {}).get("Message"):
        return str(response["Error"]["Message"]).strip().rstrip(".")
    return str(exc).strip().rstrip(".")


@dataclass(slots=True)
class Run:
    """What error reporting needs to know about the command being run."""

    endpoint_url: str | None = None

    def connect(
        self,
        table: str | None,
        endpoint_url: str | None,
        region: str | None,
        profile: str | None,
        max_attempts: int = 3,
    ) -> Connection:
        """:meth:`Connection.resolve`, noting the endpoint so that an error names it."""
        conn = Connection.resolve(table, endpoint_url, region, profile, max_attempts)
        self.endpoint_url = conn.endpoint_url
        return conn


@contextmanager
def errors(debug: bool) -> Iterator[Run]:
    """Run a command body: known errors become one line on stderr and an exit code (traceback with --debug)."""
    run = Run()
    try:
        yield run
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        # `singletable scan | head`: the reader left; that is not an error.
        raise typer.Exit(EXIT_OK) from None
    except Exception as exc:
        if debug:
            raise
        known = describe(exc, run.endpoint_url)
        if known is None:
            err_console.print(
                f"error: unexpected {type(exc).__name__}: {exc}. Fix: re-run with --debug and report it",
                markup=False,
            )
            raise typer.Exit(EXIT_FAILED) from None
        text, code = known
        err_console.print(f"error: {text}", markup=False)
        raise typer.Exit(code) from None


# -- JSON in --------------------------------------------------------------------------------------------

_TAGS = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number DynamoDB can store")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"attribute {k!r} appears twice")
        out[k] = v
    return out


#: DynamoDB's number range: magnitudes from 1E-130 to 9.9999999999999999999999999999999999999E+125, and 0.
MIN_EXPONENT, MAX_EXPONENT = -130, 125


def check_number_range(value: Decimal | int, text: str, field: str = "number") -> None:
    """Refuse a number DynamoDB cannot store (1e400 once reached the engine, or was stored by moto)."""
    if value and not MIN_EXPONENT <= Decimal(value).adjusted() <= MAX_EXPONENT:
        raise ValidationError(
            f"{field} {text} is outside DynamoDB's number range (magnitudes 1E-130 to 9.99...E+125)",
            field=field,
            hint="store it as a string, or in another unit",
        )


def _decimal(text: str) -> Decimal:
    value = Decimal(text)
    check_number_range(value, text)
    return value


def _int(text: str) -> int:
    value = int(text)
    check_number_range(value, text if len(text) <= 20 else f"{text[:8]}...({len(text)} digits)")
    return value


def loads(text: str) -> Any:
    """JSON with exact numbers: 99.99 becomes Decimal('99.99'), never a float; numbers out of DynamoDB's
    range are refused (ValidationError)."""
    return json.loads(
        text,
        parse_float=_decimal,
        parse_int=_int,
        parse_constant=_no_constants,
        object_pairs_hook=_unique_keys,
    )


def is_typed(obj: Mapping[str, Any]) -> bool:
    """True when ``obj`` is DynamoDB-typed JSON: every value a one-key ``{"S": ...}``-style dict."""
    return bool(obj) and all(
        isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _TAGS for v in obj.values()
    )


def parse_item(text: str, *, what: str = "item") -> dict[str, Any]:
    """One item from JSON text, plain or DynamoDB-typed (detected), as Python values."""
    try:
        obj = loads(text)
    except ValidationError:
        raise
    except ValueError as exc:
        raise ValidationError(
            f"{what} is not valid JSON: {exc}",
            field=what,
            hint=f"pass one JSON object, e.g. '{EXAMPLE_ITEM}'",
        ) from None
    return item_from_json(obj, what=what)


def item_from_json(obj: Any, *, what: str = "item") -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValidationError(
            f"{what} is a JSON {_json_kind(obj)}, not an object",
            field=what,
            hint=f"pass one object, e.g. '{EXAMPLE_ITEM}'",
        )
    if not obj:
        raise ValidationError(
            f"{what} is empty", field=what, hint=f"pass its attributes, e.g. '{EXAMPLE_ITEM}'"
        )
    if is_typed(obj):
        return {k: from_typed(v, k) for k, v in obj.items()}
    return obj


def _json_kind(obj: Any) -> str:
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, str):
        return "string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "boolean"
    return "number"


def _bad(path: str, why: str) -> ValidationError:
    return ValidationError(
        f"typed attribute {path}: {why}",
        field=path,
        hint='write DynamoDB JSON as the aws CLI does ({"S": "text"}, {"N": "99.99"}, {"B": "<base64>"}) '
        "or use plain JSON",
    )


def from_typed(av: Any, path: str) -> Any:
    """A DynamoDB-typed JSON value (as the aws CLI prints it: B as base64) as a Python value."""
    if not (isinstance(av, dict) and len(av) == 1 and next(iter(av)) in _TAGS):
        raise _bad(path, f"{json_dumps(av)} is not an AttributeValue")
    (tag, raw), *_ = av.items()
    if tag == "S":
        if not isinstance(raw, str):
            raise _bad(path, "S takes a string")
        return raw
    if tag == "N":
        return _typed_number(raw, path)
    if tag == "B":
        return _b64(raw, path)
    if tag == "BOOL":
        if not isinstance(raw, bool):
            raise _bad(path, "BOOL takes true or false")
        return raw
    if tag == "NULL":
        if raw is not True:
            raise _bad(path, "NULL takes true")
        return None
    if tag == "M":
        if not isinstance(raw, dict):
            raise _bad(path, "M takes an object")
        return {k: from_typed(v, f"{path}.{k}") for k, v in raw.items()}
    if tag == "L":
        if not isinstance(raw, list):
            raise _bad(path, "L takes an array")
        return [from_typed(v, f"{path}[{i}]") for i, v in enumerate(raw)]
    if not isinstance(raw, list) or not raw:
        raise _bad(path, f"{tag} takes a non-empty array")
    if tag == "SS":
        if not all(isinstance(s, str) for s in raw):
            raise _bad(path, "SS takes strings")
        return set(raw)
    if tag == "NS":
        return {_typed_number(n, path) for n in raw}
    return {_b64(b, path) for b in raw}


def _typed_number(raw: Any, path: str) -> int | Decimal:
    if not isinstance(raw, str):
        raise _bad(path, f'N takes a number in a string, e.g. {{"N": "{raw}"}}')
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _bad(path, f"N value {raw!r} is not a number") from None
    if not value.is_finite():
        raise _bad(path, f"N value {raw!r} is not a number DynamoDB can store")
    check_number_range(value, raw, path)
    return int(raw) if raw.strip().lstrip("-").isdigit() else value


def _b64(raw: Any, path: str) -> bytes:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error):
        raise _bad(path, "B takes base64 text") from None


def parse_value(text: str) -> Any:
    """A ``--set`` value: JSON when it parses as JSON (30, true, [1,2], {"a":1}, "007"), else the text."""
    try:
        return loads(text)
    except ValidationError:
        raise
    except ValueError:
        return text


# -- JSON out -------------------------------------------------------------------------------------------


def json_dumps(value: Any, indent: int | None = None) -> str:
    """JSON with exact numbers (Decimal written digit for digit); sets as sorted arrays, bytes as base64."""
    parts: list[str] = []
    _encode(value, indent, 0, parts)
    return "".join(parts)


def _encode(v: Any, indent: int | None, level: int, out: list[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, Decimal):
        out.append(str(v) if v.is_finite() else json.dumps(str(v)))
    elif isinstance(v, float):
        out.append(repr(v) if v == v and v not in (float("inf"), float("-inf")) else json.dumps(str(v)))
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False))
    elif isinstance(v, bytes | bytearray | memoryview):
        out.append(json.dumps(base64.b64encode(bytes(v)).decode("ascii")))
    elif isinstance(v, Mapping):
        _container(list(v.items()), "{", "}", indent, level, out, keyed=True)
    elif isinstance(v, set | frozenset):
        _container([(None, x) for x in sorted(v)], "[", "]", indent, level, out, keyed=False)
    elif isinstance(v, list | tuple):
        _container([(None, x) for x in v], "[", "]", indent, level, out, keyed=False)
    elif hasattr(v, "isoformat"):
        out.append(json.dumps(v.isoformat()))
    else:
        out.append(json.dumps(str(v), ensure_ascii=False))


def _container(
    entries: list[tuple[Any, Any]],
    open_: str,
    close: str,
    indent: int | None,
    level: int,
    out: list[str],
    *,
    keyed: bool,
) -> None:
    if not entries:
        out.append(open_ + close)
        return
    out.append(open_)
    sep = ","
    pad = ""
    if indent is not None:
        pad = "\n" + " " * (indent * (level + 1))
    for i, (k, x) in enumerate(entries):
        if i:
            out.append(sep)
        out.append(pad)
        if keyed:
            out.append(json.dumps(str(k), ensure_ascii=False))
            out.append(": " if indent is not None else ":")
        _encode(x, indent, level + 1, out)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(close)


def needs_typed(value: Any) -> bool:
    """True when plain JSON would lose something (sets and bytes have no plain JSON form)."""
    if isinstance(value, set | frozenset | bytes | bytearray | memoryview):
        return True
    if isinstance(value, Mapping):
        return any(needs_typed(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(needs_typed(v) for v in value)
    return False


def to_typed(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB-typed JSON values (bytes are base64-encoded by json_dumps)."""
    from singletable.codec import to_attr

    return {k: to_attr(v, k) for k, v in item.items()}


# -- capacity -------------------------------------------------------------------------------------------


def capacity_lines(ledger: Any) -> list[str]:
    """The ledger as lines: per operation, the units by DynamoDB's size rules and what the engine reported."""
    lines = []
    total_r = total_w = 0.0
    summaries = list(ledger.by_pattern().values())
    for s in summaries:
        units = []
        if s.read_units or s.reported_read_units:
            units.append(f"{_num(s.read_units)} RCU (engine reported {_num(s.reported_read_units)})")
        if s.write_units or s.reported_write_units:
            units.append(f"{_num(s.write_units)} WCU (engine reported {_num(s.reported_write_units)})")
        calls = f"{s.calls} call" + ("s" if s.calls != 1 else "")
        items = f"{s.items} item" + ("s" if s.items != 1 else "")
        lines.append(f"capacity: {s.name}: {calls}, {items}, " + (", ".join(units) or "0 units"))
        total_r += s.read_units
        total_w += s.write_units
    if len(summaries) > 1:
        lines.append(f"capacity: total {_num(total_r)} RCU, {_num(total_w)} WCU")
    if not summaries:
        lines.append("capacity: nothing consumed")
    return lines


def print_capacity(ledger: Any) -> None:
    for line in capacity_lines(ledger):
        note(line)


def _num(x: float) -> str:
    return f"{x:g}"
