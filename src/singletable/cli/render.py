"""Items on stdout: pretty JSON, JSON lines, or tables grouped by entity (the profile, then the orders)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from singletable.cli.options import Output, json_dumps
from singletable.errors import SingleTableError
from singletable.model import ENTITY_ATTRIBUTE, Entity

OTHER = "other items"


def out_console() -> Console:
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)  # pipes and CI logs: room for the columns
    return console


def write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def emit_item(item: Mapping[str, Any], output: Output, table: Any = None) -> None:
    """One item: an object (json), one line (jsonl), or attribute/value rows under its entity (table)."""
    if output is Output.json:
        write(json_dumps(item, indent=2))
    elif output is Output.jsonl:
        write(json_dumps(item))
    else:
        name = entity_name(table, item) if table is not None else None
        grid = RichTable(title=name or "item", title_justify="left", show_header=True)
        grid.add_column("attribute", style="bold")
        grid.add_column("value")
        for k, v in _ordered(item):
            grid.add_row(Text(k), Text(cell(v)))
        out_console().print(grid)


def emit_items(items: Sequence[Mapping[str, Any]], output: Output, table: Any = None) -> None:
    """Many items: an array (json), one per line (jsonl), or one table per entity (table)."""
    if output is Output.json:
        write(json_dumps(list(items), indent=2))
    elif output is Output.jsonl:
        for item in items:
            write(json_dumps(item))
    else:
        console = out_console()
        for name, group in group_by_entity(table, items):
            console.print(items_table(name, group, table))


def entity_name(table: Any, item: Mapping[str, Any]) -> str | None:
    """The entity an item belongs to (by its marker or its key patterns), or None."""
    try:
        found = table.recognise(item)
    except SingleTableError:
        return None  # it matches a key pattern but not the entity's fields: show it as it is
    return type(found).meta().name if isinstance(found, Entity) else None


def group_by_entity(
    table: Any, items: Sequence[Mapping[str, Any]]
) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Items grouped by entity, in the order the entities were registered; unknown items last."""
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for item in items:
        name = entity_name(table, item) if table is not None else None
        groups.setdefault(name, []).append(item)
    order = [cls.meta().name for cls in table.entities] if table is not None else []
    names = sorted(groups, key=lambda n: order.index(n) if n in order else len(order))
    return [(n or OTHER, groups[n]) for n in names]


def items_table(name: str, items: Sequence[Mapping[str, Any]], table: Any = None) -> RichTable:
    keys = (table.spec.pk, table.spec.sk) if table is not None else ("PK", "SK")
    columns: list[str] = [k for k in keys if any(k in i for i in items)]
    for item in items:
        for k in item:
            if k not in columns and k != ENTITY_ATTRIBUTE:
                columns.append(k)
    count = f"{len(items)} item" + ("s" if len(items) != 1 else "")
    grid = RichTable(title=f"{name} ({count})", title_justify="left")
    for c in columns:
        numeric = all(
            isinstance(i.get(c), int | Decimal) and not isinstance(i.get(c), bool) for i in items if c in i
        )
        grid.add_column(c, justify="right" if numeric else "left", overflow="fold")
    for item in items:
        grid.add_row(*(Text(cell(item[c])) if c in item else Text("") for c in columns))
    return grid


def _ordered(item: Mapping[str, Any]) -> list[tuple[str, Any]]:
    first = [(k, item[k]) for k in ("PK", "SK") if k in item]
    return first + [(k, v) for k, v in item.items() if k not in ("PK", "SK")]


def cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json_dumps(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return json_dumps(value)
