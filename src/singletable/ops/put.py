"""PutItem: build (validate the entity, version condition, codec, size limit) and read (capacity)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singletable import capacity
from singletable.codec import Item, deserialize, item_size, serialize
from singletable.errors import ConditionFailedError, ItemTooLargeError, ValidationError
from singletable.expressions import Attr, Condition, Placeholders, all_of
from singletable.expressions.check import check_condition
from singletable.model import Entity
from singletable.ops.versions import is_version_conflict, version_conflict
from singletable.request import Request
from singletable.results import refuse_partial
from singletable.schema import Schema

logger = logging.getLogger("singletable")


@dataclass(frozen=True, slots=True)
class PutCall:
    """A built put: the request, the item's size, its conditions, the version it expects (field, value),
    and the entity as it will be stored (None for a plain item)."""

    request: Request
    size: int
    conditions: tuple[Condition, ...]
    version: tuple[str, int] | None
    entity: Entity | None

    def condition_text(self) -> str:
        """The conditions, readable (rendered only when one failed)."""
        return " AND ".join(c.describe() for c in self.conditions)


def build(
    schema: Schema, entity: Entity, *, create_only: bool = False, condition: Condition | None = None
) -> PutCall:
    """The put of an entity, validated again as a whole (a field assigned a bad value after construction
    is refused); with a version field, conditioned on the version read and carrying the next one."""
    refuse_partial(entity, "put")
    cls = type(entity)
    meta = cls.meta()
    schema.ensure(cls)
    conds: list[Condition] = []
    if condition is not None:
        check_condition(condition, cls, schema.spec)
        conds.append(condition)
    if create_only:
        conds.append(Attr(schema.spec.pk).not_exists())
    new_entity = entity.validated()
    version: tuple[str, int] | None = None
    if meta.version_field:
        current = getattr(new_entity, meta.version_field) or 0
        version = (meta.version_field, current)
        if current == 0:
            conds.append(Attr(schema.spec.pk).not_exists())
        else:
            conds.append(Attr(meta.version_field).eq(current))
        new_entity = new_entity.model_copy(update={meta.version_field: current + 1})
    item = schema.entity_item(new_entity, validate=False)
    request, size = _request(schema, item, all_of(*conds))
    return PutCall(request, size, tuple(conds), version, new_entity)


def build_item(schema: Schema, item: Mapping[str, Any], condition: Condition | None = None) -> PutCall:
    """The put of a plain item (Python values; it must hold the table's key attributes)."""
    for attr in schema.key_names:
        if not isinstance(item.get(attr), str) or not item.get(attr):
            raise ValidationError(
                f"item has no string {attr!r}", field=attr, hint=f'add "{attr}": "..." to the item'
            )
    request, size = _request(schema, dict(item), condition)
    return PutCall(request, size, (condition,) if condition is not None else (), None, None)


def _request(schema: Schema, item: dict[str, Any], condition: Condition | None) -> tuple[Request, int]:
    av = serialize(item)
    size = item_size(av)
    if size > capacity.MAX_ITEM_BYTES:
        raise ItemTooLargeError(
            f"item {item.get(schema.spec.pk)!r}/{item.get(schema.spec.sk)!r} is {size:,} bytes, over DynamoDB's "
            f"{capacity.MAX_ITEM_BYTES:,}-byte limit",
            field=schema.spec.pk,
        )
    # ALL_OLD: the replaced item, for the capacity rules (max of old and new, index changes).
    params: dict[str, Any] = {
        "TableName": schema.name,
        "Item": av,
        "ReturnValues": "ALL_OLD",
        "ReturnConsumedCapacity": "TOTAL",
    }
    if condition is not None:
        ph = Placeholders()
        params["ConditionExpression"] = condition.render(ph)
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        ph.apply(params)
    return Request("PutItem", params), size


def read(schema: Schema, call: PutCall, resp: Mapping[str, Any], pattern: str | None) -> None:
    """Record the put's capacity (the larger of the old and new images, each index it changes)."""
    item: Item = call.request.params["Item"]
    schema.record(
        "PutItem",
        resp,
        pattern,
        write=schema.write_units(item, resp.get("Attributes")),
        items=1,
        size=call.size,
    )


def failed(schema: Schema, call: PutCall, exc: ConditionFailedError, pattern: str | None) -> dict[str, Any]:
    """A failed condition: the answer to read when the put is done after all, else the error raised
    (recorded; a VersionConflictError when the version was not the one expected)."""
    if not _applied_before(exc, call.request.params["Item"]):
        schema.record_failed("PutItem", exc, pattern, call.size)
        if call.version is not None and is_version_conflict(exc, *call.version):
            raise version_conflict(exc) from None
        raise exc
    # An earlier attempt applied and its answer was lost (a reset after the engine wrote): the item
    # holds exactly what we wrote, so the put is done; failing it would report a lost write.
    logger.debug("PutItem %s: retried after an applied attempt; item is as written", exc.message)
    return {}


def _applied_before(exc: ConditionFailedError, item: Item) -> bool:
    """Whether a conditional put failed only because its own earlier attempt had applied: the client
    retried, and the stored item is exactly the one sent (a conditional put is otherwise not idempotent)."""
    return exc.retried and exc.item is not None and exc.item == deserialize(item)
