"""The few raw requests migrations send (conditional writes, segment scans), and their retries.

Built with the library's own pieces (placeholders, conditions, updates, codec) and sent through the
table's transport, so errors arrive catalogued. Transient faults (throttling, 5xx, dropped connections)
are retried here with :class:`~singletable.batch.Backoff` on top of the client's own retries, and
reported to a callback so that pacing can slow down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from botocore.exceptions import BotoCoreError

from singletable.batch import REFUSED_CODES, Backoff, is_transient
from singletable.codec import Item, serialize
from singletable.errors import EngineError, EngineUnreachableError, MigrationStalledError
from singletable.expressions import Condition, Placeholders, Update
from singletable.request import Request
from singletable.schema import Schema
from singletable.transport import Transport

T = TypeVar("T")


class HasTransport(Protocol):
    schema: Schema
    transport: Transport


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth retrying (the request may or may not have been applied): the batch layer's
    rule (throttles, 5xx, dropped connections, a write whose answer was lost), plus an engine that could
    not be reached, which a migration waits out until its deadline."""
    return is_transient(exc) or isinstance(exc, BotoCoreError | EngineUnreachableError | ConnectionError)


def throttled(exc: BaseException) -> bool:
    return isinstance(exc, EngineError) and exc.aws_code in REFUSED_CODES


def with_retries(
    call: Callable[[], T],
    *,
    backoff: Backoff,
    on_throttle: Callable[[], None] | None = None,
    what: str = "request",
) -> T:
    """``call()`` again after each transient fault, with full-jitter backoff, until ``backoff.deadline``."""
    retry = backoff.start()
    while True:
        try:
            return call()
        except Exception as exc:
            if not transient(exc):
                raise
            if throttled(exc) and on_throttle is not None:
                on_throttle()
            delay = retry.delay()
            if delay is None:
                raise MigrationStalledError(f"{what} kept failing transiently: {exc}") from exc
            time.sleep(delay)


def send(table: HasTransport, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return table.transport.send(Request(operation, params), key_names=table.schema.key_names)


def key_of(schema: Schema, item: Mapping[str, Any]) -> Item:
    return schema.key(item[schema.spec.pk], item[schema.spec.sk])


def render(
    params: dict[str, Any], condition: Condition | None, update: Update | None = None
) -> dict[str, Any]:
    ph = Placeholders()
    if update is not None:
        params["UpdateExpression"] = update.render(ph)
    if condition is not None:
        params["ConditionExpression"] = condition.render(ph)
    return ph.apply(params)


def update_request(
    schema: Schema, item: Mapping[str, Any], update: Update, condition: Condition | None
) -> dict[str, Any]:
    params: dict[str, Any] = {"TableName": schema.name, "Key": key_of(schema, item)}
    return render(params, condition, update)


def put_request(schema: Schema, item: Mapping[str, Any], condition: Condition | None) -> dict[str, Any]:
    return render({"TableName": schema.name, "Item": serialize(item)}, condition)


def delete_request(schema: Schema, item: Mapping[str, Any], condition: Condition | None) -> dict[str, Any]:
    return render({"TableName": schema.name, "Key": key_of(schema, item)}, condition)
