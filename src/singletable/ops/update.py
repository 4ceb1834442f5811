"""UpdateItem: build (typed values, fresh index keys, version, marker, expressions) and read (the after
image, from ALL_OLD where it can be computed, and the capacity of both images)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn

from pydantic import TypeAdapter

from singletable.afterimage import apply_update, can_apply
from singletable.arguments import check_names
from singletable.codec import Item, item_size
from singletable.errors import ConditionFailedError, ItemNotFoundError, ValidationError
from singletable.expressions import Attr, Condition, Placeholders, Update, all_of
from singletable.model import ENTITY_ATTRIBUTE, Entity, epoch_seconds, render_index_keys
from singletable.ops.versions import is_version_conflict, version_conflict
from singletable.request import Request
from singletable.schema import Schema


@dataclass(frozen=True, slots=True)
class UpdateRequest(Request):
    """An UpdateItem request that keeps its :class:`Update`, so the after image can be computed from ALL_OLD."""

    update: Update = field(default_factory=Update, compare=False, repr=False)


def build(
    schema: Schema,
    cls: type[Entity],
    key: Mapping[str, Any],
    changes: Update | Mapping[str, Any] | None,
    condition: Condition | None,
    upsert: bool,
    expected_version: int | None,
) -> tuple[UpdateRequest, Condition | None]:
    """The UpdateItem of an entity (typed values, fresh index keys, version, marker), and the condition
    sent with it: the one builder shared by ``update`` and transactions.

    ``expected_version=N`` applies only over version N and writes N + 1. Version 0 is put's "never
    written": it holds where there is no version, so with ``upsert`` a missing item is created (at
    version 1, as a put of version 0 would), and an existing item must have version 0 or none."""
    meta = cls.meta()
    check_names(f"update({cls.__name__}) key", key, (*meta.pk.fields, *meta.sk.fields))
    pk, sk = cls.key_for(**key)
    update = changes if isinstance(changes, Update) else Update().set(dict(changes or {}))
    update = _typed_update(schema, cls, update, cls.validate_fields(key))
    if meta.version_field:
        if expected_version is not None:
            check = Attr(meta.version_field).eq(expected_version)
            if expected_version == 0:  # no version stored: a missing item, or one written unversioned
                check = Attr(meta.version_field).not_exists() | check
            condition = all_of(condition, check)
            update.set({meta.version_field: expected_version + 1})
        else:
            update.increment(meta.version_field)
    update.set({ENTITY_ATTRIBUTE: meta.name})
    # The sparse GSI1's copy of the keys, as put writes it: an upsert creates a whole item, and an item
    # written before its entity opted in joins the index on its next update.
    reverse = schema.reverse_keys(cls, pk, sk)
    if reverse:
        update.set(reverse)
    return build_item(schema, pk, sk, update, condition, upsert)


def build_item(
    schema: Schema, pk: str, sk: str, update: Update, condition: Condition | None, upsert: bool
) -> tuple[UpdateRequest, Condition | None]:
    """The UpdateItem of a plain item by key values (no typing, no index rewriting); the key itself
    cannot be changed."""
    touched = sorted(update.top_level_names() & {schema.spec.pk, schema.spec.sk})
    if touched:
        raise ValidationError(
            f"{touched[0]} is part of the key and cannot be updated",
            field=touched[0],
            hint="put the item under its new key and delete the old one",
        )
    if not upsert:
        condition = all_of(Attr(schema.spec.pk).exists(), condition)
    ph = Placeholders()
    params: dict[str, Any] = {
        "TableName": schema.name,
        "Key": schema.key(pk, sk),
        "UpdateExpression": update.render(ph),
        # ALL_OLD where the after image can be computed from it (afterimage): both images, one request.
        "ReturnValues": "ALL_OLD" if can_apply(update) else "ALL_NEW",
        "ReturnConsumedCapacity": "TOTAL",
    }
    if condition is not None:
        params["ConditionExpression"] = condition.render(ph)
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    ph.apply(params)
    return UpdateRequest("UpdateItem", params, update=update, requires_existing=not upsert), condition


def read(schema: Schema, request: Request, resp: Mapping[str, Any], pattern: str | None) -> Item:
    """The item as stored afterwards (AttributeValues), its capacity recorded."""
    returned: Item | None = resp.get("Attributes")
    before: Item | None = None
    after: Item | None = returned
    if isinstance(request, UpdateRequest) and request.params.get("ReturnValues") == "ALL_OLD":
        # The item before, as stored; the item after, by applying the update's actions to it.
        before = returned
        after = apply_update(returned, request.params["Key"], request.update)
        assert after is not None  # ALL_OLD is asked only for an update it applies (can_apply)
    # Under ALL_NEW the before image is unknown: the after image is charged, each index as entered.
    raw = after or {}
    schema.record(
        "UpdateItem", resp, pattern, write=schema.write_units(raw, before), items=1, size=item_size(raw)
    )
    return raw


def failed(
    schema: Schema,
    exc: ConditionFailedError | ItemNotFoundError,
    pattern: str | None,
    cls: type[Entity] | None = None,
    expected_version: int | None = None,
) -> NoReturn:
    """Raise what a failed update raises, its capacity recorded: ``exc``, or a VersionConflictError when
    the version expected of a versioned ``cls`` was not the one stored."""
    schema.record_failed("UpdateItem", exc, pattern)
    version_field = cls.meta().version_field if cls is not None else None
    if (
        isinstance(exc, ConditionFailedError)
        and expected_version is not None
        and version_field
        and is_version_conflict(exc, version_field, expected_version, unversioned_is_zero=True)
    ):
        raise version_conflict(exc) from None
    raise exc


def _typed_update(schema: Schema, cls: type[Entity], update: Update, key: Mapping[str, Any]) -> Update:
    """Validate values against field types, map TTL, and rewrite derived index keys."""
    meta = cls.meta()
    fields = cls.model_fields
    out = Update()
    set_values: dict[str, Any] = {}
    removed: set[str] = set()
    ttl_attribute = schema.spec.ttl_attribute
    for action in update.actions:
        top = action.path.split(".")[0].split("[")[0]
        if top in meta.key_fields:
            raise ValidationError(
                f"{cls.__name__}.{top} is part of the key and cannot be updated",
                field=top,
                hint="delete the item and put a new one with the new key (a transaction keeps it atomic)",
            )
        if top not in fields and top not in schema.skip_attrs:
            raise ValidationError(
                f"{cls.__name__} has no field {top!r}",
                field=top,
                hint=f"use one of {sorted(set(fields) - meta.key_fields)}",
            )
        value = action.value
        if top in fields and action.path == top and action.kind in ("set", "set_if_not_exists"):
            typed, value = _coerce(cls, top, value)
            if isinstance(value, set | frozenset) and not value:
                # DynamoDB has no empty set: it is stored as absence (and read back as an empty set),
                # so SET becomes REMOVE, and if_not_exists of nothing is nothing to do.
                if action.kind == "set":
                    removed.add(top)
                    out.remove(action.path)
                continue
            set_values[top] = typed
        if action.kind == "remove" and action.path == top:
            removed.add(top)
        path = action.path
        if top == meta.ttl_field and ttl_attribute:
            path = ttl_attribute + action.path[len(top) :]
            if action.kind in ("set", "set_if_not_exists"):
                value = epoch_seconds(value, top)
        out.actions.append(type(action)(action.kind, path, value))
    touched = update.top_level_names()
    # Index keys from validated values (field validators included), as put renders them.
    known = {**key, **set_values}
    for index, (hash_t, range_t) in meta.indexes.items():
        used = meta.index_fields(index)
        if not used & touched:
            continue
        hash_attr, range_attr = schema.index_attrs[index]
        if used & removed:
            out.remove(*(a for a in (hash_attr, range_attr) if a))
            continue
        missing = sorted(f for f in used if known.get(f) is None)
        if missing:
            raise ValidationError(
                f"this update changes {sorted(used & touched)}, which {index}'s key is built from, "
                f"but not {missing}",
                field=missing[0],
                hint=f"pass {', '.join(missing)} in the same update (SET to its current value) so {index} "
                "is rewritten, or use put",
            )
        rendered = render_index_keys(hash_t, range_t, known)
        assert rendered is not None
        out.set({hash_attr: rendered[0]})
        if range_attr and rendered[1] is not None:
            out.set({range_attr: rendered[1]})
    return out


@lru_cache(maxsize=1024)
def _adapter(cls: type[Entity], field: str) -> TypeAdapter[Any]:
    return TypeAdapter(cls.model_fields[field].annotation or Any)


def _coerce(cls: type[Entity], field: str, value: Any) -> tuple[Any, Any]:
    """The value validated as the field (field validators included, as on put) and its stored form."""
    typed = cls.validate_fields({field: value})[field]
    return typed, _adapter(cls, field).dump_python(typed, mode="python")
