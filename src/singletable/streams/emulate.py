"""Lambda's DynamoDB event source mapping in miniature, to test a stream handler on the local engine.

Records go to the handler in batches, as Lambda's JSON; with ``ReportBatchItemFailures`` on, Lambda
checkpoints at the lowest failed sequence number and sends the batch again from there (records after it
that had succeeded come again); an exception, or an empty ``itemIdentifier``, retries the whole batch.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LambdaHandler = Callable[[dict[str, Any], Any], Any]


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} in a stream record")


def _as_lambda(record: Mapping[str, Any], arn: str) -> dict[str, Any]:
    out = {**record, "eventSourceARN": record.get("eventSourceARN", arn)}
    identity = record.get("userIdentity")
    if isinstance(
        identity, Mapping
    ):  # the Streams API's PrincipalId/Type are principalId/type in Lambda's events
        out["userIdentity"] = {k[:1].lower() + k[1:]: v for k, v in identity.items()}
    return out


def lambda_event(records: Sequence[Mapping[str, Any]], *, stream_arn: str | None = None) -> dict[str, Any]:
    """GetRecords' records as a Lambda event: JSON (epoch seconds, base64 binary), with ``eventSourceARN``."""
    arn = stream_arn or "arn:aws:dynamodb:us-east-1:123456789012:table/local/stream/local"
    event = {"Records": [_as_lambda(r, arn) for r in records]}
    result: dict[str, Any] = json.loads(json.dumps(event, default=_json))
    return result


@dataclass(slots=True)
class Delivery:
    """What a delivery took: invocations, how many of them failed a record, records sent in all."""

    invocations: int = 0
    partial_failures: int = 0
    records_sent: int = 0
    complete: bool = False


def deliver(
    records: Sequence[Mapping[str, Any]],
    handler: LambdaHandler,
    *,
    batch_size: int = 100,
    max_invocations: int = 10_000,
    stream_arn: str | None = None,
) -> Delivery:
    """Send ``records`` (GetRecords' shapes, in stream order) to ``handler(event, context)`` as Lambda would,
    retrying from the lowest reported failure until every record is through (``complete``) or
    ``max_invocations`` is spent."""
    report = Delivery()
    pos = 0
    while pos < len(records) and report.invocations < max_invocations:
        batch = list(records[pos : pos + batch_size])
        report.invocations += 1
        report.records_sent += len(batch)
        try:
            answer = handler(lambda_event(batch, stream_arn=stream_arn), None)
        except Exception:
            report.partial_failures += 1
            continue  # the whole batch again
        failures = (answer or {}).get("batchItemFailures") or []
        if not failures:
            pos += len(batch)
            continue
        report.partial_failures += 1
        seqs = [r["dynamodb"]["SequenceNumber"] for r in batch]
        ids = [f.get("itemIdentifier") for f in failures]
        if any(not i or i not in seqs for i in ids):
            continue  # Lambda takes a bad identifier as a failure of the whole batch
        lowest = min(ids, key=int)
        pos += seqs.index(lowest)
    report.complete = pos >= len(records)
    return report
