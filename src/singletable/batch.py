"""Batch get and batch write that lose nothing.

Requests are chunked to DynamoDB's limits (25 writes / 16 MB, 100 keys / 16 MB); whatever DynamoDB
hands back as unprocessed is retried with exponential backoff and full jitter until done or until the
deadline, and then an error carries exactly the items that were not processed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from singletable import capacity
from singletable.codec import Item, deserialize, item_size, serialize
from singletable.errors import BatchIncompleteError, DuplicateKeyError, ItemTooLargeError, ValidationError
from singletable.model import Entity
from singletable.request import Request, send

if TYPE_CHECKING:
    from singletable.table import Table

MAX_WRITE_ITEMS = 25
MAX_GET_KEYS = 100
MAX_REQUEST_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with full jitter (AWS Architecture Blog), bounded by a deadline."""

    base: float = 0.05
    cap: float = 5.0
    deadline: float = 120.0

    def delays(self) -> Iterator[float]:
        attempt = 0
        while True:
            yield random.uniform(0, min(self.cap, self.base * 2**attempt))
            attempt += 1


@dataclass(slots=True)
class BatchResult:
    """What a batch did: items processed, requests sent, and how many of those were retries."""

    processed: int = 0
    round_trips: int = 0
    retries: int = 0
    write_units: float = 0.0
    read_units: float = 0.0


@dataclass(frozen=True, slots=True)
class _Write:
    source: Any  # what the caller passed: an Entity, a plain item, or a delete key
    request: dict[str, Any]  # {"PutRequest": {...}} or {"DeleteRequest": {...}}
    key: tuple[Any, ...]
    size: int


def batch_write(
    table: Table,
    puts: Iterable[Entity | Mapping[str, Any]] = (),
    deletes: Iterable[Entity | tuple[str, str]] = (),
    *,
    backoff: Backoff | None = None,
    pattern: str | None = None,
) -> BatchResult:
    """Write and delete many items. Raises BatchIncompleteError (with ``.unprocessed``) on giving up."""
    writes = _prepare_writes(table, puts, deletes)
    backoff = backoff or Backoff()
    result = BatchResult()
    pending: list[_Write] = list(writes)
    by_key = {w.key: w for w in writes}
    stop_at = time.monotonic() + backoff.deadline
    delays = backoff.delays()
    while pending:
        chunk, pending = _take_chunk(pending)
        request = Request(
            "BatchWriteItem",
            {"RequestItems": {table.name: [w.request for w in chunk]}, "ReturnConsumedCapacity": "TOTAL"},
        )
        try:
            resp = send(table.client, request, key_names=(table.spec.pk, table.spec.sk))
        except Exception as exc:
            # botocore already retried throttles and 5xx; what is left is not ours to swallow.
            raise BatchIncompleteError(
                f"batch write stopped after {result.processed} items: {exc}",
                unprocessed=[w.source for w in chunk + pending],
            ) from exc
        result.round_trips += 1
        unprocessed = resp.get("UnprocessedItems", {}).get(table.name, [])
        returned = [by_key[_request_key(table, r)] for r in unprocessed]
        returned_keys = {w.key for w in returned}
        done = [w for w in chunk if w.key not in returned_keys]
        units = sum(table._write_units(w.request.get("PutRequest", {}).get("Item", {}), w.size) for w in done)
        result.processed += len(done)
        result.write_units += units
        table._record("BatchWriteItem", resp, pattern, write=units, items=len(done), size=sum(w.size for w in done))
        if returned:
            delay = next(delays)
            if time.monotonic() + delay > stop_at:
                raise BatchIncompleteError(
                    f"batch write gave up after {backoff.deadline:.0f} s with {len(returned) + len(pending)} items "
                    "unprocessed (DynamoDB kept returning them: the table is throttled)",
                    unprocessed=[w.source for w in returned + pending],
                )
            result.retries += 1
            time.sleep(delay)
            pending = returned + pending
    return result


def _prepare_writes(
    table: Table, puts: Iterable[Entity | Mapping[str, Any]], deletes: Iterable[Entity | tuple[str, str]]
) -> list[_Write]:
    spec = table.spec
    writes: list[_Write] = []
    seen: dict[tuple[Any, ...], int] = {}
    for n, obj in enumerate(puts):
        item = table._entity_item(obj) if isinstance(obj, Entity) else dict(obj)
        for attr in (spec.pk, spec.sk):
            if not isinstance(item.get(attr), str) or not item.get(attr):
                raise ValidationError(f"item #{n} has no string {attr!r}", field=attr, hint=f'add "{attr}" to it')
        av = serialize(item)
        size = item_size(av)
        if size > capacity.MAX_ITEM_BYTES:
            raise ItemTooLargeError(
                f"item #{n} ({item[spec.pk]!r}/{item[spec.sk]!r}) is {size:,} bytes, over the 409,600-byte limit",
                field=spec.pk,
            )
        key = (item[spec.pk], item[spec.sk])
        _check_duplicate(seen, key, n)
        writes.append(_Write(obj, {"PutRequest": {"Item": av}}, key, size))
    for n, obj in enumerate(deletes):
        pk, sk = obj.key() if isinstance(obj, Entity) else obj
        key = (pk, sk)
        _check_duplicate(seen, key, n)
        writes.append(_Write(obj, {"DeleteRequest": {"Key": table._key(pk, sk)}}, key, 0))
    return writes


def _check_duplicate(seen: dict[tuple[Any, ...], int], key: tuple[Any, ...], n: int) -> None:
    if key in seen:
        raise DuplicateKeyError(f"key {key[0]!r}/{key[1]!r} appears twice in one batch (items #{seen[key]} and #{n})",
                                field="key")
    seen[key] = n


def _take_chunk(pending: list[_Write]) -> tuple[list[_Write], list[_Write]]:
    chunk: list[_Write] = []
    total = 0
    for w in pending:
        if len(chunk) == MAX_WRITE_ITEMS or (chunk and total + w.size > MAX_REQUEST_BYTES):
            break
        chunk.append(w)
        total += w.size
    return chunk, pending[len(chunk):]


def _request_key(table: Table, request: Mapping[str, Any]) -> tuple[Any, ...]:
    body = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key")
    return (body[table.spec.pk]["S"], body[table.spec.sk]["S"])


def batch_get(
    table: Table,
    keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
    *,
    consistent: bool = False,
    backoff: Backoff | None = None,
    pattern: str | None = None,
) -> list[Any]:
    """Read many items; the result lines up with ``keys`` (``None`` where nothing, or nothing of ours, is).

    A key is ``(EntityClass, {"user_id": "123"})`` or a raw ``("USER#123", "PROFILE")``.
    """
    spec = table.spec
    wanted: list[tuple[str, str]] = []
    classes: list[type[Entity] | None] = []
    for k in keys:
        if isinstance(k[0], type) and issubclass(k[0], Entity):
            cls, fields = k[0], k[1]
            assert isinstance(fields, Mapping)
            wanted.append(cls.key_for(**fields))
            classes.append(cls)
        else:
            wanted.append((str(k[0]), str(k[1])))
            classes.append(None)
    unique = list(dict.fromkeys(wanted))
    found: dict[tuple[str, str], Item] = {}
    backoff = backoff or Backoff()
    stop_at = time.monotonic() + backoff.deadline
    delays = backoff.delays()
    pending = unique
    consistency: capacity.Consistency = "strong" if consistent else "eventual"
    while pending:
        chunk, pending = pending[:MAX_GET_KEYS], pending[MAX_GET_KEYS:]
        request = Request(
            "BatchGetItem",
            {
                "RequestItems": {
                    spec.name: {"Keys": [table._key(pk, sk) for pk, sk in chunk], "ConsistentRead": consistent}
                },
                "ReturnConsumedCapacity": "TOTAL",
            },
        )
        resp = send(table.client, request, key_names=(spec.pk, spec.sk))
        items = resp.get("Responses", {}).get(spec.name, [])
        for raw in items:
            found[(raw[spec.pk]["S"], raw[spec.sk]["S"])] = raw
        sizes = [item_size(r) for r in items]
        table._record("BatchGetItem", resp, pattern, read=capacity.batch_read_units(sizes, consistency) if sizes else 0.0,
                      items=len(items), size=sum(sizes), consistency=consistency)
        left = resp.get("UnprocessedKeys", {}).get(spec.name, {}).get("Keys", [])
        if left:
            delay = next(delays)
            retry = [(k[spec.pk]["S"], k[spec.sk]["S"]) for k in left]
            if time.monotonic() + delay > stop_at:
                raise BatchIncompleteError(
                    f"batch get gave up with {len(retry) + len(pending)} keys unread", unprocessed=retry + pending
                )
            time.sleep(delay)
            pending = retry + pending
    out: list[Any] = []
    for key, cls in zip(wanted, classes, strict=True):
        raw = found.get(key)
        value: Any = None
        if raw is not None:
            plain = deserialize(raw)
            if not table.is_expired(plain):
                value = table.recognise(plain)
                if cls is not None and not isinstance(value, cls):
                    value = None
        out.append(value)
    return out
