"""OpenTelemetry spans for DynamoDB calls (the optional extra ``singletable[otel]``).

``instrument(table.client)`` (or any botocore DynamoDB client) gives each API call one CLIENT span, retries
included, named ``DynamoDB.<Operation>`` with the semantic conventions for AWS SDK / DynamoDB clients:
``db.system`` (``dynamodb``), ``rpc.system`` / ``rpc.service`` / ``rpc.method``, ``aws.dynamodb.table_names``,
``aws.dynamodb.index_name``, ``aws.dynamodb.consumed_capacity`` (each entry as JSON), limit, projection and
consistent read where the request has them, ``http.response.status_code``, and the error type on failure.
The access pattern is the attribute ``singletable.access_pattern``, set for the calls made inside
``with access_pattern("get profile"):``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

PATTERN_ATTRIBUTE = "singletable.access_pattern"
_SPAN = "singletable_span"
_pattern: ContextVar[str | None] = ContextVar("singletable_access_pattern", default=None)


@contextmanager
def access_pattern(name: str) -> Iterator[None]:
    """Label the spans of the calls made in this block with the access pattern ``name``."""
    token = _pattern.set(name)
    try:
        yield
    finally:
        _pattern.reset(token)


def _tables(params: dict[str, Any]) -> list[str]:
    if "TableName" in params:
        return [str(params["TableName"])]
    names: set[str] = set(params.get("RequestItems", {}))
    for action in params.get("TransactItems", []):
        for body in action.values():
            if isinstance(body, dict) and "TableName" in body:
                names.add(str(body["TableName"]))
    return sorted(names)


def _request_attributes(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "db.system": "dynamodb",
        "db.operation.name": operation,
        "rpc.system": "aws-api",
        "rpc.service": "DynamoDB",
        "rpc.method": operation,
    }
    tables = _tables(params)
    if tables:
        attrs["aws.dynamodb.table_names"] = tables
    optional = {
        "IndexName": "aws.dynamodb.index_name",
        "Limit": "aws.dynamodb.limit",
        "ProjectionExpression": "aws.dynamodb.projection",
        "ConsistentRead": "aws.dynamodb.consistent_read",
        "ScanIndexForward": "aws.dynamodb.scan_forward",
        "Select": "aws.dynamodb.select",
    }
    for key, name in optional.items():
        if key in params:
            attrs[name] = params[key]
    pattern = _pattern.get()
    if pattern is not None:
        attrs[PATTERN_ATTRIBUTE] = pattern
    return attrs


class _Hooks:
    """botocore event handlers opening a span before the call and closing it after."""

    def __init__(self, tracer: Any) -> None:
        self.tracer = tracer

    def start(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        from opentelemetry.trace import SpanKind

        context[_SPAN] = self.tracer.start_span(
            f"DynamoDB.{model.name}", kind=SpanKind.CLIENT, attributes=_request_attributes(model.name, params)
        )

    def finish(
        self, context: dict[str, Any], parsed: Any = None, http_response: Any = None, **_: Any
    ) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = context.pop(_SPAN, None)
        if span is None:
            return
        status = getattr(http_response, "status_code", None)
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        body = parsed if isinstance(parsed, dict) else {}
        used = body.get("ConsumedCapacity")
        if used:
            entries = used if isinstance(used, list) else [used]
            span.set_attribute(
                "aws.dynamodb.consumed_capacity", [json.dumps(e, default=str) for e in entries]
            )
        error = body.get("Error", {}).get("Code") if isinstance(body.get("Error"), dict) else None
        if error or (status is not None and status >= 400):
            span.set_attribute("error.type", str(error or status))
            span.set_status(Status(StatusCode.ERROR, str(body.get("Error", {}).get("Message", ""))))
        span.end()

    def fail(self, context: dict[str, Any], exception: BaseException, **_: Any) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = context.pop(_SPAN, None)
        if span is None:
            return
        span.record_exception(exception)
        span.set_attribute("error.type", type(exception).__name__)
        span.set_status(Status(StatusCode.ERROR, str(exception)))
        span.end()


def instrument(client: Any, tracer_provider: Any = None) -> Any:
    """Trace every DynamoDB call of ``client`` (idempotent); returns the client.

    ``tracer_provider`` defaults to OpenTelemetry's global one.
    """
    try:
        from opentelemetry import trace
    except ImportError:
        from singletable.errors import MissingExtraError

        raise MissingExtraError(
            "tracing needs opentelemetry-api, which is not installed",
            field="otel",
            hint="pip install 'singletable[otel]'",
        ) from None
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("singletable")
    except PackageNotFoundError:
        ours = None
    hooks = _Hooks(trace.get_tracer("singletable", ours, tracer_provider=tracer_provider))
    events = client.meta.events
    service = client.meta.service_model.service_name
    events.register(f"before-parameter-build.{service}", hooks.start, unique_id="singletable-otel-start")
    events.register(f"after-call.{service}", hooks.finish, unique_id="singletable-otel-finish")
    events.register(f"after-call-error.{service}", hooks.fail, unique_id="singletable-otel-fail")
    return client
