"""How many distinct values a key template can take, read from the entity's field types.

A constant template (``PROFILE``) has one value; a template built from ``bool``, ``Enum``, ``Literal``
or a bounded ``int`` field has as many as their product; a date or time field makes the key
*time-bucketed* (every write of the current day or hour shares one value); any other field (``str``,
an unbounded ``int``) is taken as unbounded, i.e. as spread as the application makes it.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types

from singletable.keys import KeyTemplate
from singletable.model import Entity

LOW_CARDINALITY = 100
"""At most this many values: few enough partitions that one of them can run hot."""


@dataclass(frozen=True, slots=True)
class Cardinality:
    """The distinct values of a key template: ``values`` (None: unbounded), and the fields that bound
    it (``bounded_by``) or bucket it by time (``time_fields``)."""

    values: int | None
    bounded_by: tuple[str, ...] = ()
    time_fields: tuple[str, ...] = ()

    @property
    def constant(self) -> bool:
        return self.values == 1 and not self.time_fields

    @property
    def low(self) -> bool:
        """Few values at any one time (constant, bounded by small types, or one per time bucket)."""
        return self.values is not None and self.values <= LOW_CARDINALITY


def field_values(annotation: Any, metadata: list[Any]) -> int | str | None:
    """Distinct values of a field: a count, None (unbounded), or ``"time"`` (a date or datetime)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        counts = [field_values(a, metadata) for a in typing.get_args(annotation) if a is not type(None)]
        if any(c == "time" for c in counts):
            return "time"
        if any(c is None for c in counts):
            return None
        return sum(c for c in counts if isinstance(c, int))
    if origin is typing.Literal:
        return len(typing.get_args(annotation))
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return field_values(base, [*metadata, *extra])
    if annotation is bool:
        return 2
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return len(annotation)
    if isinstance(annotation, type) and issubclass(annotation, dt.date):
        return "time"
    if annotation is int:
        low = high = None
        for m in metadata:
            if isinstance(m, annotated_types.Ge | annotated_types.Gt | annotated_types.Interval):
                ge, gt = getattr(m, "ge", None), getattr(m, "gt", None)
                low = ge if ge is not None else (gt + 1 if gt is not None else low)
            if isinstance(m, annotated_types.Le | annotated_types.Lt | annotated_types.Interval):
                le, lt = getattr(m, "le", None), getattr(m, "lt", None)
                high = le if le is not None else (lt - 1 if lt is not None else high)
        if isinstance(low, int) and isinstance(high, int):
            return max(high - low + 1, 0)
    return None


def template_cardinality(cls: type[Entity], template: KeyTemplate) -> Cardinality:
    """The distinct values ``template`` takes for ``cls``'s items."""
    total: int | None = 1
    bounded: list[str] = []
    timed: list[str] = []
    for name in template.fields:
        info = cls.model_fields[name]
        fmt = template.formats.get(name)
        count = (
            "time" if fmt is not None and fmt.is_time else field_values(info.annotation, list(info.metadata))
        )
        if count == "time":
            timed.append(name)
        elif count is None:
            total = None
        else:
            bounded.append(name)
            total = None if total is None else total * int(count)
    return Cardinality(total, tuple(bounded), tuple(timed))


def is_sequential(cls: type[Entity], template: KeyTemplate | None) -> bool:
    """True when the template's values grow in order as items are written (a zero-padded counter, a
    date or time): writes then arrive in sort-key order, which split for heat cannot spread."""
    if template is None:
        return False
    for name in template.fields:
        fmt = template.formats.get(name)
        if fmt is not None:
            return True
        if field_values(cls.model_fields[name].annotation, []) == "time":
            return True
    return False
