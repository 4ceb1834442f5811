"""Key templates: ``USER#{user_id}`` rendered from fields and parsed back.

Values are escaped so that no value can forge or collide with another key: ``%`` becomes ``%25`` and
the delimiter ``#`` becomes ``%23``. Rendering is therefore injective for a template, and a rendered
value never contains a bare ``#``, so ``begins_with("ORDER#")`` can only match real ORDER keys.
Case is kept exactly as given (no silent lower-casing).

A placeholder may carry a format spec, for keys that sort by number or time:

* ``{number:06d}``: a non-negative int, zero-padded to exactly 6 digits (``ISSUE#000007``); a value
  that needs more digits, or a negative one, is refused (it would sort out of order);
* ``{day:%Y-%m-%d}``: a date or datetime through ``strftime`` with the fixed-width directives
  ``%Y %m %d %H %M %S %f %j %z``; a value the spec cannot carry whole (a time of day under a date-only
  spec, a timezone without ``%z``) is refused rather than silently cut.

Formatted values are parsed back to int, to date for a date-only spec, else to datetime.
Other specs (string padding, which cannot be told apart from the value, floats, ``!r``) are refused.
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

from singletable.errors import KeyFormatError, KeyTemplateError

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


_INT_SPEC = re.compile(r"0([1-9][0-9]?)d")
# strftime directives whose output has one width, so that the rendered text sorts as the value does.
# [0-9], not \d: \d also matches other scripts' digits, which int() and strptime would accept.
_TIME_DIRECTIVES = {
    "Y": "[0-9]{4}",
    "m": "[0-9]{2}",
    "d": "[0-9]{2}",
    "H": "[0-9]{2}",
    "M": "[0-9]{2}",
    "S": "[0-9]{2}",
    "f": "[0-9]{6}",
    "j": "[0-9]{3}",
    "z": r"[+-][0-9]{4}(?:[0-9]{2}(?:\.[0-9]{6})?)?",
}
_SPEC_HINT = "use {n:06d} (zero-padded int), a strftime spec such as {day:%Y-%m-%d}, or a plain {field}"


class FieldFormat:
    """The format spec of one placeholder: how its value is rendered, matched and parsed back."""

    __slots__ = ("date_only", "field", "is_time", "pattern", "spec", "width")

    def __init__(self, field: str, spec: str, template: str) -> None:
        self.field, self.spec = field, spec
        m = _INT_SPEC.fullmatch(spec)
        if m is not None:
            self.is_time, self.date_only, self.width = False, False, int(m.group(1))
            self.pattern = f"[0-9]{{{self.width}}}"
            return
        self.is_time, self.width = True, 0
        pieces: list[str] = []
        chars = iter(spec)
        directives = 0
        for c in chars:
            if c == "%":
                d = next(chars, "")
                if d not in _TIME_DIRECTIVES:
                    raise KeyTemplateError(
                        f"key template {template!r}: {{{field}:{spec}}} uses %{d}, which has no fixed width "
                        "or may contain the delimiter",
                        field=field,
                        hint=f"use only %{' %'.join(_TIME_DIRECTIVES)} in a key's strftime spec",
                    )
                pieces.append(_TIME_DIRECTIVES[d])
                directives += 1
            elif c == DELIMITER or not c.isprintable():
                raise KeyTemplateError(
                    f"key template {template!r}: {{{field}:{spec}}} holds {c!r}",
                    field=field,
                    hint=f"keep {DELIMITER!r} out of a format spec: put it in the template's literal text",
                )
            else:
                pieces.append(re.escape(c))
        if not directives:
            raise KeyTemplateError(
                f"key template {template!r} uses format spec {spec!r} on {{{field}}}, which is not supported",
                field=field,
                hint=_SPEC_HINT,
            )
        self.pattern = "".join(pieces)
        self.date_only = not any(f"%{d}" in spec for d in "HMSfz")

    @property
    def types(self) -> tuple[type, ...]:
        """What the value must be: int for ``06d``, date (datetime included) for a strftime spec."""
        return (dt.date,) if self.is_time else (int,)

    def render(self, value: Any) -> str:
        """The value's text; refuses one that does not fit (it would break sort order or not parse back)."""
        field, spec = self.field, self.spec
        if isinstance(value, enum.Enum):
            value = value.value
        if value is None:
            raise KeyTemplateError(
                f"key field {field!r} is missing", field=field, hint=f"pass {field}=... to build the key"
            )
        if not self.is_time:
            if not isinstance(value, int) or isinstance(value, bool):
                raise KeyFormatError(
                    f"key field {field!r} is {type(value).__name__} {value!r}; {{{field}:{spec}}} needs an int",
                    field=field,
                    hint=f"declare {field}: int on the entity, or drop :{spec} from the template",
                )
            if value < 0:
                raise KeyFormatError(
                    f"key field {field!r} is {value}: {{{field}:{spec}}} holds 0 and up (a negative number's "
                    "key would sort out of order)",
                    field=field,
                    hint=f"constrain the field with Field(ge=0), or drop :{spec} if it may be negative",
                )
            if value >= 10**self.width:
                raise KeyFormatError(
                    f"key field {field!r} is {value}, wider than {{{field}:{spec}}} allows "
                    f"(at most {10**self.width - 1}): its key would sort out of order",
                    field=field,
                    hint=f"constrain the field (Field(ge=0, lt=10**{self.width})), or widen the spec to "
                    f":0{max(self.width + 1, len(str(abs(value))))}d (existing keys must then be rewritten)",
                )
            return format(value, spec)
        if not isinstance(value, dt.date):
            raise KeyFormatError(
                f"key field {field!r} is {type(value).__name__} {value!r}; {{{field}:{spec}}} needs a date or datetime",
                field=field,
                hint=f"declare {field}: date (or datetime) on the entity, or drop :{spec} from the template",
            )
        has_tz = isinstance(value, dt.datetime) and value.tzinfo is not None
        if has_tz != ("%z" in spec):
            raise KeyFormatError(
                f"key field {field!r} is {value!r}: a "
                + ("timezone needs %z in" if has_tz else "%z spec needs a timezone-aware datetime, not")
                + f" {{{field}:{spec}}}",
                field=field,
                hint="add %z to the spec, or store naive UTC datetimes"
                if has_tz
                else "give the datetime a timezone, or drop %z from the spec",
            )
        text = value.strftime(spec)
        back = self._strptime(text) if re.fullmatch(self.pattern, text) else None
        whole = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        same = back == whole
        if not same:
            raise KeyFormatError(
                f"key field {field!r} is {value!r}, which {{{field}:{spec}}} cannot hold whole "
                f"(it renders {text!r})",
                field=field,
                hint="add the missing parts to the spec (e.g. %H%M%S for a time of day), or pass a value "
                "the spec can hold (years 1000 to 9999)",
            )
        return text

    def parse(self, text: str) -> Any:
        """The value back from its text: an int, a date for a date-only spec, else a datetime."""
        if not self.is_time:
            return int(text)
        value = self._strptime(text)
        return value.date() if value is not None and self.date_only else value

    def _strptime(self, text: str) -> dt.datetime | None:
        try:
            return dt.datetime.strptime(text, self.spec)
        except ValueError:
            return None


class KeyTemplate:
    """A key pattern such as ``USER#{user_id}`` or ``ORDER#{order_id}`` or the constant ``PROFILE``."""

    __slots__ = ("__dict__", "formats", "parts", "template")

    def __init__(self, template: str) -> None:
        if not isinstance(template, str) or not template:
            raise KeyTemplateError(
                f"key template {template!r} is empty", hint='write a template such as "USER#{user_id}"'
            )
        self.template = template
        parts: list[tuple[str, str | None]] = []
        formats: dict[str, FieldFormat] = {}
        previous_field = False
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise KeyTemplateError(
                f"key template {template!r} is malformed: {exc}", hint="balance the braces: {field}"
            ) from None
        for literal, field, spec, conversion in parsed:
            if conversion:
                raise KeyTemplateError(
                    f"key template {template!r} uses conversion !{conversion} on {{{field}}}",
                    field=field,
                    hint=f"drop !{conversion}; {_SPEC_HINT}",
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
                if spec:
                    formats[field] = FieldFormat(field, spec, template)
                parts.append(("", field))
                previous_field = True
        self.parts: tuple[tuple[str, str | None], ...] = tuple(parts)
        self.formats: dict[str, FieldFormat] = formats
        """The placeholders that carry a format spec, by field."""

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
            re.escape(lit)
            if f is None
            else f"(?P<{f}>{self.formats[f].pattern})"
            if f in self.formats
            else f"(?P<{f}>[^{DELIMITER}]+)"
            for lit, f in self.parts
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
        if not self.formats:  # the usual template: no per-field lookup of a format
            return "".join(lit if f is None else format_value(values.get(f), f) for lit, f in self.parts)
        return "".join(lit if f is None else self._value(values.get(f), f) for lit, f in self.parts)

    def _value(self, value: Any, field: str) -> str:
        fmt = self.formats.get(field) if self.formats else None
        # A formatted value is digits and the spec's literals: nothing to escape.
        return format_value(value, field) if fmt is None else fmt.render(value)

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
                out.append(self._value(values[f], f))
        return "".join(out), True

    @cached_property
    def _single(self) -> tuple[str, str, FieldFormat | None] | None:
        """(literal prefix, field, its int format or None) of a template that is literal text then one
        plain or zero-padded int field (most sort keys: ``READING#{seq:06d}``), else None."""
        parts = self.parts
        if len(parts) == 1 and parts[0][1] is not None:
            prefix, field = "", parts[0][1]
        elif len(parts) == 2 and parts[0][1] is None and parts[1][1] is not None:
            prefix, field = parts[0][0], parts[1][1]
        else:
            return None
        fmt = self.formats.get(field)
        return None if fmt is not None and fmt.is_time else (prefix, field, fmt)

    def parse(self, key: str) -> dict[str, Any] | None:
        """The field values in ``key`` (unescaped strings; int or datetime for a formatted field), or
        ``None`` if the key does not match."""
        single = self._single
        if single is None:
            return self.parse_by_pattern(key)
        # What the pattern would match, without it (this runs for every item read): the prefix, then a
        # value without the delimiter, or exactly ``width`` ASCII digits.
        prefix, field, fmt = single
        if not key.startswith(prefix):
            return None
        text = key[len(prefix) :]
        if fmt is None:
            if not text or DELIMITER in text:
                return None
            return {field: unescape(text) if "%" in text else text}
        if len(text) != fmt.width or not (text.isascii() and text.isdigit()):
            return None
        return {field: int(text)}

    def parse_by_pattern(self, key: str) -> dict[str, Any] | None:
        """:meth:`parse` by the template's regular expression (any template)."""
        m = self._regex.fullmatch(key)
        if m is None:
            return None
        values: dict[str, Any] = m.groupdict()
        # Something escaped? Most keys have nothing, so no per-value work (this runs for every item read).
        if "%" in key:
            values = {k: unescape(v) for k, v in values.items()}
        for f, fmt in self.formats.items():
            values[f] = fmt.parse(values[f])
        return values

    def matches(self, key: str) -> bool:
        return self._regex.fullmatch(key) is not None
