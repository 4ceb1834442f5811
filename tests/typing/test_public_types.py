"""What an editor sees: the types of Table's public calls, pinned with ``assert_type`` and checked by mypy
(``make lint`` runs ``mypy tests/typing``). pytest imports this module and finds no test in it: the
functions are never called, only type-checked."""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_type

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
from singletable.batch import BatchResult
from singletable.transactions import TransactResult


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


def _migrations(table: Table) -> None:
    from singletable.migrate import IndexKeys, Migrator, RunReport, StatusLine, VerifyReport

    migrator = Migrator(table, "migrations")
    assert_type(migrator.status(), list[StatusLine])
    assert_type(migrator.up(segments=4, wcu_per_second=200.0), list[RunReport])
    assert_type(migrator.down(), list[RunReport])
    assert_type(migrator.verify(), list[VerifyReport])
    assert_type(IndexKeys(Repo).describe(), str)
