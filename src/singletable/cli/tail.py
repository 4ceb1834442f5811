"""``singletable tail``: follow a table's stream live, one change a line, coloured by entity (or JSON lines)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from singletable.cli.model import entities_of
from singletable.cli.options import (
    AttemptsOpt,
    DebugOpt,
    EndpointOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    errors,
    json_dumps,
    note,
)
from singletable.cli.render import out_console, write
from singletable.streams import Change, StreamReader
from singletable.streams.reader import streams_client
from singletable.streams.records import plain

#: Entity colours: picked by a stable hash of the entity's name, so a name keeps its colour between runs.
PALETTE = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")
KIND_STYLE = {"insert": "bold green", "modify": "bold yellow", "remove": "bold red"}


class From(StrEnum):
    trim_horizon = "trim-horizon"
    latest = "latest"


def colour(entity: str | None) -> str:
    if entity is None:
        return "dim"
    return PALETTE[zlib.crc32(entity.encode("utf-8")) % len(PALETTE)]


def _images(change: Change[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The old and new items as stored (plain values), from the record itself."""
    body: Mapping[str, Any] = change.raw.get("dynamodb") or {}
    old, new = body.get("OldImage"), body.get("NewImage")
    return (plain(old) if old else None), (plain(new) if new else None)


def as_json(change: Change[Any]) -> dict[str, Any]:
    old, new = _images(change)
    return {
        "kind": change.kind,
        "entity": change.entity_name,
        "keys": change.keys,
        "old": old,
        "new": new,
        "sequence_number": change.sequence_number,
        "time": change.approximate_time.isoformat(),
        **({"by_ttl": True} if change.by_ttl else {}),
    }


def _fields(change: Change[Any], keys: set[str]) -> str:
    old, new = _images(change)
    if old is not None and new is not None:
        names = sorted(k for k in set(old) | set(new) if k not in keys and old.get(k) != new.get(k))
        return ", ".join(f"{k}: {json_dumps(old.get(k))} -> {json_dumps(new.get(k))}" for k in names)
    item = new if new is not None else old
    if item is None:
        return ""
    return ", ".join(f"{k}: {json_dumps(v)}" for k, v in item.items() if k not in keys)


def as_line(change: Change[Any], key_names: tuple[str, str] = ("PK", "SK")) -> Text:
    """``12:00:01 INSERT Member MEMBER#1 / PROFILE name: "Ada"``, the entity in its colour."""
    keys = set(change.keys) | {"_type"}
    shown = [str(change.keys[k]) for k in key_names if k in change.keys]
    name = change.entity_name or "item"
    line = Text()
    line.append(change.approximate_time.strftime("%H:%M:%S") + " ", style="dim")
    line.append(f"{change.kind.upper():<6} ", style=KIND_STYLE[change.kind])
    line.append(f"{name} ", style=f"bold {colour(change.entity_name)}")
    line.append(" / ".join(shown), style=colour(change.entity_name))
    fields = _fields(change, keys)
    if fields:
        line.append("  " + fields)
    if change.by_ttl:
        line.append("  (TTL)", style="dim")
    return line


def tail(
    start: Annotated[
        From,
        typer.Option(
            "--from", help="Where to start: latest (only new changes) or trim-horizon (the last 24 h)."
        ),
    ] = From.latest,
    count: Annotated[
        int | None,
        typer.Option("--count", "-n", min=1, help="Exit after this many changes.", show_default=False),
    ] = None,
    idle_exit: Annotated[
        float | None,
        typer.Option(
            "--idle-exit", min=0, help="Exit after this many seconds without a change.", show_default=False
        ),
    ] = None,
    interval: Annotated[float, typer.Option("--interval", min=0.05, help="Seconds between polls.")] = 0.5,
    entities: Annotated[
        list[str] | None,
        typer.Option(
            "--entities",
            help="Module(s) declaring your entities (default: the seed's User, Order, UserOrder).",
            show_default=False,
        ),
    ] = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.table,
    debug: DebugOpt = False,
) -> None:
    """Follow the table's stream: every insert, modify and remove, typed by entity, as it happens.

    Example: singletable tail --from trim-horizon -o jsonl | jq .new
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        t = conn.open()
        if entities:
            t.register(*[c for m in entities for c in entities_of(m)])
        client = streams_client(endpoint_url=conn.endpoint_url, region=conn.region, profile=conn.profile)
        reader = StreamReader(
            t,
            start="latest" if start is From.latest else "trim_horizon",
            client=client,
            poll_interval=interval,
        )
        reader.describe()
        note(f"following the stream of {t.name!r} from {start.value} (Ctrl-C stops)")
        console = out_console()
        seen = 0
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends a tail: not an error
            for change in reader.follow(idle_timeout=idle_exit):
                if output is Output.table:
                    console.print(as_line(change, (t.spec.pk, t.spec.sk)), soft_wrap=True)
                else:
                    write(json_dumps(as_json(change), indent=2 if output is Output.json else None))
                seen += 1
                if count is not None and seen >= count:
                    break


def register(app: typer.Typer) -> None:
    """Add tail."""
    app.command("tail")(tail)
