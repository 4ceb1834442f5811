"""``--app module:attr``: the application's table, for commands that read its design (lint, cost).

``attr`` is a Table, an AsyncTable or a Schema, or a function without arguments that returns one;
``module`` is an importable module or a ``.py`` file. Without ``--app``: the seed's table (the demo's).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

from singletable.errors import AppReferenceError
from singletable.schema import Schema


def seed_schema() -> Schema:
    """The seed's (the demo's) design: the module's default table and the seed's three entities."""
    from singletable.seed import ENTITIES
    from singletable.spec import TableSpec

    return Schema(TableSpec(), entities=ENTITIES)


def load_schema(ref: str | None) -> Schema:
    """The Schema ``ref`` names, or the seed's when ``ref`` is None."""
    return load_app(ref)[0]


def load_app(ref: str | None) -> tuple[Schema, Any]:
    """The Schema ``ref`` names and its table's client (None for a bare Schema or the seed's)."""
    if ref is None:
        return seed_schema(), None
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise AppReferenceError(f"--app {ref!r} is not module:attr", field="app")
    try:
        module = _import(module_name)
    except (ImportError, OSError) as exc:
        raise AppReferenceError(
            f"--app {ref!r}: cannot import {module_name!r} ({exc})", field="app"
        ) from None
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise AppReferenceError(f"--app {ref!r}: {module_name} has no {attr!r}", field="app")
    if inspect.isfunction(obj):
        try:
            obj = obj()
        except TypeError as exc:
            raise AppReferenceError(f"--app {ref!r}: calling {attr} failed ({exc})", field="app") from None
    schema = obj if isinstance(obj, Schema) else getattr(obj, "schema", None)
    if not isinstance(schema, Schema):
        raise AppReferenceError(f"--app {ref!r} is a {type(obj).__name__}, not a table", field="app")
    return schema, getattr(obj, "client", None)


def _import(name: str) -> Any:
    if name.endswith(".py"):
        path = Path(name).resolve()
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"{name} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(path.stem, module)
        spec.loader.exec_module(module)
        return module
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # module:attr from the current directory, as uvicorn does
    return importlib.import_module(name)
