"""FaultProxy between plain boto3 clients and the local engine over HTTP: every fault kind happens, is
counted, and does to the engine exactly what it claims (nothing, or the write, or part of a batch)."""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.retries import standard

from singletable.local import LocalServer
from singletable.local.faults import COUNTER_KINDS, FaultProxy, FaultProxyProcess, FaultRates

pytestmark = pytest.mark.integration

PRE_FORWARD = ("throughput_exceeded", "throttling", "http_500", "http_503", "reset_before")


def make_client(endpoint_url: str, attempts: int = 1) -> Any:
    """A plain boto3 client; ``attempts`` counts the first try (1 = no retries)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}, max_pool_connections=8),
    )


@pytest.fixture(scope="module")
def engine(singletable_server: LocalServer) -> LocalServer:
    """The session's local engine over HTTP (the singletable pytest plugin's fixture)."""
    return singletable_server


@pytest.fixture(scope="module")
def direct(engine: LocalServer) -> Any:
    """A client talking to the engine directly, to see what really happened there."""
    return make_client(engine.endpoint_url)


@pytest.fixture
def table(direct: Any) -> str:
    name = f"faults-{uuid.uuid4().hex[:10]}"
    direct.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def proxy(engine: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(engine.endpoint_url, seed=7) as p:
        yield p


def item(i: int | str, **extra: Any) -> dict[str, Any]:
    return {"PK": {"S": f"USER#{i}"}, "SK": {"S": "PROFILE"}, **extra}


def key(i: int | str) -> dict[str, Any]:
    return {"PK": {"S": f"USER#{i}"}, "SK": {"S": "PROFILE"}}


def stored_pks(direct: Any, table: str) -> set[str]:
    pages = direct.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return {row["PK"]["S"] for page in pages for row in page["Items"]}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


# -- plumbing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preserve_host", [True, False], ids=["signed-host", "upstream-host"])
def test_without_faults_the_proxy_is_transparent(
    engine: LocalServer, direct: Any, table: str, preserve_host: bool
) -> None:
    with FaultProxy(engine.endpoint_url, preserve_host=preserve_host) as p:
        client = make_client(p.endpoint_url)
        client.put_item(TableName=table, Item=item(1, name={"S": "Ada \u00e9\u4e2d"}))
        got = client.get_item(TableName=table, Key=key(1), ConsistentRead=True)["Item"]
        assert got["name"] == {"S": "Ada \u00e9\u4e2d"}
        rows = client.query(
            TableName=table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": "USER#1"}},
        )["Items"]
        assert len(rows) == 1
        assert direct.get_item(TableName=table, Key=key(1))["Item"] == got
        assert nonzero(p.counts()) == {"requests": 3, "forwarded": 3}
        assert p.counts_by_operation()[("forwarded", "PutItem")] == 1


def test_connections_are_kept_alive_and_non_dynamodb_requests_pass_untouched(proxy: FaultProxy) -> None:
    proxy.set_rates(throttling=1.0)  # DynamoDB calls only: a GET is never faulted nor counted
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/")
            response = conn.getresponse()
            response.read()
            assert response.status < 500
            assert not response.will_close
        first_socket = conn.sock
        conn.request("GET", "/")
        conn.getresponse().read()
        assert conn.sock is first_socket  # the same connection served every request
    finally:
        conn.close()
    assert proxy.counts()["requests"] == 0


def test_only_loopback_addresses() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("http://10.1.2.3:8000")
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("http://127.0.0.1:8000", host="0.0.0.0")
    with pytest.raises(ValueError, match="http://"):
        FaultProxy("https://127.0.0.1:8000")


def test_rates_are_validated_and_changed_at_runtime(proxy: FaultProxy, table: str) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        FaultRates(throttling=1.5)
    with pytest.raises(ValueError, match="exclusive"):
        FaultRates(throttling=0.6, http_500=0.6)
    client = make_client(proxy.endpoint_url)
    proxy.set_rates(FaultRates(throttling=1.0, operations=frozenset({"PutItem"})))
    client.get_item(TableName=table, Key=key(1))  # not a faulted operation
    with pytest.raises(ClientError):
        client.put_item(TableName=table, Item=item(1))
    with proxy.paused():
        client.put_item(TableName=table, Item=item(1))
    assert proxy.rates.throttling == 1.0  # restored after paused()
    assert proxy.set_rates(throttling=0.0).throttling == 0.0
    client.put_item(TableName=table, Item=item(2))
    assert nonzero(proxy.counts()) == {"requests": 4, "forwarded": 3, "throttling": 1}
    proxy.reset_counts()
    assert set(proxy.counts()) == set(COUNTER_KINDS)
    assert not nonzero(proxy.counts())


def test_stop_closes_kept_alive_connections(engine: LocalServer) -> None:
    p = FaultProxy(engine.endpoint_url).start()
    client = make_client(p.endpoint_url)
    client.list_tables()  # leaves a kept-alive connection (and its handler thread) open
    port = p.port
    p.stop()  # returns only once every handler thread has been joined
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).connect()
    with pytest.raises(RuntimeError):
        _ = p.endpoint_url


# -- each fault, alone, with no retries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("throughput_exceeded", 400, "ProvisionedThroughputExceededException"),
        ("throttling", 400, "ThrottlingException"),
        ("http_500", 500, "InternalServerError"),
        ("http_503", 503, "ServiceUnavailableException"),
    ],
)
def test_error_faults_are_answered_by_the_proxy_and_counted(
    proxy: FaultProxy, direct: Any, table: str, kind: str, status: int, code: str
) -> None:
    proxy.set_rates(**{kind: 1.0})
    with pytest.raises(ClientError) as raised:
        make_client(proxy.endpoint_url).put_item(TableName=table, Item=item(1))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert nonzero(proxy.counts()) == {"requests": 1, kind: 1}
    assert "Item" not in direct.get_item(TableName=table, Key=key(1))  # never reached the engine


def test_reset_before_forwarding_never_reaches_the_engine(proxy: FaultProxy, direct: Any, table: str) -> None:
    proxy.set_rates(reset_before=1.0)
    with pytest.raises(ConnectionClosedError):
        make_client(proxy.endpoint_url).put_item(TableName=table, Item=item(1))
    assert nonzero(proxy.counts()) == {"requests": 1, "reset_before": 1}
    assert "Item" not in direct.get_item(TableName=table, Key=key(1))


def test_the_reset_is_a_tcp_reset(proxy: FaultProxy) -> None:
    proxy.set_rates(reset_before=1.0)
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    headers = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
    try:
        conn.request("POST", "/", body=b"{}", headers=headers)
        with pytest.raises(ConnectionResetError):
            conn.getresponse()
    finally:
        conn.close()


def test_reset_after_forwarding_applied_the_write(proxy: FaultProxy, direct: Any, table: str) -> None:
    proxy.set_rates(reset_after=1.0)
    with pytest.raises(ConnectionClosedError):
        make_client(proxy.endpoint_url).put_item(TableName=table, Item=item(1, v={"S": "written"}))
    assert direct.get_item(TableName=table, Key=key(1))["Item"]["v"] == {"S": "written"}
    assert nonzero(proxy.counts()) == {"requests": 1, "forwarded": 1, "reset_after": 1}


def test_reset_after_makes_retries_repeat_a_non_idempotent_write(
    proxy: FaultProxy, direct: Any, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    direct.put_item(TableName=table, Item=item(1, n={"N": "0"}))
    proxy.set_rates(reset_after=1.0)
    with pytest.raises(ConnectionClosedError):  # the client sees three failures ...
        make_client(proxy.endpoint_url, attempts=3).update_item(
            TableName=table,
            Key=key(1),
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    # ... while the engine applied the increment three times
    assert direct.get_item(TableName=table, Key=key(1))["Item"]["n"] == {"N": "3"}
    assert proxy.counts()["reset_after"] == 3


def test_slow_responses_are_delayed(proxy: FaultProxy, table: str) -> None:
    proxy.set_rates(slow=1.0, slow_delay=0.15)
    client = make_client(proxy.endpoint_url)
    client.list_tables()  # connection set up outside the measurement
    started = time.perf_counter()
    client.get_item(TableName=table, Key=key(1))
    assert time.perf_counter() - started >= 0.15
    assert proxy.counts()["slow"] == 2


def test_fixed_latency_is_added_to_every_request(engine: LocalServer, table: str) -> None:
    with FaultProxy(engine.endpoint_url, latency=0.010) as p:
        client = make_client(p.endpoint_url)
        client.list_tables()
        started = time.perf_counter()
        for i in range(10):
            client.get_item(TableName=table, Key=key(i))
        assert time.perf_counter() - started >= 10 * 0.010
        assert nonzero(p.counts()) == {"requests": 11, "forwarded": 11}
        p.latency = 0.0
        assert p.latency == 0.0


# -- batches answered in part ----------------------------------------------------------------------------


def test_partial_batch_write_writes_exactly_the_processed_items(
    proxy: FaultProxy, direct: Any, table: str
) -> None:
    proxy.set_rates(unprocessed=0.5)
    client = make_client(proxy.endpoint_url)
    requested = {f"USER#{i}" for i in range(25)}
    response = client.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": item(i, n={"N": str(i)})}} for i in range(25)]}
    )
    unprocessed = response["UnprocessedItems"][table]
    held = {w["PutRequest"]["Item"]["PK"]["S"] for w in unprocessed}
    assert 0 < len(held) < 25
    assert stored_pks(direct, table) == requested - held  # exactly the processed ones
    counts = proxy.counts()
    assert counts["unprocessed"] == 1
    assert counts["unprocessed_items"] == len(held)
    # what came back is a valid request: sending it again (no faults) completes the batch
    proxy.set_rates(unprocessed=0.0)
    assert client.batch_write_item(RequestItems=response["UnprocessedItems"])["UnprocessedItems"] == {}
    assert stored_pks(direct, table) == requested


def test_partial_batch_get_reads_and_returns_the_rest_as_unprocessed_keys(
    proxy: FaultProxy, direct: Any, table: str
) -> None:
    for i in range(40):
        direct.put_item(TableName=table, Item=item(i, n={"N": str(i)}, big={"S": "x" * 100}))
    proxy.set_rates(unprocessed=0.5)
    spec = {"Keys": [key(i) for i in range(40)], "ConsistentRead": True, "ProjectionExpression": "PK, n"}
    response = make_client(proxy.endpoint_url).batch_get_item(RequestItems={table: spec})
    got = {row["PK"]["S"] for row in response["Responses"][table]}
    rest = response["UnprocessedKeys"][table]
    held = {k["PK"]["S"] for k in rest["Keys"]}
    assert got and held
    assert got | held == {f"USER#{i}" for i in range(40)}
    assert not got & held
    assert rest["ProjectionExpression"] == "PK, n" and rest["ConsistentRead"] is True
    assert all("big" not in row for row in response["Responses"][table])
    assert proxy.counts()["unprocessed_items"] == len(held)


def test_a_batch_with_nothing_processed_is_throttled(proxy: FaultProxy, direct: Any, table: str) -> None:
    proxy.set_rates(unprocessed=1.0)
    with pytest.raises(ClientError) as raised:
        make_client(proxy.endpoint_url).batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": item(i)}} for i in range(5)]}
        )
    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert stored_pks(direct, table) == set()
    assert nonzero(proxy.counts()) == {"requests": 1, "throughput_exceeded": 1}


# -- everything at once, with botocore's retries ---------------------------------------------------------


def test_standard_retries_ride_through_mixed_faults_from_several_threads(
    proxy: FaultProxy, direct: Any, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    proxy.set_rates(
        FaultRates(
            throughput_exceeded=0.05,
            throttling=0.05,
            http_500=0.05,
            http_503=0.05,
            reset_before=0.05,
            reset_after=0.05,
            slow=0.1,
            slow_delay=0.01,
        )
    )
    client = make_client(proxy.endpoint_url, attempts=20)
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for i in range(start, start + 20):
                client.put_item(TableName=table, Item=item(i))  # idempotent: reset_after is harmless
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n * 20,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert stored_pks(direct, table) == {f"USER#{i}" for i in range(80)}
    counts = proxy.counts()
    assert sum(counts[k] for k in (*PRE_FORWARD, "reset_after")) > 0
    # every request was either answered by a fault before the engine, or forwarded: nothing lost
    assert counts["requests"] == counts["forwarded"] + sum(counts[k] for k in PRE_FORWARD)
    assert counts["requests"] == 80 + sum(counts[k] for k in (*PRE_FORWARD, "reset_after"))


def test_an_unreachable_engine_is_a_counted_502(table: str) -> None:
    with socket.socket() as sock:  # a loopback port with nothing listening on it
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with FaultProxy(dead) as p:
        with pytest.raises(ClientError) as raised:
            make_client(p.endpoint_url).get_item(TableName=table, Key=key(1))
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
        assert nonzero(p.counts()) == {"requests": 1, "upstream_error": 1}


# -- in a process of its own ---------------------------------------------------------------------------


def test_the_proxy_process_forwards_adds_latency_counts_and_leaves_nothing_running(
    engine: LocalServer, direct: Any, table: str
) -> None:
    with FaultProxyProcess(engine.endpoint_url, latency=0.010) as p:
        pid = p.pid
        assert pid is not None and pid != os.getpid()
        client = make_client(p.endpoint_url)
        client.put_item(TableName=table, Item=item(1))
        started = time.perf_counter()
        for _ in range(5):
            client.get_item(TableName=table, Key=key(1))
        assert time.perf_counter() - started >= 5 * 0.010
        assert nonzero(p.counts()) == {"requests": 6, "forwarded": 6}
    assert p.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # exited and reaped: no orphan left behind
    assert nonzero(p.counts()) == {"requests": 6, "forwarded": 6}  # the last counts it reported
    assert stored_pks(direct, table) == {"USER#1"}


def test_the_proxy_process_injects_the_rates_it_is_given(engine: LocalServer, table: str) -> None:
    rates = FaultRates(throttling=1.0, operations=frozenset({"GetItem"}))
    with FaultProxyProcess(engine.endpoint_url, rates, seed=1) as p:
        client = make_client(p.endpoint_url)
        client.put_item(TableName=table, Item=item(2))
        with pytest.raises(ClientError) as raised:
            client.get_item(TableName=table, Key=key(2))
        assert raised.value.response["Error"]["Code"] == "ThrottlingException"
        assert nonzero(p.counts()) == {"requests": 2, "forwarded": 1, "throttling": 1}
