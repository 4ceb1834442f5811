"""AsyncTable natively, on the local engine over HTTP: many calls in flight on one loop (1,000 gets,
200 transactions), a batch cancelled mid-way (each item written whole or not at all, and the report
says which were not acknowledged), the async query object, builders and helpers, dry runs.

The behavioural suite runs against AsyncTable too (``any_table`` / ``either_table`` in conftest); these
are the things only an event loop shows. Plain tests running ``asyncio.run`` (no asyncio plugin).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from singletable import (
    AsyncTable,
    BatchIncompleteError,
    ConditionFailedError,
    DuplicateKeyError,
    Entity,
    Request,
    Table,
    TableSpec,
    TransactionCanceledError,
    ValidationError,
)
from singletable.aio import create_together, delete_partition
from singletable.bulk import BulkReport
from singletable.client import make_client
from singletable.errors import BatchReadIncompleteError, TransactionOutcomeUnknownError
from singletable.testing import drop_table, engine_table_spec, http_engine, requires_engine_feature
from singletable.transactions import TransactResult
from singletable.transport import AsyncTransport

pytestmark = pytest.mark.integration

T = TypeVar("T")


class Shelf(Entity):
    __pk__ = "SHELF#{shelf}"
    __sk__ = "SHELF"
    shelf: str
    label: str
    books: int = 0


class Book(Entity):
    __pk__ = "SHELF#{shelf}"
    __sk__ = "BOOK#{isbn}"
    shelf: str
    isbn: str
    title: str
    price: Decimal = Decimal(0)


@pytest.fixture
def spec(singletable_endpoint: str) -> Iterator[TableSpec]:
    spec = engine_table_spec(f"async-{uuid.uuid4().hex[:12]}")
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    yield spec
    drop_table(http_engine(), spec, client)


def run(endpoint: str, spec: TableSpec, body: Callable[[AsyncTable], Coroutine[Any, Any, T]]) -> T:
    async def main() -> T:
        async with AsyncTable(spec, endpoint_url=endpoint, entities=[Shelf, Book]) as table:
            return await body(table)

    return asyncio.run(main())


def books(n: int, shelf: str = "s1") -> list[Book]:
    return [Book(shelf=shelf, isbn=f"{i:05d}", title=f"title {i} é", price=Decimal(i) / 4) for i in range(n)]


def test_a_thousand_concurrent_gets_are_all_correct(singletable_endpoint: str, spec: TableSpec) -> None:
    stored = books(250, "a") + books(250, "b")

    async def body(table: AsyncTable) -> None:
        await table.batch_write(stored)
        keys = [(b.shelf, b.isbn) for b in stored] + [("none", f"{i}") for i in range(500)]
        got = await asyncio.gather(*(table.get(Book, shelf=s, isbn=i) for s, i in keys))
        assert got[:500] == stored
        assert got[500:] == [None] * 500
        assert len(table.ledger) >= 1000

    run(singletable_endpoint, spec, body)


@requires_engine_feature("transactions")
def test_two_hundred_concurrent_transactions_are_all_correct(
    singletable_endpoint: str, spec: TableSpec
) -> None:
    async def one(table: AsyncTable, n: int) -> None:
        async with table.transact_write(pattern="shelve") as tx:
            tx.put(Shelf(shelf=f"t{n}", label=f"shelf {n}", books=1), create_only=True)
            tx.put(Book(shelf=f"t{n}", isbn="00001", title=f"first of {n}"), create_only=True)

    async def body(table: AsyncTable) -> None:
        await asyncio.gather(*(one(table, n) for n in range(200)))
        snapshots = await asyncio.gather(
            *(
                table.transact_get([(Shelf, {"shelf": f"t{n}"}), ("SHELF#t" + str(n), "BOOK#00001")])
                for n in range(200)
            )
        )
        for n, (shelf, book) in enumerate(snapshots):
            assert shelf == Shelf(shelf=f"t{n}", label=f"shelf {n}", books=1)
            assert book == Book(shelf=f"t{n}", isbn="00001", title=f"first of {n}")
        # Again: every one is cancelled (create-only), nothing is applied twice.
        results = await asyncio.gather(*(one(table, n) for n in range(200)), return_exceptions=True)
        assert all(isinstance(r, TransactionCanceledError) for r in results)
        assert len([s async for s in table.scan()]) == 400

    run(singletable_endpoint, spec, body)


class Slow:
    """Sends through ``inner``; an ``operation`` answer (BatchWriteItem unless told) is held back
    ``hold`` seconds after the engine applied it (the request is in flight, as far as the caller
    knows), after ``fast`` quick ones."""

    def __init__(
        self, inner: AsyncTransport, *, fast: int, hold: float, operation: str = "BatchWriteItem"
    ) -> None:
        self.inner, self.fast, self.hold, self.operation = inner, fast, hold, operation
        self.acknowledged = 0
        self.sent = asyncio.Event()

    async def send(self, request: Request, **kwargs: Any) -> dict[str, Any]:
        resp = await self.inner.send(request, **kwargs)
        if request.operation == self.operation:
            self.fast -= 1
            if self.fast == -1:  # only this one: a later request (a retry) goes through
                self.sent.set()
                await asyncio.sleep(self.hold)
            self.acknowledged += 1
        return resp


class Late(Slow):
    """Holds an ``operation`` request back before it reaches the engine (cancelled there: never sent)."""

    async def send(self, request: Request, **kwargs: Any) -> dict[str, Any]:
        if request.operation == self.operation:
            self.fast -= 1
            if self.fast == -1:
                self.sent.set()
                await asyncio.sleep(self.hold)
        return await self.inner.send(request, **kwargs)


def test_cancelling_a_batch_leaves_no_item_half_written_and_says_what_was_not_acknowledged(
    singletable_endpoint: str, spec: TableSpec
) -> None:
    items = books(100, "c")  # four requests of 25

    async def body(table: AsyncTable) -> tuple[BaseException | None, list[Book | None]]:
        slow = Slow(table.transport, fast=2, hold=30.0)
        plain = AsyncTable(spec, transport=slow, entities=[Shelf, Book])
        task = asyncio.create_task(plain.batch_write(items))
        await until_set(slow.sent, task)  # two requests acknowledged, the third applied but not answered
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await task
        assert slow.acknowledged == 2
        stored = await asyncio.gather(
            *(table.get(Book, shelf="c", isbn=b.isbn, consistent=True) for b in items)
        )
        return cancelled.value.__cause__, stored

    report, stored = run(singletable_endpoint, spec, body)
    assert isinstance(report, BatchIncompleteError)
    assert "batch write cancelled after 50 items; 50 not acknowledged" in str(report)
    assert report.unprocessed == items[50:]  # in input order: the request in flight, and the rest
    for item, got in zip(items, stored, strict=True):
        assert got is None or got == item  # whole, or not at all
    assert stored[:75] == items[:75]  # acknowledged, and the request in flight (the engine applied it)
    assert stored[75:] == [None] * 25  # never sent


def test_cancelling_while_a_request_is_still_on_its_way(singletable_endpoint: str, spec: TableSpec) -> None:
    items = books(60, "d")

    async def body(table: AsyncTable) -> tuple[BaseException | None, int]:
        late = Late(table.transport, fast=1, hold=30.0)
        task = asyncio.create_task(AsyncTable(spec, transport=late, entities=[Book]).batch_write(items))
        await until_set(late.sent, task)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await task
        return cancelled.value.__cause__, len(await table.query(Book, shelf="d").all())

    report, count = run(singletable_endpoint, spec, body)
    assert isinstance(report, BatchIncompleteError)
    assert report.unprocessed == items[25:]
    assert count == 25


async def until_set(event: asyncio.Event, task: asyncio.Task[Any], timeout: float = 60.0) -> None:
    """Wait, bounded, until ``event`` is set; a ``task`` that ends first fails the test with its own error
    (an engine refusing the held request never sets it: that must fail, not hang)."""
    waiter = asyncio.ensure_future(event.wait())
    done, _ = await asyncio.wait({waiter, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        return
    waiter.cancel()
    if task.done():
        task.result()  # raises what ended it
    task.cancel()
    raise AssertionError(f"the held request was not sent within {timeout} s")


async def cancelled_cause(task: asyncio.Task[Any], started: asyncio.Event) -> BaseException | None:
    """Cancel ``task`` once ``started`` is set; the report its CancelledError carries (its cause)."""
    await until_set(started, task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as cancelled:
        await task
    return cancelled.value.__cause__


def test_cancelling_a_batch_get_keeps_what_was_read_and_says_what_was_not(
    singletable_endpoint: str, spec: TableSpec
) -> None:
    stored = books(250, "g")  # three requests: 100, 100 and 50 keys
    keys: list[Any] = [(Book, {"shelf": "g", "isbn": b.isbn}) for b in stored]

    async def body(table: AsyncTable) -> tuple[BaseException | None, list[Any]]:
        await table.batch_write(stored)
        slow = Slow(table.transport, fast=1, hold=30.0, operation="BatchGetItem")
        reader = AsyncTable(spec, transport=slow, entities=[Book])
        report = await cancelled_cause(asyncio.create_task(reader.batch_get(keys)), slow.sent)
        assert isinstance(report, BatchReadIncompleteError)
        return report, await table.batch_get(report.unprocessed, consistent=True)

    report, rest = run(singletable_endpoint, spec, body)
    assert isinstance(report, BatchReadIncompleteError)
    assert "batch get cancelled with 150 keys unread; 100 of 250 keys read" in str(report)
    assert report.results[:100] == stored[:100]  # read, and kept
    assert report.results[100:] == [None] * 150
    assert report.unread == list(range(100, 250))
    assert report.unprocessed == keys[100:]  # the request in flight (its answer lost) and the rest
    assert [*report.results[:100], *rest] == stored  # the table's real contents, nothing missing


@requires_engine_feature("transactions")
@pytest.mark.parametrize("where", ["applied", "not sent"])
def test_cancelling_a_transaction_says_its_outcome_is_unknown_and_it_commits_again_once(
    singletable_endpoint: str, spec: TableSpec, where: str
) -> None:
    shelf, book = Shelf(shelf="x", label="X", books=1), Book(shelf="x", isbn="00001", title="one")

    async def body(table: AsyncTable) -> tuple[Any, list[Any], TransactResult, list[Any]]:
        hold = (Slow if where == "applied" else Late)(
            table.transport, fast=0, hold=30.0, operation="TransactWriteItems"
        )
        plain = AsyncTable(spec, transport=hold, entities=[Shelf, Book])
        tx = plain.transact_write().put(shelf, create_only=True).put(book, create_only=True)
        report = await cancelled_cause(asyncio.create_task(tx.commit()), hold.sent)
        assert isinstance(report, TransactionOutcomeUnknownError)
        assert (report.token, report.transaction) == (tx.token, tx)
        stored = [s async for s in table.scan()]
        again = await report.transaction.commit()  # the same token: applied at most once
        return report, stored, again, [s async for s in table.scan()]

    report, before, again, after = run(singletable_endpoint, spec, body)
    assert "may have reached DynamoDB" in str(report) and "[ST121]" in str(report)
    assert sorted(before, key=str) == ([book, shelf] if where == "applied" else [])  # whole, or nothing
    assert again.token == report.token and again.attempts == 1  # a repeat of an applied token succeeds
    assert sorted(after, key=str) == [book, shelf]  # once


def test_the_async_query_object_pages_resumes_and_dry_runs(
    singletable_endpoint: str, spec: TableSpec
) -> None:
    stored = books(30, "q")

    async def body(table: AsyncTable) -> None:
        await table.batch_write([Shelf(shelf="q", label="Q"), *stored])
        q = table.query(Book, shelf="q", limit=12, page_size=5)
        assert q.request().params["Limit"] == 5
        pages = [page async for page in q.pages()]
        assert [len(p.items) for p in pages] == [5, 5, 2]
        assert q.cursor is not None
        rest = await table.query(Book, shelf="q", cursor=q.cursor).all()
        assert [*pages[0].items, *pages[1].items, *pages[2].items, *rest] == stored
        assert await table.query(Book, shelf="q", reverse=True).first() == stored[-1]
        coll = await table.collection(Shelf, shelf="q")
        assert coll[Shelf] == [Shelf(shelf="q", label="Q")] and coll[Book] == stored
        with pytest.raises(ValidationError, match="already iterated"):
            await q.all()
        with pytest.raises(ValidationError, match="read on an event loop"):
            list(table.query(Book, shelf="q").query)  # the sync iteration of an async table's query

    run(singletable_endpoint, spec, body)


def test_dry_runs_are_awaited_and_equal_the_sync_tables(singletable_endpoint: str, spec: TableSpec) -> None:
    sync = Table(spec, endpoint_url=singletable_endpoint, entities=[Shelf, Book])
    book = books(1)[0]

    async def body(table: AsyncTable) -> None:
        assert await table.put(book, dry_run=True) == sync.put(book, dry_run=True)
        assert await table.get(Book, shelf="s1", isbn="1", dry_run=True) == sync.get(
            Book, shelf="s1", isbn="1", dry_run=True
        )
        assert await table.update(Book, {"title": "x"}, shelf="s1", isbn="1", dry_run=True) == sync.update(
            Book, {"title": "x"}, shelf="s1", isbn="1", dry_run=True
        )
        assert await table.delete(book, dry_run=True) == sync.delete(book, dry_run=True)
        assert table.query(Book, shelf="s1").request() == sync.query(Book, shelf="s1").request()
        tx = table.transact_write(token="t" * 36).put(book)
        assert tx.request() == sync.transact_write(token="t" * 36).put(book).request()
        assert await table.get(Book, shelf="s1", isbn="00000") is None  # nothing was sent

    run(singletable_endpoint, spec, body)


@requires_engine_feature("transactions")  # create_together is one transaction
def test_same_errors_and_helpers(singletable_endpoint: str, spec: TableSpec) -> None:
    async def body(table: AsyncTable) -> None:
        shelf = Shelf(shelf="h", label="H")
        await create_together(table, shelf, *books(3, "h"))
        with pytest.raises(TransactionCanceledError, match="nothing applied"):
            await create_together(table, shelf)
        with pytest.raises(ConditionFailedError):
            await table.put(shelf, create_only=True)
        assert await table.update(Shelf, {"books": 3}, shelf="h") == Shelf(shelf="h", label="H", books=3)
        assert await delete_partition(table, Shelf, shelf="h") == 4
        assert await table.collection(Shelf, shelf="h") == {}

    run(singletable_endpoint, spec, body)


@requires_engine_feature("pitr")  # the README's TableSpec asks for PITR, as the module does
def test_the_readme_async_example_runs_as_written(
    singletable_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("\n## Async\n", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert 'URL = "http://127.0.0.1:8000"' in block
    code = block.replace("http://127.0.0.1:8000", singletable_endpoint)
    try:
        exec(compile(code, "README.md#async", "exec", dont_inherit=True), {"__name__": "readme_async"})
    finally:
        TableSpec("async-example", deletion_protection=False).delete(
            make_client(endpoint_url=singletable_endpoint)
        )
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["Book 0", "Book 1", "Book 2"]
    assert out[3] == "40 books by Ursula K. Le Guin"
    assert out[4].startswith("Request(operation='PutItem'")
    assert "ledger" not in out[5] and out[5].startswith("{")


async def _plugin_round_trip(table: AsyncTable) -> list[Book]:
    table.register(Book)
    await table.batch_write(books(3, "p"))
    return await table.query(Book, shelf="p").all()


def test_the_plugin_gives_an_async_table_over_http(singletable_async_table: AsyncTable) -> None:
    assert asyncio.run(_plugin_round_trip(singletable_async_table)) == books(3, "p")


def test_the_plugin_gives_an_async_table_in_process(singletable_async_inprocess_table: AsyncTable) -> None:
    # Not beside an HTTP table in one test: moto's in-process mock changes the process's credentials.
    assert asyncio.run(_plugin_round_trip(singletable_async_inprocess_table)) == books(3, "p")


def test_the_async_bulk_load_writes_every_line_once_and_resumes(
    singletable_endpoint: str, spec: TableSpec, tmp_path: Path
) -> None:
    stored = books(300, "bulk")
    source = tmp_path / "books.jsonl"
    source.write_text("".join(json.dumps(b.model_dump(mode="json")) + "\n" for b in stored))
    ckpt = tmp_path / "books.ckpt"

    async def body(table: AsyncTable) -> tuple[BulkReport, BulkReport, list[Book]]:
        first = await table.bulk_load(source, entity=Book, checkpoint=ckpt, workers=6, progress=False)
        again = await table.bulk_load(source, entity=Book, checkpoint=ckpt, progress=False)
        return first, again, await table.query(Book, shelf="bulk").all()

    first, again, got = run(singletable_endpoint, spec, body)
    assert (first.written, first.lines, first.failed) == (300, 300, [])
    assert (again.written, again.skipped) == (0, 300)
    assert got == stored
    bad = tmp_path / "bad.jsonl"
    bad.write_text(source.read_text().splitlines()[0] + "\n" + source.read_text().splitlines()[0] + "\n")

    async def twice(table: AsyncTable) -> None:
        with pytest.raises(DuplicateKeyError, match="lines 1 and 2 have the same key"):
            await table.bulk_load(bad, entity=Book, progress=False)

    run(singletable_endpoint, spec, twice)
