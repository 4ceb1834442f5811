"""``--app module:attr``: the user's Table (or entity classes) imported, and the Table the page reads."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from singletable.errors import UiAppError
from singletable.model import Entity
from singletable.spec import TableSpec
from singletable.table import Table


def load_app(target: str) -> Table | tuple[type[Entity], ...]:
    """Import ``module:attr``: a :class:`Table` (its spec and entities are used) or entity classes."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise UiAppError(
            f"--app {target!r} is not module:attr", field="app", hint="pass e.g. --app myapp.db:table"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UiAppError(
            f"--app {target!r}: cannot import {module_name} ({exc})",
            field="app",
            hint="run from the directory holding the module, or set PYTHONPATH",
        ) from None
    value: Any = module
    for part in attr.split("."):
        if not hasattr(value, part):
            raise UiAppError(
                f"--app {target!r}: {module_name} has no {attr}",
                field="app",
                hint="name the Table object (or a list of Entity classes) defined in that module",
            )
        value = getattr(value, part)
    if isinstance(value, Table):
        return value
    if isinstance(value, type) and issubclass(value, Entity):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        classes = tuple(value)
        if classes and all(isinstance(c, type) and issubclass(c, Entity) for c in classes):
            return classes
    raise UiAppError(
        f"--app {target!r} is a {type(value).__name__}, not a Table or Entity classes",
        field="app",
        hint="point it at a singletable Table (or a tuple of Entity classes)",
    )


def open_table(
    *,
    app: str | None,
    table: str | None,
    client: Any,
    default_name: str | None = None,
) -> Table:
    """The Table the page reads: the app's spec and entities (or none), on ``client``, expired items shown.

    ``table`` overrides the app's table name; without an app Table, ``default_name`` (the CLI's resolved
    name) and then the spec's default are used.
    """
    loaded = load_app(app) if app else ()
    if isinstance(loaded, Table):
        spec = loaded.spec if table is None else replace(loaded.spec, name=table)
        entities: tuple[type[Entity], ...] = loaded.entities
    else:
        name = table or default_name
        spec = TableSpec(name=name) if name else TableSpec()
        entities = loaded
    # Expired items are shown (flagged): the page shows what the table holds.
    return Table(spec, client=client, entities=entities, hide_expired=False)
