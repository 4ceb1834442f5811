"""Condition and filter expressions built from Python: ``Attr("email").exists() & Attr("total").gt(10)``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singletable.errors import ValidationError
from singletable.expressions.names import Placeholders

_TYPES = {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"}


class Condition:
    """A boolean expression; combine with ``&``, ``|`` and ``~``."""

    def render(self, ph: Placeholders) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        """A readable form for error messages (values shown, no placeholders)."""
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return _Bool("AND", self, _check(other))

    def __or__(self, other: Condition) -> Condition:
        return _Bool("OR", self, _check(other))

    def __invert__(self) -> Condition:
        return _Not(self)

    def __bool__(self) -> bool:
        # `a and b` would silently drop a condition; insist on `&`.
        raise TypeError("use & | ~ to combine conditions, not and/or/not")

    def __repr__(self) -> str:
        return f"<Condition {self.describe()}>"


def _check(other: object) -> Condition:
    if not isinstance(other, Condition):
        raise ValidationError(
            f"cannot combine a condition with {type(other).__name__}",
            hint="combine conditions built with Attr(...) only",
        )
    return other


class _Bool(Condition):
    def __init__(self, op: str, left: Condition, right: Condition) -> None:
        self.op, self.left, self.right = op, left, right

    def render(self, ph: Placeholders) -> str:
        return f"({self.left.render(ph)} {self.op} {self.right.render(ph)})"

    def describe(self) -> str:
        return f"({self.left.describe()} {self.op} {self.right.describe()})"


class _Not(Condition):
    def __init__(self, inner: Condition) -> None:
        self.inner = inner

    def render(self, ph: Placeholders) -> str:
        return f"(NOT {self.inner.render(ph)})"

    def describe(self) -> str:
        return f"(NOT {self.inner.describe()})"


class _Compare(Condition):
    def __init__(self, path: Operand, op: str, value: Any) -> None:
        self.path, self.op, self.value = path, op, value

    def render(self, ph: Placeholders) -> str:
        return f"{self.path.render(ph)} {self.op} {_operand(self.value, ph, self.path.name)}"

    def describe(self) -> str:
        return f"{self.path.describe()} {self.op} {_show(self.value)}"


class _Func(Condition):
    def __init__(self, func: str, path: Operand, *args: Any) -> None:
        self.func, self.path, self.args = func, path, args

    def render(self, ph: Placeholders) -> str:
        rendered = [self.path.render(ph)]
        for a in self.args:
            rendered.append(_operand(a, ph, self.path.name))
        return f"{self.func}({', '.join(rendered)})"

    def describe(self) -> str:
        return f"{self.func}({', '.join([self.path.describe(), *map(_show, self.args)])})"


class _Between(Condition):
    def __init__(self, path: Operand, low: Any, high: Any) -> None:
        self.path, self.low, self.high = path, low, high

    def render(self, ph: Placeholders) -> str:
        p = self.path.render(ph)
        return f"{p} BETWEEN {_operand(self.low, ph, self.path.name)} AND {_operand(self.high, ph, self.path.name)}"

    def describe(self) -> str:
        return f"{self.path.describe()} BETWEEN {_show(self.low)} AND {_show(self.high)}"


class _In(Condition):
    def __init__(self, path: Operand, values: list[Any]) -> None:
        self.path, self.values = path, values

    def render(self, ph: Placeholders) -> str:
        vals = ", ".join(_operand(v, ph, self.path.name) for v in self.values)
        return f"{self.path.render(ph)} IN ({vals})"

    def describe(self) -> str:
        return f"{self.path.describe()} IN ({', '.join(map(_show, self.values))})"


class _Raw(Condition):
    """An expression the caller rendered, with its own placeholders (for the CLI and advanced users)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, ph: Placeholders) -> str:
        return self.text

    def describe(self) -> str:
        return self.text


def _operand(value: Any, ph: Placeholders, field: str) -> str:
    if isinstance(value, Operand):
        return value.render(ph)
    return ph.value(value, field)


def _show(value: Any) -> str:
    return value.describe() if isinstance(value, Operand) else repr(value)


class Operand:
    """An attribute path (``Attr("a.b[0]")``) or ``size(path)``; the left side of a comparison."""

    def __init__(self, name: str, *, size: bool = False) -> None:
        if not isinstance(name, str) or not name:
            raise ValidationError(
                f"attribute name {name!r} is empty",
                field=str(name),
                hint="name an attribute, e.g. Attr('email')",
            )
        self.name = name
        self._size = size

    def render(self, ph: Placeholders) -> str:
        p = ph.path(self.name)
        return f"size({p})" if self._size else p

    def describe(self) -> str:
        return f"size({self.name})" if self._size else self.name

    # Comparisons return conditions; `==` is not overloaded so Attr objects stay hashable/comparable.
    def eq(self, value: Any) -> Condition:
        return _Compare(self, "=", value)

    def ne(self, value: Any) -> Condition:
        return _Compare(self, "<>", value)

    def lt(self, value: Any) -> Condition:
        return _Compare(self, "<", value)

    def lte(self, value: Any) -> Condition:
        return _Compare(self, "<=", value)

    def gt(self, value: Any) -> Condition:
        return _Compare(self, ">", value)

    def gte(self, value: Any) -> Condition:
        return _Compare(self, ">=", value)

    def between(self, low: Any, high: Any) -> Condition:
        return _Between(self, low, high)

    def is_in(self, values: Iterable[Any]) -> Condition:
        vals = list(values)
        if not 1 <= len(vals) <= 100:
            raise ValidationError(
                f"IN on {self.name!r} takes 1 to 100 values, got {len(vals)}",
                field=self.name,
                hint="split the list or use several conditions",
            )
        return _In(self, vals)


class Attr(Operand):
    """An attribute in a condition or filter expression."""

    def exists(self) -> Condition:
        return _Func("attribute_exists", self)

    def not_exists(self) -> Condition:
        return _Func("attribute_not_exists", self)

    def begins_with(self, prefix: str) -> Condition:
        return _Func("begins_with", self, prefix)

    def contains(self, value: Any) -> Condition:
        return _Func("contains", self, value)

    def attribute_type(self, type_code: str) -> Condition:
        if type_code not in _TYPES:
            raise ValidationError(
                f"attribute type {type_code!r} is unknown",
                field=self.name,
                hint=f"use one of {sorted(_TYPES)}",
            )
        return _Func("attribute_type", self, type_code)

    def size(self) -> Operand:
        return Operand(self.name, size=True)


def all_of(*conds: Condition | None) -> Condition | None:
    """The AND of the conditions given (``None`` ones skipped); ``None`` when there are none."""
    out: Condition | None = None
    for c in conds:
        if c is not None:
            out = c if out is None else out & c
    return out


def raw(expression: str) -> Condition:
    """Wrap an expression string written by hand (its placeholders must be supplied separately)."""
    return _Raw(expression)


def render_condition(cond: Condition | None, ph: Placeholders) -> str | None:
    return None if cond is None else cond.render(ph)
