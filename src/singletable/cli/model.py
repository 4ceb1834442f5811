"""``singletable model export --workbench FILE``: the design as a NoSQL Workbench data model."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from singletable.cli.options import (
    DebugOpt,
    TableOpt,
    errors,
    json_dumps,
    load_config,
    note,
    parse_item,
    to_typed,
)
from singletable.errors import ValidationError
from singletable.model import Entity

model_app = typer.Typer(name="model", help="The data model: export it for other tools.", no_args_is_help=True)


def entities_of(module_name: str) -> list[type[Entity]]:
    """The Entity subclasses defined in ``module_name`` (importable from the current folder)."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValidationError(
            f"--entities {module_name}: cannot import it ({exc})",
            field="entities",
            hint="name an importable module (run from its project folder, or set PYTHONPATH)",
        ) from None
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Entity) and cls is not Entity and cls.__module__ == module.__name__
    ]
    if not found:
        raise ValidationError(
            f"--entities {module_name}: the module defines no Entity subclass",
            field="entities",
            hint="point at the module where your entities are declared",
        )
    return found


def _sample_items(path: Path | None, entities: list[type[Entity]], table: str) -> list[dict[str, Any]]:
    from singletable.seed import ENTITIES, SEED_EDGE, SEED_ORDER, SEED_USER
    from singletable.spec import TableSpec
    from singletable.table import Table

    if path is None:
        if set(entities) != set(ENTITIES):
            return []
        # The seed's items exactly as put() stores them (dry run: nothing is sent).
        t = Table(TableSpec(name=table), endpoint_url="http://127.0.0.1:9", entities=entities)
        return [dict(t.put(e, dry_run=True).params["Item"]) for e in (SEED_USER, SEED_ORDER, SEED_EDGE)]
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            items.append(to_typed(parse_item(line, what=f"{path}:{n}")))
    return items


@model_app.command("export")
def export_model(
    workbench: Annotated[
        Path,
        typer.Option("--workbench", metavar="FILE", help="Write a NoSQL Workbench data model (JSON) here."),
    ],
    entities: Annotated[
        list[str] | None,
        typer.Option(
            "--entities",
            metavar="MODULE",
            help="Module(s) declaring your entities (default: the seed's User, Order, UserOrder).",
            show_default=False,
        ),
    ] = None,
    items: Annotated[
        Path | None,
        typer.Option(
            "--items",
            metavar="FILE",
            help="Sample items as JSON lines (singletable export writes them); default: the seed's items.",
            show_default=False,
        ),
    ] = None,
    table: TableOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the table, its entities (as facets), GSI1 and sample items as a NoSQL Workbench model.

    Example: singletable model export --workbench model.json --entities myapp.models --items backup.jsonl

    In NoSQL Workbench: Data modeler, Import data model, choose the file; each entity is a facet of the
    table in the Visualizer.
    """
    from singletable.seed import ENTITIES
    from singletable.spec import TableSpec
    from singletable.workbench import data_model

    with errors(debug):
        name = table or load_config().get("table") or TableSpec().name
        classes = [c for m in entities or [] for c in entities_of(m)] or list(ENTITIES)
        if not workbench.parent.is_dir():
            raise ValidationError(
                f"cannot write {workbench}: the folder {workbench.parent} does not exist",
                field="workbench",
                hint=f"create it first (mkdir -p {workbench.parent})",
            )
        sample = _sample_items(items, classes, name)
        model = data_model(TableSpec(name=name), classes, sample)
        workbench.write_text(json_dumps(model, indent=2) + "\n", encoding="utf-8")
        note(
            f"wrote {workbench}: table {name!r}, {len(classes)} entities as facets, "
            f"{len(sample)} sample items (NoSQL Workbench: Data modeler, Import data model)"
        )


def register(app: typer.Typer) -> None:
    """Add the model group."""
    app.add_typer(model_app)
