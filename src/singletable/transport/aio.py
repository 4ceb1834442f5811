"""The async transport: one :class:`~singletable.request.Request` in, DynamoDB's answer out, on asyncio.

An :class:`AsyncTransport` is made from the settings of the sync client (``make_client``: endpoint,
region, profile, retry mode, attempts) and keeps what users rely on from botocore, using botocore's own
objects for each piece, with aiohttp underneath for the HTTP:

- credentials: botocore's chain (env, profile, SSO, container and instance roles); refreshable ones are
  refreshed in a worker thread when they near expiry (one refresh at a time), so the loop never blocks;
- endpoint: resolved by a botocore client made once (explicit ``endpoint_url``,
  ``AWS_ENDPOINT_URL_DYNAMODB`` / the config file's ``services``, else the regional endpoint);
- signing: SigV4 on every attempt (a fresh date and signature per attempt, as botocore does), by
  :class:`singletable.transport.sigv4.Signer`, which signs exactly as botocore's ``SigV4Auth`` (tested
  signature for signature) for a fraction of its CPU; ``lean_signing=False`` uses ``SigV4Auth`` itself;
- retries: :class:`singletable.transport.retry.Retries` (botocore's standard / adaptive / legacy rules,
  quota and backoff; the loopback connect budget of ``make_client``); ``max_attempts`` counts every try,
  the first included, as ``AWS_MAX_ATTEMPTS`` and botocore's ``total_max_attempts`` do;
- errors: an error answer is parsed by botocore's JSON parser (with the modeled fields, such as ``Item``
  of a failed condition or ``CancellationReasons``), raised as the botocore client's ``ClientError``
  subclass and translated by :func:`singletable.request.translate`, so the same catalogued errors come
  out as from the sync path; a connection that cannot be opened is ``EngineUnreachableError`` (ST310);
  other connection errors that outlast the retries are botocore's (``ConnectionClosedError``,
  ``ReadTimeoutError``), as from the sync client.

Requests are JSON (bytes base64, sets as lists, as :mod:`singletable.wire` sends them); successful
answers are parsed by the lean wire path's plan for the operation (the same dicts the sync path returns).

One aiohttp session (a kept-alive pool of ``max_pool_connections``) per transport, made on first use in
the running event loop; the transport belongs to that loop. Not covered: botocore's event hooks (Stubber,
tracing handlers on a client) and client-side request compression; TLS uses ``AWS_CA_BUNDLE`` /
the profile's ``ca_bundle`` or botocore's bundle; proxies come from the environment (``HTTP(S)_PROXY``,
``NO_PROXY``), read once, as botocore reads them.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import ssl
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import botocore
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
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
from botocore.utils import get_environ_proxies

from singletable import wire
from singletable.client import (
    LOCAL_REGION,
    LOOPBACK_CONNECT_TIMEOUT,
    RetryMode,
    checked_attempts,
    is_loopback,
)
from singletable.errors import AsyncExtraMissingError, TransportClosedError, TransportLoopError
from singletable.request import Request, translate, unanswered, unreachable
from singletable.transport.acredentials import frozen_credentials
from singletable.transport.leancore import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    VERSION,
    crc_mismatch,
    dumps,
    parse_error,
    parse_success,
    response_metadata,
)
from singletable.transport.retry import Retries, http_response
from singletable.transport.sigv4 import Keys, Signer

try:
    import aiohttp
except ImportError:  # pragma: no cover - the async extra is not installed
    aiohttp = None  # type: ignore[assignment]

__all__ = ["AsyncTransport"]

log = logging.getLogger("singletable")


class AsyncTransport:
    """Sends requests to DynamoDB (or a local engine) from asyncio, many in flight on one loop.

    ``await transport.send(request)`` returns what the sync path's ``request.send(client, request)``
    returns and raises the same catalogued errors. Use ``async with AsyncTransport.from_settings(...)``
    or call :meth:`close` when done.
    """

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        credentials: Credentials | None,
        client: Any,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
        max_pool_connections: int = 32,
        connect_timeout: float | None = None,
        read_timeout: float = READ_TIMEOUT,
        ca_bundle: str | None = None,
        lean_signing: bool = True,
    ) -> None:
        """Prefer :meth:`from_settings`. ``client`` is a botocore DynamoDB client for the same endpoint:
        its service model, parser plans and exception classes are used, never its HTTP.
        ``lean_signing=False`` signs with botocore's ``SigV4Auth`` instead of the (identical, cheaper)
        :class:`~singletable.transport.sigv4.Signer`."""
        if aiohttp is None:
            raise AsyncExtraMissingError("the async transport needs aiohttp, which is not installed")
        self.endpoint_url = endpoint_url
        self.region = region
        self.credentials = credentials
        self.loopback = is_loopback(endpoint_url)
        self.retries = Retries(retry_mode, max_attempts, loopback=self.loopback)
        self.max_pool_connections = max_pool_connections
        if connect_timeout is None:
            connect_timeout = LOOPBACK_CONNECT_TIMEOUT if self.loopback else CONNECT_TIMEOUT
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._ca_bundle = ca_bundle
        self._signer = Signer(endpoint_url, region) if lean_signing else None
        # Proxies from the environment, resolved once as botocore does (aiohttp's trust_env would look
        # them and ~/.netrc up again on every request, in a worker thread).
        proxies = get_environ_proxies(endpoint_url)
        self._proxy: str | None = proxies.get(urlsplit(endpoint_url).scheme) or None
        self._client = client
        self._service_model = client.meta.service_model
        self._parser = create_parser("json")
        metadata = self._service_model.metadata
        self._target_prefix = metadata["targetPrefix"]  # DynamoDB_20120810
        self._content_type = f"application/x-amz-json-{metadata['jsonVersion']}"
        self._operations: dict[str, Any] = {}
        self._user_agent = (
            f"singletable/{VERSION} aiohttp/{aiohttp.__version__} botocore/{botocore.__version__} "
            f"Python/{platform.python_version()}"
        )
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._refresh_lock: asyncio.Lock | None = None

    @classmethod
    def from_settings(
        cls,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
        max_pool_connections: int = 32,
    ) -> AsyncTransport:
        """A transport from the settings :func:`singletable.client.make_client` takes, resolved the same
        way: boto3's credential chain and ``profile``; with an endpoint and no credentials anywhere, dummy
        ones (local engines do not check them); the region from the profile, else ``us-east-1`` for an
        endpoint. Blocking (reads config files, may ask the instance metadata): call before the loop
        runs, or through ``asyncio.to_thread``."""
        if aiohttp is None:
            raise AsyncExtraMissingError("the async transport needs aiohttp, which is not installed")
        checked_attempts(max_attempts)
        session = botocore.session.Session(profile=profile)
        region_name = (
            region or session.get_config_variable("region") or (LOCAL_REGION if endpoint_url else None)
        )
        credentials = session.get_credentials()
        dummy = endpoint_url is not None and credentials is None
        if dummy:
            credentials = Credentials("local", "local")
        client = session.create_client(
            "dynamodb",
            region_name=region_name,
            endpoint_url=endpoint_url,
            aws_access_key_id="local" if dummy else None,
            aws_secret_access_key="local" if dummy else None,
            config=Config(retries={"mode": retry_mode, "total_max_attempts": max_attempts}),
        )
        resolved = client.meta.endpoint_url
        return cls(
            endpoint_url=resolved,
            region=client.meta.region_name,
            credentials=credentials,
            client=client,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            max_pool_connections=max_pool_connections,
            ca_bundle=session.get_config_variable("ca_bundle"),
        )

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool; later sends raise TransportClosedError (ST611)."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- sending ---------------------------------------------------------------------------------------

    async def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        """Send ``request`` (retrying as botocore would) and return the parsed answer.

        Errors come out as :func:`singletable.request.send` raises them (``condition_text`` and
        ``key_names`` shape their messages the same way).
        """
        session = self._session_for_loop()
        operation = self._operation(request.operation)
        body = dumps(request.params).encode("utf-8")
        headers = {
            "X-Amz-Target": f"{self._target_prefix}.{request.operation}",
            "Content-Type": self._content_type,
            "User-Agent": self._user_agent,
            "Accept-Encoding": "identity",
            "amz-sdk-invocation-id": str(uuid.uuid4()),
        }
        retries = self.retries
        context: dict[str, Any] = {}
        attempt = 0
        while True:
            attempt += 1
            pause = retries.send_delay()
            while pause > 0:
                await asyncio.sleep(pause)
                pause = retries.send_delay()
            headers["amz-sdk-request"] = retries.header(attempt)
            signed = await self._sign(body, headers)
            try:
                async with session.post(
                    self.endpoint_url, data=body, headers=signed, proxy=self._proxy
                ) as response:
                    content = await response.read()
                    status = response.status
                    raw_headers = response.headers
            except (TimeoutError, aiohttp.ClientError) as exc:
                error = self._connection_error(exc)
                delay = retries.delay(
                    attempt=attempt, operation=operation, request_context=context, error=error
                )
                if delay is None:
                    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
                        raise unreachable(error, self.endpoint_url) from exc
                    lost = unanswered(request, error, key_names)
                    if lost is not None:
                        error.__cause__ = exc
                        raise lost from error
                    raise error from exc
                log.debug("%s attempt %d: %s; retrying in %.3f s", request.operation, attempt, error, delay)
                await asyncio.sleep(delay)
                continue
            lowered = {k.lower(): v for k, v in raw_headers.items()}
            http = http_response(self.endpoint_url, status, lowered, content)
            metadata = response_metadata(status, lowered, attempt)
            if status < 300:
                if crc_mismatch(lowered, content) or retries.mode == "adaptive":
                    delay = retries.delay(
                        attempt=attempt,
                        operation=operation,
                        request_context=context,
                        response=http,
                        parsed={},
                    )
                    if delay is not None:
                        log.debug("%s attempt %d: CRC32 mismatch; retrying", request.operation, attempt)
                        await asyncio.sleep(delay)
                        continue
                retries.succeeded(context, http)
                plan = wire.plan_for(self._client, request.operation)
                return parse_success(self._parser, plan, operation, status, lowered, content, metadata)
            parsed = parse_error(self._parser, self._service_model, operation, status, lowered, content)
            delay = retries.delay(
                attempt=attempt, operation=operation, request_context=context, response=http, parsed=parsed
            )
            if delay is not None:
                code = parsed.get("Error", {}).get("Code")
                log.debug(
                    "%s attempt %d: %s %s; retrying in %.3f s",
                    request.operation,
                    attempt,
                    status,
                    code,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            parsed.setdefault("ResponseMetadata", {}).update(metadata)
            code = parsed.get("Error", {}).get("Code")
            exc_class: type[ClientError] = self._client.exceptions.from_code(code)
            client_error = exc_class(cast("Any", parsed), request.operation)
            raise translate(
                client_error,
                request,
                condition_text=condition_text,
                key_names=key_names,
                endpoint=self.endpoint_url,
            ) from client_error

    # -- pieces ----------------------------------------------------------------------------------------

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._closed:
            raise TransportClosedError("this AsyncTransport is closed")
        loop = asyncio.get_running_loop()
        if self._session is None:
            cafile = self._ca_bundle or default_ca_bundle()
            connector = aiohttp.TCPConnector(
                limit=self.max_pool_connections,
                ssl=ssl.create_default_context(cafile=cafile),
                enable_cleanup_closed=False,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
            )
            self._loop = loop
            self._refresh_lock = asyncio.Lock()
        elif loop is not self._loop:
            raise TransportLoopError("this AsyncTransport runs on another event loop")
        return self._session

    def _operation(self, name: str) -> Any:
        try:
            return self._operations[name]
        except KeyError:
            model = self._service_model.operation_model(name)
            self._operations[name] = model
            return model

    async def _sign(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        credentials = await frozen_credentials(self.credentials, self._refresh_lock)
        if self._signer is not None:
            if credentials.access_key is None or credentials.secret_key is None:
                raise NoCredentialsError()
            keys = Keys(credentials.access_key, credentials.secret_key, credentials.token)
            return self._signer.sign(headers, body, keys)
        request = AWSRequest(method="POST", url=self.endpoint_url, data=body, headers=headers)
        SigV4Auth(credentials, "dynamodb", self.region).add_auth(request)
        return dict(request.headers.items())

    def _connection_error(self, exc: BaseException) -> Exception:
        """aiohttp's connection errors as botocore's (the retry rules and the sync path know those)."""
        url = self.endpoint_url
        if isinstance(exc, aiohttp.ClientSSLError):
            return SSLError(endpoint_url=url, error=exc)
        if isinstance(exc, aiohttp.ClientConnectorError):
            return EndpointConnectionError(endpoint_url=url, error=exc.os_error)
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return ConnectTimeoutError(endpoint_url=url, error=exc)
        if isinstance(exc, aiohttp.SocketTimeoutError | asyncio.TimeoutError):
            return ReadTimeoutError(endpoint_url=url, error=exc)
        return ConnectionClosedError(endpoint_url=url, error=exc)
