"""Item sizes estimated from an entity's declaration (no table needed), for the lint and the planner.

DynamoDB bills by item size (attribute names plus values, 1 KB per write unit, 4 KB per read unit).
Without a sample, each field counts the size its type suggests; a ``str`` without ``max_length`` is
taken as ``STRING_BYTES`` long, a key placeholder as ``KEY_FIELD_BYTES``. Pass measured sizes (from the
ledger, or ``--item-size Entity=BYTES``) where they are known: they win.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import annotated_types

from singletable.model import ENTITY_ATTRIBUTE, Entity

STRING_BYTES = 32
"""Assumed length of a string field without ``max_length``."""
KEY_FIELD_BYTES = 16
"""Assumed length of one key placeholder's value (``USER#{user_id}``: 5 + 16 bytes)."""
NUMBER_BYTES = 8
"""A DynamoDB number is about one byte per two digits plus one; 8 covers most ids, counts and prices."""
COLLECTION_BYTES = 64


def _value_bytes(annotation: Any, metadata: list[Any]) -> int:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return max((_value_bytes(a, metadata) for a in args), default=0)
    if origin is typing.Literal:
        return max(len(str(a)) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _value_bytes(base, [*metadata, *extra])
    if origin is not None:  # list[...], dict[...], set[...]
        return COLLECTION_BYTES
    if annotation is bool:
        return 1
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return max(len(str(m.value)) for m in annotation)
    if annotation in (int, float, Decimal):
        return NUMBER_BYTES
    if annotation is dt.datetime:
        return 26
    if annotation is dt.date:
        return 10
    if annotation in (str, bytes):
        for m in metadata:
            if isinstance(m, annotated_types.MaxLen):
                return int(m.max_length)
        return STRING_BYTES
    return COLLECTION_BYTES


def _template_bytes(template: Any) -> int:
    return sum(len(lit) if f is None else KEY_FIELD_BYTES for lit, f in template.parts)


def estimate_item_size(cls: type[Entity], index_keys: Mapping[str, tuple[str, str | None]] = {}) -> int:
    """Bytes of a typical ``cls`` item: its keys (``PK``/``SK``), the marker, every non-key field, and the
    attributes of the indexes given (name -> (hash attribute, range attribute)), rendered as the keys."""
    meta = cls.meta()
    size = len("PK") + _template_bytes(meta.pk) + len("SK") + _template_bytes(meta.sk)
    size += len(ENTITY_ATTRIBUTE) + len(meta.name)
    for name, info in cls.model_fields.items():
        if name in meta.key_fields:
            continue
        size += len(name) + _value_bytes(info.annotation, list(info.metadata))
    for hash_attr, range_attr in index_keys.values():
        # An index key copies a key's text (the sparse GSI1 copies SK and PK): count the longer one.
        size += len(hash_attr) + max(_template_bytes(meta.pk), _template_bytes(meta.sk))
        if range_attr:
            size += len(range_attr) + max(_template_bytes(meta.pk), _template_bytes(meta.sk))
    return size


def estimate_projected_size(
    cls: type[Entity],
    item_bytes: int,
    projection: str,
    non_key_attributes: tuple[str, ...] = (),
    index_keys: Mapping[str, tuple[str, str | None]] = {},
) -> int:
    """Bytes of ``cls``'s entry in an index with this projection: the whole item under ``ALL``, its keys
    (the table's and the index's) under ``KEYS_ONLY``, plus the named fields under ``INCLUDE``."""
    if projection == "ALL":
        return item_bytes
    meta = cls.meta()
    keys = len("PK") + _template_bytes(meta.pk) + len("SK") + _template_bytes(meta.sk)
    for hash_attr, range_attr in index_keys.values():
        keys += (
            len(hash_attr)
            + len(range_attr or "")
            + 2 * max(_template_bytes(meta.pk), _template_bytes(meta.sk))
        )
    if projection == "INCLUDE":
        for name in non_key_attributes:
            info = cls.model_fields.get(name)
            if info is not None and name not in meta.key_fields:
                keys += len(name) + _value_bytes(info.annotation, list(info.metadata))
    return min(keys, item_bytes)
