"""Key templates: ``USER#{user_id}`` rendered from fields and parsed back.

Values are escaped so that no value can forge or collide with another key: ``%`` becomes ``%25`` and
the delimiter ``#`` becomes ``%23``. Rendering is therefore injective for a template, and a rendered
value never contains a bare ``#``, so ``begins_with("ORDER#")`` can only match real ORDER keys.
Case is kept exactly as given (no silent lower-casing).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import string
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any

from singletable.errors import KeyTemplateError

DELIMITER = "#"


def escape(value: str) -> str:
    """Make a value safe to place between delimiters."""
    return value.replace("%", "%25").replace(DELIMITER, "%23")


def unescape(value: str) -> str:
    return value.replace("%23", DELIMITER).replace("%25", "%")


def format_value(value: Any, field: str) -> str:
    """The text a field value takes inside a key."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    elif isinstance(value, enum.Enum):
        return format_value(value.value, field)
    elif value is None:
        raise KeyTemplateError(
            f"key field {field!r} is missing", field=field, hint=f"pass {field}=... to build the key"
        )
    else:
        raise KeyTemplateError(
            f"key field {field!r} has type {type(value).__name__}, which cannot be part of a key",
            field=field,
            hint="use str, int, Decimal, bool, date, datetime or an Enum for key fields",
        )
    if text == "":
        raise KeyTemplateError(
            f"key field {field!r} is empty", field=field, hint=f"give {field} a non-empty value"
        )
    return escape(text)


class KeyTemplate:
    """A key pattern such as ``USER#{user_id}`` or ``ORDER#{order_id}`` or the constant ``PROFILE``."""

    __slots__ = ("__dict__", "parts", "template")

    def __init__(self, template: str) -> None:
        if not isinstance(template, str) or not template:
            raise KeyTemplateError(
                f"key template {template!r} is empty", hint='write a template such as "USER#{user_id}"'
            )
        self.template = template
        parts: list[tuple[str, str | None]] = []
        previous_field = False
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise KeyTemplateError(
                f"key template {template!r} is malformed: {exc}", hint="balance the braces: {field}"
            ) from None
        for literal, field, spec, conversion in parsed:
            if spec or conversion:
                raise KeyTemplateError(
                    f"key template {template!r} uses a format spec or conversion",
                    hint="write plain {field} placeholders; format the value in the entity instead",
                )
            if literal:
                parts.append((literal, None))
                previous_field = False
            if field is not None:
                if not field.isidentifier():
                    raise KeyTemplateError(
                        f"key template {template!r} has placeholder {{{field}}}, which is not a field name",
                        hint="placeholders name entity fields, e.g. {user_id}",
                    )
                if previous_field:
                    raise KeyTemplateError(
                        f"key template {template!r} puts two fields side by side",
                        hint='separate fields with a literal such as "#": {a}#{b}',
                    )
                parts.append(("", field))
                previous_field = True
        self.parts: tuple[tuple[str, str | None], ...] = tuple(parts)

    def __repr__(self) -> str:
        return f"KeyTemplate({self.template!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeyTemplate) and other.template == self.template

    def __hash__(self) -> int:
        return hash(self.template)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The field names in the order they appear."""
        return tuple(f for _, f in self.parts if f is not None)

    @cached_property
    def is_constant(self) -> bool:
        return not self.fields

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        pattern = "".join(
            re.escape(lit) if f is None else f"(?P<{f}>[^{DELIMITER}]+)" for lit, f in self.parts
        )
        return re.compile(pattern)

    @cached_property
    def static_prefix(self) -> str:
        """The literal text before the first field (``ORDER#`` for ``ORDER#{order_id}``)."""
        out = []
        for lit, f in self.parts:
            if f is not None:
                break
            out.append(lit)
        return "".join(out)

    def render(self, values: Mapping[str, Any]) -> str:
        """The key for ``values``; every field must be present and non-empty."""
        return "".join(lit if f is None else format_value(values.get(f), f) for lit, f in self.parts)

    def render_prefix(self, values: Mapping[str, Any]) -> tuple[str, bool]:
        """The longest prefix renderable from ``values`` and whether it is the complete key.

        Fields are taken in order; rendering stops at the first one missing. A partial prefix ends
        right after a literal, so ``begins_with`` on it cannot match a longer value of the last field.
        """
        out: list[str] = []
        for lit, f in self.parts:
            if f is None:
                out.append(lit)
            elif values.get(f) is None:
                return "".join(out), False
            else:
                out.append(format_value(values[f], f))
        return "".join(out), True

    def parse(self, key: str) -> dict[str, str] | None:
        """The field values in ``key`` (unescaped strings), or ``None`` if the key does not match."""
        m = self._regex.fullmatch(key)
        if m is None:
            return None
        values = m.groupdict()
        if "%" not in key:  # nothing escaped (most keys): no per-value work; this runs per item read
            return values
        return {k: unescape(v) for k, v in values.items()}

    def matches(self, key: str) -> bool:
        return self._regex.fullmatch(key) is not None
