"""An import's final check: read back what it claims to have written.

- :func:`count_items` (the default check): a ``Select=COUNT`` scan; the table must hold at least as many
  items as the import wrote distinct keys (a table recreated or emptied mid-import holds fewer);
- :func:`verify_by_get` (``--verify get``): every imported key read back by batch get, its content
  compared with the line's;
- :func:`verify_by_scan` (``--verify scan``): one scan of the table, a content hash per imported key
  compared with the line's, and the content hash of the whole import.

Every read is strongly consistent: an eventually consistent read right after the writes could miss
some of them. Contents are compared in a canonical form: what the codec stores (top-level nulls and empty sets left
out), numbers normalised (DynamoDB keeps ``1.50`` as ``1.5``), sets sorted.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from singletable.batch import batch_get
from singletable.cli.policy import Policy
from singletable.codec import deserialize, serialize

if TYPE_CHECKING:
    from singletable.table import Table

Key = tuple[str, str]
GET_CHUNK = 1000
SHOW_KEYS = 10


def canonical(value: Any) -> Any:
    """A JSON-able form in which equal DynamoDB values are equal."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        d = Decimal(value).normalize()
        return {"N": format(d, "f") if d == d.to_integral_value() else str(d)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"B": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return {"set": sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return str(value)


def item_hash(item: Mapping[str, Any], *, stored: bool = False) -> str:
    """The content hash of one item; ``stored=False`` first puts it through the codec, as a write does."""
    plain = item if stored else deserialize(serialize(item))
    text = json.dumps(canonical(plain), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(hashes: Iterable[str]) -> str:
    """One hash for a set of items (order-free)."""
    return hashlib.sha256("\n".join(sorted(hashes)).encode("ascii")).hexdigest()


@dataclass(slots=True)
class Check:
    """What the final check found. ``read`` is what was read back (items counted or compared)."""

    how: str
    expected: int
    read: int
    missing: list[Key] = field(default_factory=list)
    different: list[Key] = field(default_factory=list)
    digest: str | None = None

    @property
    def ok(self) -> bool:
        return self.read >= self.expected and not self.missing and not self.different


def count_items(table: Table, policy: Policy, expected: int, *, resume: str = "") -> Check:
    """Count the table's items (a COUNT scan, each page under the transfer's retry policy)."""
    total = 0
    start: dict[str, Any] | None = None
    page = 0
    while True:
        page += 1
        params: dict[str, Any] = {"TableName": table.name, "Select": "COUNT", "ConsistentRead": True}
        if start is not None:
            params["ExclusiveStartKey"] = start
        resp = policy.call(
            f"the final count (scan page {page})", functools.partial(_scan, table, params), resume=resume
        )
        total += int(resp.get("Count", 0))
        start = resp.get("LastEvaluatedKey")
        if start is None:
            return Check("count", expected, total)


def verify_by_get(
    table: Table, policy: Policy, items: Iterator[tuple[Key, str]], expected: int, *, resume: str = ""
) -> Check:
    """Read every imported key back by batch get and compare its content hash with the line's."""
    from singletable.table import Table as PlainTable

    plain = PlainTable(table.spec, client=table.client, hide_expired=False)  # no entities: plain items
    check = Check("batch get", expected, 0)
    hashes: list[str] = []

    def compare(chunk: list[tuple[Key, str]]) -> None:
        keys = [k for k, _ in chunk]
        found = policy.call(
            f"the verification (batch get of {len(keys)} keys)",
            lambda: batch_get(plain, keys, consistent=True, backoff=policy.backoff),
            resume=resume,
        )
        for (key, want), got in zip(chunk, found, strict=True):
            if got is None:
                check.missing.append(key)
                continue
            check.read += 1
            have = item_hash(got, stored=True)
            hashes.append(have)
            if have != want:
                check.different.append(key)

    chunk: list[tuple[Key, str]] = []
    for entry in items:
        chunk.append(entry)
        if len(chunk) >= GET_CHUNK:
            compare(chunk)
            chunk = []
    if chunk:
        compare(chunk)
    check.digest = content_hash(hashes)
    return check


def verify_by_scan(table: Table, policy: Policy, wanted: Mapping[Key, str], *, resume: str = "") -> Check:
    """Scan the whole table once; compare the content hash of every imported key with the line's."""
    pk, sk = table.spec.pk, table.spec.sk
    check = Check("scan", len(wanted), 0)
    seen: dict[Key, str] = {}
    start: dict[str, Any] | None = None
    page = 0
    while True:
        page += 1
        params: dict[str, Any] = {"TableName": table.name, "ConsistentRead": True}
        if start is not None:
            params["ExclusiveStartKey"] = start
        resp = policy.call(
            f"the verification (scan page {page})", functools.partial(_scan, table, params), resume=resume
        )
        for raw in resp.get("Items", []):
            item = deserialize(raw)
            key = (item.get(pk), item.get(sk))
            if key in wanted:
                seen[key] = item_hash(item, stored=True)  # type: ignore[index]
        start = resp.get("LastEvaluatedKey")
        if start is None:
            break
    for key, want in wanted.items():
        have = seen.get(key)
        if have is None:
            check.missing.append(key)
        elif have != want:
            check.different.append(key)
    check.read = len(seen)
    check.digest = content_hash(seen.values())
    return check


def _scan(table: Table, params: dict[str, Any]) -> dict[str, Any]:
    client: Any = table.client
    resp: dict[str, Any] = client.scan(**params)
    return resp


def describe_keys(keys: list[Key]) -> str:
    shown = ", ".join(f"{a}/{b}" for a, b in keys[:SHOW_KEYS])
    return shown + (f", ... ({len(keys) - SHOW_KEYS} more)" if len(keys) > SHOW_KEYS else "")
