"""The lean sync transport: one kept-alive ``http.client`` connection per thread, botocore's rules kept.

Sends a :class:`~singletable.request.Request` the way the botocore client would (same headers, same
SigV4 signature, same retries, same errors), for less than half its CPU per call. What it keeps from
botocore, with botocore's own objects:

- credentials: the client's credential chain (env, profile, SSO, container and instance roles); a
  refreshable set refreshes itself as it does for botocore (``get_frozen_credentials``);
- signing: SigV4 by :class:`~singletable.transport.sigv4.Signer` (signature for signature botocore's
  ``SigV4Auth``, tested; the signing key derived once per day, the endpoint canonicalised once);
- retries: :class:`~singletable.transport.retry.Retries` (botocore's standard / adaptive / legacy rules,
  their quota and backoff; the loopback connect budget of :func:`~singletable.client.make_client`);
- the endpoint and region the client resolved, TLS verification against ``AWS_CA_BUNDLE`` / the
  profile's ``ca_bundle`` / botocore's bundle, botocore's timeouts (60 s; 2 s to connect on loopback);
- errors: an error answer is parsed by botocore's JSON parser, raised as the client's ``ClientError``
  subclass and translated by :func:`singletable.request.translate`; a connection never opened is
  ``EngineUnreachableError``; other connection errors that outlast the retries are botocore's
  (``ConnectionClosedError``, ``ReadTimeoutError``), as from the botocore path;
- logging: each call at DEBUG, retried attempts at INFO, slow calls at WARNING (as :mod:`singletable.logs`).

What it drops: botocore's per-call event walk (so no handler can see or change the request), its
parameter validation and shape walks (as :mod:`singletable.wire` already did), ``email.message``
headers and urllib3's pool. Successful answers are parsed by the wire path's plan (``json.loads`` of
the bytes). Anything that needs what was dropped takes the full botocore path
(:class:`~singletable.transport.ClientTransport`); :func:`singletable.transport.factory.sync_transport`
decides, and says why at DEBUG. A handler registered on the client's events later (tracing's
``instrument(table.client)``, a test's hook) switches this transport to the full path from then on.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import logging
import platform
import ssl
import threading
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
    NoCredentialsError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import where as default_ca_bundle
from botocore.parsers import create_parser

from singletable import wire
from singletable.client import LOOPBACK_CONNECT_TIMEOUT, RetryMode, is_loopback
from singletable.logs import SLOW_CALL_SECONDS
from singletable.request import Request, translate, unreachable
from singletable.transport import ClientTransport, http11
from singletable.transport.retry import Retries, http_response
from singletable.transport.sigv4 import Keys, Signer

__all__ = ["LeanTransport"]

log = logging.getLogger("singletable")

#: botocore's defaults for opening a connection and for each read.
CONNECT_TIMEOUT = 60.0
READ_TIMEOUT = 60.0
_VERSION = "0.1.0"


def _encode_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_dumps = json.JSONEncoder(default=_encode_default).encode


class _Operation(NamedTuple):
    model: Any  # botocore OperationModel (the retry rules and the error parser read it)
    plan: wire.OperationPlan | None  # the lean parser of a successful answer
    target: str


class LeanTransport:
    """Sends requests over ``http.client``, one kept-alive connection per thread; see the module doc.

    ``client`` is the botocore DynamoDB client whose endpoint, region, service model and exception
    classes are used (never its HTTP); ``credentials`` is botocore's credentials object for it.
    """

    def __init__(
        self,
        client: Any,
        credentials: Any,
        *,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
        connect_timeout: float | None = None,
        read_timeout: float = READ_TIMEOUT,
        ca_bundle: str | None = None,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.endpoint_url: str = client.meta.endpoint_url
        parts = urlsplit(self.endpoint_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        self._path = parts.path or "/"
        if parts.query:
            self._path += f"?{parts.query}"
        self.loopback = is_loopback(self.endpoint_url)
        # botocore's retries={"max_attempts": n} counts retries: n + 1 attempts in all.
        self.retries = Retries(retry_mode, max_attempts + 1, loopback=self.loopback)
        if connect_timeout is None:
            connect_timeout = LOOPBACK_CONNECT_TIMEOUT if self.loopback else CONNECT_TIMEOUT
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._ssl: ssl.SSLContext | None = (
            ssl.create_default_context(cafile=ca_bundle or default_ca_bundle()) if self._https else None
        )
        self._signer = Signer(self.endpoint_url, client.meta.region_name)
        service = client.meta.service_model
        self._service_model = service
        self._target_prefix = service.metadata["targetPrefix"]
        self._content_type = f"application/x-amz-json-{service.metadata['jsonVersion']}"
        self._user_agent = (
            f"singletable/{_VERSION} Botocore/{botocore.__version__} Python/{platform.python_version()}"
        )
        # Signed: what botocore signs (Content-Type, X-Amz-Target, Host, X-Amz-Date, the token). Added after
        # signing, as botocore adds them: User-Agent and the amz-sdk-* headers; http.client adds
        # Content-Length and Accept-Encoding: identity (as urllib3 does for botocore).
        self._parser = create_parser("json")
        self._operations: dict[str, _Operation] = {}
        self._local = threading.local()
        self._full: ClientTransport | None = None
        #: The signing clock (UTC, naive); None: the current time. Tests freeze it.
        self.clock: Callable[[], dt.datetime] | None = None
        self._watch(client.meta.events)

    # -- the full path, when the client gets handlers ----------------------------------------------------

    def _watch(self, events: Any) -> None:
        """From the first handler registered on the client's events on, send through botocore (which runs
        it): whoever registers one expects to see every call."""
        for name in ("register", "register_first", "register_last"):
            original = getattr(events, name)

            def register(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
                self.use_full_path("a handler was registered on the client's events")
                return _original(*args, **kwargs)

            setattr(events, name, register)

    def use_full_path(self, why: str) -> None:
        """Send everything through the botocore client from now on (logged once at DEBUG)."""
        if self._full is None:
            log.debug("lean transport: the full botocore path from now on: %s", why)
            self._full = ClientTransport(self.client)

    @property
    def lean(self) -> bool:
        """Whether requests take the lean path (False once switched to the full botocore path)."""
        return self._full is None

    # -- sending -----------------------------------------------------------------------------------------

    def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        """Send ``request`` (retrying as botocore would) and return the parsed answer; errors come out as
        :func:`singletable.request.send` raises them."""
        if self._full is not None:
            return self._full.send(request, condition_text=condition_text, key_names=key_names)
        name = request.operation
        op = self._operations.get(name) or self._operation(name)
        body = _dumps(request.params).encode("utf-8")
        to_sign = {"Content-Type": self._content_type, "X-Amz-Target": op.target}
        unsigned = {"User-Agent": self._user_agent, "amz-sdk-invocation-id": str(uuid.uuid4())}
        retries = self.retries
        context: dict[str, Any] = {}
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            pause = retries.send_delay()
            while pause > 0:
                time.sleep(pause)
                pause = retries.send_delay()
            clock = self.clock
            headers = self._signer.sign(to_sign, body, self._keys(), clock() if clock is not None else None)
            headers.update(unsigned)
            headers["amz-sdk-request"] = retries.header(attempt)
            try:
                status, lowered, content = self._exchange(body, headers)
            except _Failed as failed:
                error = failed.error
                log.info("%s attempt %d failed: %s: %s", name, attempt, type(error).__name__, error)
                delay = retries.delay(
                    attempt=attempt, operation=op.model, request_context=context, error=error
                )
                if delay is None:
                    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
                        raise unreachable(error, self.endpoint_url) from failed.cause
                    raise error from failed.cause
                time.sleep(delay)
                continue
            if status < 300:
                crc = lowered.get("x-amz-crc32")
                damaged = crc is not None and crc.isdigit() and zlib.crc32(content) & 0xFFFFFFFF != int(crc)
                if damaged or retries.mode == "adaptive":
                    http = http_response(self.endpoint_url, status, lowered, content)
                    delay = retries.delay(
                        attempt=attempt, operation=op.model, request_context=context, response=http, parsed={}
                    )
                    if delay is not None:
                        log.info("%s attempt %d failed: CRC32 mismatch", name, attempt)
                        time.sleep(delay)
                        continue
                self._done(name, started, status)
                # The quota reads the status alone: no need to hand it the headers.
                retries.succeeded(context, http_response(self.endpoint_url, status, {}, b""))
                metadata = _metadata(status, lowered, attempt)
                if op.plan is not None:
                    return op.plan.parse(content, {"ResponseMetadata": metadata})
                parsed: dict[str, Any] = self._parser.parse(
                    _raw(status, lowered, content), op.model.output_shape
                )
                parsed.setdefault("ResponseMetadata", {}).update(metadata)
                return parsed
            parsed = self._parse_error(op.model, status, lowered, content)
            http = http_response(self.endpoint_url, status, lowered, content)
            delay = retries.delay(
                attempt=attempt, operation=op.model, request_context=context, response=http, parsed=parsed
            )
            code = parsed.get("Error", {}).get("Code")
            if delay is not None:
                log.info("%s attempt %d failed: HTTP %s %s", name, attempt, status, code or "")
                time.sleep(delay)
                continue
            self._done(name, started, status)
            parsed.setdefault("ResponseMetadata", {}).update(_metadata(status, lowered, attempt))
            exc_class: type[ClientError] = self.client.exceptions.from_code(code)
            client_error = exc_class(cast("Any", parsed), name)
            raise translate(
                client_error,
                request,
                condition_text=condition_text,
                key_names=key_names,
                endpoint=self.endpoint_url,
            ) from client_error

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()

    # -- pieces ------------------------------------------------------------------------------------------

    def _operation(self, name: str) -> _Operation:
        op = _Operation(
            self._service_model.operation_model(name),
            wire.plan_for(self.client, name),
            f"{self._target_prefix}.{name}",
        )
        self._operations[name] = op
        return op

    def _keys(self) -> Keys:
        credentials = self.credentials
        if credentials is None:
            raise NoCredentialsError()
        frozen = credentials.get_frozen_credentials()  # refreshes a refreshable set when due
        if frozen.access_key is None or frozen.secret_key is None:
            raise NoCredentialsError()
        return Keys(frozen.access_key, frozen.secret_key, frozen.token)

    def _connection(self) -> http.client.HTTPConnection:
        try:
            conn: http.client.HTTPConnection = self._local.conn
        except AttributeError:
            if self._ssl is not None:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self._connect_timeout, context=self._ssl
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self._connect_timeout)
            self._local.conn = conn
        return conn

    def _exchange(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """One request and its whole answer: (status, lowercased headers, body); raises _Failed.

        http.client opens the connection (TLS, timeouts); :mod:`~singletable.transport.http11` sends the
        request and reads the answer on its socket."""
        conn = self._connection()
        if conn.sock is None:
            try:
                conn.connect()
            except TimeoutError as exc:
                conn.close()
                raise _Failed(ConnectTimeoutError(endpoint_url=self.endpoint_url, error=exc), exc) from exc
            except ssl.SSLError as exc:
                conn.close()
                raise _Failed(SSLError(endpoint_url=self.endpoint_url, error=exc), exc) from exc
            except OSError as exc:
                conn.close()
                raise _Failed(
                    EndpointConnectionError(endpoint_url=self.endpoint_url, error=exc), exc
                ) from exc
            assert conn.sock is not None  # connect() set it
            conn.sock.settimeout(self._read_timeout)
        try:
            answer = http11.exchange(conn.sock, http11.request_bytes(self._path, headers, body))
        except TimeoutError as exc:
            conn.close()
            raise _Failed(ReadTimeoutError(endpoint_url=self.endpoint_url, error=exc), exc) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _Failed(ConnectionClosedError(endpoint_url=self.endpoint_url, error=exc), exc) from exc
        if answer.close:
            conn.close()  # the server said Connection: close; the next request opens a new one
        return answer.status, answer.headers, answer.body

    def _parse_error(
        self, operation: Any, status: int, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        # As botocore's Endpoint does: the generic error, then the modeled error shape's fields.
        raw = _raw(status, headers, body)
        parsed: dict[str, Any] = self._parser.parse(raw, operation.output_shape)
        code = parsed.get("Error", {}).get("Code")
        shape = self._service_model.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(self._parser.parse(raw, shape))
        return parsed

    @staticmethod
    def _done(name: str, started: float, status: int) -> None:
        seconds = time.perf_counter() - started
        if seconds >= SLOW_CALL_SECONDS:
            log.warning("slow call: %s took %.2f s (HTTP %s)", name, seconds, status)
        elif log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %.1f ms (HTTP %s)", name, seconds * 1000, status)


class _Failed(Exception):
    """A connection-level failure, as the botocore error the retry rules know, and what caused it."""

    def __init__(self, error: Exception, cause: BaseException) -> None:
        super().__init__(str(error))
        self.error = error
        self.cause = cause


def _metadata(status: int, headers: dict[str, str], attempt: int) -> dict[str, Any]:
    return {
        "RequestId": headers.get("x-amzn-requestid", ""),
        "HTTPStatusCode": status,
        "HTTPHeaders": headers,
        "RetryAttempts": attempt - 1,
    }


def _raw(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    return {"status_code": status, "headers": headers, "body": body, "context": {}}
