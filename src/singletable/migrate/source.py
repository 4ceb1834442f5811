"""Migrations as code: a folder of numbered Python modules.

    migrations/
        0001_orders_by_status.py     up = IndexKeys(Order)
        0002_order_currency.py       up = AddDefault(Order, "currency", "EUR")
        0003_custom.py               def up(ctx): ...   def down(ctx): ...

A module's name is ``<number>_<words>.py``; numbers are unique and run in order. ``up`` is a built-in
backfill (:mod:`singletable.migrate.backfills`) or a function of a :class:`Context`, which may be a
generator of entities to put (``for old in ctx.scan(Old): yield New(...)``); ``down`` is optional.
Modules import the project's entities; the folder that holds the migrations folder is put on
``sys.path`` for them. A migration's checksum is the SHA-256 of its file, recorded when it is applied: an applied migration
whose file changed since is refused.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from typing_extensions import TypeIs

from singletable.codec import deserialize
from singletable.errors import MigrationSourceError
from singletable.migrate.backfills import Backfill, belongs
from singletable.migrate.calls import HasTransport, put_request, send
from singletable.migrate.ledger import reserved
from singletable.model import Entity

E = TypeVar("E", bound=Entity)
NAME = re.compile(r"^(\d+)_([A-Za-z0-9_]+)\.py$")


class Context:
    """What a function migration gets: the table, and whether this is a dry run."""

    def __init__(self, table: HasTransport, *, dry_run: bool = False) -> None:
        self.table = table
        self.dry_run = dry_run
        self.written = 0

    def scan(self, cls: type[E]) -> Iterator[E]:
        """Every stored ``cls`` (by marker and key pattern), read with a plain scan."""
        schema = self.table.schema
        params: dict[str, Any] = {"TableName": schema.name}
        while True:
            resp = send(self.table, "Scan", dict(params))
            for raw in resp.get("Items", []):
                item = deserialize(raw)
                if not reserved(item, schema.spec.pk) and belongs(schema, cls, item):
                    yield schema.from_item(cls, item)
            if not resp.get("LastEvaluatedKey"):
                return
            params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def put(self, entity: Entity) -> None:
        """Write ``entity`` (skipped in a dry run; counted either way)."""
        self.written += 1
        if not self.dry_run:
            send(
                self.table,
                "PutItem",
                put_request(self.table.schema, self.table.schema.entity_item(entity), None),
            )


Step = Backfill | Callable[[Context], Any]


@dataclass(frozen=True)
class Migration:
    """One numbered migration."""

    version: int
    name: str
    checksum: str
    up: Step
    down: Step | None = None
    path: Path | None = None
    doc: str = ""

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def is_backfill(step: Step) -> TypeIs[Backfill]:
    return hasattr(step, "change") and hasattr(step, "describe")


def describe(step: Step) -> str:
    if is_backfill(step):
        return step.describe()
    return f"run {getattr(step, '__name__', 'a function')}()"


def load(folder: str | Path) -> list[Migration]:
    """The migrations of ``folder``, in order (MigrationSourceError for a malformed one)."""
    root = Path(folder)
    if not root.is_dir():
        raise MigrationSourceError(
            f"migrations folder {str(root)!r} does not exist",
            field="migrations",
            hint="create it and add numbered modules such as 0001_add_index.py",
        )
    # Migration modules import the project's entities: the folder holding migrations/ is the project's.
    project = str(root.resolve().parent)
    if project not in sys.path:
        sys.path.insert(0, project)
    seen: dict[int, Path] = {}
    out: list[Migration] = []
    for path in sorted(root.glob("*.py")):
        if path.name == "__init__.py":
            continue
        m = NAME.match(path.name)
        if m is None:
            raise MigrationSourceError(
                f"migration file {path.name!r} is not named <number>_<name>.py",
                field=path.name,
                hint="rename it, e.g. 0001_add_index.py",
            )
        version = int(m.group(1))
        if version in seen:
            raise MigrationSourceError(
                f"migrations {seen[version].name!r} and {path.name!r} share number {version}",
                field=path.name,
                hint="give each migration its own number",
            )
        seen[version] = path
        out.append(_load_one(path, version, m.group(2)))
    return sorted(out, key=lambda mig: mig.version)


def _load_one(path: Path, version: int, name: str) -> Migration:
    data = path.read_bytes()
    module_name = (
        f"_singletable_migration_{version}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}"
    )
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise MigrationSourceError(
            f"migration {path.name!r} failed to import: {type(exc).__name__}: {exc}",
            field=path.name,
            hint="fix the module (its imports must resolve from the current folder or PYTHONPATH)",
        ) from exc
    up = getattr(module, "up", None)
    if up is None or not (is_backfill(up) or callable(up)):
        raise MigrationSourceError(
            f"migration {path.name!r} defines no up",
            field=path.name,
            hint="set up = IndexKeys(MyEntity) (or another backfill), or define def up(ctx): ...",
        )
    down = getattr(module, "down", None)
    doc = (module.__doc__ or "").strip().splitlines()
    return Migration(
        version=version,
        name=name,
        checksum=hashlib.sha256(data).hexdigest(),
        up=up,
        down=down,
        path=path,
        doc=doc[0] if doc else "",
    )
