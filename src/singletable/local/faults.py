"""A fault-injecting HTTP proxy on loopback, between a DynamoDB client and a local engine.

``FaultProxy`` forwards DynamoDB JSON-protocol requests (``POST`` with ``X-Amz-Target``) to an upstream
engine on loopback and, at configurable seeded rates, answers some of them itself with the failures a
real DynamoDB endpoint produces:

- ``throughput_exceeded``: 400 ``ProvisionedThroughputExceededException`` (request not forwarded);
- ``throttling``: 400 ``ThrottlingException`` (request not forwarded);
- ``http_500`` / ``http_503``: ``InternalServerError`` / ``ServiceUnavailable`` (request not forwarded);
- ``reset_before``: the client connection is reset before anything reaches the engine;
- ``reset_after``: the request IS applied by the engine, then the client connection is reset, so a
  client that retries repeats a write the engine already made (the case idempotency must survive);
- ``slow``: the response is held back for ``slow_delay`` seconds;
- ``unprocessed``: each item of a ``BatchWriteItem`` / ``BatchGetItem`` is held back with this
  probability: only the rest is forwarded (the request body is rewritten), and the held-back ones come
  back as ``UnprocessedItems`` / ``UnprocessedKeys``, so they really are neither written nor read. When
  every item of a request is held back the answer is ``ProvisionedThroughputExceededException``, as
  DynamoDB does, counted under ``throughput_exceeded``.

The first six are exclusive (one uniform draw per request; their rates must sum to at most 1); ``slow``
and ``unprocessed`` are drawn independently. A fixed ``latency`` is added to every request, faulted or
not, as a stand-in for the round trip to a real endpoint.

Everything is counted per kind (``counts()``), next to ``requests`` (DynamoDB requests received),
``forwarded`` (requests sent to the engine), ``unprocessed_items`` (items or keys held back) and
``upstream_error`` (the engine could not be reached: answered 502). Requests that are not DynamoDB
JSON-protocol calls (other services on a moto server, health checks) are forwarded untouched.

The proxy listens on loopback only and forwards to loopback only; connections are persistent
(HTTP/1.1 keep-alive) on both sides, one upstream connection per client connection; the number of
client connections, the body size and every wait are bounded, and ``stop()`` closes every connection
and joins every thread.

``FaultProxyProcess`` runs the same proxy in a child process (``python -m singletable.local.faults``),
so that its work does not compete with the client's threads for the interpreter lock: the faithful
setup for throughput measurements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import http.client
import ipaddress
import json
import os
import random
import select
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

from singletable.local.child import ChildProcess

__all__ = ["COUNTER_KINDS", "FAULT_KINDS", "FaultProxy", "FaultProxyProcess", "FaultRates"]

#: The faults the proxy injects, as named in ``FaultRates`` and in ``FaultProxy.counts()``.
FAULT_KINDS: tuple[str, ...] = (
    "throughput_exceeded",
    "throttling",
    "http_500",
    "http_503",
    "reset_before",
    "reset_after",
    "slow",
    "unprocessed",
)
#: Every key of ``FaultProxy.counts()``.
COUNTER_KINDS: tuple[str, ...] = (
    "requests",
    "forwarded",
    *FAULT_KINDS,
    "unprocessed_items",
    "upstream_error",
)

_EXCLUSIVE = ("throughput_exceeded", "throttling", "http_500", "http_503", "reset_before", "reset_after")
_BATCH_OPS = frozenset({"BatchWriteItem", "BatchGetItem"})
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
    }
)
_JSON_CT = "application/x-amz-json-1.0"
_DDB = "com.amazonaws.dynamodb.v20120810#"
_ERRORS: dict[str, tuple[int, str, str]] = {
    "throughput_exceeded": (
        400,
        _DDB + "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API. (injected by FaultProxy)",
    ),
    "throttling": (
        400,
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput. (injected by FaultProxy)",
    ),
    "http_500": (500, _DDB + "InternalServerError", "Internal server error (injected by FaultProxy)"),
    "http_503": (
        503,
        "com.amazon.coral.availability#ServiceUnavailableException",
        "Service unavailable (injected by FaultProxy)",
    ),
}
_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class FaultRates:
    """Probabilities (0..1) of each fault; see the module docstring for what each one does.

    ``operations`` limits faults to those DynamoDB operations (e.g. ``{"BatchWriteItem"}``); ``None``
    means every operation. ``slow_delay`` is the delay of a ``slow`` response, in seconds.
    """

    throughput_exceeded: float = 0.0
    throttling: float = 0.0
    http_500: float = 0.0
    http_503: float = 0.0
    reset_before: float = 0.0
    reset_after: float = 0.0
    slow: float = 0.0
    unprocessed: float = 0.0
    slow_delay: float = 0.2
    operations: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for kind in FAULT_KINDS:
            value = getattr(self, kind)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultRates.{kind} must lie in [0, 1], got {value!r}")
        total = sum(getattr(self, kind) for kind in _EXCLUSIVE)
        if total > 1.0 + 1e-9:
            raise ValueError(f"the rates of {', '.join(_EXCLUSIVE)} are exclusive and sum to {total} > 1")
        if not 0.0 <= self.slow_delay <= 60.0:
            raise ValueError(f"FaultRates.slow_delay must lie in [0, 60] seconds, got {self.slow_delay!r}")
        if self.operations is not None and not isinstance(self.operations, frozenset):
            object.__setattr__(self, "operations", frozenset(self.operations))

    def applies_to(self, operation: str) -> bool:
        return self.operations is None or operation in self.operations


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True
    request_queue_size = 128
    proxy: FaultProxy

    def __init__(self, address: tuple[str, int], proxy: FaultProxy) -> None:
        self.proxy = proxy
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also resolves the host's FQDN, a DNS lookup that can hang offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.proxy._register(request):
            self.shutdown_request(request)  # over max_connections: refuse
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.proxy._unregister(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer
    _upstream: http.client.HTTPConnection | None = None
    _upstream_used = False

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.proxy.idle_timeout)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # -- one request -----------------------------------------------------------------------------

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        if body is None:
            return
        target = self.headers.get("X-Amz-Target", "")
        service, _, operation = target.rpartition(".")
        if self.command != "POST" or not service.startswith("DynamoDB_"):
            self._forward_and_reply(body)
            return
        proxy._count("requests", operation)
        if proxy.latency > 0:
            proxy._sleep(proxy.latency)
        rates = proxy.rates
        if not rates.applies_to(operation):
            self._forward_and_reply(body, operation)
            return
        fault, slow, held = proxy._draw(rates, operation, body)
        if fault is not None and fault != "reset_after":
            proxy._count(fault, operation)
            if fault == "reset_before":
                self._reset()
            else:
                self._reply_error(fault)
            return
        if held is not None:
            body, unprocessed, none_left = held
            if none_left:
                proxy._count("throughput_exceeded", operation)
                self._reply_error("throughput_exceeded")
                return
        else:
            unprocessed = None
        response = self._forward(body, operation)
        if response is None:
            return
        status, headers, payload = response
        if unprocessed is not None and status == 200:  # an engine error passes through as it is
            proxy._count("unprocessed", operation)
            proxy._count("unprocessed_items", operation, _count_items(unprocessed))
            headers, payload = _merge_unprocessed(operation, headers, payload, unprocessed)
        if fault == "reset_after":
            proxy._count("reset_after", operation)
            self._reset()
            return
        if slow:
            proxy._count("slow", operation)
            proxy._sleep(rates.slow_delay)
        self._reply(status, headers, payload)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > _MAX_BODY:
                    break
                chunks.append(self.rfile.read(length))
                self.rfile.readline(8)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length <= _MAX_BODY:
                return self.rfile.read(length) if length else b""
        self.close_connection = True
        self._reply(413, [("Content-Type", "text/plain")], b"request body too large\n")
        return None

    def _forward(self, body: bytes, operation: str = "") -> tuple[int, list[tuple[str, str]], bytes] | None:
        """Send the request upstream; returns (status, headers, body) or, when the engine cannot be
        reached, answers 502 itself and returns None."""
        proxy = self.server.proxy
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        if not proxy.preserve_host:
            headers = [(k, v) for k, v in headers if k.lower() != "host"]
            headers.append(("Host", proxy._upstream_netloc))
        headers.append(("Content-Length", str(len(body))))
        for attempt in (1, 2):
            reused = self._upstream is not None and self._upstream_used
            try:
                conn = self._upstream_connection()
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for key, value in headers:
                    conn.putheader(key, value)
                conn.endheaders(body)
                resp = conn.getresponse()
                payload = resp.read()
            except (http.client.HTTPException, OSError) as exc:
                if self._upstream is not None:
                    self._upstream.close()
                    self._upstream = None
                stale = isinstance(
                    exc, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
                )
                if attempt == 1 and reused and stale:
                    # A kept-alive upstream connection the engine had already closed: the request
                    # never got in, so sending it again on a fresh connection is safe.
                    continue
                proxy._count("upstream_error", operation or "-")
                self.close_connection = True
                msg = json.dumps({"__type": "FaultProxyUpstreamError", "message": f"upstream: {exc!r}"})
                self._reply(502, [("Content-Type", _JSON_CT)], msg.encode(), crc=True)
                return None
            self._upstream_used = True
            if operation:
                proxy._count("forwarded", operation)
            if resp.will_close:
                conn.close()
                self._upstream = None
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
            return resp.status, out, payload
        raise AssertionError("unreachable")  # pragma: no cover

    def _upstream_connection(self) -> http.client.HTTPConnection:
        if self._upstream is None:
            proxy = self.server.proxy
            conn = http.client.HTTPConnection(
                proxy._upstream_host, proxy._upstream_port, proxy.upstream_timeout
            )
            conn.connect()
            if conn.sock is not None:
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._upstream = conn
            self._upstream_used = False
        return self._upstream

    def _forward_and_reply(self, body: bytes, operation: str = "") -> None:
        response = self._forward(body, operation)
        if response is not None:
            self._reply(*response)

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes, crc: bool = False) -> None:
        reason = http.client.responses.get(status, "")
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if crc:
            lines.append(f"x-amz-crc32: {zlib.crc32(payload)}")
        lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + payload)  # one send: no Nagle / delayed-ACK stall
        except OSError:
            self.close_connection = True

    def _reply_error(self, kind: str) -> None:
        status, error_type, message = _ERRORS[kind]
        payload = json.dumps({"__type": error_type, "message": message}).encode()
        headers = [
            ("Content-Type", _JSON_CT),
            ("x-amzn-RequestId", f"faultproxy-{kind}-{time.monotonic_ns()}"),
        ]
        self._reply(status, headers, payload, crc=True)

    def _reset(self) -> None:
        """Abort the client connection with a TCP RST (SO_LINGER 0), nothing written."""
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.rfile.close()  # drops the makefile reference, so that close() really closes
            sock.close()


# -- batch rewriting ---------------------------------------------------------------------------------


def _split_batch(
    rng: random.Random, rate: float, operation: str, body: bytes
) -> tuple[bytes, dict[str, Any], bool] | None:
    """Hold back items of a batch request with probability ``rate`` each.

    Returns (body to forward, unprocessed part, nothing left to forward) or None when nothing is held
    back (the body is then forwarded byte for byte)."""
    try:
        request = json.loads(body)
        items = request["RequestItems"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(items, dict):
        return None
    kept: dict[str, Any] = {}
    unprocessed: dict[str, Any] = {}
    for table, spec in items.items():
        if operation == "BatchWriteItem":
            keep, held = _partition(rng, rate, list(spec))
            if keep:
                kept[table] = keep
            if held:
                unprocessed[table] = held
        else:
            keep, held = _partition(rng, rate, list(spec.get("Keys", [])))
            if keep:
                kept[table] = {**spec, "Keys": keep}
            if held:
                unprocessed[table] = {**spec, "Keys": held}
    if not unprocessed:
        return None
    request["RequestItems"] = kept
    return json.dumps(request, separators=(",", ":")).encode(), unprocessed, not kept


def _partition(rng: random.Random, rate: float, entries: list[Any]) -> tuple[list[Any], list[Any]]:
    keep: list[Any] = []
    held: list[Any] = []
    for entry in entries:
        (held if rng.random() < rate else keep).append(entry)
    return keep, held


def _count_items(unprocessed: dict[str, Any]) -> int:
    return sum(len(v) if isinstance(v, list) else len(v.get("Keys", [])) for v in unprocessed.values())


def _merge_unprocessed(
    operation: str, headers: list[tuple[str, str]], payload: bytes, unprocessed: dict[str, Any]
) -> tuple[list[tuple[str, str]], bytes]:
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "")
    raw = gzip.decompress(payload) if encoding.lower() == "gzip" else payload
    response = json.loads(raw)
    field = "UnprocessedItems" if operation == "BatchWriteItem" else "UnprocessedKeys"
    merged: dict[str, Any] = dict(response.get(field) or {})
    for table, part in unprocessed.items():
        if operation == "BatchWriteItem":
            merged[table] = list(merged.get(table, [])) + part
        elif table in merged:
            merged[table] = {**merged[table], "Keys": list(merged[table].get("Keys", [])) + part["Keys"]}
        else:
            merged[table] = part
    response[field] = merged
    new_payload = json.dumps(response, separators=(",", ":")).encode()
    drop = {"content-encoding", "x-amz-crc32"}
    new_headers = [(k, v) for k, v in headers if k.lower() not in drop]
    new_headers.append(("x-amz-crc32", str(zlib.crc32(new_payload))))
    return new_headers, new_payload


# -- the proxy ---------------------------------------------------------------------------------------


class FaultProxy:
    """A loopback HTTP proxy to ``upstream`` (a local engine's endpoint URL) that injects faults.

    ``rates`` may be changed at any time (``set_rates``, ``paused``); ``latency`` (seconds) is added to
    every DynamoDB request; ``seed`` makes the draws reproducible (for one client thread; with several
    threads the order of draws follows the scheduling). ``preserve_host`` keeps the client's ``Host``
    header (the one botocore signed) when forwarding; set it False to send the upstream's own.
    """

    def __init__(
        self,
        upstream: str,
        rates: FaultRates | None = None,
        *,
        seed: int | None = 0,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        preserve_host: bool = True,
        max_connections: int = 128,
        idle_timeout: float = 60.0,
        upstream_timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL on loopback, got {upstream!r}")
        if not _is_loopback(parts.hostname):
            raise ValueError(f"upstream {parts.hostname!r} is not a loopback address")
        if not _is_loopback(host):
            raise ValueError(f"FaultProxy listens on loopback only, got {host!r}")
        self.upstream = upstream.rstrip("/")
        self._upstream_host = parts.hostname
        self._upstream_port = parts.port or 80
        self._upstream_netloc = parts.netloc
        self.host = host
        self.port = port
        self.preserve_host = preserve_host
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.upstream_timeout = upstream_timeout
        self._rates = rates or FaultRates()
        self._latency = 0.0
        self.latency = latency
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_op: Counter[tuple[str, str]] = Counter()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration ---------------------------------------------------------------------------

    @property
    def rates(self) -> FaultRates:
        return self._rates

    @rates.setter
    def rates(self, rates: FaultRates) -> None:
        self._rates = rates

    def set_rates(self, rates: FaultRates | None = None, **changes: Any) -> FaultRates:
        """Replace the rates (``rates``) and/or change some of them (``throttling=0.1``); returns the
        rates now in force. ``set_rates(FaultRates())`` turns every fault off."""
        new = dataclasses.replace(rates or self._rates, **changes)
        self._rates = new
        return new

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No faults inside the block (latency still applies), the previous rates restored after."""
        saved = self._rates
        self._rates = FaultRates()
        try:
            yield
        finally:
            self._rates = saved

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not 0.0 <= seconds <= 10.0:
            raise ValueError(f"latency must lie in [0, 10] seconds, got {seconds!r}")
        self._latency = seconds

    # -- counters --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """A snapshot of the counters, every kind of ``COUNTER_KINDS`` present (zero if never seen)."""
        with self._lock:
            return {kind: self._counts.get(kind, 0) for kind in COUNTER_KINDS}

    def counts_by_operation(self) -> dict[tuple[str, str], int]:
        """A snapshot of the counters per (kind, DynamoDB operation)."""
        with self._lock:
            return dict(self._by_op)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_op.clear()

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FaultProxy is not started: call start() or use it as a context manager")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> FaultProxy:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _ProxyServer((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="FaultProxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- used by the handler ---------------------------------------------------------------------

    def _register(self, sock: socket.socket) -> bool:
        with self._lock:
            if len(self._connections) >= self.max_connections or self._stopping.is_set():
                return False
            self._connections.add(sock)
            return True

    def _unregister(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def _count(self, kind: str, operation: str, n: int = 1) -> None:
        with self._lock:
            self._counts[kind] += n
            self._by_op[kind, operation] += n

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _draw(
        self, rates: FaultRates, operation: str, body: bytes
    ) -> tuple[str | None, bool, tuple[bytes, dict[str, Any], bool] | None]:
        """(exclusive fault or None, slow?, batch split or None) for one request."""
        with self._lock:
            u = self._rng.random()
            fault: str | None = None
            edge = 0.0
            for kind in _EXCLUSIVE:
                edge += getattr(rates, kind)
                if u < edge:
                    fault = kind
                    break
            slow = rates.slow > 0 and self._rng.random() < rates.slow
            held = None
            if rates.unprocessed > 0 and operation in _BATCH_OPS and fault in (None, "reset_after"):
                held = _split_batch(self._rng, rates.unprocessed, operation, body)
        return fault, slow, held


# -- the proxy in a process of its own ---------------------------------------------------------------


class FaultProxyProcess(ChildProcess):
    """A :class:`FaultProxy` run in a child Python process, for measurements.

    A real network does not run in the client's interpreter: an in-process proxy's threads compete
    with the client's for the GIL and distort any throughput measured through it. The child is
    ``python -m singletable.local.faults``; it prints its endpoint once listening, answers ``counts``
    on its stdin with the counters as one JSON line, and stops (closing every connection) on ``stop``
    or when its stdin closes, so it never outlives a parent that died. Same arguments as FaultProxy.
    """

    def __init__(
        self,
        upstream: str,
        rates: FaultRates | None = None,
        *,
        seed: int | None = 0,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        preserve_host: bool = True,
        max_connections: int = 128,
        startup_timeout: float = 20.0,
    ) -> None:
        FaultProxy(upstream, rates, latency=latency, host=host)  # validate here, not in the child
        self.upstream = upstream
        self.rates = rates or FaultRates()
        self.seed = seed
        self.latency = latency
        self.host = host
        self.port = port
        self.preserve_host = preserve_host
        self.max_connections = max_connections
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._url: str | None = None
        self._lock = threading.Lock()
        self._final: dict[str, int] | None = None

    @property
    def endpoint_url(self) -> str:
        if self._url is None:
            raise RuntimeError(
                "FaultProxyProcess is not started: call start() or use it as a context manager"
            )
        return self._url

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> FaultProxyProcess:
        if self._process is not None:
            return self
        rates = dataclasses.asdict(self.rates)
        if rates["operations"] is not None:
            rates["operations"] = sorted(rates["operations"])
        command = [
            sys.executable,
            "-c",  # not -m: runpy warns when the package imported the module before running it
            "from singletable.local.faults import main; raise SystemExit(main())",
            self.upstream,
            "--latency",
            repr(self.latency),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--max-connections",
            str(self.max_connections),
            "--rates",
            json.dumps(rates),
        ]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        if not self.preserve_host:
            command.append("--upstream-host")
        # The child must import this very package, wherever it was imported from here.
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self._stderr = tempfile.TemporaryFile("w+", prefix="faultproxy-")  # noqa: SIM115 - closed in stop()
        self._final = None
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
            start_new_session=True,  # a Ctrl-C reaches the parent, which stops the child cleanly
        )
        ready = self._read_line(self.startup_timeout)
        if ready is None or "endpoint_url" not in ready:
            error = self._child_stderr()
            self.stop()
            raise RuntimeError(f"FaultProxyProcess did not start: {error or ready!r}")
        self._url = str(ready["endpoint_url"])
        self.port = int(ready["port"])
        return self

    def counts(self) -> dict[str, int]:
        """The child's counters now (after ``stop()``: the last ones it reported)."""
        with self._lock:
            if self._process is None:
                if self._final is None:
                    raise RuntimeError("FaultProxyProcess was never started")
                return dict(self._final)
            assert self._process.stdin is not None
            self._process.stdin.write("counts\n")
            self._process.stdin.flush()
            answer = self._read_line(10.0)
        if answer is None:
            raise RuntimeError(f"FaultProxyProcess did not answer: {self._child_stderr()}")
        return {k: int(v) for k, v in answer.items()}

    def _read_line(self, timeout: float) -> dict[str, Any] | None:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            return None
        result: dict[str, Any] = json.loads(line)
        return result

    def _child_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].strip()

    def stop(self) -> None:
        """Stop the child (closing its connections) and wait for it; idempotent."""
        with self._lock:
            process, self._process = self._process, None
            self._url = None
            if process is not None:
                if process.poll() is None:
                    with contextlib.suppress(OSError, ValueError):
                        assert process.stdin is not None
                        process.stdin.write("stop\n")
                        process.stdin.close()
                    with contextlib.suppress(ValueError, OSError):
                        assert process.stdout is not None
                        last = process.stdout.readline()
                        if last:
                            self._final = {k: int(v) for k, v in json.loads(last).items()}
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=5)
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        with contextlib.suppress(OSError, ValueError):
                            stream.close()
            if self._stderr is not None:
                with contextlib.suppress(OSError):
                    self._stderr.close()
                self._stderr = None


def main(argv: list[str] | None = None) -> int:
    """``python -m singletable.local.faults UPSTREAM``: serve a FaultProxy until ``stop`` or stdin EOF.

    Prints ``{"endpoint_url": ..., "port": ...}`` once listening; each ``counts`` line on stdin is
    answered with the counters as one JSON line, and so is the end.
    """
    import argparse

    p = argparse.ArgumentParser(prog="python -m singletable.local.faults", description=main.__doc__)
    p.add_argument("upstream", help="the engine's endpoint URL (loopback)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--rates", default="{}", help="FaultRates fields as a JSON object")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--max-connections", type=int, default=128)
    p.add_argument("--upstream-host", action="store_true", help="send the upstream's Host header")
    args = p.parse_args(argv)
    rates = FaultRates(**json.loads(args.rates))
    proxy = FaultProxy(
        args.upstream,
        rates,
        seed=args.seed,
        latency=args.latency,
        host=args.host,
        port=args.port,
        preserve_host=not args.upstream_host,
        max_connections=args.max_connections,
    )
    with proxy:
        print(json.dumps({"endpoint_url": proxy.endpoint_url, "port": proxy.port}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stop":
                break
            if command == "counts":
                print(json.dumps(proxy.counts()), flush=True)
    print(json.dumps(proxy.counts()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
