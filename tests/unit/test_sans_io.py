"""The sans-I/O core: pagination, batch retries and transaction retries are written once and run the
same under the blocking driver and an asyncio driver (issue 12: one core, two transports).

The async transport here is a stand-in (the sync transport called from a coroutine): what is tested is
that the logic needs nothing from its driver but "send this" and "sleep that".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError

from singletable import BatchIncompleteError, Entity, Table, TransactionCanceledError
from singletable.batch import Backoff, get_exchange, prepare_gets, prepare_writes, read_gets, write_exchange
from singletable.batch import read_exchange as batch_read_exchange
from singletable.errors import (
    BatchReadIncompleteError,
    EngineError,
    TransactionOutcomeUnknownError,
    ValidationError,
)
from singletable.query import Page
from singletable.request import Request
from singletable.transactions import read_exchange as transact_read_exchange
from singletable.transport import Abandoned, Exchange, Send, Sleep, Transport, adrive, drive


class Note(Entity):
    __pk__ = "BOOK#{book}"
    __sk__ = "NOTE#{n:04d}"
    book: str
    n: int
    text: str = ""


class AsyncOver:
    """An async transport over a sync one, yielding to the loop before each request."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.sent: list[str] = []

    async def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        await asyncio.sleep(0)
        self.sent.append(request.operation)
        return self.transport.send(request, condition_text=condition_text, key_names=key_names)


@pytest.fixture
def notes(table: Table) -> Table:
    table.register(Note)
    return table


def test_batch_write_and_get_exchanges_run_on_an_event_loop(notes: Table) -> None:
    schema = notes.schema
    written = [Note(book="b", n=n, text=f"note {n}") for n in range(60)]
    transport = AsyncOver(notes.transport)
    result = asyncio.run(
        adrive(write_exchange(schema, prepare_writes(schema, written, ()), None, "t"), transport)
    )
    assert (result.processed, result.round_trips) == (60, 3)  # 25 + 25 + 10
    wanted, classes = prepare_gets(schema, [(Note, {"book": "b", "n": n}) for n in (0, 59, 7, 99)])
    found = asyncio.run(adrive(get_exchange(schema, wanted), transport))
    assert read_gets(schema, wanted, classes, found) == [written[0], written[59], written[7], None]
    assert transport.sent == ["BatchWriteItem"] * 3 + ["BatchGetItem"]
    # The sync facade drives the same logic and sees the same items.
    assert notes.batch_get([(Note, {"book": "b", "n": 7})]) == [written[7]]


def test_a_query_pager_gives_the_same_pages_to_either_driver(notes: Table) -> None:
    notes.batch_write([Note(book="b", n=n) for n in range(30)])

    def sync_pages() -> list[Page[Any]]:
        return list(notes.query(Note, book="b", page_size=7, limit=20).pages())

    async def async_pages() -> list[Page[Any]]:
        pager = notes.query(Note, book="b", page_size=7, limit=20).pager()
        transport = AsyncOver(notes.transport)
        out = []
        while (step := pager.next_request()) is not None:
            out.append(pager.receive(await transport.send(step.request, key_names=step.key_names)))
        return out

    ours, theirs = sync_pages(), asyncio.run(async_pages())
    assert [len(p.items) for p in ours] == [7, 7, 6]
    assert [p.items for p in ours] == [p.items for p in theirs]
    assert [p.cursor for p in ours] == [p.cursor for p in theirs]
    # The cursor of the last page resumes right after the 20th item, under either driver.
    rest = notes.query(Note, book="b", cursor=theirs[-1].cursor).all()
    assert [n.n for n in rest] == list(range(20, 30))


class Scripted:
    """A transport answering from a script: a dict is returned, an exception raised."""

    def __init__(self, *answers: dict[str, Any] | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def send(
        self,
        request: Request,
        *,
        condition_text: str | Callable[[], str] | None = None,
        key_names: tuple[str, ...] = ("PK", "SK"),
    ) -> dict[str, Any]:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def steps(exchange: Exchange[Any], answers: Iterator[dict[str, Any] | Exception]) -> list[str]:
    """The steps an exchange takes, answered from ``answers``: the logic seen without any driver."""
    seen: list[str] = []
    step = next(exchange)
    try:
        while True:
            if isinstance(step, Sleep):
                seen.append("sleep")
                step = exchange.send(None)
                continue
            assert isinstance(step, Send)
            seen.append(step.request.operation)
            answer = next(answers)
            step = exchange.throw(answer) if isinstance(answer, Exception) else exchange.send(answer)
    except StopIteration:
        return seen


def test_unprocessed_items_are_resent_after_a_backoff_step(notes: Table) -> None:
    schema = notes.schema
    writes = prepare_writes(schema, [Note(book="b", n=n) for n in range(3)], ())
    unprocessed = {"UnprocessedItems": {notes.name: [writes[1].request]}}
    fast = Backoff(base=0.0, cap=0.0)
    seen = steps(write_exchange(schema, writes, fast, None), iter([unprocessed, {}]))
    assert seen == ["BatchWriteItem", "sleep", "BatchWriteItem"]
    # The same script through the blocking driver: everything processed, one retry.
    scripted = Scripted(unprocessed, {})
    result = drive(write_exchange(schema, writes, fast, None), scripted)
    assert (result.processed, result.retries, result.unprocessed) == (3, 1, 1)
    assert scripted.requests[1].params["RequestItems"][notes.name] == [writes[1].request]


def test_a_conflicting_transaction_is_resent_with_the_same_token(notes: Table) -> None:
    tx = notes.transact_write(backoff=Backoff(base=0.0, cap=0.0))
    tx.put(Note(book="b", n=1), create_only=True)
    conflict = TransactionCanceledError("cancelled", reasons=[{"Code": "TransactionConflict"}])
    scripted = Scripted(conflict, {})
    result = drive(tx.commit_exchange(), scripted)
    assert result.attempts == 2
    tokens = {r.params["ClientRequestToken"] for r in scripted.requests}
    assert tokens == {tx.token}
    # Against the engine, through an event loop: committed once, the item there.
    tx2 = notes.transact_write()
    tx2.put(Note(book="b", n=2), create_only=True)
    assert asyncio.run(adrive(tx2.commit_exchange(), AsyncOver(notes.transport))).attempts == 1
    assert notes.get(Note, book="b", n=2) == Note(book="b", n=2)


class Stuck:
    """An async transport whose every request hangs until cancelled."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def send(self, request: Request, **kwargs: Any) -> dict[str, Any]:
        self.started.set()
        await asyncio.sleep(3600)
        raise AssertionError("never answered")


def test_a_cancelled_exchange_reports_what_it_left_undone_or_nothing(notes: Table) -> None:
    schema = notes.schema
    writes = [Note(book="b", n=i) for i in range(30)]

    async def cancel(exchange: Exchange[Any]) -> BaseException:
        stuck = Stuck()
        task = asyncio.create_task(adrive(exchange, stuck))
        await stuck.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as err:
            await task
        return err.value

    # A batch write says which items were not acknowledged (here: all, the first request never answered).
    cancelled = asyncio.run(cancel(write_exchange(schema, prepare_writes(schema, writes, ()), None, None)))
    assert isinstance(cancelled.__cause__, BatchIncompleteError)
    assert cancelled.__cause__.unprocessed == writes
    # A batch get says which keys were not read (the request in flight is not: its answer is lost).
    wanted, _ = prepare_gets(schema, [(Note, {"book": "b", "n": 1})])
    cancelled = asyncio.run(cancel(get_exchange(schema, wanted)))
    assert isinstance(cancelled.__cause__, BatchIncompleteError)
    assert cancelled.__cause__.unprocessed == wanted
    # An exchange with nothing to report (a transactional read: nothing was changed) is cancelled as it is.
    cancelled = asyncio.run(cancel(transact_read_exchange(schema, [(Note, {"book": "b", "n": 1})])))
    assert cancelled.__cause__ is None


def abandoned(exchange: Exchange[Any], *answers: dict[str, Any] | Exception) -> BaseException:
    """Step ``exchange`` through ``answers`` (a Sleep step takes none), then abandon it where it waits
    (as adrive does when its task is cancelled); what it raises."""
    step = next(exchange)
    for answer in answers:
        while isinstance(step, Sleep):
            step = exchange.send(None)
        step = exchange.throw(answer) if isinstance(answer, Exception) else exchange.send(answer)
    with pytest.raises(BaseException) as raised:
        exchange.throw(Abandoned())
    return raised.value


def test_a_cancelled_transaction_says_when_its_outcome_is_unknown(notes: Table) -> None:
    def tx() -> Any:
        return notes.transact_write(backoff=Backoff(base=0.0, cap=0.0)).put(Note(book="b", n=1))

    conflict = TransactionCanceledError("cancelled", reasons=[{"Code": "TransactionConflict"}])
    dropped = ConnectionClosedError(endpoint_url="http://engine")
    throttled = EngineError("slow down", aws_code="ThrottlingException")
    # In flight: it may have been applied. The report carries the token and the builder, to commit again.
    t = tx()
    unknown = abandoned(t.commit_exchange())
    assert isinstance(unknown, TransactionOutcomeUnknownError)
    assert (unknown.token, unknown.transaction, unknown.code) == (t.token, t, "ST121")
    assert 0 < unknown.sent_at <= time.time()
    # In the backoff after a dropped connection (the engine may have applied it): unknown too.
    assert isinstance(abandoned(tx().commit_exchange(), dropped), TransactionOutcomeUnknownError)
    # In the backoff after a refusal (a conflict, a throttle): nothing applied, nothing to report.
    assert isinstance(abandoned(tx().commit_exchange(), conflict), Abandoned)
    assert isinstance(abandoned(tx().commit_exchange(), throttled), Abandoned)
    # A conflict after a dropped connection settles it: had the token been applied, the repeat would
    # have been answered with success.
    assert isinstance(abandoned(tx().commit_exchange(), dropped, conflict), Abandoned)
    assert isinstance(abandoned(tx().commit_exchange(), dropped, throttled), TransactionOutcomeUnknownError)


def out_of_retries(exchange: Exchange[Any], *errors: Exception) -> BaseException:
    """Step ``exchange`` through ``errors`` (its retries run out after the last); what it raises."""
    step = next(exchange)
    with pytest.raises(BaseException) as raised:
        for error in errors:
            while isinstance(step, Sleep):
                step = exchange.send(None)
            step = exchange.throw(error)
    return raised.value


def test_a_transaction_out_of_retries_says_when_its_outcome_is_unknown(notes: Table) -> None:
    def tx(deadline: float = 0.0) -> Any:
        backoff = Backoff(base=0.0, cap=0.0, deadline=deadline)
        return notes.transact_write(backoff=backoff).put(Note(book="b", n=1))

    dropped = ConnectionClosedError(endpoint_url="http://engine")
    throttled = EngineError("slow down", aws_code="ThrottlingException")
    invalid = ValidationError("refused by the engine")
    failed = TransactionCanceledError("cancelled", reasons=[{"Code": "ConditionalCheckFailed"}])
    t = tx()
    unknown = out_of_retries(t.commit_exchange(), dropped)
    assert isinstance(unknown, TransactionOutcomeUnknownError) and unknown.__cause__ is dropped
    assert (unknown.token, unknown.transaction) == (t.token, t)
    server = EngineError("oops", aws_code="InternalServerError")
    assert isinstance(out_of_retries(tx().commit_exchange(), server), TransactionOutcomeUnknownError)
    # Refusals answered by the engine applied nothing: raised as they are.
    assert out_of_retries(tx().commit_exchange(), throttled) is throttled
    assert out_of_retries(tx().commit_exchange(), invalid) is invalid
    # A refusal after a dropped connection does not settle it; a cancellation does (had the token been
    # applied, the repeat would have been answered with success). The deadline lets the first retry go.
    assert isinstance(
        out_of_retries(tx(9.0).commit_exchange(), dropped, invalid), TransactionOutcomeUnknownError
    )
    assert isinstance(
        out_of_retries(tx(9.0).commit_exchange(), dropped, ValueError()), TransactionOutcomeUnknownError
    )
    settled = out_of_retries(tx(9.0).commit_exchange(), dropped, failed)
    assert isinstance(settled, TransactionCanceledError)
    # A transactional read has nothing to report: its error as it is.
    read = transact_read_exchange(
        notes.schema, [(Note, {"book": "b", "n": 1})], backoff=Backoff(deadline=0.0)
    )
    assert out_of_retries(read, dropped) is dropped


def test_a_batch_write_out_of_retries_does_not_call_a_lost_answer_unwritten(notes: Table) -> None:
    schema = notes.schema
    writes = [Note(book="b", n=i) for i in range(3)]
    dropped = ConnectionClosedError(endpoint_url="http://engine")
    throttled = EngineError("slow down", aws_code="ThrottlingException")
    for error, missing in (
        (dropped, "3 items not acknowledged (some may have been written)"),
        (throttled, "3 items not written"),
    ):
        exchange = write_exchange(schema, prepare_writes(schema, writes, ()), Backoff(deadline=0.0), None)
        report = out_of_retries(exchange, error)
        assert isinstance(report, BatchIncompleteError) and report.unprocessed == writes
        assert missing in str(report)


def test_a_cancelled_batch_get_keeps_what_it_read(notes: Table) -> None:
    schema = notes.schema
    notes.batch_write([Note(book="b", n=n, text=f"note {n}") for n in range(0, 150, 2)])
    keys: list[Any] = [(Note, {"book": "b", "n": n}) for n in range(150)]
    wanted, _ = prepare_gets(schema, keys)
    answer = notes.transport.send(  # the first chunk of 100 keys, answered by the engine
        Request(
            "BatchGetItem",
            {"RequestItems": {notes.name: {"Keys": [schema.key(*k) for k in wanted[:100]]}}},
        )
    )
    report = abandoned(batch_read_exchange(schema, keys), answer)
    assert isinstance(report, BatchReadIncompleteError) and report.code == "ST120"
    assert "batch get cancelled with 50 keys unread; 100 of 150 keys read" in str(report)
    assert report.results[:100] == [
        Note(book="b", n=n, text=f"note {n}") if n % 2 == 0 else None for n in range(100)
    ]
    assert report.results[100:] == [None] * 50
    assert report.unread == list(range(100, 150))
    assert report.unprocessed == keys[100:]  # as given: batch_get(report.unprocessed) reads the rest
    rest = notes.batch_get(report.unprocessed)
    assert [*report.results[:100], *rest] == notes.batch_get(keys)
    # Given up (a non-transient error on the second request), the sync batch get keeps it too.
    refused = EngineError("no", aws_code="AccessDeniedException")
    notes.transport = Scripted(answer, refused)
    with pytest.raises(BatchReadIncompleteError, match="stopped with 50 keys unread") as gave_up:
        notes.batch_get(keys)
    assert gave_up.value.results == report.results and gave_up.value.unread == report.unread
    assert gave_up.value.__cause__ is refused
