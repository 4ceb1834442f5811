"""``singletable cost``: which capacity mode is cheapest for a workload, by how much, at what risk."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from singletable.cli.options import Output, require_extra
from singletable.errors import MissingExtraError, SingleTableError

if TYPE_CHECKING:
    from singletable.capacity import CapacityLedger
    from singletable.cost import PriceBook, Workload
    from singletable.cost.patterns import PatternCost

EXIT_USAGE = 2


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=EXIT_USAGE)


def cost(
    workload: Annotated[
        Path | None,
        typer.Argument(help="Workload file (.toml or .json), e.g. examples/workloads/steady-api.toml."),
    ] = None,
    from_ledger: Annotated[
        Path | None,
        typer.Option("--from-ledger", help="Cost measured traffic: a CapacityLedger.dump() JSON-lines file."),
    ] = None,
    scale: Annotated[
        float, typer.Option("--scale", help="With --from-ledger: multiply the measured request rates.")
    ] = 1.0,
    pricing: Annotated[
        Path | None, typer.Option("--pricing", help="Your own pricing file (same shape as the bundled one).")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Override the workload's region.")] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Where to write the PNG (default: <workload>-cost.png).")
    ] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Do not write the plot.")] = False,
    output: Annotated[
        Output,
        typer.Option("--output", "-o", help="table, json or jsonl (the JSON on one line), as every command."),
    ] = Output.table,
    as_json: Annotated[bool, typer.Option("--json", help="The same as -o json.")] = False,
    save_workload: Annotated[
        Path | None,
        typer.Option("--save-workload", help="Write the (e.g. ledger-derived) workload as JSON to edit."),
    ] = None,
    app_ref: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="With --rates: module:table (or file.py:table) whose entities and indexes size each pattern; default: the seed's table.",
        ),
    ] = None,
    rates: Annotated[
        Path | None,
        typer.Option(
            "--rates",
            help="Requests per second per access pattern (TOML/JSON, see examples/rates/demo.toml): cost each pattern, then the table.",
        ),
    ] = None,
    window: Annotated[
        float | None,
        typer.Option(
            "--window",
            help="With --from-ledger: the seconds the ledger's steady traffic took (default: its calls' own span).",
        ),
    ] = None,
    one_off: Annotated[
        list[str] | None,
        typer.Option(
            "--one-off",
            help="With --from-ledger: a pattern that is a one-off load, costed apart (repeatable; default: names holding bulk, seed, backfill, migrat or import).",
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample",
            min=1,
            help="With --rates: sample item sizes from the first N items of the --app table.",
        ),
    ] = None,
    item_size: Annotated[
        list[str] | None,
        typer.Option("--item-size", help="With --rates: ENTITY=BYTES, a measured item size (repeatable)."),
    ] = None,
) -> None:
    """Compare on-demand, provisioned, autoscaling and reserved capacity for one month of a workload.

    Example: singletable cost examples/workloads/steady-api.toml -o json --no-plot
    """
    from singletable.capacity import CapacityLedger
    from singletable.cost import WorkloadError, load_pricing, load_workload, plan, workload_from_records
    from singletable.cost.report import render, render_patterns

    if rates is None and (workload is None) == (from_ledger is None):
        raise _fail("give a workload file, --from-ledger FILE or --rates FILE")
    if rates is not None and workload is not None:
        raise _fail("give a workload file or --rates FILE, not both")
    pattern_costs: list[Any] = []
    try:
        book = load_pricing(pricing)
    except (OSError, ValueError) as exc:
        detail = (
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        raise _fail(
            f"pricing file {pricing}: {detail} — fix: follow the shape of the bundled pricing.json"
        ) from None
    try:
        ledger = None
        if from_ledger is not None:
            try:
                ledger = CapacityLedger.load(str(from_ledger))
            except (OSError, ValueError, TypeError) as exc:
                raise WorkloadError(
                    f"{from_ledger}: not a capacity ledger ({exc}) — fix: pass a file written by "
                    "CapacityLedger.dump()"
                ) from None
        if rates is not None:
            w, pattern_costs = _from_rates(
                book, rates, app_ref, ledger, window, one_off, item_size, scale, region
            )
        elif ledger is not None:
            assert from_ledger is not None
            w = workload_from_records(
                ledger,
                scale=scale,
                name=from_ledger.stem,
                region=region or "us-east-1",
                window_seconds=window,
                one_off=one_off or None,
            )
        else:
            assert workload is not None
            w = load_workload(workload)
        if region:
            w.region = region
        book.region(w.region)
        result = plan(w, book)
    except (WorkloadError, SingleTableError) as exc:
        raise _fail(escape(str(exc))) from None
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from None

    if save_workload is not None:
        save_workload.write_text(w.model_dump_json(indent=2, exclude_defaults=True) + "\n", encoding="utf-8")
    plot_path: Path | None = None
    if not no_plot:
        try:
            require_extra("matplotlib", "cost", "the cost plot")
        except MissingExtraError as exc:
            raise _fail(escape(f"{exc} (or pass --no-plot)")) from None
        from singletable.cost.plot import plot_plan

        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", w.name).strip("-") or "workload"
        plot_path = plot_plan(result, plot or Path(f"{slug}-cost.png"))
    if as_json:
        output = Output.json
    if output is not Output.table:
        data = result.to_dict() | {"plot": str(plot_path) if plot_path else None}
        if pattern_costs:
            data["patterns"] = [c.to_dict() for c in pattern_costs]
        typer.echo(json.dumps(data, indent=2 if output is Output.json else None))
        return
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(
            console.width, 150 if pattern_costs else 110
        )  # pipes and CI logs: room for the tables
    if pattern_costs:
        render_patterns(pattern_costs, console, hours=book.hours_per_month.value)
    render(result, console)
    if plot_path is not None:
        console.print(f"plot: {plot_path}")


def _from_rates(
    book: PriceBook,
    rates_path: Path,
    app_ref: str | None,
    ledger: CapacityLedger | None,
    window: float | None,
    one_off: list[str] | None,
    item_size: list[str] | None,
    scale: float,
    region: str | None,
    sample: int | None = None,
) -> tuple[Workload, list[PatternCost]]:
    """The workload of a rates file: each pattern priced from the app's entities and indexes; a pattern
    without per_s takes the rate the ledger measured over the window."""
    from singletable.cli.appref import load_app
    from singletable.cost.patterns import load_rates, price_patterns, workload_of
    from singletable.cost.workload import measured_rates
    from singletable.lint.sample import sample_item_sizes

    rates = load_rates(rates_path)
    if region:
        rates.region = region
    sizes: dict[str, int] = {}
    for pair in item_size or []:
        entity, _, raw = pair.partition("=")
        if not raw.isdigit() or int(raw) <= 0:
            raise _fail(f"--item-size {pair!r}: write ENTITY=BYTES with BYTES > 0")
        sizes[entity] = int(raw)
    measured: dict[str, float] = {}
    if ledger is not None:
        steady, _, seconds, _ = measured_rates(ledger, window_seconds=window, one_off=one_off or None)
        measured = {name: len(group) / seconds * scale for name, group in steady.items()}
    schema, client = load_app(app_ref)
    if sample is not None:
        sizes = sample_item_sizes(schema, client, sample) | sizes
    costs = price_patterns(
        schema,
        rates,
        book.region(rates.region),
        hours=book.hours_per_month.value,
        item_sizes=sizes,
        measured=measured,
    )
    w = workload_of(rates, costs, book)
    w.base_dir = str(rates_path.parent)
    return w, costs


def register(app: typer.Typer) -> None:
    """Add ``singletable cost`` to the app."""
    app.command("cost")(cost)
