"""The async transport against the local engine over HTTP: the requests the sync Table builds (dry run)
give the same answers and the same catalogued errors as the sync path; faults behind the proxy are
retried as botocore retries them; 1,000 gets in flight on one loop; cancelled sends leave it usable.

Plain tests running coroutines with ``asyncio.run`` (no asyncio plugin needed); one transport per loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from singletable import (
    ConditionFailedError,
    Entity,
    TableNotFoundError,
    TransactionCanceledError,
    ValidationError,
)
from singletable.client import make_client
from singletable.errors import (
    EngineError,
    EngineUnreachableError,
    TransportClosedError,
    TransportLoopError,
)
from singletable.local.faults import FaultProxy
from singletable.request import Request, send
from singletable.table import Table
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature
from singletable.transport.aio import AsyncTransport
from singletable.transport.retry import Retries

pytestmark = pytest.mark.integration

T = TypeVar("T")


class Book(Entity):
    __pk__ = "BOOK#{isbn}"
    __sk__ = "EDITION#{edition:03d}"
    isbn: str
    edition: int
    title: str
    pages: int = 0
    tags: set[str] | None = None
    cover: bytes | None = None


def run(factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await factory()

    return asyncio.run(main())


def body(response: dict[str, Any]) -> dict[str, Any]:
    """A response without its metadata (request ids and dates differ between two calls)."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture
def books(singletable_endpoint: str) -> Iterator[Table]:
    spec = engine_table_spec(f"books-{uuid.uuid4().hex[:10]}")
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    table = Table(spec, client=client)
    table.register(Book)
    yield table
    drop_table(http_engine(), spec, client)


def transport(endpoint: str, **settings: Any) -> AsyncTransport:
    return AsyncTransport.from_settings(endpoint_url=endpoint, **settings)


def av(table: Table, entity: Book) -> dict[str, Any]:
    """The entity as the item its put sends (DynamoDB JSON)."""
    item: dict[str, Any] = table.put(entity, dry_run=True).params["Item"]
    return item


def book(i: int, edition: int = 1) -> Book:
    return Book(
        isbn=f"978-{i:05d}",
        edition=edition,
        title=f"Volume {i}",
        pages=100 + i,
        tags={"fiction", f"t{i % 3}"},
        cover=bytes([i % 256, 0, 255]),
    )


# -- same answers ------------------------------------------------------------------------------------


def test_dry_run_requests_give_the_sync_paths_answers(books: Table, singletable_endpoint: str) -> None:
    client = books.client
    first, second = book(1), book(2)
    books.put(first)  # the sync path writes one, the async path the other
    async_put = books.put(second, dry_run=True)
    get_first = books.get(Book, isbn=first.isbn, edition=1, dry_run=True)
    get_second = books.get(Book, isbn=second.isbn, edition=1, consistent=True, dry_run=True)
    query = books.query(Book, isbn=first.isbn).request()
    update = books.update(Book, {"pages": 321}, isbn=first.isbn, edition=1, dry_run=True)

    async def main() -> list[dict[str, Any]]:
        async with transport(singletable_endpoint) as t:
            put = await t.send(async_put)
            return [put, await t.send(get_first), await t.send(get_second), await t.send(query)]

    put, got_first, got_second, queried = run(main)
    # moto reports 1 WCU whatever the indexes, dynalite the table's part; DynamoDB Local counts GSI1's copy,
    # as DynamoDB does (docs/engines.md #1, #2, #31).
    wcu = 2.0 if http_engine() == "dynamodb-local" else 1.0
    assert body(put) == {"ConsumedCapacity": {"TableName": books.name, "CapacityUnits": wcu}}
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert put["ResponseMetadata"]["RetryAttempts"] == 0
    assert body(got_first) == body(send(client, get_first))
    assert body(got_second) == body(send(client, get_second))
    assert body(queried) == body(send(client, query))
    # What the async path wrote reads back through the sync Table as the entity (bytes and sets too).
    assert books.get(Book, isbn=second.isbn, edition=1, consistent=True) == second
    assert got_second["Item"]["cover"] == {"B": second.cover}

    updated = run(lambda: _send_once(singletable_endpoint, update))
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert books.get(Book, isbn=first.isbn, edition=1, consistent=True).pages == 321  # type: ignore[union-attr]


async def _send_once(endpoint: str, request: Request) -> dict[str, Any]:
    async with transport(endpoint) as t:
        return await t.send(request)


def test_batches_give_the_sync_paths_answers(books: Table, singletable_endpoint: str) -> None:
    client = books.client
    items = [av(books, book(i)) for i in range(10)]
    write = Request(
        "BatchWriteItem", {"RequestItems": {books.name: [{"PutRequest": {"Item": it}} for it in items]}}
    )
    keys = [{"PK": it["PK"], "SK": it["SK"]} for it in items]
    read = Request("BatchGetItem", {"RequestItems": {books.name: {"Keys": keys, "ConsistentRead": True}}})

    async def main() -> tuple[dict[str, Any], dict[str, Any]]:
        async with transport(singletable_endpoint) as t:
            return await t.send(write), await t.send(read)

    written, read_async = run(main)
    assert written["UnprocessedItems"] == {}
    read_sync = send(client, read)

    def by_pk(response: dict[str, Any]) -> list[Any]:
        return sorted(response["Responses"][books.name], key=lambda it: it["PK"]["S"])

    assert by_pk(read_async) == by_pk(read_sync) == sorted(items, key=lambda it: it["PK"]["S"])


@requires_engine_feature("transactions")
def test_transactions_give_the_sync_paths_answers_and_errors(books: Table, singletable_endpoint: str) -> None:
    items = [av(books, book(i)) for i in range(3)]
    books.client.batch_write_item(RequestItems={books.name: [{"PutRequest": {"Item": it}} for it in items]})
    keys = [{"PK": it["PK"], "SK": it["SK"]} for it in items]
    transact = Request(
        "TransactGetItems", {"TransactItems": [{"Get": {"TableName": books.name, "Key": k}} for k in keys]}
    )
    transacted = run(lambda: _send_once(singletable_endpoint, transact))
    assert body(transacted) == body(send(books.client, transact))
    assert [r["Item"] for r in transacted["Responses"]] == items

    cancelled = Request(
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Put": {
                        "TableName": books.name,
                        "Item": items[0],
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            ]
        },
    )
    sync_error, async_error = _both(books, singletable_endpoint, cancelled)
    assert type(sync_error) is type(async_error) is TransactionCanceledError
    assert async_error.reasons == sync_error.reasons
    assert async_error.reasons[0]["Code"] == "ConditionalCheckFailed"


# -- same errors -------------------------------------------------------------------------------------


def _both(books: Table, endpoint: str, request: Request) -> tuple[Exception, Exception]:
    with pytest.raises(Exception) as sync_error:
        send(books.client, request)

    async def main() -> None:
        async with transport(endpoint) as t:
            await t.send(request)

    with pytest.raises(Exception) as async_error:
        run(main)
    return sync_error.value, async_error.value


def test_errors_are_the_sync_paths_catalogued_errors(books: Table, singletable_endpoint: str) -> None:
    books.put(book(7))
    duplicate = books.put(book(7), create_only=True, dry_run=True)
    sync_error, async_error = _both(books, singletable_endpoint, duplicate)
    assert type(sync_error) is type(async_error) is ConditionFailedError
    assert str(async_error) == str(sync_error)
    # The cause is botocore's modeled error class (each client has its own copy of it), with the same body.
    cause, sync_cause = async_error.__cause__, sync_error.__cause__
    assert isinstance(cause, ClientError) and isinstance(sync_cause, ClientError)
    assert type(cause).__name__ == type(sync_cause).__name__ == "ConditionalCheckFailedException"
    assert cause.response["Error"] == sync_cause.response["Error"]

    missing = Request(
        "GetItem", {**books.get(Book, isbn="x", edition=1, dry_run=True).params, "TableName": "nope"}
    )
    sync_error, async_error = _both(books, singletable_endpoint, missing)
    assert type(sync_error) is type(async_error) is TableNotFoundError
    assert str(async_error) == str(sync_error)

    bad_key = Request("GetItem", {"TableName": books.name, "Key": {"PK": {"S": "BOOK#1"}}})
    sync_error, async_error = _both(books, singletable_endpoint, bad_key)
    assert type(sync_error) is type(async_error) is ValidationError
    assert str(async_error) == str(sync_error)
    # A cancelled transaction: test_transactions_give_the_sync_paths_answers_and_errors.


def test_an_engine_that_is_not_running_is_reported_fast() -> None:
    # A valid name (DynamoDB Local refuses a 1-character one as DynamoDB does) of a table that is not there.
    request = Request("GetItem", {"TableName": "no-such", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}})

    async def main() -> None:
        async with transport("http://127.0.0.1:9") as t:
            await t.send(request)

    started = time.monotonic()
    with pytest.raises(EngineUnreachableError) as caught:
        run(main)
    # 0.1 + 0.2 + 0.4 s of pauses, as the sync client; botocore's own budget would pause for tens of
    # seconds. The bound is loose so that a loaded machine does not fail it: it tells the budgets apart.
    assert time.monotonic() - started < 10.0
    assert caught.value.endpoint == "http://127.0.0.1:9"
    assert "singletable local" in (caught.value.hint or "")


def test_a_closed_transport_and_another_loop_are_refused(singletable_endpoint: str) -> None:
    # A valid name (DynamoDB Local refuses a 1-character one as DynamoDB does) of a table that is not there.
    request = Request("GetItem", {"TableName": "no-such", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}})
    t = transport(singletable_endpoint)

    async def use() -> None:
        with pytest.raises(TableNotFoundError):
            await t.send(request)

    asyncio.run(use())
    with pytest.raises(TransportLoopError):
        asyncio.run(t.send(request))  # its pool belongs to the first loop (now closed)

    async def closed() -> None:
        other = transport(singletable_endpoint)
        await other.close()
        with pytest.raises(TransportClosedError):
            await other.send(request)

    asyncio.run(closed())


# -- retries behind the fault proxy ------------------------------------------------------------------


@pytest.fixture
def proxy(singletable_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_endpoint, seed=11) as p:  # the HTTP engine, where `books` is
        yield p


def quick(t: AsyncTransport, attempts: int) -> AsyncTransport:
    """Backoff pauses of a few ms (the rules are botocore's; only the random factor is pinned)."""
    t.retries = Retries("standard", attempts, loopback=t.loopback, jitter=lambda: 0.002)
    return t


@pytest.mark.parametrize(
    "fault", ["throttling", "throughput_exceeded", "http_500", "http_503", "reset_before"]
)
def test_transient_faults_are_retried_and_counted(books: Table, proxy: FaultProxy, fault: str) -> None:
    rate: dict[str, Any] = {fault: 0.4}
    proxy.set_rates(**rate)
    entities = [book(i) for i in range(20)]
    requests = [books.put(b, dry_run=True) for b in entities]

    async def main() -> list[dict[str, Any]]:
        async with quick(transport(proxy.endpoint_url), attempts=11) as t:
            return [await t.send(r) for r in requests]

    responses = run(main)
    counts = proxy.counts()
    assert counts[fault] > 0
    assert counts["forwarded"] == len(requests)  # each put reached the engine exactly once
    # Every attempt that met a fault was retried: the retries each response reports add up to the faults.
    assert sum(r["ResponseMetadata"]["RetryAttempts"] for r in responses) == counts[fault]
    assert counts["requests"] == len(requests) + counts[fault]
    for b in entities:
        assert books.get(Book, isbn=b.isbn, edition=1, consistent=True) == b


def test_a_fault_that_outlasts_the_attempts_is_the_sync_paths_error(books: Table, proxy: FaultProxy) -> None:
    proxy.set_rates(throttling=1.0)
    request = books.get(Book, isbn="1", edition=1, dry_run=True)

    async def main() -> None:
        async with quick(transport(proxy.endpoint_url), attempts=3) as t:
            await t.send(request)

    with pytest.raises(EngineError) as caught:
        run(main)
    assert caught.value.aws_code == "ThrottlingException"
    assert proxy.counts()["requests"] == 3  # the first attempt and two retries


def test_a_reset_connection_that_outlasts_the_attempts_is_botocores_error(
    books: Table, proxy: FaultProxy
) -> None:
    from botocore.exceptions import ConnectionClosedError

    proxy.set_rates(reset_before=1.0)
    request = books.get(Book, isbn="1", edition=1, dry_run=True)

    async def main() -> None:
        async with quick(transport(proxy.endpoint_url), attempts=2) as t:
            await t.send(request)

    with pytest.raises(ConnectionClosedError):
        run(main)
    assert proxy.counts()["reset_before"] == 2


# -- many in flight ----------------------------------------------------------------------------------


def test_a_thousand_concurrent_gets_on_one_loop_are_all_correct(
    books: Table, singletable_endpoint: str
) -> None:
    stored = [book(i) for i in range(50)]
    for b in stored:
        books.put(b)
    wanted = [stored[(i * 7) % len(stored)] for i in range(1000)]
    requests = [books.get(Book, isbn=b.isbn, edition=1, dry_run=True) for b in wanted]

    async def main() -> list[dict[str, Any]]:
        async with transport(singletable_endpoint, max_pool_connections=32) as t:
            return await asyncio.gather(*(t.send(r) for r in requests))

    responses = run(main)
    assert len(responses) == 1000
    for b, response in zip(wanted, responses, strict=True):
        assert response["Item"] == av(books, b)


def test_cancelled_sends_leave_the_transport_usable(books: Table, proxy: FaultProxy) -> None:
    target = book(3)
    books.put(target)
    request = books.get(Book, isbn=target.isbn, edition=1, dry_run=True)

    async def main() -> tuple[int, dict[str, Any]]:
        async with transport(proxy.endpoint_url, max_pool_connections=8) as t:
            proxy.set_rates(slow=1.0, slow_delay=0.5)
            tasks = [asyncio.create_task(t.send(request)) for _ in range(40)]
            await asyncio.sleep(0.2)  # every one in flight: some on a connection, the rest waiting for one
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            cancelled = sum(isinstance(r, asyncio.CancelledError) for r in results)
            proxy.set_rates(slow=0.0)
            after = await asyncio.gather(*(t.send(request) for _ in range(20)))
            return cancelled, after[-1]

    cancelled, after = run(main)
    assert cancelled == 40
    assert after["Item"] == av(books, target)


def test_adaptive_mode_retries_throttles_and_paces(books: Table, proxy: FaultProxy) -> None:
    proxy.set_rates(throttling=0.3)
    entities = [book(i) for i in range(15)]
    requests = [books.put(b, dry_run=True) for b in entities]

    async def main() -> list[dict[str, Any]]:
        async with transport(proxy.endpoint_url, retry_mode="adaptive") as t:
            t.retries = Retries("adaptive", 11, loopback=True, jitter=lambda: 0.002)
            return list(await asyncio.gather(*(t.send(r) for r in requests)))

    responses = run(main)
    assert sum(r["ResponseMetadata"]["RetryAttempts"] for r in responses) == proxy.counts()["throttling"] > 0
    for b in entities:
        assert books.get(Book, isbn=b.isbn, edition=1, consistent=True) == b


# -- credentials ---------------------------------------------------------------------------------------


def test_expiring_credentials_are_refreshed_off_the_loop_once(
    books: Table, singletable_endpoint: str
) -> None:
    import datetime as dt
    import threading

    from botocore.credentials import RefreshableCredentials

    calls: list[str] = []

    def refresh() -> dict[str, str]:
        calls.append(threading.current_thread().name)
        expiry = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        return {
            "access_key": f"AK{len(calls)}",
            "secret_key": "s",
            "token": "t",
            "expiry_time": expiry.isoformat(),
        }

    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat()
    credentials = RefreshableCredentials.create_from_metadata(
        {"access_key": "AK0", "secret_key": "s", "token": "t", "expiry_time": soon}, refresh, "test"
    )
    request = books.get(Book, isbn="none", edition=1, dry_run=True)

    async def main() -> str:
        base = transport(singletable_endpoint)
        t = AsyncTransport(
            endpoint_url=base.endpoint_url,
            region=base.region,
            credentials=credentials,
            client=make_client(endpoint_url=singletable_endpoint),
        )
        async with t:
            await asyncio.gather(*(t.send(request) for _ in range(20)))
            return threading.current_thread().name

    loop_thread = run(main)
    assert len(calls) == 1 and calls[0] != loop_thread  # one refresh, in a worker thread
    assert credentials.get_frozen_credentials().access_key == "AK1"


@requires_engine_feature("transactions")
def test_two_hundred_concurrent_transactions_on_one_loop(books: Table, singletable_endpoint: str) -> None:
    pairs = [(book(i, edition=1), book(i, edition=2)) for i in range(200)]
    requests = [
        Request(
            "TransactWriteItems",
            {
                "TransactItems": [
                    {
                        "Put": {
                            "TableName": books.name,
                            "Item": av(books, b),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    }
                    for b in pair
                ],
                "ClientRequestToken": uuid.uuid4().hex,
            },
        )
        for pair in pairs
    ]

    async def main() -> list[dict[str, Any]]:
        async with transport(singletable_endpoint) as t:
            return list(await asyncio.gather(*(t.send(r) for r in requests)))

    responses = run(main)
    assert all(r["ResponseMetadata"]["HTTPStatusCode"] == 200 for r in responses)
    for first, second in pairs:
        assert books.get(Book, isbn=first.isbn, edition=1, consistent=True) == first
        assert books.get(Book, isbn=second.isbn, edition=2, consistent=True) == second


def test_a_read_timeout_is_retried_then_botocores_error(books: Table, proxy: FaultProxy) -> None:
    from botocore.exceptions import ReadTimeoutError

    request = books.get(Book, isbn="1", edition=1, dry_run=True)
    proxy.set_rates(slow=1.0, slow_delay=0.6)

    async def main() -> None:
        base = transport(proxy.endpoint_url)
        t = AsyncTransport(
            endpoint_url=base.endpoint_url,
            region=base.region,
            credentials=base.credentials,
            client=make_client(endpoint_url=proxy.endpoint_url),
            read_timeout=0.15,
        )
        async with quick(t, attempts=3):
            await t.send(request)

    with pytest.raises(ReadTimeoutError):
        run(main)
    assert proxy.counts()["slow"] == 3  # every attempt timed out waiting for its answer
