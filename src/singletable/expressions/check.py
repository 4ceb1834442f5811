"""The one check of a condition or filter against the entity it applies to.

Key fields live only inside the key strings (``PK``/``SK``), and a misspelled name is simply absent, so a
condition or filter naming either can never be true: a query silently returns nothing, a write fails its
condition. Every path that knows the entity (query and reverse filters; put, update and delete
conditions; transactions) runs this check before anything is sent. Raw item calls are not checked: an
item written by hand may hold any attribute.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from singletable.errors import ValidationError
from singletable.expressions.condition import Condition, Operand
from singletable.model import ENTITY_ATTRIBUTE, Entity

if TYPE_CHECKING:
    from singletable.spec import TableSpec


def condition_attributes(condition: Condition) -> set[str]:
    """The top-level attribute names a condition reads (a hand-written ``raw()`` one names none)."""
    names: set[str] = set()
    stack: list[Any] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Operand):
            names.add(node.name.split(".")[0].split("[")[0])
        elif isinstance(node, Condition):
            stack.extend(vars(node).values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return names


def stored_attributes(cls: type[Entity], spec: TableSpec) -> frozenset[str]:
    """The attributes an item of ``cls`` can hold: its non-key fields, plus the table's own (keys, index
    keys, TTL attribute, entity marker)."""
    meta = cls.meta()
    table_attrs = {spec.pk, spec.sk, ENTITY_ATTRIBUTE, spec.ttl_attribute}
    for idx in spec.indexes:
        table_attrs.update((idx.hash_key, idx.range_key))
    fields = set(cls.model_fields) - meta.key_fields - {meta.ttl_field}
    return frozenset(fields | {a for a in table_attrs if a})


def check_condition(
    condition: Condition | None, cls: type[Entity], spec: TableSpec, *, what: str = "condition"
) -> None:
    """Refuse a condition (``what``: "condition", "filter") naming an attribute no ``cls`` item holds.

    Raises :class:`ValidationError` naming each such attribute and why (a key field, the TTL field
    stored under the table's TTL attribute, or unknown), with the valid names in the fix.
    """
    if condition is None:
        return
    stored = stored_attributes(cls, spec)
    missing = sorted(condition_attributes(condition) - stored)
    if not missing:
        return
    meta = cls.meta()
    name = cls.__name__
    whys = []
    for attr in missing:
        if attr in meta.key_fields:
            whys.append(f"{attr!r} is a key field of {name}: it is stored inside {spec.pk}/{spec.sk}")
        elif attr == meta.ttl_field:
            whys.append(f"{attr!r} is stored as {spec.ttl_attribute!r}")
        else:
            close = difflib.get_close_matches(attr, sorted(stored), n=1)
            whys.append(
                f"{name} has no attribute {attr!r}" + (f"; did you mean {close[0]!r}?" if close else "")
            )
    named = ", ".join(repr(a) for a in missing)
    key_hint = ""
    if any(a in meta.key_fields for a in missing):
        key_hint = (
            "; select by key fields through the query's key arguments (field=value, sk=SortKey...)"
            if what == "filter"
            else "; the key you pass already fixes the key fields"
        )
    fields = sorted(set(cls.model_fields) - meta.key_fields - {meta.ttl_field})
    table_attrs = ", ".join(sorted(stored - set(fields)))
    raise ValidationError(
        f"{what} {condition.describe()} on {name} names {named}, which no {name} item holds ({'; '.join(whys)})",
        field=missing[0],
        hint=f"use one of {fields} (or the table's own {table_attrs}){key_hint}",
    )
