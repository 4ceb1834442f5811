"""A request as it would be sent: the dry-run form of every operation, and the one place calls go out."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from singletable import wire
from singletable.capacity import MAX_ITEM_BYTES
from singletable.client import is_loopback
from singletable.codec import deserialize
from singletable.errors import (
    ConditionFailedError,
    EngineError,
    EngineUnreachableError,
    ItemNotFoundError,
    ItemTooLargeError,
    TableNotFoundError,
    TransactionCanceledError,
    ValidationError,
    WriteOutcomeUnknownError,
)


@dataclass(frozen=True, slots=True)
class Request:
    """A low-level DynamoDB request: the operation name and its parameters, exactly as sent."""

    operation: str
    params: dict[str, Any]
    #: The library made the item's existence part of the condition (an update without upsert), so a failed
    #: condition with no item there means "not found", whatever the caller's own condition says.
    requires_existing: bool = field(default=False, compare=False, repr=False)

    def to_json(self, indent: int | None = 2) -> str:
        """The parameters as DynamoDB JSON (the form ``aws dynamodb ... --cli-input-json`` takes)."""
        return json.dumps(self.params, indent=indent, default=_json_default, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


#: Operation name -> the botocore client method that sends it (the path for clients the lean wire path cannot serve).
METHODS = {
    "PutItem": "put_item",
    "GetItem": "get_item",
    "UpdateItem": "update_item",
    "DeleteItem": "delete_item",
    "Query": "query",
    "Scan": "scan",
    "BatchWriteItem": "batch_write_item",
    "BatchGetItem": "batch_get_item",
    "TransactWriteItems": "transact_write_items",
    "TransactGetItems": "transact_get_items",
}


def send(
    client: Any,
    request: Request,
    *,
    condition_text: str | Callable[[], str] | None = None,
    key_names: tuple[str, ...] = ("PK", "SK"),
) -> dict[str, Any]:
    """Send ``request`` and translate the engine's errors into singletable's catalogue.

    DynamoDB clients from botocore take the lean wire path (:mod:`singletable.wire`: no shape walks,
    same signing, retries and errors); anything else gets ``client.<method>(**params)``.
    """
    try:
        plan = wire.plan_for(client, request.operation)
        if plan is not None:
            return plan.send(client, request.params)
        response: dict[str, Any] = getattr(client, METHODS[request.operation])(**request.params)
        return response
    except ClientError as exc:
        endpoint = getattr(getattr(client, "meta", None), "endpoint_url", "the endpoint")
        raise translate(
            exc, request, condition_text=condition_text, key_names=key_names, endpoint=endpoint
        ) from exc
    except (EndpointConnectionError, ConnectTimeoutError) as exc:
        raise unreachable(exc, getattr(getattr(client, "meta", None), "endpoint_url", None)) from exc
    except (ConnectionClosedError, ReadTimeoutError) as exc:
        lost = unanswered(request, exc, key_names)
        if lost is None:
            raise
        raise lost from exc


#: The single-item writes: a lost answer leaves them applied or not (batches and transactions say so
#: themselves, item by item or by token).
ITEM_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


def unanswered(
    request: Request, exc: BaseException, key_names: tuple[str, ...], aws_code: str = ""
) -> WriteOutcomeUnknownError | None:
    """What a single-item write whose retries ran out without a settling answer (``exc``: a dropped
    connection, a read timeout, a 5xx) raises; None for any other request (its error stays as it is)."""
    if request.operation not in ITEM_WRITES:
        return None
    table = request.params.get("TableName", "")
    return WriteOutcomeUnknownError(
        f"{request.operation} on {_key_text(request, key_names)} in {table!r} got no answer that settles "
        f"it ({exc}): it may or may not have been applied",
        aws_code=aws_code,
    )


def unreachable(
    exc: EndpointConnectionError | ConnectTimeoutError, endpoint: str | None
) -> EngineUnreachableError:
    """A connection that could not be opened (after the client's retries), as one catalogued error."""
    url = endpoint or str(exc.kwargs.get("endpoint_url") or "AWS")
    if isinstance(exc, ConnectTimeoutError):
        why = "connecting timed out"
    else:
        cause = str(exc.kwargs.get("error") or "")
        # urllib3 says "<connection object at 0x...>: Failed to establish a new connection: [Errno 111] ...".
        why = cause.rpartition("new connection: ")[2] or "could not connect"
    hint = (
        "start the local engine (singletable local) or check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB"
        if is_loopback(url)
        else "check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB, --region and your network"
    )
    return EngineUnreachableError(f"cannot reach the engine at {url} ({why})", endpoint=url, hint=hint)


def translate(
    exc: ClientError,
    request: Request,
    *,
    condition_text: str | Callable[[], str] | None = None,
    key_names: tuple[str, ...] = ("PK", "SK"),
    endpoint: str = "the endpoint",
) -> Exception:
    err = exc.response.get("Error", {})
    code, message = err.get("Code", ""), err.get("Message", "")
    # A batch names its table in RequestItems, not TableName.
    table = request.params.get("TableName") or next(iter(request.params.get("RequestItems") or {""}))
    if code == "ConditionalCheckFailedException":
        raw: Any = exc.response.get("Item")
        item = deserialize(raw) if raw else None
        if item is None and request.requires_existing:
            return ItemNotFoundError(
                f"{request.operation} found no item at {_key_text(request, key_names)} in {table!r}",
                hint="create it first (put), or pass upsert=True to create it with this update",
            )
        # Rendered only on failure: describing a condition costs time on every successful write.
        text = condition_text() if callable(condition_text) else condition_text
        shown = text or request.params.get("ConditionExpression", "")
        return ConditionFailedError(
            f"{request.operation} on {_key_text(request, key_names)} in {table!r}: condition failed: {shown}",
            condition=shown,
            item=item,
            retried=exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0,
        )
    if code == "ResourceNotFoundException":
        return TableNotFoundError(
            f"table {table!r} not found at {endpoint}",
            hint="check --table/--endpoint-url/--region, apply the Terraform module, or TableSpec.create()",
        )
    if code == "TransactionCanceledException":
        reasons: list[Any] = list(exc.response.get("CancellationReasons", []))
        return TransactionCanceledError(f"transaction cancelled: {message}", reasons=reasons)
    if code == "ValidationException":
        where = _key_text(request, key_names)
        if "Item size" in message and "exceeded the maximum allowed size" in message:
            # Only an update gets here (puts are measured before sending): the item it would leave is too big.
            return ItemTooLargeError(
                f"{request.operation} on {where} in {table!r} refused by the engine at {endpoint}: {message} "
                f"(the item would exceed {MAX_ITEM_BYTES:,} bytes)",
                field=key_names[0],
            )
        return ValidationError(
            f"{request.operation} on {where} in {table!r} refused by the engine at {endpoint}: {message}",
            hint="correct what the engine's message names; dry_run=True shows the request exactly as sent",
        )
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if int(status) >= 500:  # the engine may have applied it before failing to answer
        lost = unanswered(request, exc, key_names, code)
        if lost is not None:
            return lost
    return EngineError(f"{request.operation} failed: {code}: {message}", aws_code=code)


def _key_text(request: Request, key_names: tuple[str, ...]) -> str:
    key = request.params.get("Key") or request.params.get("Item") or {}
    parts = []
    for attr in key_names:
        if attr in key:
            parts.append(next(iter(key[attr].values())))
    return "/".join(str(p) for p in parts) or "the item"
