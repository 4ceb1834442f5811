"""Placeholders for expression attribute names and values.

Every name and every value in every expression goes through here, so user data can never change an
expression's meaning (no expression injection), and reserved words (``name``, ``date``...) just work.
"""

from __future__ import annotations

import re
from typing import Any

from singletable.codec import AttributeValue, to_attr
from singletable.errors import ValidationError

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Placeholders:
    """Allocates ``#n0``/``:v0`` placeholders for one request; equal names share one placeholder."""

    __slots__ = ("_by_name", "names", "values")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}
        self._by_name: dict[str, str] = {}

    def name(self, name: str) -> str:
        ph = self._by_name.get(name)
        if ph is None:
            ph = f"#n{len(self._by_name)}"
            self._by_name[name] = ph
            self.names[ph] = name
        return ph

    def path(self, path: str) -> str:
        """``a.b[2].c`` -> ``#n0.#n1[2].#n2``; each segment is a name placeholder."""
        return render_path(path, self)

    def value(self, value: Any, field: str = "value") -> str:
        ph = f":v{len(self.values)}"
        self.values[ph] = value if _is_attr(value) else to_attr(value, field)
        return ph

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        """Add ExpressionAttributeNames/Values to a request, merging with any already there."""
        if self.names:
            params.setdefault("ExpressionAttributeNames", {}).update(self.names)
        if self.values:
            params.setdefault("ExpressionAttributeValues", {}).update(self.values)
        return params


def _is_attr(value: Any) -> bool:
    return isinstance(value, RawValue)


class RawValue(dict[str, Any]):
    """An AttributeValue passed through untouched (e.g. from an item already serialised)."""


def render_path(path: str, ph: Placeholders) -> str:
    if not isinstance(path, str) or not path:
        raise ValidationError(
            f"attribute path {path!r} is empty", field=str(path), hint="name an attribute, e.g. 'email'"
        )
    out: list[str] = []
    pos = 0
    for m in _SEGMENT.finditer(path):
        if m.start() != pos and path[pos : m.start()] != ".":
            break
        name, index = m.groups()
        if name is not None:
            out.append(("." if out else "") + ph.name(name))
        else:
            if not out:
                break
            out.append(f"[{index}]")
        pos = m.end()
    else:
        if pos == len(path):
            return "".join(out)
    raise ValidationError(
        f"attribute path {path!r} is malformed",
        field=path,
        hint="write names joined by dots with optional [index]: 'address.lines[0]'",
    )
