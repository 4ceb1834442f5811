"""GetItem: build (key, projection) and read (capacity, codec, TTL, entity or Projected)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from singletable import capacity
from singletable.codec import deserialize, item_size
from singletable.expressions import Placeholders, render_projection
from singletable.model import ENTITY_ATTRIBUTE, Entity
from singletable.request import Request
from singletable.results import projection_fields
from singletable.schema import Schema


@dataclass(frozen=True, slots=True)
class GetCall:
    """A built get of an entity: the request, the class, and the projected field names (None: whole)."""

    request: Request
    cls: type[Entity]
    names: Sequence[str] | None


def build(
    schema: Schema,
    cls: type[Entity],
    key: Mapping[str, Any],
    *,
    consistent: bool = False,
    projection: Sequence[str] | None = None,
) -> GetCall:
    """The get of one entity by its key fields (checked by the caller against the call's options)."""
    pk, sk = cls.key_for(**key)
    names = projection_fields(cls, projection) if projection is not None else None
    proj = schema.projection_attrs(cls, names) if names is not None else None
    return GetCall(build_item(schema, pk, sk, consistent=consistent, projection=proj), cls, names)


def build_item(
    schema: Schema, pk: str, sk: str, *, consistent: bool = False, projection: Sequence[str] | None = None
) -> Request:
    """The get of one plain item by its key values."""
    params: dict[str, Any] = {
        "TableName": schema.name,
        "Key": schema.key(pk, sk),
        "ConsistentRead": consistent,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if projection:
        ph = Placeholders()
        params["ProjectionExpression"] = render_projection(list(projection), ph)
        ph.apply(params)
    return Request("GetItem", params)


def read_item(
    schema: Schema, request: Request, resp: Mapping[str, Any], pattern: str | None
) -> dict[str, Any] | None:
    """The item read (plain values; None when there is none or it has expired), its capacity recorded."""
    raw = resp.get("Item")
    size = item_size(raw) if raw else 0
    consistency: capacity.Consistency = "strong" if request.params["ConsistentRead"] else "eventual"
    schema.record(
        "GetItem",
        resp,
        pattern,
        read=capacity.read_units(size, consistency),
        items=1 if raw else 0,
        size=size,
        consistency=consistency,
    )
    if not raw:
        return None
    item = deserialize(raw)
    return None if schema.is_expired(item) else item


def read(schema: Schema, call: GetCall, resp: Mapping[str, Any], pattern: str | None) -> Any:
    """The entity read (a Projected with a projection); None when there is none, it has expired, or the
    item there belongs to another entity."""
    raw = read_item(schema, call.request, resp, pattern)
    if raw is None:
        return None
    cls = call.cls
    marker = raw.get(ENTITY_ATTRIBUTE)
    if marker is not None and marker != cls.meta().name:
        return None
    if call.names is not None:
        return schema.projected(cls, call.names, raw)
    return schema.from_item(cls, raw)
