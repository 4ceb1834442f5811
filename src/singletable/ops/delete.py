"""DeleteItem: build (key, condition) and read (the old image, its capacity, the entity it was)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from singletable.arguments import check_names, key_fields
from singletable.codec import Item, deserialize, item_size
from singletable.errors import ConditionFailedError, ItemNotFoundError
from singletable.expressions import Condition, Placeholders
from singletable.expressions.check import check_condition
from singletable.model import Entity
from singletable.request import Request
from singletable.results import Projected
from singletable.schema import Schema


@dataclass(frozen=True, slots=True)
class DeleteCall:
    """A built delete: the request, the entity class it deletes (None: a plain item), its condition."""

    request: Request
    cls: type[Entity] | None
    condition: Condition | None

    def condition_text(self) -> str | None:
        return self.condition.describe() if self.condition is not None else None


def target(
    target: Entity | Projected[Any] | type[Entity], key: Mapping[str, Any], options: tuple[str, ...]
) -> tuple[type[Entity], str, str]:
    """The entity class and key of a delete's target: an instance, a projected read, or a class plus
    its key fields (``key``; checked, ``options`` named when a keyword is unknown)."""
    if isinstance(target, Entity | Projected):
        cls = type(target) if isinstance(target, Entity) else target.entity
        check_names(f"delete() of a {cls.__name__}", key, ())
        pk, sk = target.key()
        return cls, pk, sk
    check_names(f"delete({target.__name__})", key, key_fields(target), options)
    pk, sk = target.key_for(**key)
    return target, pk, sk


def build(
    schema: Schema, cls: type[Entity], pk: str, sk: str, condition: Condition | None = None
) -> DeleteCall:
    """The delete of a ``cls`` at ``pk``/``sk`` (its condition checked against what ``cls`` stores)."""
    check_condition(condition, cls, schema.spec)
    params: dict[str, Any] = {
        "TableName": schema.name,
        "Key": schema.key(pk, sk),
        "ReturnValues": "ALL_OLD",
        "ReturnConsumedCapacity": "TOTAL",
    }
    if condition is not None:
        ph = Placeholders()
        params["ConditionExpression"] = condition.render(ph)
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        ph.apply(params)
    return DeleteCall(Request("DeleteItem", params), cls, condition)


def build_item(schema: Schema, pk: str, sk: str) -> DeleteCall:
    """The delete of a plain item by key values."""
    params = {
        "TableName": schema.name,
        "Key": schema.key(pk, sk),
        "ReturnValues": "ALL_OLD",
        "ReturnConsumedCapacity": "TOTAL",
    }
    return DeleteCall(Request("DeleteItem", params), None, None)


def read_item(schema: Schema, resp: Mapping[str, Any], pattern: str | None) -> dict[str, Any] | None:
    """What was there (plain values; None when nothing was), the delete's capacity recorded."""
    raw: Item | None = resp.get("Attributes")
    size = item_size(raw) if raw else 0
    schema.record(
        "DeleteItem", resp, pattern, write=schema.delete_units(raw), items=1 if raw else 0, size=size
    )
    return deserialize(raw) if raw else None


def read(schema: Schema, call: DeleteCall, resp: Mapping[str, Any], pattern: str | None) -> Any:
    """What was there: as the entity deleted, or as the plain item when it was not one (another
    entity's, or foreign); None when nothing was."""
    item = read_item(schema, resp, pattern)
    if item is None:
        return None
    old = schema.recognise(item)
    return old if call.cls is not None and isinstance(old, call.cls) else item


def failed(schema: Schema, exc: ConditionFailedError | ItemNotFoundError, pattern: str | None) -> NoReturn:
    """Raise ``exc``, the capacity of the failed delete recorded (DynamoDB bills it)."""
    schema.record_failed("DeleteItem", exc, pattern)
    raise exc
