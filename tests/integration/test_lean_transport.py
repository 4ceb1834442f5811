"""The lean sync transport against botocore's full path, on the local engine over HTTP: the same requests
give the same answers and the same catalogued errors (throttling, a failed condition, a validation error,
a lost connection, an engine that is not running), it signs exactly as botocore's SigV4Auth, and it
steps aside for the settings it does not cover (logged at DEBUG)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError

from singletable import (
    ConditionFailedError,
    Entity,
    TableNotFoundError,
    TransactionCanceledError,
    ValidationError,
)
from singletable.client import make_client
from singletable.codec import deserialize
from singletable.errors import EngineError, EngineUnreachableError
from singletable.local.faults import FaultProxy
from singletable.request import Request
from singletable.spec import TableSpec
from singletable.table import Table
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature
from singletable.transport import ClientTransport, Transport, http11
from singletable.transport.alean import LeanAsyncTransport
from singletable.transport.factory import async_transport, sync_transport
from singletable.transport.lean import LeanTransport
from singletable.transport.retry import Retries

pytestmark = pytest.mark.integration


class Parcel(Entity):
    __pk__ = "PARCEL#{tracking}"
    __sk__ = "LEG#{leg:02d}"
    tracking: str
    leg: int
    depot: str
    grams: int = 0
    labels: set[str] | None = None
    scan: bytes | None = None


def parcel(i: int, leg: int = 1) -> Parcel:
    return Parcel(
        tracking=f"TRK{i:05d}",
        leg=leg,
        depot=f"D{i % 4}",
        grams=250 * i,
        labels={"fragile", f"z{i % 3}"},
        scan=bytes([i, 0, 255]),
    )


def body(response: dict[str, Any]) -> dict[str, Any]:
    """A response without its metadata (request ids and dates differ between two calls)."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture
def spec(singletable_endpoint: str) -> Iterator[TableSpec]:
    s = engine_table_spec(f"parcels-{uuid.uuid4().hex[:10]}")
    client = make_client(endpoint_url=singletable_endpoint)
    s.create(client)
    yield s
    drop_table(http_engine(), s, client)


def lean(endpoint: str, **settings: Any) -> LeanTransport:
    t = sync_transport(endpoint_url=endpoint, **settings)
    assert isinstance(t, LeanTransport) and t.lean
    return t


class Blocking:
    """The lean async transport behind a blocking ``send`` (one loop for its life), so that one test body
    checks both lean transports against the full path."""

    def __init__(self, endpoint: str, **settings: Any) -> None:
        t = async_transport(endpoint_url=endpoint, **settings)
        assert isinstance(t, LeanAsyncTransport)
        self.inner = t
        self.loop = asyncio.new_event_loop()

    @property
    def loopback(self) -> bool:
        return self.inner.loopback

    @property
    def retries(self) -> Retries:
        return self.inner.retries

    @retries.setter
    def retries(self, value: Retries) -> None:
        self.inner.retries = value

    def send(self, request: Request, **kwargs: Any) -> dict[str, Any]:
        return self.loop.run_until_complete(self.inner.send(request, **kwargs))


@pytest.fixture(params=["sync", "async"])
def lean_kind(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Makes the lean transport under test: the sync one, or the async one behind a blocking send."""
    made: list[Blocking] = []

    def make(endpoint: str, **settings: Any) -> Any:
        if request.param == "sync":
            return lean(endpoint, **settings)
        made.append(Blocking(endpoint, **settings))
        return made[-1]

    yield make
    for b in made:
        b.loop.run_until_complete(b.inner.close())
        b.loop.close()


def full(endpoint: str, **settings: Any) -> ClientTransport:
    return ClientTransport(make_client(endpoint_url=endpoint, **settings))


def quick(t: Any, attempts: int) -> Any:
    """Backoff pauses of a few ms (the rules are botocore's; only the random factor is pinned)."""
    t.retries = Retries("standard", attempts, loopback=t.loopback, jitter=lambda: 0.002)
    return t


# -- which path ---------------------------------------------------------------------------------------


def test_a_table_made_from_settings_goes_lean_and_a_client_passed_in_does_not(
    singletable_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(Table("parcels-x", endpoint_url=singletable_endpoint).transport, LeanTransport)
    with caplog.at_level(logging.DEBUG, logger="singletable"):
        passed = Table("parcels-x", client=make_client(endpoint_url=singletable_endpoint))
    assert type(passed.transport) is ClientTransport
    assert "a client was passed in" in caplog.text


def test_a_proxy_from_the_environment_takes_the_full_path(
    singletable_endpoint: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")  # no credential chain walk (the instance metadata
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")  # service would be asked through the proxy)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with caplog.at_level(logging.DEBUG, logger="singletable"):
        t = sync_transport(endpoint_url=singletable_endpoint)
    assert type(t) is ClientTransport
    assert "proxy from the environment" in caplog.text


def test_a_handler_registered_later_switches_to_the_full_path(
    spec: TableSpec, singletable_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    table = Table(spec, endpoint_url=singletable_endpoint, entities=[Parcel])
    transport = table.transport
    assert isinstance(transport, LeanTransport)
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="singletable"):
        table.client.meta.events.register("before-send.dynamodb.PutItem", lambda **kw: seen.append("put"))
    assert not transport.lean and "handler was registered" in caplog.text
    table.put(parcel(1))
    assert seen == ["put"]  # botocore ran the handler: the call took the full path


# -- same answers -------------------------------------------------------------------------------------


def test_every_operation_gives_the_full_paths_answer(
    lean_kind: Callable[..., Any], spec: TableSpec, singletable_endpoint: str
) -> None:
    fast, slow = lean_kind(singletable_endpoint), full(singletable_endpoint)
    table = Table(spec, client=slow.client, entities=[Parcel])
    items = [table.put(parcel(i), dry_run=True).params["Item"] for i in range(12)]
    keys = [{"PK": it["PK"], "SK": it["SK"]} for it in items]
    write = Request(
        "BatchWriteItem", {"RequestItems": {spec.name: [{"PutRequest": {"Item": it}} for it in items]}}
    )
    written = fast.send(write)
    assert body(written) == body(slow.send(write)) and written["UnprocessedItems"] == {}
    reads: list[Request] = [
        table.get(Parcel, tracking="TRK00003", leg=1, consistent=True, dry_run=True),
        table.get(Parcel, tracking="nothing", leg=1, dry_run=True),
        table.query(Parcel, tracking="TRK00005").request(),
        Request("BatchGetItem", {"RequestItems": {spec.name: {"Keys": keys[:5], "ConsistentRead": True}}}),
        Request("Scan", {"TableName": spec.name, "Select": "COUNT"}),
    ]  # transactions: test_transactions_give_the_full_paths_answer (not every engine has them)
    for request in reads:
        got, expected = fast.send(request), slow.send(request)
        if request.operation == "BatchGetItem":
            got["Responses"][spec.name].sort(key=lambda it: it["PK"]["S"])
            expected["Responses"][spec.name].sort(key=lambda it: it["PK"]["S"])
        assert body(got) == body(expected), request.operation
        assert (
            got["ResponseMetadata"]["HTTPStatusCode"] == 200 and got["ResponseMetadata"]["RetryAttempts"] == 0
        )
    # Writes: the same answer for the same write (the second sees what the first left).
    update = table.update(Parcel, {"grams": 999}, tracking="TRK00002", leg=1, dry_run=True)
    mine, theirs = fast.send(update), slow.send(update)
    # The old values come back (the engine may list a set's members in another order each time).
    old, older = deserialize(mine["Attributes"]), deserialize(theirs["Attributes"])
    assert (old["grams"], older["grams"]) == (500, 999) and old | {"grams": 999} == older
    if http_engine() == "moto":
        assert mine["ConsumedCapacity"] == theirs["ConsumedCapacity"]
    else:  # DynamoDB Local charges GSI1's copy only for the write that changes it (docs/engines.md #34)
        assert mine["ConsumedCapacity"]["TableName"] == theirs["ConsumedCapacity"]["TableName"]
    put = table.put(parcel(40), dry_run=True)
    # DynamoDB Local counts GSI1's copy (docs/engines.md #31); moto and dynalite the table only (#1, #2)
    wcu = 2.0 if http_engine() == "dynamodb-local" else 1.0
    assert body(fast.send(put)) == {"ConsumedCapacity": {"TableName": spec.name, "CapacityUnits": wcu}}
    assert body(slow.send(put))["Attributes"] == put.params["Item"]  # ALL_OLD: what the lean put wrote
    delete = Request("DeleteItem", {"TableName": spec.name, "Key": keys[11], "ReturnValues": "ALL_OLD"})
    assert body(fast.send(delete))["Attributes"] == items[11]


def test_the_entity_api_reads_back_what_either_path_wrote(spec: TableSpec, singletable_endpoint: str) -> None:
    fast = Table(spec, endpoint_url=singletable_endpoint, entities=[Parcel])
    slow = Table(spec, client=make_client(endpoint_url=singletable_endpoint), entities=[Parcel])
    assert isinstance(fast.transport, LeanTransport) and type(slow.transport) is ClientTransport
    a, b = parcel(1), parcel(2)
    fast.put(a)
    slow.put(b)
    for t in (fast, slow):
        assert t.get(Parcel, tracking=a.tracking, leg=1, consistent=True) == a
        assert t.get(Parcel, tracking=b.tracking, leg=1, consistent=True) == b
    assert fast.update(Parcel, {"grams": 7}, tracking=a.tracking, leg=1) == slow.get(
        Parcel, tracking=a.tracking, leg=1, consistent=True
    )
    assert fast.batch_write([parcel(9, leg) for leg in range(30)]).processed == 30
    assert len(slow.query(Parcel, tracking="TRK00009").all()) == 30


# -- same errors --------------------------------------------------------------------------------------


def both(fast: Transport, slow: Transport, request: Request) -> tuple[BaseException, BaseException]:
    with pytest.raises(Exception) as lean_error:
        fast.send(request)
    with pytest.raises(Exception) as full_error:
        slow.send(request)
    return lean_error.value, full_error.value


def test_catalogued_errors_equal_the_full_paths(
    lean_kind: Callable[..., Any], spec: TableSpec, singletable_endpoint: str
) -> None:
    fast, slow = lean_kind(singletable_endpoint), full(singletable_endpoint)
    table = Table(spec, client=slow.client, entities=[Parcel])
    table.put(parcel(7))
    duplicate = table.put(parcel(7), create_only=True, dry_run=True)
    mine, theirs = both(fast, slow, duplicate)
    assert type(mine) is type(theirs) is ConditionFailedError
    assert str(mine) == str(theirs)
    assert (
        type(mine.__cause__).__name__ == type(theirs.__cause__).__name__ == "ConditionalCheckFailedException"
    )

    bad_key = Request("GetItem", {"TableName": spec.name, "Key": {"PK": {"S": "PARCEL#1"}}})
    mine, theirs = both(fast, slow, bad_key)
    assert type(mine) is type(theirs) is ValidationError
    assert str(mine) == str(theirs)

    missing = Request("GetItem", {**bad_key.params, "TableName": "no-such-table"})
    mine, theirs = both(fast, slow, missing)
    assert type(mine) is type(theirs) is TableNotFoundError
    assert str(mine) == str(theirs)


@requires_engine_feature("transactions")
def test_transactions_give_the_full_paths_answer_and_errors(
    lean_kind: Callable[..., Any], spec: TableSpec, singletable_endpoint: str
) -> None:
    fast, slow = lean_kind(singletable_endpoint), full(singletable_endpoint)
    table = Table(spec, client=slow.client, entities=[Parcel])
    with Table(spec, endpoint_url=singletable_endpoint, entities=[Parcel]).transact_write() as tx:
        tx.put(parcel(3))
        tx.put(parcel(3, leg=2))
    assert [p.leg for p in table.query(Parcel, tracking="TRK00003").all()] == [1, 2]
    keys = [{"PK": {"S": "PARCEL#TRK00003"}, "SK": {"S": f"LEG#{leg:02d}"}} for leg in (1, 2, 3)]
    get = Request(
        "TransactGetItems", {"TransactItems": [{"Get": {"TableName": spec.name, "Key": k}} for k in keys]}
    )
    got = fast.send(get)
    assert body(got) == body(slow.send(get)) and got["ResponseMetadata"]["RetryAttempts"] == 0
    assert [r.get("Item", {}).get("SK") for r in got["Responses"]] == [{"S": "LEG#01"}, {"S": "LEG#02"}, None]

    item = table.put(parcel(3), dry_run=True).params["Item"]
    put = {"TableName": spec.name, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}
    cancelled = Request("TransactWriteItems", {"TransactItems": [{"Put": put}]})
    mine, theirs = both(fast, slow, cancelled)
    assert type(mine) is type(theirs) is TransactionCanceledError
    assert mine.reasons == theirs.reasons


def test_an_engine_that_is_not_running_is_the_same_error(
    lean_kind: Callable[..., Any],
) -> None:
    request = Request("GetItem", {"TableName": "t-x", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}})
    mine, theirs = both(lean_kind("http://127.0.0.1:9"), full("http://127.0.0.1:9"), request)
    assert type(mine) is type(theirs) is EngineUnreachableError
    assert str(mine) == str(theirs)


@pytest.fixture
def proxy(singletable_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_endpoint, seed=5) as p:  # the HTTP engine, where the table is
        yield p


def retried_then_out_of_retries(
    lean_kind: Callable[..., Any], spec: TableSpec, proxy: FaultProxy, fault: str
) -> tuple[BaseException, BaseException]:
    """Puts through ``fault`` at 40 %: all retried (one retry per fault); then a get through it at 100 %:
    the error of the lean transport and of botocore's (mine, theirs), both out of retries."""
    table = Table(spec, client=make_client(endpoint_url=proxy.endpoint_url), entities=[Parcel])
    proxy.set_rates(**{fault: 0.4})
    puts = [table.put(parcel(i), dry_run=True) for i in range(15)]
    fast = quick(lean_kind(proxy.endpoint_url), attempts=11)
    responses = [fast.send(r) for r in puts]
    counts = proxy.counts()
    assert counts[fault] > 0 and counts["forwarded"] == len(puts)
    assert sum(r["ResponseMetadata"]["RetryAttempts"] for r in responses) == counts[fault]

    proxy.set_rates(**{fault: 1.0})
    request = table.get(Parcel, tracking="TRK00001", leg=1, dry_run=True)
    return both(
        quick(lean_kind(proxy.endpoint_url), attempts=2), full(proxy.endpoint_url, max_attempts=2), request
    )


def test_throttling_is_retried_and_then_the_same_error(
    lean_kind: Callable[..., Any], spec: TableSpec, proxy: FaultProxy
) -> None:
    mine, theirs = retried_then_out_of_retries(lean_kind, spec, proxy, "throttling")
    assert type(mine) is type(theirs) is EngineError
    assert mine.aws_code == theirs.aws_code == "ThrottlingException"
    assert str(mine) == str(theirs)


def test_a_lost_connection_is_retried_and_then_botocores_error(
    lean_kind: Callable[..., Any], spec: TableSpec, proxy: FaultProxy
) -> None:
    mine, theirs = retried_then_out_of_retries(lean_kind, spec, proxy, "reset_before")
    assert type(mine) is type(theirs) is ConnectionClosedError


# -- the signature ------------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 30, 23, 59, 58)


def test_the_lean_signature_is_botocores(
    spec: TableSpec, singletable_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same request, credentials, clock (and invocation id): the same signed headers as botocore sends."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: NOW)
    fixed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    request = Table(spec, endpoint_url=singletable_endpoint, entities=[Parcel]).put(parcel(3), dry_run=True)
    answer = b'{"ConsumedCapacity": {"TableName": "x", "CapacityUnits": 1.0}}'

    sent: dict[str, Any] = {}
    slow = full(singletable_endpoint)

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent["botocore"] = (dict(request.headers.items()), request.body)

        class Raw:
            def stream(self, **_: Any) -> Iterator[bytes]:
                yield answer

        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, Raw())  # type: ignore[arg-type]

    slow.client.meta.events.register("before-send.dynamodb.PutItem", capture)
    slow.send(request)

    fast = lean(singletable_endpoint)
    fast.clock = lambda: NOW

    def exchange(request: bytes, resends: bool) -> http11.Answer:
        head, _, body = request.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        sent["lean"] = (headers, body)
        return http11.Answer(200, {"content-type": "application/x-amz-json-1.0"}, answer, False)

    monkeypatch.setattr(fast, "_exchange", exchange)
    fast.send(request)

    theirs, their_body = sent["botocore"]
    mine, my_body = sent["lean"]
    assert my_body == their_body
    theirs = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in theirs.items()}
    mine = {k.lower(): v for k, v in mine.items()}
    assert mine["authorization"] == theirs["authorization"]
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-target," in mine["authorization"]
    for name in ("x-amz-date", "x-amz-target", "content-type", "amz-sdk-request", "amz-sdk-invocation-id"):
        assert mine[name] == theirs[name], name
