"""The item editor (``--write`` only): an item as JSON, validated by its entity, written only if the item
is still the version that was read (a second tab gets a conflict, not a lost update)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singletable.cli.options import json_dumps, parse_item
from singletable.errors import ConditionFailedError, UiInputError
from singletable.expressions import Attr, Condition, all_of
from singletable.model import Entity
from singletable.table import Table

EDIT_PATTERN = "ui: edit"


@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of a save: ``conflict`` holds the item as it is now when someone else changed it."""

    ok: bool
    conflict: dict[str, Any] | None = None
    message: str = ""


def read_item(table: Table, pk: str, sk: str) -> dict[str, Any] | None:
    """The item as stored (strongly consistent: the version the edit will be conditioned on)."""
    found = table.get_item(pk, sk, consistent=True, pattern=EDIT_PATTERN)
    return found if isinstance(found, dict) else None


def as_text(item: Mapping[str, Any]) -> str:
    """The editable JSON (exact numbers; sets and bytes as json_dumps writes them)."""
    return json_dumps(dict(item), indent=2)


def unchanged_since(item: Mapping[str, Any], entity: type[Entity] | None) -> Condition | None:
    """True while the stored item still holds every attribute as read (and no declared field it lacked)."""
    conds: list[Condition | None] = []
    for name, value in item.items():
        if "." in name or "[" in name:
            continue  # not expressible as a top-level Attr path; the other attributes still guard
        conds.append(Attr(name).eq(value))
    if entity is not None:
        conds.extend(Attr(f).not_exists() for f in entity.model_fields if f not in item and f.isidentifier())
    return all_of(*conds)


def _entity_of(table: Table, item: Mapping[str, Any]) -> type[Entity] | None:
    found = table.recognise(item)
    return type(found) if isinstance(found, Entity) else None


def parse_edit(table: Table, text: str, pk: str, sk: str) -> dict[str, Any]:
    """The edited JSON as an item: its key unchanged, and accepted by its entity (if it has one)."""
    item = parse_item(text, what="the edited item")
    spec = table.spec
    if item.get(spec.pk) != pk or item.get(spec.sk) != sk:
        raise UiInputError(
            f"the key changed (was {pk} / {sk})",
            field=spec.pk,
            hint="keep PK and SK as they were; to move an item, create the new one and delete this one",
        )
    table.recognise(item)  # an entity's item that does not validate raises its ValidationError here
    return item


def save(table: Table, text: str, original: str, pk: str, sk: str) -> Saved:
    """Write the edit if the stored item is still ``original`` (the JSON the editor was given)."""
    before = parse_item(original, what="the item as read")
    item = parse_edit(table, text, pk, sk)
    entity = _entity_of(table, before)
    version = entity.meta().version_field if entity is not None else None
    if version is not None and item.get(version) == before.get(version):
        # The next version, as Table.put writes it: the app's own optimistic writers see the change.
        item[version] = int(before.get(version) or 0) + 1
    condition = unchanged_since(before, entity)
    try:
        table.put_item(item, condition=condition, pattern=EDIT_PATTERN)
    except ConditionFailedError:
        now = read_item(table, pk, sk)
        return Saved(
            False,
            conflict=now,
            message="the item changed since you opened it (another tab or program wrote it): nothing was "
            "written. Your edit is kept below beside the item as it is now; merge and save again.",
        )
    return Saved(True, message="saved")


def delete(table: Table, original: str, pk: str, sk: str) -> Saved:
    """Delete the item if it is still ``original``."""
    before = parse_item(original, what="the item as read")
    if before.get(table.spec.pk) != pk or before.get(table.spec.sk) != sk:
        raise UiInputError("the item read is not the one to delete", field="pk", hint="open the item again")
    condition = unchanged_since(before, _entity_of(table, before))
    try:
        table.client.delete_item(**_delete_params(table, pk, sk, condition))
    except table.client.exceptions.ConditionalCheckFailedException:
        return Saved(False, conflict=read_item(table, pk, sk), message="the item changed since you opened it")
    return Saved(True, message="deleted")


def _delete_params(table: Table, pk: str, sk: str, condition: Condition | None) -> dict[str, Any]:
    from singletable.expressions import Placeholders

    params: dict[str, Any] = {"TableName": table.name, "Key": table.schema.key(pk, sk)}
    if condition is not None:
        ph = Placeholders()
        params["ConditionExpression"] = condition.render(ph)
        ph.apply(params)
    return params
