"""Write read-time upgrades back: every item of an entity stored at an older schema version, rewritten
at the current one (the same conditional, resumable backfill machinery as the others)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from singletable.migrate.backfills import Change, belongs
from singletable.model import Entity
from singletable.schema import Schema
from singletable.upgrades import stored_version


@dataclass(frozen=True)
class Upgrade:
    """Rewrite each ``entity`` item whose stored schema version is older than the class's."""

    entity: type[Entity]

    def describe(self) -> str:
        return f"write {self.entity.__name__} items back at schema version {self.entity.__schema_version__}"

    def change(self, schema: Schema, item: dict[str, Any]) -> Change | None:
        current = self.entity.__schema_version__
        if current is None or not belongs(schema, self.entity, item) or stored_version(item) >= current:
            return None
        new = schema.entity_item(schema.from_item(self.entity, item))
        return Change("put", item, new=new, version_field=self.entity.meta().version_field)
