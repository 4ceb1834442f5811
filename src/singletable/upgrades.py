"""Read-time upgrades: a stored item of an older schema version brought to the entity's current one.

An entity declares its version and one function per step, keyed by the version it upgrades *from*:

    class Ticket(Entity):
        __schema_version__ = 3
        __upgrades__ = {1: split_name, 2: add_priority}   # each: dict of field values -> dict

Items record their version in ``_v`` (absent: version 1, what was written before versions were
declared). On read, the steps run on the plain field values before validation, so only the upgraded
result is validated: a strict model reads old data. ``singletable.migrate.Upgrade`` writes upgraded
items back in bulk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from singletable.errors import UpgradeError

#: The attribute an item's schema version is stored in.
SCHEMA_VERSION_ATTRIBUTE = "_v"

UpgradeStep = Callable[[dict[str, Any]], dict[str, Any]]


def stored_version(item: Mapping[str, Any]) -> int:
    """The schema version an item was written with (1 when it carries none)."""
    value = item.get(SCHEMA_VERSION_ATTRIBUTE)
    return 1 if value is None else int(value)


def upgrade(
    entity: str, data: dict[str, Any], current: int, steps: Mapping[int, UpgradeStep]
) -> dict[str, Any]:
    """``data`` (field values read from an item, ``_v`` included) at version ``current``, without ``_v``."""
    version = stored_version(data)
    data.pop(SCHEMA_VERSION_ATTRIBUTE, None)
    if version > current:
        raise UpgradeError(
            f"{entity} item has schema version {version}, newer than this code's {current}",
            field=SCHEMA_VERSION_ATTRIBUTE,
            hint="deploy the code that wrote it (reads of newer items cannot be downgraded)",
        )
    while version < current:
        step = steps.get(version)
        if step is None:
            raise UpgradeError(
                f"{entity} has no upgrade from schema version {version} (current {current})",
                field="__upgrades__",
                hint=f"add {version}: a function from the version-{version} fields to version {version + 1} "
                f"to {entity}.__upgrades__",
            )
        data = step(dict(data))
        version += 1
    return data
