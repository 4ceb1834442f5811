"""What an editor sees: the types of Table's public calls, pinned with ``assert_type`` and checked by mypy
(``make lint`` runs ``mypy tests/typing``). pytest imports this module and finds no test in it: the
functions are never called, only type-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, assert_type

from pydantic import Field

from singletable import (
    AsyncQuery,
    AsyncTable,
    AsyncTransactWrite,
    Collection,
    Entity,
    Page,
    Projected,
    Query,
    Request,
    Table,
)
from singletable.aio import create_together, delete_partition
from singletable.batch import BatchResult
from singletable.bulk import BulkReport
from singletable.cost.patterns import PatternCost, Rates, load_rates, price_patterns
from singletable.cost.pricing import RegionPricing
from singletable.errors import BatchReadIncompleteError, TransactionOutcomeUnknownError
from singletable.lint import Finding, LintReport, lint
from singletable.lint.sample import sample_item_sizes
from singletable.transactions import TransactResult
from singletable.transport import ClientTransport
from singletable.transport.attempts import FailedAttempt


class Repo(Entity):
    __pk__ = "REPO#{owner}/{name}"
    __sk__ = "META"
    owner: str
    name: str
    star_count: int = 0
    created_at: dt.datetime
    topics: set[str] = Field(default_factory=set)


class Star(Entity):
    __pk__ = "REPO#{owner}/{name}"
    __sk__ = "STAR#{login}"
    owner: str
    name: str
    login: str


def _get(table: Table) -> None:
    assert_type(table.get(Repo, owner="a", name="b"), Repo | None)
    assert_type(table.get(Repo, owner="a", name="b", consistent=True), Repo | None)
    assert_type(table.get(Repo, owner="a", name="b", projection=["star_count"]), Projected[Repo] | None)
    assert_type(table.get(Repo, owner="a", name="b", dry_run=True), Request)
    projected = table.get(Repo, owner="a", name="b", projection=["star_count"])
    assert projected is not None
    assert_type(projected.value(lambda r: r.star_count), int)
    assert_type(projected.entity, type[Repo])
    assert_type(projected.to_dict(), dict[str, Any])


def _query(table: Table) -> None:
    assert_type(table.query(Repo, owner="a", name="b"), Query[Repo])
    assert_type(table.query(Star, owner="a", name="b").all(), list[Star])
    assert_type(table.query(Star, owner="a", name="b").first(), Star | None)
    assert_type(table.query(Star, owner="a", name="b", projection=["login"]), Query[Projected[Star]])
    assert_type(table.query(pk="REPO#a/b"), Query[Entity | dict[str, Any]])
    assert_type(table.query(pk="REPO#a/b", projection=["x"]), Query[dict[str, Any]])
    assert_type(table.reverse(Star, login="octocat"), Query[Star])
    assert_type(table.reverse(Star, login="octocat", projection=["name"]), Query[Projected[Star]])
    assert_type(table.scan(), Query[Any])


def _collection(table: Table) -> None:
    coll = table.collection(Repo, owner="a", name="b")
    assert_type(coll, Collection)
    assert_type(coll[Repo], list[Repo])
    assert_type(coll[Star], list[Star])
    assert_type(coll["foreign"], list[dict[str, Any]])
    assert_type(coll.foreign, list[dict[str, Any]])
    assert_type(coll.get(Star), list[Star] | None)
    assert_type(coll.get(Repo, None), list[Repo] | None)


def _many(table: Table) -> None:
    assert_type(table.batch_get([(Repo, {"owner": "a", "name": "b"})]), list[Repo | None])
    assert_type(table.batch_get([("REPO#a/b", "META")]), list[Entity | dict[str, Any] | None])
    assert_type(table.transact_get([(Star, {"owner": "a", "name": "b", "login": "c"})]), list[Star | None])
    assert_type(table.transact_get([("REPO#a/b", "META")]), list[Entity | dict[str, Any] | None])


def _writes(table: Table, repo: Repo, partial: Projected[Repo]) -> None:
    assert_type(table.put(repo), Repo)
    assert_type(table.put(repo, dry_run=True), Request)
    assert_type(table.delete(repo), Repo | dict[str, Any] | None)
    assert_type(table.delete(Repo, owner="a", name="b"), Repo | dict[str, Any] | None)
    assert_type(table.delete(partial), Repo | dict[str, Any] | None)
    assert_type(table.delete(Repo, owner="a", name="b", dry_run=True), Request)
    table.put(partial)  # type: ignore[call-overload]  # a projected read is no entity: put refuses it


# -- AsyncTable: the same calls, awaited; queries are async iterables ---------------------------------


async def _async_get(table: AsyncTable) -> None:
    assert_type(await table.get(Repo, owner="a", name="b"), Repo | None)
    assert_type(await table.get(Repo, owner="a", name="b", projection=["star_count"]), Projected[Repo] | None)
    assert_type(await table.get(Repo, owner="a", name="b", dry_run=True), Request)
    assert_type(await table.get_item("REPO#a/b", "META"), dict[str, Any] | Request | None)


async def _async_query(table: AsyncTable) -> None:
    assert_type(table.query(Repo, owner="a", name="b"), AsyncQuery[Repo])
    assert_type(await table.query(Star, owner="a", name="b").all(), list[Star])
    assert_type(await table.query(Star, owner="a", name="b").first(), Star | None)
    assert_type(table.query(Star, owner="a", name="b", projection=["login"]), AsyncQuery[Projected[Star]])
    assert_type(table.query(pk="REPO#a/b"), AsyncQuery[Entity | dict[str, Any]])
    assert_type(table.query(pk="REPO#a/b", projection=["x"]), AsyncQuery[dict[str, Any]])
    assert_type(table.reverse(Star, login="octocat"), AsyncQuery[Star])
    assert_type(table.scan(), AsyncQuery[Any])
    assert_type(table.query(Star, owner="a", name="b").cursor, str | None)
    assert_type(table.query(Star, owner="a", name="b").request(), Request)
    async for star in table.query(Star, owner="a", name="b"):
        assert_type(star, Star)
    async for page in table.query(Star, owner="a", name="b").pages():
        assert_type(page, Page[Star])
    coll = await table.collection(Repo, owner="a", name="b")
    assert_type(coll, Collection)
    assert_type(coll[Star], list[Star])


async def _async_many(table: AsyncTable, repo: Repo) -> None:
    assert_type(await table.batch_get([(Repo, {"owner": "a", "name": "b"})]), list[Repo | None])
    assert_type(await table.batch_get([("REPO#a/b", "META")]), list[Entity | dict[str, Any] | None])
    assert_type(await table.batch_write([repo]), BatchResult)
    assert_type(
        await table.transact_get([(Star, {"owner": "a", "name": "b", "login": "c"})]), list[Star | None]
    )
    tx = table.transact_write()
    assert_type(tx, AsyncTransactWrite)
    assert_type(tx.put(repo), AsyncTransactWrite)
    assert_type(await tx.commit(), TransactResult)
    async with table.transact_write() as tx2:
        assert_type(tx2, AsyncTransactWrite)


async def _async_writes(table: AsyncTable, repo: Repo, partial: Projected[Repo]) -> None:
    assert_type(await table.put(repo), Repo)
    assert_type(await table.put(repo, dry_run=True), Request)
    assert_type(await table.update(Repo, {"star_count": 1}, owner="a", name="b"), Repo)
    assert_type(await table.update(Repo, {"star_count": 1}, owner="a", name="b", dry_run=True), Request)
    assert_type(await table.delete(repo), Repo | dict[str, Any] | None)
    assert_type(await table.delete(Repo, owner="a", name="b", dry_run=True), Request)
    assert_type(await table.delete_item("REPO#a/b", "META"), dict[str, Any] | None)
    async with AsyncTable("t") as opened:
        assert_type(opened, AsyncTable)
    await table.put(partial)  # type: ignore[call-overload]  # a projected read is no entity: put refuses it


def ui_calls(table: Table) -> None:
    from starlette.applications import Starlette

    from singletable.ui import UiServer, create_app, load_app, open_table

    app = create_app(table, write=True)
    assert_type(app, Starlette)
    assert_type(load_app("myapp.db:table"), Table | tuple[type[Entity], ...])
    assert_type(open_table(app=None, table="t", client=table.client), Table)
    with UiServer(app) as server:
        assert_type(server, UiServer)
        assert_type(server.url, str)


async def _async_helpers_and_reports(table: AsyncTable, repo: Repo, tx: AsyncTransactWrite) -> None:
    assert_type(await create_together(table, repo), TransactResult)
    assert_type(await delete_partition(table, Repo, owner="a", name="b"), int)
    assert_type(await table.bulk_load("repos.jsonl", entity=Repo), BulkReport)
    assert_type(tx.token, str)
    read = BatchReadIncompleteError("x", unprocessed=[], results=[], unread=[])
    assert_type(read.results, list[Any])
    assert_type(read.unread, list[int])
    assert_type(read.unprocessed, list[Any])
    unknown = TransactionOutcomeUnknownError("x", token="t", sent_at=0.0, transaction=tx)
    assert_type(unknown.token, str)
    assert_type(unknown.sent_at, float)


def _lint(table: Table) -> None:
    report = lint(table.schema, item_sizes={"Repo": 2048})
    assert_type(report, LintReport)
    assert_type(report.findings, tuple[Finding, ...])
    assert_type(report.to_dict(), dict[str, Any])
    assert_type(sample_item_sizes(table.schema, table.client, 10), dict[str, int])


def _patterns(table: Table, prices: RegionPricing) -> None:
    rates = load_rates("rates.toml")
    assert_type(rates, Rates)
    assert_type(price_patterns(table.schema, rates, prices, hours=730), list[PatternCost])


def _streams(table: Table, event: dict[str, Any]) -> None:
    from singletable.streams import BatchResponse, Change, Router, StreamReader, handle_batch

    router = Router(table)

    @router.on(Repo, "insert", "modify")
    def changed(change: Change[Repo]) -> None:
        assert_type(change.new, Repo | None)
        assert_type(change.old, Repo | None)
        assert_type(change.kind, Literal["insert", "modify", "remove"])

    @router.on_other()
    def other(change: Change[dict[str, Any]]) -> None:
        assert_type(change.image, dict[str, Any] | None)

    assert_type(changed, Callable[[Change[Repo]], None])
    assert_type(handle_batch(router, event), BatchResponse)
    assert_type(router.handle_batch(event), BatchResponse)
    assert_type(StreamReader(table).poll(), list[Change[Any]])
    router.on(Repo, "upsert")  # type: ignore[arg-type]  # a kind DynamoDB does not have


def _local_engines() -> None:
    from pathlib import Path

    from singletable.local.dynamodb_local import DynamoDBLocalServer, find_dynamodb_local
    from singletable.local.engines import EngineName, HTTPEngine, engine_available, start_engine
    from singletable.spec import TableSpec
    from singletable.testing import EngineRef, selected_engines, table_spec_for

    assert_type(find_dynamodb_local(), Path | None)
    assert_type(DynamoDBLocalServer().start(), DynamoDBLocalServer)
    assert_type(DynamoDBLocalServer().startup_seconds, float | None)
    assert_type(engine_available("dynamodb-local"), str | None)
    assert_type(start_engine("dynalite"), HTTPEngine)
    assert_type(selected_engines(), tuple[EngineName, ...])
    assert_type(table_spec_for("moto"), TableSpec)
    assert_type(EngineRef("moto", "http://x", frozenset()).lacks, frozenset[str])


def _transports() -> None:
    from singletable.transport import Transport
    from singletable.transport.factory import OwnedAsyncTransport, async_transport, sync_transport

    assert_type(sync_transport(endpoint_url="http://127.0.0.1:8000"), Transport)
    assert_type(async_transport(endpoint_url="http://127.0.0.1:8000"), OwnedAsyncTransport)


def _migrations(table: Table) -> None:
    from singletable.migrate import IndexKeys, Migrator, RunReport, StatusLine, VerifyReport

    migrator = Migrator(table, "migrations")
    assert_type(migrator.status(), list[StatusLine])
    assert_type(migrator.up(segments=4, wcu_per_second=200.0), list[RunReport])
    assert_type(migrator.down(), list[RunReport])
    assert_type(migrator.verify(), list[VerifyReport])
    assert_type(IndexKeys(Repo).describe(), str)


def _retry_observers(transport: ClientTransport, failed: FailedAttempt) -> None:
    from singletable.migrate.pacing import Pacer, watching
    from singletable.transport.attempts import failed_attempt

    assert_type(transport.observe_retries(print), Callable[[], None])
    assert_type(failed.throttle, bool)
    assert_type(failed_attempt(attempt=1, operation=None), FailedAttempt | None)
    with watching(Pacer(), transport) as pacer:
        assert_type(pacer, Pacer)
