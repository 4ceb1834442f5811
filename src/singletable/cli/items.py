"""Everyday item operations in plain JSON: put, get, delete, update, query, scan."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from singletable.cli.options import (
    EXAMPLE_ITEM,
    AttemptsOpt,
    CapacityOpt,
    ConsistentOpt,
    DebugOpt,
    EndpointOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    errors,
    fail,
    note,
    parse_item,
    parse_value,
    print_capacity,
)
from singletable.cli.render import emit_item, emit_items, group_by_entity
from singletable.errors import ConditionFailedError, ItemNotFoundError

PkOpt = Annotated[str, typer.Option("--pk", help="Partition key value, e.g. USER#123.", show_default=False)]
SkOpt = Annotated[str, typer.Option("--sk", help="Sort key value, e.g. PROFILE.", show_default=False)]
AttributesOpt = Annotated[
    str | None,
    typer.Option(
        "--attributes", help="Only these attributes, comma-separated: name,email.", show_default=False
    ),
]


def _attributes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [a.strip() for a in text.split(",") if a.strip()]
    if not names:
        fail("--attributes is empty. Fix: name at least one attribute, e.g. --attributes name,email")
    return names


def _read_item_text(item: str | None) -> str:
    if item is None or item == "-":
        if item is None and sys.stdin.isatty():
            fail(f"no item given. Fix: singletable put '{EXAMPLE_ITEM}' (or @item.json, or - for stdin)")
        return sys.stdin.read()
    if item.startswith("@"):
        path = Path(item[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}. Fix: check the path after @")
    return item


# -- put ------------------------------------------------------------------------------------------------


def put(
    item: Annotated[
        str | None,
        typer.Argument(
            help="The item as JSON (plain or DynamoDB-typed), @FILE, or - for stdin.", show_default=False
        ),
    ] = None,
    create_only: Annotated[
        bool, typer.Option("--create-only", help="Fail (exit 1) instead of replacing an existing item.")
    ] = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write one item (replacing any item with the same PK and SK).

    Example: singletable put '{"PK":"USER#123","SK":"PROFILE","name":"John","email":"john@example.com"}'

    DynamoDB-typed JSON ({"PK":{"S":"USER#123"},...}) is accepted too. Numbers keep their exact value.
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        data = parse_item(_read_item_text(item))
        t = conn.open()
        condition = None
        if create_only:
            from singletable.expressions import Attr

            condition = Attr(t.spec.pk).not_exists()
        try:
            t.put_item(data, condition=condition)
        except ConditionFailedError as exc:
            exists = ConditionFailedError(
                f"an item {data.get(t.spec.pk)}/{data.get(t.spec.sk)} already exists in {t.name!r}",
                condition=exc.condition,
                item=exc.item,
            )
            exists.hint = "drop --create-only to replace it, or pick another key"
            raise exists from None
        note(f"put {data[t.spec.pk]}/{data[t.spec.sk]} into {t.name!r} ({len(data)} attributes)")
        if capacity:
            print_capacity(t.ledger)


# -- get ------------------------------------------------------------------------------------------------


def get(
    pk: PkOpt,
    sk: SkOpt,
    consistent: ConsistentOpt = False,
    attributes: AttributesOpt = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Read one item by its keys (exit 1 when there is none).

    Example: singletable get --pk USER#123 --sk PROFILE --consistent
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        t = conn.open()
        found = t.get_item(pk, sk, consistent=consistent, projection=_attributes(attributes))
        if capacity:
            print_capacity(t.ledger)
        if found is None:
            raise ItemNotFoundError(
                f"no item {pk}/{sk} in table {t.name!r}",
                hint=f"check the key (PK and SK are case-sensitive), or list the partition: singletable query --pk {pk}",
            )
        assert isinstance(found, dict)
        emit_item(found, output, t)


# -- delete ---------------------------------------------------------------------------------------------


def delete(
    pk: PkOpt,
    sk: SkOpt,
    missing_ok: Annotated[
        bool, typer.Option("--missing-ok", help="Exit 0 even when there was no item.")
    ] = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Delete one item by its keys and print what was there (exit 1 when there was nothing).

    Example: singletable delete --pk USER#123 --sk ORDER#456
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        t = conn.open()
        old = t.delete_item(pk, sk)
        if capacity:
            print_capacity(t.ledger)
        if old is None:
            if missing_ok:
                note(f"no item {pk}/{sk} in {t.name!r}: nothing deleted")
                return
            raise ItemNotFoundError(
                f"no item {pk}/{sk} in table {t.name!r}: nothing deleted",
                hint="check the key (PK and SK are case-sensitive), or pass --missing-ok",
            )
        note(f"deleted {pk}/{sk} from {t.name!r}")
        emit_item(old, output, t)


# -- update ---------------------------------------------------------------------------------------------


def _assignments(flag: str, values: list[str]) -> list[tuple[str, str]]:
    out = []
    for raw in values:
        name, eq, value = raw.partition("=")
        if not eq or not name.strip():
            fail(f"{flag} takes NAME=VALUE, got {raw!r}. Fix: e.g. {flag} name=John")
        out.append((name.strip(), value))
    return out


def update(
    pk: PkOpt,
    sk: SkOpt,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help='NAME=VALUE; VALUE is JSON when it parses (30, true, [1,2], "007"), else text. Repeatable.',
            show_default=False,
        ),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            help="NAME=NUMBER (atomic counter) or NAME=[...] (add to a set). Repeatable.",
            show_default=False,
        ),
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", help="Attribute to remove. Repeatable.", show_default=False),
    ] = None,
    upsert: Annotated[bool, typer.Option("--upsert", help="Create the item when it does not exist.")] = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Change some attributes of one item and print it as stored afterwards (exit 1 when it does not exist).

    Example: singletable update --pk USER#123 --sk PROFILE --set name=John --add logins=1 --remove nickname
    """
    from singletable.expressions import Update

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        changes = Update()
        for name, value in _assignments("--set", set_ or []):
            changes.set({name: parse_value(value)})
        for name, value in _assignments("--add", add or []):
            parsed = parse_value(value)
            if isinstance(parsed, list):
                # --add tags='["a","b"]' adds members to a string (or number) set.
                if not parsed or not all(
                    isinstance(x, str | int | Decimal) and not isinstance(x, bool) for x in parsed
                ):
                    fail(
                        f"--add {name}= takes a number or a non-empty array of strings or numbers, got {value!r}"
                    )
                parsed = set(parsed)
            elif not isinstance(parsed, int | Decimal) or isinstance(parsed, bool):
                # The data layer's refusal speaks Python (set(), append()); here the fix is a flag.
                fail(
                    f"--add {name}={value} adds to a number or a set, and {value!r} is neither. Fix: "
                    f"--set {name}={value} stores it as is; --add {name}=1 counts; "
                    f"--add {name}='[\"{value}\"]' adds it to a set"
                )
            changes.add(name, parsed)
        for name in remove or []:
            changes.remove(name)
        if not changes:
            fail("nothing to update. Fix: pass --set NAME=VALUE, --add NAME=NUMBER or --remove NAME")
        t = conn.open()
        try:
            after = t.update_item(pk, sk, changes, upsert=upsert)
        except ItemNotFoundError:
            raise ItemNotFoundError(
                f"no item {pk}/{sk} in table {t.name!r} to update",
                hint="create it first (singletable put), or pass --upsert",
            ) from None
        if capacity:
            print_capacity(t.ledger)
        assert isinstance(after, dict)
        emit_item(after, output, t)


# -- query and scan -------------------------------------------------------------------------------------


def query(
    pk: Annotated[
        str,
        typer.Option(
            "--pk", help="Partition key value (with --index GSI1: the SK value).", show_default=False
        ),
    ],
    sk_begins_with: Annotated[
        str | None,
        typer.Option(
            "--sk-begins-with", help="Only sort keys starting with this, e.g. ORDER#.", show_default=False
        ),
    ] = None,
    between: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--between",
            metavar="LOW HIGH",
            help="Only sort keys from LOW to HIGH (inclusive).",
            show_default=False,
        ),
    ] = None,
    index: Annotated[
        str | None, typer.Option("--index", help="Query an index, e.g. GSI1 (SK -> PK).", show_default=False)
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N items.", show_default=False)
    ] = None,
    desc: Annotated[bool, typer.Option("--desc", help="Sort keys in descending order.")] = False,
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            metavar="NAME OP VALUE",
            help="Keep items where it holds (read capacity is still charged for every item read): "
            "total>=50, name^=Jo (begins with), tags~=red (contains), nickname? (exists), !nickname. "
            "Repeatable (all must hold).",
            show_default=False,
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="Resume after the last item of a --limit run.", show_default=False),
    ] = None,
    consistent: ConsistentOpt = False,
    attributes: AttributesOpt = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Read one partition (or an index partition); with -o table, items are grouped by entity.

    Example: singletable query --pk USER#123 --sk-begins-with ORDER# --desc --limit 10 -o table

    Reverse lookup (who has order 456): singletable query --index GSI1 --pk ORDER#456

    Filtered: singletable query --pk USER#123 --sk-begins-with ORDER# --filter 'order_date>=2023-04-01'
    """
    from singletable.cli.filters import parse_filters
    from singletable.query import SortKey

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        if consistent and index is not None:
            fail(
                f"--consistent is not possible on {index} (indexes are eventually consistent). Fix: drop --consistent"
            )
        if sk_begins_with is not None and between is not None:
            fail("--sk-begins-with and --between cannot be combined. Fix: pass one sort-key condition")
        sk = SortKey.begins_with(sk_begins_with) if sk_begins_with is not None else None
        if between is not None:
            sk = SortKey.between(*between)
        condition = parse_filters(filter_ or [])
        t = conn.open()
        q = t.query(
            pk=pk,
            sk=sk,
            index=index,
            filter=condition,
            limit=limit,
            reverse=desc,
            consistent=consistent,
            projection=_attributes(attributes),
            cursor=cursor,
        )
        q.raw_items = True  # every item as stored, ours or not; grouping happens in the output
        items = cast(list[dict[str, Any]], list(q))  # raw_items: every item as a dict
        where = f"{index} partition {pk!r}" if index else f"partition {pk!r}"
        if not items:
            extra = " matching the sort-key condition" if sk is not None else ""
            extra += " and the filter" if condition is not None and extra else ""
            extra = extra or (" matching the filter" if condition is not None else "")
            note(f"no items in {where}{extra} of {t.name!r} (keys are case-sensitive)")
        elif output is Output.table:
            groups = ", ".join(f"{name} {len(g)}" for name, g in group_by_entity(t, items))
            note(f"{len(items)} item{'s' if len(items) != 1 else ''} in {where}: {groups}")
        emit_items(items, output, t)
        if q.cursor:
            note(f"more items: add --cursor {q.cursor}")
        if capacity:
            print_capacity(t.ledger)


def batch_get(
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            metavar="PK/SK",
            help="One key as PK/SK (split at the first / that a sort key follows), e.g. USER#123/PROFILE. "
            "Repeatable.",
            show_default=False,
        ),
    ] = None,
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            metavar="FILE",
            help='JSON lines of keys, {"PK":"USER#123","SK":"PROFILE"} (- for stdin).',
            show_default=False,
        ),
    ] = None,
    consistent: ConsistentOpt = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Read many items by key in batches of 100, in the order given (exit 1 when some are missing).

    Example: singletable batch-get --key USER#123/PROFILE --key ORDER#456/METADATA -o jsonl
    """
    from singletable.table import Table

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        wanted = [_split_key(k) for k in key or []]
        if keys_file is not None:
            text = sys.stdin.read() if str(keys_file) == "-" else keys_file.read_text(encoding="utf-8")
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    obj = parse_item(line, what=f"{keys_file}:{n}")
                    pk, sk = obj.get("PK"), obj.get("SK")
                    if not isinstance(pk, str) or not isinstance(sk, str):
                        fail(
                            f'{keys_file}:{n}: a key needs string PK and SK. Fix: {{"PK":"USER#123","SK":"PROFILE"}}'
                        )
                    wanted.append((pk, sk))
        if not wanted:
            fail("no keys given. Fix: --key USER#123/PROFILE (repeatable) or --keys keys.jsonl")
        t = conn.open()
        # Read as stored (no entity parsing); t, with the seed's entities, only shapes -o table.
        plain = Table(t.spec, client=t.client)
        found = plain.batch_get(wanted, consistent=consistent)
        items = [cast(dict[str, Any], f) for f in found if f is not None]
        emit_items(items, output, t)
        missing = [f"{pk}/{sk}" for (pk, sk), f in zip(wanted, found, strict=True) if f is None]
        if capacity:
            print_capacity(plain.ledger)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise ItemNotFoundError(
                f"{len(missing)} of {len(wanted)} keys not found in {t.name!r}: {shown}",
                hint="check the keys (PK and SK are case-sensitive)",
            )


def _split_key(text: str) -> tuple[str, str]:
    pk, sep, sk = text.partition("/")
    if not sep or not pk or not sk:
        fail(f"--key {text!r} is not PK/SK. Fix: --key USER#123/PROFILE")
    return pk, sk


def scan(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N items.", show_default=False)
    ] = None,
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="Resume after the last item of a --limit run.", show_default=False),
    ] = None,
    consistent: ConsistentOpt = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.json,
    capacity: Annotated[
        bool,
        typer.Option(
            "--capacity/--no-capacity",
            help="Print the consumed capacity on stderr.",
            rich_help_panel="Output",
        ),
    ] = True,
    debug: DebugOpt = False,
) -> None:
    """Read the whole table (billed for every item read; prints the capacity used).

    Example: singletable scan --limit 100 -o jsonl
    """
    from singletable.query import Query

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        t = conn.open()
        note(
            f"warning: scan reads every item of {t.name!r} and is billed for all it reads; "
            "use query --pk when you know the partition"
        )
        q = Query.build(t, None, scan=True, limit=limit, consistent=consistent, cursor=cursor, fields={})
        q.raw_items = True
        items: list[dict[str, Any]] = list(q)
        if not items:
            note(f"no items in {t.name!r}")
        emit_items(items, output, t)
        if q.cursor:
            note(f"more items: add --cursor {q.cursor}")
        if capacity:
            print_capacity(t.ledger)


def register(app: typer.Typer) -> None:
    """Add put, get, delete, update, query, batch-get and scan."""
    app.command("put")(put)
    app.command("get")(get)
    app.command("delete")(delete)
    app.command("update")(update)
    app.command("query")(query)
    app.command("batch-get")(batch_get)
    app.command("scan")(scan)
