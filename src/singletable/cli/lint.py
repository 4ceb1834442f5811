"""``singletable lint``: hot partitions and the like, read from the design (entities and indexes)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from singletable.cli.options import Output
from singletable.errors import SingleTableError

EXIT_USAGE = 2


def lint(
    app_ref: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="module:table (or file.py:table) naming a Table, AsyncTable or Schema; default: the seed's table.",
        ),
    ] = None,
    item_size: Annotated[
        list[str] | None,
        typer.Option(
            "--item-size",
            help="ENTITY=BYTES, a measured or declared item size (repeatable); default: estimated from the fields.",
        ),
    ] = None,
    output: Annotated[Output, typer.Option("--output", "-o", help="table, json or jsonl.")] = Output.table,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when there is a warning.")] = False,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample", min=1, help="Sample item sizes from the first N items of the --app table (a Scan)."
        ),
    ] = None,
) -> None:
    """Find hot partitions in the design: constant or low-cardinality keys, per entity and index, with
    the write rate each throttles at and the Terraform or entity change that fixes it.

    Example: singletable lint -o json
    """
    from singletable.cli.appref import load_app
    from singletable.lint import lint as run_lint
    from singletable.lint.render import render
    from singletable.lint.sample import sample_item_sizes

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    sizes: dict[str, int] = {}
    for pair in item_size or []:
        entity, _, raw = pair.partition("=")
        try:
            sizes[entity] = int(raw)
            if sizes[entity] <= 0:
                raise ValueError
        except ValueError:
            err.print(f"[red]error:[/] --item-size {pair!r}: write ENTITY=BYTES with BYTES > 0")
            raise typer.Exit(EXIT_USAGE) from None
    try:
        schema, client = load_app(app_ref)
        if sample is not None:
            sizes = sample_item_sizes(schema, client, sample) | sizes
        report = run_lint(schema, item_sizes=sizes)
    except SingleTableError as exc:
        err.print(f"[red]error:[/] {exc}", markup=True)
        raise typer.Exit(EXIT_USAGE) from None
    if output is Output.table:
        console = Console(highlight=False)
        if not console.is_terminal:
            console.width = max(console.width, 120)
        render(report, console)
    else:
        typer.echo(json.dumps(report.to_dict(), indent=2 if output is Output.json else None))
    if strict and report.warnings():
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``singletable lint`` to the app."""
    app.command("lint")(lint)
