"""Python values <-> DynamoDB AttributeValues, and item sizes by DynamoDB's rules.

Written for speed (many times faster than boto3's TypeSerializer/TypeDeserializer) and for exactness:
floats are stored by their shortest repr (99.99 stays 99.99), Decimals as given, numbers come back as
``int`` when integral and ``Decimal`` otherwise, so nothing is rounded on the way.

The common cases run in C (``singletable._ccodec``, built from ``_ccodec.c`` when a compiler is there);
it takes exact built-in types only and hands anything else back (``Fallback``) to the Python functions
here, which hold every rule and every error message. ``ACCELERATED`` says whether the C part is in use;
``SINGLETABLE_PURE_PYTHON=1`` in the environment switches it off.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import ModuleType
from typing import Any

from singletable.errors import EmptySetError, ValidationError

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

_MAX_DIGITS = 38


def _number(value: int | float | Decimal, path: str) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(
                f"{path} is {value}, which DynamoDB cannot store", field=path, hint="store a finite number"
            )
        text = repr(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(
                f"{path} is {value}, which DynamoDB cannot store", field=path, hint="store a finite number"
            )
        text = str(value)
    else:
        text = str(value)
    digits = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")
    if len(digits) > _MAX_DIGITS:
        raise ValidationError(
            f"{path} has {len(digits)} significant digits; DynamoDB keeps at most 38",
            field=path,
            hint="round it, or store it as a string",
        )
    return text


class _Slow(Exception):
    """Raised by the fast encoder when only the path-tracking one can say what is wrong."""


def _fast_number(text: str) -> str:
    # Digits are a subset of the characters: a short text cannot hold more than 38 of them.
    if (
        len(text) > _MAX_DIGITS
        and len(text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")) > _MAX_DIGITS
    ):
        raise _Slow
    return text


def _fast(value: Any) -> AttributeValue:
    """``to_attr`` without paths: exact built-in types inline, anything odd through ``_checked``.

    It builds no path strings (most of the cost of the path-tracking encoder); on anything it cannot
    encode it raises ``_Slow`` and the caller re-runs the path-tracking encoder for the message.
    """
    t = type(value)
    if t is str:
        return {"S": value}
    if t is dict:
        # String leaves inline (no call): they are most of a typical item.
        return {
            "M": {
                (k if type(k) is str else str(k)): ({"S": v} if type(v) is str else _fast(v))
                for k, v in value.items()
            }
        }
    if t is int:
        return {"N": _fast_number(int.__repr__(value))}
    if t is Decimal:
        if not value.is_finite():
            raise _Slow
        return {"N": _fast_number(str(value))}
    if t is list or t is tuple:
        return {"L": [{"S": v} if type(v) is str else _fast(v) for v in value]}
    if t is bool:
        return {"BOOL": value}
    if t is float:
        if not math.isfinite(value):
            raise _Slow
        return {"N": _fast_number(repr(value))}
    if value is None:
        return {"NULL": True}
    if t is dt.date or t is dt.datetime:
        return {"S": value.isoformat()}
    return _checked(value)


def _checked(value: Any) -> AttributeValue:
    try:
        return _to_attr(value, "value")
    except ValidationError:
        raise _Slow from None


def py_to_attr(value: Any, path: str = "value") -> AttributeValue:
    """``to_attr`` in Python."""
    try:
        return _fast(value)
    except _Slow:
        pass
    # Outside the ``except``: an error of the slow encoder must not chain the private ``_Slow``.
    return _to_attr(value, path)


def _to_attr(value: Any, path: str) -> AttributeValue:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value, path)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {str(k): _to_attr(v, f"{path}.{k}") for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_to_attr(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": bytes(value)}
    if isinstance(value, set | frozenset):
        return _set(value, path)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return {"S": value.isoformat()}
    if isinstance(value, enum.Enum):
        return _to_attr(value.value, path)
    raise ValidationError(
        f"{path} has type {type(value).__name__}, which has no DynamoDB form",
        field=path,
        hint="use str, int, float, Decimal, bool, bytes, list, dict, set, date or datetime",
    )


def _set(value: set[Any] | frozenset[Any], path: str) -> AttributeValue:
    if not value:
        # Only a top-level attribute can be left out (``serialize`` does); inside a map or a list
        # nothing would know to restore it, so it is refused.
        raise EmptySetError(
            f"{path} is an empty set, which DynamoDB cannot store (only a top-level attribute is left out "
            "for you: inside a map or a list, or as an expression value, nothing could restore it)",
            field=path,
            hint="use None or leave the key out for an empty nested set, or make it a top-level field",
        )
    if all(isinstance(v, str) for v in value):
        return {"SS": sorted(value)}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in value):
        return {"NS": [_number(v, path) for v in value]}
    if all(isinstance(v, bytes) for v in value):
        return {"BS": sorted(value)}
    raise ValidationError(
        f"{path} is a set of mixed types",
        field=path,
        hint="a set holds only strings, only numbers or only bytes",
    )


def py_from_attr(av: AttributeValue) -> Any:
    """``from_attr`` in Python."""
    for tag, raw in av.items():  # noqa: B007 - the first (only) entry, the cheapest way to reach it
        break
    else:
        raise ValueError("an AttributeValue needs one type tag, got {}")
    if tag == "S":
        return raw
    if tag == "N":
        if "." in raw or "e" in raw or "E" in raw:
            return Decimal(raw)
        return int(raw)
    if tag == "M":
        # String leaves inline (no call); ``len(v) == 1`` keeps "the first tag decides" exact.
        return {k: (v["S"] if len(v) == 1 and "S" in v else py_from_attr(v)) for k, v in raw.items()}
    if tag == "L":
        return [v["S"] if len(v) == 1 and "S" in v else py_from_attr(v) for v in raw]
    if tag == "BOOL":
        return raw
    if tag == "NULL":
        return None
    if tag == "B":
        return raw
    if tag == "SS" or tag == "BS":
        return set(raw)
    if tag == "NS":
        return {_parse_number(n) for n in raw}
    raise ValueError(f"unknown AttributeValue type {tag!r}")


def _parse_number(text: str) -> int | Decimal:
    if "." in text or "e" in text or "E" in text:
        return Decimal(text)
    return int(text)


def py_serialize(item: Mapping[str, Any]) -> Item:
    """``serialize`` in Python."""
    try:
        return {k: ({"S": v} if type(v) is str else _fast(v)) for k, v in item.items() if v is not None}
    except _Slow:  # an empty set lands here too (``_fast`` cannot leave an attribute out)
        pass
    # Outside the ``except``: an error of the slow encoder must not chain the private ``_Slow``.
    return {k: _to_attr(v, k) for k, v in item.items() if v is not None and not _is_empty_set(v)}


def _is_empty_set(value: Any) -> bool:
    return isinstance(value, set | frozenset) and not value


def py_deserialize(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """``deserialize`` in Python."""
    return {k: (v["S"] if len(v) == 1 and "S" in v else py_from_attr(v)) for k, v in item.items()}


def py_attr_size(av: AttributeValue) -> int:
    """``attr_size`` in Python."""
    for tag, raw in av.items():  # noqa: B007 - the first (only) entry
        break
    else:
        raise ValueError("an AttributeValue needs one type tag, got {}")
    if tag == "S":
        return len(raw) if raw.isascii() else len(raw.encode("utf-8"))
    if tag == "N":
        return _number_size(raw)
    if tag == "M":
        return 3 + sum(_str_size(k) + py_attr_size(v) + 1 for k, v in raw.items())
    if tag == "L":
        return 3 + sum(py_attr_size(v) + 1 for v in raw)
    if tag == "B":
        return len(raw)
    if tag == "BOOL" or tag == "NULL":
        return 1
    if tag == "SS":
        return sum(len(s.encode("utf-8")) for s in raw)
    if tag == "NS":
        return sum(_number_size(n) for n in raw)
    if tag == "BS":
        return sum(len(b) for b in raw)
    raise ValueError(f"unknown AttributeValue type {tag!r}")


def _str_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _number_size(text: str) -> int:
    # "1 byte per two significant digits, plus 1 byte"; leading and trailing zeros do not count.
    mantissa = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")
    return (len(mantissa) + 1) // 2 + 1


def py_item_size(item: Mapping[str, AttributeValue]) -> int:
    """``item_size`` in Python."""
    return sum(_str_size(k) + py_attr_size(v) for k, v in item.items())


def py_items_size(items: Iterable[Mapping[str, AttributeValue]]) -> int:
    """``items_size`` in Python: the names and string values of all the items (most of a typical page)
    joined and measured at once, instead of two calls per attribute; the rest through ``py_attr_size``."""
    items = list(items)
    total = _str_size("".join([name for item in items for name in item]))
    strings: list[str] = []
    add = strings.append
    for item in items:
        for av in item.values():
            if "S" in av and len(av) == 1:  # ``len == 1``: the first tag decides, as in attr_size
                add(av["S"])
            else:
                total += py_attr_size(av)
    return total + _str_size("".join(strings))


# -- the public functions: C for the common cases, Python for everything else ----------------------------


def _load_accelerator() -> ModuleType | None:
    if os.environ.get("SINGLETABLE_PURE_PYTHON", "").strip() not in ("", "0"):
        return None
    try:
        from singletable import _ccodec
    except ImportError:  # built without a C compiler: the Python functions do all the work
        return None
    return _ccodec


_c = _load_accelerator()
ACCELERATED = _c is not None


def to_attr(value: Any, path: str = "value") -> AttributeValue:
    """One Python value as an AttributeValue."""
    if _c is not None:
        try:
            return _c.to_attr(value)  # type: ignore[no-any-return]
        except _c.Fallback:
            pass
    return py_to_attr(value, path)


def from_attr(av: AttributeValue) -> Any:
    """One AttributeValue as a plain Python value (N -> int or Decimal)."""
    if _c is not None:
        try:
            return _c.from_attr(av)
        except _c.Fallback:
            pass
    return py_from_attr(av)


def serialize(item: Mapping[str, Any]) -> Item:
    """A Python dict as a DynamoDB item; ``None`` values and empty sets are left out (absent: DynamoDB has
    no empty set; an entity's set field is restored as an empty set on read)."""
    if _c is not None:
        try:
            return _c.serialize(item)  # type: ignore[no-any-return]
        except _c.Fallback:
            pass
    return py_serialize(item)


def deserialize(item: Mapping[str, AttributeValue]) -> dict[str, Any]:
    """A DynamoDB item as a plain Python dict."""
    if _c is not None:
        try:
            return _c.deserialize(item)  # type: ignore[no-any-return]
        except _c.Fallback:
            pass
    return py_deserialize(item)


def attr_size(av: AttributeValue) -> int:
    """Bytes one value counts for, by DynamoDB's documented rules."""
    if _c is not None:
        try:
            return _c.attr_size(av)  # type: ignore[no-any-return]
        except _c.Fallback:
            pass
    return py_attr_size(av)


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """Bytes an item counts for: attribute names plus values (what capacity and the 400 KB limit use)."""
    if _c is not None:
        try:
            return _c.item_size(item)  # type: ignore[no-any-return]
        except _c.Fallback:
            pass
    return py_item_size(item)


def items_size(items: Iterable[Mapping[str, AttributeValue]]) -> int:
    """Summed size of several items (a query page): exactly ``sum(map(item_size, items))``."""
    if _c is not None:
        items = items if isinstance(items, list | tuple) else list(items)
        try:
            return sum(map(_c.item_size, items))
        except _c.Fallback:  # something unusual in the page: each item the long way
            return sum(map(item_size, items))
    return py_items_size(items)
