"""What the lean transports (sync :mod:`~singletable.transport.lean`, async
:mod:`~singletable.transport.alean`) share, without I/O: the request's bytes and signed headers per
attempt, and the judgement of each attempt's outcome (botocore's retry rules, the parse of an answer,
the catalogued error). A transport only moves bytes and sleeps the delays it is given.

From botocore, with botocore's own objects: the endpoint and region the client resolved, SigV4 exactly
(:class:`~singletable.transport.sigv4.Signer`, tested against ``SigV4Auth``; the signing key kept per
day), the retry modes, quota and backoff (:class:`~singletable.transport.retry.Retries`), the JSON
error parser and the client's modeled exception classes. The headers are botocore's: it signs
``Content-Type``, ``X-Amz-Target``, ``Host``, ``X-Amz-Date`` (and the session token) and adds
``User-Agent`` and the ``amz-sdk-*`` headers after signing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import platform
import ssl
import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import botocore
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import where as default_ca_bundle
from botocore.parsers import create_parser

from singletable import wire
from singletable.client import LOOPBACK_CONNECT_TIMEOUT, RetryMode, is_loopback
from singletable.logs import SLOW_CALL_SECONDS
from singletable.request import Request, translate, unanswered, unreachable
from singletable.transport.attempts import RetryObserver
from singletable.transport.retry import Retries, http_response
from singletable.transport.sigv4 import Keys, Signer

log = logging.getLogger("singletable")

#: botocore's defaults for opening a connection and for each read.
CONNECT_TIMEOUT = 60.0
READ_TIMEOUT = 60.0
#: Seconds before expiry at which refreshable credentials are refreshed (botocore's advisory timeout).
REFRESH_AHEAD = 15 * 60
#: The version the transports' User-Agent names.
VERSION = "0.1.0"


def _encode_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


#: A request's parameters as the JSON body botocore sends (bytes as base64, sets as lists).
dumps = json.JSONEncoder(default=_encode_default).encode


class ConnectionFailed(Exception):
    """A connection-level failure, as the botocore error the retry rules know, and what caused it."""

    def __init__(self, error: Exception, cause: BaseException) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause


def connect_failed(url: str, exc: OSError, said: OSError | None = None) -> ConnectionFailed:
    """A connection to ``url`` that did not open, as botocore's error: ConnectTimeoutError, SSLError, else
    EndpointConnectionError (its error ``said``, ``exc`` unless given)."""
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(ConnectTimeoutError(endpoint_url=url, error=exc), exc)
    if isinstance(exc, ssl.SSLError):
        return ConnectionFailed(SSLError(endpoint_url=url, error=exc), exc)
    return ConnectionFailed(EndpointConnectionError(endpoint_url=url, error=said or exc), exc)


def exchange_failed(url: str, exc: Exception) -> ConnectionFailed:
    """An open connection that failed mid-request or mid-answer, as botocore's error: ReadTimeoutError,
    else ConnectionClosedError."""
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(ReadTimeoutError(endpoint_url=url, error=exc), exc)
    return ConnectionFailed(ConnectionClosedError(endpoint_url=url, error=exc), exc)


#: Operations that change nothing: sent again at once (no attempt counted) when a kept-alive connection
#: closes before any byte of their answer, most likely closed by the server as the request left. Not a
#: write: it may have been applied (its retry is counted, as botocore's, and ST125 may follow).
RESENDABLE = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "DescribeTable",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ListTables",
        "ListTagsOfResource",
    }
)


class Operation(NamedTuple):
    model: Any  # botocore OperationModel (the retry rules and the error parser read it)
    plan: wire.OperationPlan | None  # the lean parser of a successful answer
    target: str
    resends: bool  # in RESENDABLE


class Call:
    """One request on its way: its bytes, headers, attempt count and retry context."""

    __slots__ = (
        "attempt",
        "body",
        "condition_text",
        "context",
        "key_names",
        "op",
        "request",
        "started",
        "to_sign",
        "unsigned",
    )

    def __init__(
        self,
        request: Request,
        op: Operation,
        body: bytes,
        to_sign: dict[str, str],
        unsigned: dict[str, str],
        condition_text: str | Callable[[], str] | None,
        key_names: tuple[str, ...],
    ) -> None:
        self.request = request
        self.op = op
        self.body = body
        self.to_sign = to_sign
        self.unsigned = unsigned
        self.condition_text = condition_text
        self.key_names = key_names
        self.context: dict[str, Any] = {}
        self.started = time.perf_counter()
        self.attempt = 0


class LeanCore:
    """The sans-I/O part of a lean transport for one botocore DynamoDB client's settings."""

    def __init__(
        self,
        client: Any,
        *,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
        connect_timeout: float | None = None,
        read_timeout: float = READ_TIMEOUT,
        ca_bundle: str | None = None,
    ) -> None:
        self.client = client
        self.endpoint_url: str = client.meta.endpoint_url
        parts = urlsplit(self.endpoint_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.path = parts.path or "/"
        if parts.query:
            self.path += f"?{parts.query}"
        self.loopback = is_loopback(self.endpoint_url)
        self.retries = Retries(retry_mode, max_attempts, loopback=self.loopback)
        if connect_timeout is None:
            connect_timeout = LOOPBACK_CONNECT_TIMEOUT if self.loopback else CONNECT_TIMEOUT
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.ssl: ssl.SSLContext | None = (
            ssl.create_default_context(cafile=ca_bundle or default_ca_bundle()) if self.https else None
        )
        self._signer = Signer(self.endpoint_url, client.meta.region_name)
        service = client.meta.service_model
        self._service_model = service
        self._target_prefix = service.metadata["targetPrefix"]
        self._content_type = f"application/x-amz-json-{service.metadata['jsonVersion']}"
        self._user_agent = (
            f"singletable/{VERSION} Botocore/{botocore.__version__} Python/{platform.python_version()}"
        )
        self._parser = create_parser("json")
        self._operations: dict[str, Operation] = {}
        #: The signing clock (UTC, naive); None: the current time. Tests freeze it.
        self.clock: Callable[[], dt.datetime] | None = None

    def observe_retries(self, observer: RetryObserver) -> Callable[[], None]:
        """Report every failed attempt, retried or final, to ``observer``; returns the call that stops it."""
        return self.retries.observe(observer)

    def begin(
        self,
        request: Request,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> Call:
        name = request.operation
        op = self._operations.get(name) or self._operation(name)
        return Call(
            request,
            op,
            dumps(request.params).encode("utf-8"),
            {"Content-Type": self._content_type, "X-Amz-Target": op.target},
            {"User-Agent": self._user_agent, "amz-sdk-invocation-id": str(uuid.uuid4())},
            condition_text,
            key_names,
        )

    def headers(self, call: Call, keys: Keys) -> dict[str, str]:
        """The next attempt's headers, freshly signed (a new date and signature per attempt, as botocore)."""
        call.attempt += 1
        clock = self.clock
        headers = self._signer.sign(call.to_sign, call.body, keys, clock() if clock is not None else None)
        headers.update(call.unsigned)
        headers["amz-sdk-request"] = self.retries.header(call.attempt)
        return headers

    def failed(self, call: Call, error: Exception, cause: BaseException) -> float:
        """A connection-level failure (as botocore's error): seconds to wait before the next attempt, or
        the error raised (the catalogued one when the connection never opened)."""
        name = call.request.operation
        log.info("%s attempt %d failed: %s: %s", name, call.attempt, type(error).__name__, error)
        delay = self.retries.delay(
            attempt=call.attempt, operation=call.op.model, request_context=call.context, error=error
        )
        if delay is None:
            if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
                raise unreachable(error, self.endpoint_url) from cause
            # A single-item write whose answer was lost may or may not have been applied: say so.
            lost = unanswered(call.request, error, call.key_names)
            if lost is not None:
                raise lost from error
            raise error from cause
        return delay

    def answered(
        self, call: Call, status: int, headers: dict[str, str], body: bytes
    ) -> dict[str, Any] | float:
        """An answer: the parsed result, or seconds to wait before the next attempt; raises the
        catalogued error of a final error answer."""
        retries, op = self.retries, call.op
        if status < 300:
            if crc_mismatch(headers, body) or retries.mode == "adaptive":
                http = http_response(self.endpoint_url, status, headers, body)
                delay = retries.delay(
                    attempt=call.attempt,
                    operation=op.model,
                    request_context=call.context,
                    response=http,
                    parsed={},
                )
                if delay is not None:
                    log.info("%s attempt %d failed: CRC32 mismatch", call.request.operation, call.attempt)
                    return delay
            self._done(call, status)
            # The quota reads the status alone: no need to hand it the headers.
            retries.succeeded(call.context, http_response(self.endpoint_url, status, {}, b""))
            metadata = response_metadata(status, headers, call.attempt)
            return parse_success(self._parser, op.plan, op.model, status, headers, body, metadata)
        parsed = parse_error(self._parser, self._service_model, op.model, status, headers, body)
        http = http_response(self.endpoint_url, status, headers, body)
        delay = retries.delay(
            attempt=call.attempt,
            operation=op.model,
            request_context=call.context,
            response=http,
            parsed=parsed,
        )
        code = parsed.get("Error", {}).get("Code")
        if delay is not None:
            log.info(
                "%s attempt %d failed: HTTP %s %s", call.request.operation, call.attempt, status, code or ""
            )
            return delay
        self._done(call, status)
        parsed.setdefault("ResponseMetadata", {}).update(response_metadata(status, headers, call.attempt))
        exc_class: type[ClientError] = self.client.exceptions.from_code(code)
        client_error = exc_class(cast("Any", parsed), call.request.operation)
        raise translate(
            client_error,
            call.request,
            condition_text=call.condition_text,
            key_names=call.key_names,
            endpoint=self.endpoint_url,
        ) from client_error

    def _operation(self, name: str) -> Operation:
        op = Operation(
            self._service_model.operation_model(name),
            wire.plan_for(self.client, name),
            f"{self._target_prefix}.{name}",
            name in RESENDABLE,
        )
        self._operations[name] = op
        return op

    @staticmethod
    def _done(call: Call, status: int) -> None:
        seconds = time.perf_counter() - call.started
        if seconds >= SLOW_CALL_SECONDS:
            log.warning("slow call: %s took %.2f s (HTTP %s)", call.request.operation, seconds, status)
        elif log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %.1f ms (HTTP %s)", call.request.operation, seconds * 1000, status)


def frozen_keys(frozen: Any) -> Keys:
    """botocore's frozen credentials as the signer's keys (NoCredentialsError when incomplete)."""
    from botocore.exceptions import NoCredentialsError

    if frozen.access_key is None or frozen.secret_key is None:
        raise NoCredentialsError()
    return Keys(frozen.access_key, frozen.secret_key, frozen.token)


def parse_error(
    parser: Any, service_model: Any, operation: Any, status: int, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """An error answer parsed as botocore's Endpoint does: the generic error, then the modeled error
    shape's fields."""
    raw = raw_response(status, headers, body)
    parsed: dict[str, Any] = parser.parse(raw, operation.output_shape)
    code = parsed.get("Error", {}).get("Code")
    shape = service_model.shape_for_error_code(code) if code else None
    if shape is not None:
        parsed.update(parser.parse(raw, shape))
    return parsed


def crc_mismatch(headers: dict[str, str], body: bytes) -> bool:
    """Whether the answer's ``x-amz-crc32`` header (lowercased headers) says the body was damaged."""
    crc = headers.get("x-amz-crc32")
    return crc is not None and crc.isdigit() and zlib.crc32(body) & 0xFFFFFFFF != int(crc)


def parse_success(
    parser: Any,
    plan: wire.OperationPlan | None,
    operation: Any,
    status: int,
    headers: dict[str, str],
    body: bytes,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """A successful answer parsed by the wire path's plan (else botocore's parser), with its metadata."""
    if plan is not None:
        return plan.parse(body, {"ResponseMetadata": metadata})
    parsed: dict[str, Any] = parser.parse(raw_response(status, headers, body), operation.output_shape)
    parsed.setdefault("ResponseMetadata", {}).update(metadata)
    return parsed


def response_metadata(status: int, headers: dict[str, str], attempt: int) -> dict[str, Any]:
    """botocore's ``ResponseMetadata`` of an answer to the ``attempt``-th try."""
    return {
        "RequestId": headers.get("x-amzn-requestid", ""),
        "HTTPStatusCode": status,
        "HTTPHeaders": headers,
        "RetryAttempts": attempt - 1,
    }


def raw_response(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    return {"status_code": status, "headers": headers, "body": body, "context": {}}
