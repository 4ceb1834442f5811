"""Lambda's partial-batch response for a DynamoDB stream batch.

Lambda's rules (developer guide, "Configuring partial batch response with DynamoDB and Lambda"): the
function returns ``{"batchItemFailures": [{"itemIdentifier": "<SequenceNumber>"}, ...]}``; an empty list
is a complete success; with several failures Lambda checkpoints at the lowest sequence number and retries
every record from there (records after it that succeeded come again: handlers must be idempotent). An
empty or missing ``itemIdentifier`` fails the whole batch.

Order within an item's partition key must hold, so once a record fails, the later records of the same
partition key are not handled in this invocation: they are reported too (they come back with the retry).
Records of other keys go on. ``ReportBatchItemFailures`` must be on in the event source mapping, or Lambda
ignores the response.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from singletable.logs import logger
from singletable.streams.records import sequence_number

if TYPE_CHECKING:
    from singletable.streams.router import Router


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


def partition_of(record: Mapping[str, Any], pk_attr: str) -> str:
    """The record's partition key (its AttributeValue, as text): the unit within which order holds."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    return json.dumps(keys.get(pk_attr, keys), sort_keys=True, default=str)


def response(failed: Sequence[str]) -> BatchResponse:
    """The response Lambda expects for these failed sequence numbers (in batch order)."""
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}


def _records(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    records = event.get("Records")
    return list(records) if isinstance(records, list) else []


def handle_batch(router: Router, event: Mapping[str, Any]) -> BatchResponse:
    """Handle a Lambda event's records in order with ``router``; the partial-batch response.

    A record fails when it cannot be decoded or a handler raises. A record without a SequenceNumber cannot
    be reported, so it raises :class:`~singletable.errors.StreamRecordError`: the invocation fails and
    Lambda retries the whole batch.
    """
    records = _records(event)
    seqs = [sequence_number(r) for r in records]
    pk_attr = router.decoder.schema.spec.pk
    stopped: set[str] = set()
    failed: list[str] = []
    for record, seq in zip(records, seqs, strict=True):
        key = partition_of(record, pk_attr)
        if key in stopped:
            failed.append(seq)
            continue
        try:
            router.dispatch(router.decode(record))
        except Exception:
            logger.exception("stream record %s failed; later records of its partition key wait", seq)
            stopped.add(key)
            failed.append(seq)
    return response(failed)


async def ahandle_batch(router: Router, event: Mapping[str, Any], *, concurrency: int = 8) -> BatchResponse:
    """:func:`handle_batch` for async handlers: each partition key's records in order, up to
    ``concurrency`` partition keys at a time. Failures are reported in batch order."""
    records = _records(event)
    seqs = [sequence_number(r) for r in records]
    pk_attr = router.decoder.schema.spec.pk
    groups: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        groups.setdefault(partition_of(record, pk_attr), []).append(i)
    failed_at: set[int] = set()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(indexes: list[int]) -> None:
        async with gate:
            for n, i in enumerate(indexes):
                try:
                    await router.adispatch(router.decode(records[i]))
                except Exception:
                    logger.exception(
                        "stream record %s failed; later records of its partition key wait", seqs[i]
                    )
                    failed_at.update(indexes[n:])
                    return

    await asyncio.gather(*(run(ix) for ix in groups.values()))
    return response([seqs[i] for i in sorted(failed_at)])
