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

import http.client
import logging
import select
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    NoCredentialsError,
)

from singletable.client import RetryMode
from singletable.request import Request
from singletable.transport import ClientTransport, http11
from singletable.transport.leancore import (
    READ_TIMEOUT,
    ConnectionFailed,
    LeanCore,
    connect_failed,
    exchange_failed,
    frozen_keys,
)
from singletable.transport.sigv4 import Keys

__all__ = ["LeanTransport"]

log = logging.getLogger("singletable")


class LeanTransport(LeanCore):
    """Sends requests over one kept-alive connection per thread; see the module doc.

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
        super().__init__(
            client,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            ca_bundle=ca_bundle,
        )
        self.credentials = credentials
        self._local = threading.local()
        self._full: ClientTransport | None = None
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
            self._full.observe_retries(self.retries.report)  # observers see botocore's retries from now on

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
        call = self.begin(request, condition_text, key_names)
        retries = self.retries
        while True:
            pause = retries.send_delay()
            while pause > 0:
                time.sleep(pause)
                pause = retries.send_delay()
            headers = self.headers(call, self._keys())
            try:
                answer = self._exchange(http11.request_bytes(self.path, headers, call.body), call.op.resends)
            except ConnectionFailed as failed:
                time.sleep(self.failed(call, failed.error, failed.cause))
                continue
            outcome = self.answered(call, answer.status, answer.headers, answer.body)
            if isinstance(outcome, float):
                time.sleep(outcome)
                continue
            return outcome

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()

    # -- pieces ------------------------------------------------------------------------------------------

    def _keys(self) -> Keys:
        if self.credentials is None:
            raise NoCredentialsError()
        # A refreshable set refreshes itself here when due (blocking, as botocore's client does).
        return frozen_keys(self.credentials.get_frozen_credentials())

    def _connection(self) -> http.client.HTTPConnection:
        try:
            conn: http.client.HTTPConnection = self._local.conn
        except AttributeError:
            if self.ssl is not None:
                conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.connect_timeout, context=self.ssl
                )
            else:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout)
            self._local.conn = conn
        return conn

    def _exchange(self, request: bytes, resends: bool) -> http11.Answer:
        """One request and its whole answer; raises ConnectionFailed.

        http.client opens the connection (TLS, timeouts); :mod:`~singletable.transport.http11` sends the
        request and reads the answer on its socket. A kept-alive connection the server closed is
        replaced without counting an attempt when nothing can have been applied: found closed before
        sending, the request not all sent, or (``resends``: a request that writes nothing) closed before
        any byte of the answer."""
        conn = self._connection()
        while True:
            reused = self._open(conn)
            sock = conn.sock
            assert sock is not None  # _open() connected it
            try:
                sock.sendall(request)
            except OSError as exc:
                conn.close()
                if reused:  # not all of it left: the server cannot have acted on it
                    log.debug("lean transport: a kept-alive connection was closed; sending on a new one")
                    continue
                raise exchange_failed(self.endpoint_url, exc) from exc
            try:
                answer = http11.read_answer(sock)
            except (OSError, http.client.HTTPException) as exc:  # TimeoutError among them
                conn.close()
                if reused and resends and isinstance(exc, http11.NoAnswer):
                    log.debug("lean transport: a kept-alive connection closed unanswered; sending again")
                    continue
                raise exchange_failed(self.endpoint_url, exc) from exc
            if answer.close:
                conn.close()  # the server said Connection: close; the next request opens a new one
            return answer

    def _open(self, conn: http.client.HTTPConnection) -> bool:
        """Connect ``conn`` unless it is open and still usable; whether it served earlier requests."""
        if conn.sock is not None:
            # Readable while idle: the server closed it (or sent bytes no request asked for).
            if not select.select((conn.sock,), (), (), 0)[0]:
                return True
            conn.close()
        try:
            conn.connect()
        except OSError as exc:  # TimeoutError and ssl.SSLError among them
            conn.close()
            raise connect_failed(self.endpoint_url, exc) from exc
        assert conn.sock is not None  # connect() set it
        conn.sock.settimeout(self.read_timeout)
        return False
