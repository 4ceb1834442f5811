"""Kept-alive connections to the HTTP engine: the engine keeps them open between requests, and every
client path (lean sync, lean async, botocore) replaces one the server closed without counting an attempt
when nothing can have been applied, while a write whose connection closed unanswered is retried as
botocore does: counted (``RetryAttempts``), never silently."""

from __future__ import annotations

import asyncio
import http.client
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from singletable import Entity
from singletable.client import make_client
from singletable.local import LocalServer
from singletable.local.faults import FaultProxy, FaultRates
from singletable.request import Request
from singletable.spec import TableSpec
from singletable.table import Table
from singletable.testing import drop_table, engine_table_spec, http_engine
from singletable.transport import ClientTransport
from singletable.transport.alean import LeanAsyncTransport
from singletable.transport.factory import async_transport, sync_transport
from singletable.transport.lean import LeanTransport

pytestmark = pytest.mark.integration

#: FaultProxy draws with seed 10 at a 0.5 reset rate: forward, reset, forward.
SEED = 10


class Locker(Entity):
    __pk__ = "LOCKER#{site}"
    __sk__ = "BOX#{box:03d}"
    site: str
    box: int
    size: str = "M"


@pytest.fixture
def spec(singletable_endpoint: str) -> Iterator[TableSpec]:
    s = engine_table_spec(f"lockers-{uuid.uuid4().hex[:10]}")
    client = make_client(endpoint_url=singletable_endpoint)
    s.create(client)
    yield s
    drop_table(http_engine(), s, client)


class Blocking:
    """The lean async transport behind a blocking ``send`` (one loop for its life)."""

    def __init__(self, endpoint: str) -> None:
        t = async_transport(endpoint_url=endpoint)
        assert isinstance(t, LeanAsyncTransport)
        self.inner = t
        self.loop = asyncio.new_event_loop()

    def send(self, request: Request) -> dict[str, Any]:
        return self.loop.run_until_complete(self.inner.send(request))

    def close(self) -> None:
        self.loop.run_until_complete(self.inner.close())
        self.loop.close()


@pytest.fixture(params=["lean sync", "lean async", "botocore"])
def make(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Any]]:
    made: list[Blocking] = []

    def transport(endpoint: str) -> Any:
        if request.param == "lean sync":
            t = sync_transport(endpoint_url=endpoint)
            assert isinstance(t, LeanTransport) and t.lean
            return t
        if request.param == "lean async":
            made.append(Blocking(endpoint))
            return made[-1]
        return ClientTransport(make_client(endpoint_url=endpoint))

    yield transport
    for b in made:
        b.close()


def requests(spec: TableSpec, endpoint: str) -> tuple[Request, Request]:
    table = Table(spec, endpoint_url=endpoint, entities=[Locker])
    put = table.put(Locker(site="north", box=7), dry_run=True)
    get = table.get(Locker, site="north", box=7, dry_run=True)
    return put, get


def test_the_engine_keeps_a_connection_open_between_requests(singletable_server: LocalServer) -> None:
    # Our engine (moto under waitress) whatever SINGLETABLE_HTTP_ENGINE says: the others want signed requests.
    host, port = singletable_server.endpoint_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    try:
        conn.request("POST", "/", body=b"{}", headers=headers)
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        assert first.status == 200 and not first.will_close
        conn.request("POST", "/", body=b"{}", headers=headers)
        second = conn.getresponse()
        second.read()
        assert second.status == 200 and conn.sock is sock  # the same connection served both
    finally:
        conn.close()


def test_a_connection_the_server_closed_while_idle_is_replaced_unseen(
    make: Callable[[str], Any], spec: TableSpec, singletable_endpoint: str
) -> None:
    put, get = requests(spec, singletable_endpoint)
    first = FaultProxy(singletable_endpoint).start()
    port = first.port
    t = make(first.endpoint_url)
    t.send(get)
    first.stop()  # closes the kept-alive connection of t (the server side of an idle timeout)
    with FaultProxy(singletable_endpoint, port=port) as second:
        answer = t.send(put)  # a write: sent once, on a new connection
        assert answer["ResponseMetadata"]["RetryAttempts"] == 0
        assert second.counts()["requests"] == second.counts()["forwarded"] == 1


def test_a_read_closed_unanswered_is_sent_again_unseen_a_write_is_retried_and_counted(
    make: Callable[[str], Any], spec: TableSpec, singletable_endpoint: str
) -> None:
    put, get = requests(spec, singletable_endpoint)
    for request, lean_retries in ((get, 0), (put, 1)):
        with FaultProxy(singletable_endpoint, seed=SEED) as proxy:
            t = make(proxy.endpoint_url)
            t.send(get)  # forwarded: the connection is now a kept-alive one
            proxy.set_rates(FaultRates(reset_before=0.5))
            answer = t.send(request)  # reset before any byte of the answer, then forwarded
            counts = proxy.counts()
            assert (counts["reset_before"], counts["forwarded"]) == (1, 2)
            retries = answer["ResponseMetadata"]["RetryAttempts"]
            if isinstance(t, ClientTransport):
                assert retries == 1  # botocore counts every resend
            else:
                assert retries == lean_retries, request.operation


def test_stop_closes_kept_alive_connections_and_frees_the_port_at_once() -> None:
    from singletable.local import LocalServer

    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    server = LocalServer(ttl_sweep_interval=None).start()
    port = server.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/", body=b"{}", headers=headers)
        conn.getresponse().read()
        started = time.perf_counter()
        server.stop()
        assert time.perf_counter() - started < 2.0
        assert conn.sock is not None and conn.sock.recv(1) == b""  # closed by the server, not left open
    finally:
        conn.close()
    with LocalServer(port=port, ttl_sweep_interval=None) as again:  # the port is free again
        assert again.port == port
