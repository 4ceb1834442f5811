"""Cursors: opaque, URL-safe, short, and bound to the query that made them.

A cursor is base64url (no padding) of: one version byte, a 6-byte check, one 2-byte digest per part of
the query it resumes (table, operation, index, partition, sort-key condition, entity, filter, direction),
then the resume key as compact JSON. Used on any other query it is refused with a
:class:`~singletable.errors.CursorMismatchError` naming the parts that differ, instead of silently
returning an empty or wrong page. The check covers the parts and the key, so an edited cursor is refused
too; and the resume key must lie in the query's partition and sort-key range, as DynamoDB itself requires
of ``ExclusiveStartKey``. This is a consistency check, not a signature: a cursor carries no secret.

``limit``, ``page_size``, projection and consistency are not bound: changing them between pages is fine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from singletable.codec import Item
from singletable.errors import CursorMismatchError
from singletable.expressions import Condition, Placeholders

if TYPE_CHECKING:
    from singletable.query import SortKey

VERSION = 2
_CHECK_BYTES = 6
_PART_BYTES = 2
#: The parts a cursor is bound to, in the order their digests are stored.
PARTS = ("table", "operation", "index", "partition", "sort-key condition", "entity", "filter", "direction")
_HEADER = 1 + _CHECK_BYTES + _PART_BYTES * len(PARTS)


@dataclass(frozen=True, slots=True)
class CursorBinding:
    """What one query's cursors are bound to; encodes and checks them."""

    values: tuple[str, ...]  # one canonical string per PARTS entry
    shown: tuple[str, ...]  # the same parts as an error message shows this query's
    hash_key: tuple[str, str] | None = None  # (attribute, value) of the query's partition
    range_key: tuple[str, SortKey] | None = None  # (attribute, condition) of its sort key

    @classmethod
    def of(
        cls,
        *,
        table: str,
        operation: str,
        index: str | None = None,
        hash_key: tuple[str, str] | None = None,
        range_key: tuple[str, SortKey] | None = None,
        entity: str | None = None,
        filter: Condition | None = None,
        reverse: bool = False,
    ) -> CursorBinding:
        sk = range_key[1] if range_key else None
        values = (
            table,
            operation,
            index or "",
            hash_key[1] if hash_key else "",
            _canonical([sk.op, list(sk.values)]) if sk else "",
            entity or "",
            _filter_text(filter),
            "backward" if reverse else "forward",
        )
        shown = (
            repr(table),
            operation.lower(),
            index or "none (the table itself)",
            repr(hash_key[1]) if hash_key else "none (a scan reads every partition)",
            _show_sk(sk) if sk else "none",
            entity or "none (items of any entity)",
            filter.describe() if filter is not None else "none",
            "backward" if reverse else "forward",
        )
        return cls(values, shown, hash_key, range_key)

    def _parts_digest(self) -> bytes:
        return b"".join(
            _digest(f"{n}:{v}".encode(), _PART_BYTES) for n, v in zip(PARTS, self.values, strict=True)
        )

    def _check(self, body: bytes) -> bytes:
        # Over the full values, not the short per-part digests: two queries whose part digests happen
        # to collide still get different checks.
        return _digest(_canonical(self.values).encode() + body, _CHECK_BYTES)

    def encode(self, key: Item) -> str:
        """The cursor resuming after ``key`` (a LastEvaluatedKey, AttributeValues)."""
        body = _canonical({k: _jsonable(v) for k, v in key.items()}).encode()
        parts = self._parts_digest()
        check = self._check(body)
        raw = bytes([VERSION]) + check + parts + body
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str, key_attrs: Sequence[str]) -> Item:
        """The resume key of ``cursor``, or :class:`CursorMismatchError` saying why it does not fit."""
        try:
            raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        except (ValueError, binascii.Error):
            raise _damaged() from None
        if raw[:1] == b"{":
            raise _old_version(raw)
        if len(raw) <= _HEADER or raw[0] != VERSION:
            raise _damaged()
        check, parts, body = raw[1 : 1 + _CHECK_BYTES], raw[1 + _CHECK_BYTES : _HEADER], raw[_HEADER:]
        mine = self._parts_digest()
        differ = [n for n, (a, b) in enumerate(zip(_chunks(parts), _chunks(mine), strict=True)) if a != b]
        if differ:
            raise self._mismatch(differ)
        if self._check(body) != check:
            raise _damaged()
        try:
            data = json.loads(body)
            ok = isinstance(data, dict) and data and set(data) <= set(key_attrs)
            key: Item = {k: _from_jsonable(v) for k, v in data.items()} if ok else {}
        except (ValueError, TypeError, AttributeError, binascii.Error):
            ok = False
        if not ok:
            raise _damaged()
        outside = self._outside(key)
        if outside is not None:
            raise self._mismatch([PARTS.index(outside)])
        return key

    def _outside(self, key: Mapping[str, Any]) -> str | None:
        """The part (partition, sort-key condition) whose range the resume key is not in, if any."""
        if self.hash_key is not None:
            attr, value = self.hash_key
            if key.get(attr) != {"S": value}:
                return "partition"
        if self.range_key is not None:
            attr, sk = self.range_key
            av = key.get(attr)
            if not (isinstance(av, dict) and isinstance(av.get("S"), str) and sk.holds(av["S"])):
                return "sort-key condition"
        return None

    def _mismatch(self, differ: list[int]) -> CursorMismatchError:
        names = [PARTS[n] for n in differ]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        verb = "differs" if len(names) == 1 else "differ"
        mine = "; ".join(f"{PARTS[n]} {self.shown[n]}" for n in differ)
        return CursorMismatchError(
            f"the cursor was made by another query: its {listed} {verb} from this query's ({mine})",
            parts=tuple(names),
        )


def _show_sk(sk: SortKey) -> str:
    if sk.op == "between":
        return f"between {sk.values[0]!r} and {sk.values[1]!r}"
    return f"{sk.op} {sk.values[0]!r}"


def _damaged() -> CursorMismatchError:
    return CursorMismatchError(
        "the cursor is not one this query produced: it is damaged or was edited", parts=("cursor",)
    )


def _old_version(raw: bytes) -> CursorMismatchError:
    try:
        version = json.loads(raw).get("v")
    except (ValueError, AttributeError):
        return _damaged()
    return CursorMismatchError(
        f"the cursor is a version-{version} cursor from an older singletable, which did not record the query "
        "that made it, so it cannot be checked",
        parts=("version",),
        hint="run the query again from the start (no cursor) and pass on its new .cursor",
    )


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + _PART_BYTES] for i in range(0, len(data), _PART_BYTES)]


def _digest(data: bytes, size: int) -> bytes:
    return hashlib.blake2b(data, digest_size=size).digest()


def _canonical(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=_bytes)


def _bytes(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _filter_text(condition: Condition | None) -> str:
    """The filter as sent (expression, names, values), the same in every process."""
    if condition is None:
        return ""
    ph = Placeholders()
    text = condition.render(ph)
    values = {k: _sorted_sets(v) for k, v in ph.values.items()}
    return _canonical([text, ph.names, values])


def _sorted_sets(av: Any) -> Any:
    """An AttributeValue with its number set sorted (string and binary sets are already)."""
    if isinstance(av, dict):
        return {k: sorted(v) if k == "NS" else _sorted_sets(v) for k, v in av.items()}
    if isinstance(av, list):
        return [_sorted_sets(v) for v in av]
    return av


def _jsonable(av: Any) -> Any:
    if isinstance(av, dict) and "B" in av:
        return {"B64": base64.b64encode(av["B"]).decode()}
    return av


def _from_jsonable(av: Any) -> Any:
    if not isinstance(av, dict):
        raise TypeError("not an AttributeValue")
    if "B64" in av:
        return {"B": base64.b64decode(av["B64"])}
    return av
