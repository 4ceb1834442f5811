"""Requests moto 5.2 accepts but DynamoDB refuses (or answers otherwise), checked on top of moto.

Found by running the same requests on moto, AWS's DynamoDB Local and dynalite (docs/engines.md); the
developer guide and the API reference decide, and DynamoDB Local and dynalite agree with them:

1. Table and index names: 3 to 255 characters of ``a-z A-Z 0-9 _ - .`` (CreateTable); moto took any.
2. Numbers: at most 38 significant digits, magnitude from 1E-130 to under 1E+126; moto stored any.
3. Numbers are stored in canonical form (``1.50`` -> ``1.5``, ``1e2`` -> ``100``, ``-0`` -> ``0``), as
   DynamoDB returns them; moto returned the text as sent. (Above 38 integer digits the value keeps
   scientific notation, ``1E+40``, which moto's own reading of its numbers needs.)
4. Sets without duplicates (``["a", "a"]``, or ``1`` and ``1.0`` in a number set) are refused.
5. At most 25 requests in a BatchWriteItem; moto took more.
6. Every ``ExpressionAttributeValues`` / ``ExpressionAttributeNames`` entry must be used by an expression
   of the request; moto ignored unused ones.
7. ``size(path)`` of a missing attribute makes the comparison false (a failed condition); moto answered
   HTTP 500.

``install()`` wraps moto's DynamoDB handlers; :func:`singletable.local.gaps.install` calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

__all__ = ["canonical_number", "check_request", "install"]

TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
MAX_BATCH_WRITE = 25
_MAX_DIGITS = 38
_EXPRESSIONS = (
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "UpdateExpression",
    "ProjectionExpression",
)
_installed = False


class RequestRefused(Exception):
    """A request DynamoDB refuses, with its ValidationException message."""


def canonical_number(text: str) -> str:
    """A DynamoDB number as DynamoDB returns it; refuses what it refuses (``RequestRefused``)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise RequestRefused("A value provided cannot be converted into a number") from None
    if not value.is_finite():
        raise RequestRefused("A value provided cannot be converted into a number")
    if value == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 200  # normalize() rounds to the context's precision (28 by default): never here
        value = value.normalize()
    digits = value.as_tuple().digits
    if len(digits) > _MAX_DIGITS:
        raise RequestRefused("Attempting to store more than 38 significant digits in a Number")
    if value.copy_abs() >= Decimal("1E+126"):  # copy_abs: abs() would round to 28 digits
        raise RequestRefused(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if value.copy_abs() < Decimal("1E-130"):
        raise RequestRefused(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    plain = format(value, "f")
    if len(plain.lstrip("-").split(".")[0]) > _MAX_DIGITS:
        # DynamoDB writes every digit out; but moto reads its own numbers back through boto3's deserializer,
        # whose 38-digit context refuses (decimal.Rounded) a plain form longer than that: the same value in
        # scientific notation it takes.
        return str(value)
    return plain


def _values(node: Any) -> Iterator[dict[str, Any]]:
    """Every attribute value (``{"N": ...}``, ``{"SS": [...]}``, ...) in a request body, at any depth."""
    if isinstance(node, dict):
        if len(node) == 1:
            ((tag, raw),) = node.items()
            if tag in ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "M", "L"):
                yield node
                if tag == "M" and isinstance(raw, dict):
                    for v in raw.values():
                        yield from _values(v)
                elif tag == "L" and isinstance(raw, list):
                    for v in raw:
                        yield from _values(v)
                return
        for v in node.values():
            yield from _values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v)


def _check_values(body: dict[str, Any]) -> None:
    """Numbers canonical and in range, sets without duplicates (in place: moto stores what it is given)."""
    for av in _values(body):
        if "N" in av:
            av["N"] = canonical_number(str(av["N"]))
        elif "NS" in av:
            av["NS"] = [canonical_number(str(n)) for n in av["NS"]]
            if len(set(av["NS"])) != len(av["NS"]):
                raise RequestRefused("Input collection contains duplicates")
        elif "SS" in av or "BS" in av:
            members = av.get("SS", av.get("BS")) or []
            if len(set(members)) != len(members):
                shown = ", ".join(map(str, members))
                raise RequestRefused(
                    f"One or more parameter values were invalid: Input collection [{shown}] contains duplicates"
                )


def _check_placeholders(part: dict[str, Any]) -> None:
    """Every ``:value`` and ``#name`` given is used by one of the part's expressions."""
    text = " ".join(str(part[k]) for k in _EXPRESSIONS if part.get(k))
    for field, sigil in (("ExpressionAttributeValues", ":"), ("ExpressionAttributeNames", "#")):
        given = part.get(field) or {}
        if not given:
            continue
        if not text:
            raise RequestRefused(f"{field} can only be specified when using expressions")
        used = set(re.findall(re.escape(sigil) + r"[A-Za-z0-9_]+", text))
        unused = sorted(k for k in given if k not in used)
        if unused:
            raise RequestRefused(
                f"Value provided in {field} unused in expressions: keys: {{{', '.join(unused)}}}"
            )


def check_request(action: str, body: dict[str, Any]) -> None:
    """Refuse (``RequestRefused``) what DynamoDB refuses in ``body``; make its numbers canonical."""
    if action == "CreateTable":
        names = [body.get("TableName", "")] + [
            i.get("IndexName", "")
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
            for i in body.get(kind) or []
        ]
        if not all(TABLE_NAME.match(str(n)) for n in names):
            raise RequestRefused(
                "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, "
                "and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"
            )
        return
    requests = sum(len(v) for v in (body.get("RequestItems") or {}).values())
    if action == "BatchWriteItem" and requests > MAX_BATCH_WRITE:
        raise RequestRefused("Too many items requested for the BatchWriteItem call")
    if action == "TransactWriteItems":
        for entry in body.get("TransactItems") or []:
            for part in entry.values():
                if isinstance(part, dict):
                    _check_placeholders(part)
    elif action in ("PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "Scan"):
        _check_placeholders(body)
    _check_values(body)


def _checked(action: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def handler(self: Any) -> Any:
        from moto.dynamodb.exceptions import MockValidationException

        try:
            check_request(action, self.body)
        except RequestRefused as exc:
            raise MockValidationException(str(exc)) from None
        return original(self)

    handler.__wrapped__ = original  # type: ignore[attr-defined]
    return handler


def _size_of_missing_is_no_number(original: Callable[..., Any]) -> Callable[..., Any]:
    def expr(self: Any, item: Any) -> Any:
        if self.attr.get_type(item) is None:
            return None  # moto's comparisons take None as false (DynamoDB: the condition fails)
        return original(self, item)

    return expr


_ACTIONS = {
    "create_table": "CreateTable",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "delete_item": "DeleteItem",
    "get_item": "GetItem",
    "query": "Query",
    "scan": "Scan",
    "batch_write_item": "BatchWriteItem",
    "transact_write_items": "TransactWriteItems",
}


def install() -> None:
    """Wrap moto's handlers (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.comparisons import FuncSize
    from moto.dynamodb.responses import DynamoHandler

    for method, action in _ACTIONS.items():
        setattr(DynamoHandler, method, _checked(action, getattr(DynamoHandler, method)))
    setattr(FuncSize, "expr", _size_of_missing_is_no_number(FuncSize.expr))  # noqa: B010
    _installed = True
