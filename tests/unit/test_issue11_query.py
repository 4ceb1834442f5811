"""Issue 11, items 5, 7 and 11, as a user hits them on a code-hosting domain (accounts, repos, issues,
stars): cursors bound to the query that made them, one check of conditions and filters against the
entity, and an unreachable engine reported at once as one catalogued error."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError

from singletable import (
    Attr,
    BatchIncompleteError,
    CursorMismatchError,
    EngineUnreachableError,
    Entity,
    Table,
    TableSpec,
    Update,
    ValidationError,
    make_client,
)
from singletable.local.faults import FaultProxy
from singletable.query import Query, SortKey
from singletable.testing import engine_table_spec


class Account(Entity):
    __pk__ = "ACCOUNT#{login}"
    __sk__ = "PROFILE"
    login: str
    name: str
    email: str = ""


class Repo(Entity):
    __pk__ = "ACCOUNT#{owner}"
    __sk__ = "REPO#{name}"
    owner: str
    name: str
    description: str = ""
    star_count: int = 0


class Issue(Entity):
    __pk__ = "REPO#{owner}#{repo}"
    __sk__ = "ISSUE#{number}"
    owner: str
    repo: str
    number: str
    title: str
    state: str = "open"


class Star(Entity):
    __pk__ = "REPO#{owner}#{repo}"
    __sk__ = "STAR#{login}"
    owner: str
    repo: str
    login: str


ENTITIES = (Account, Repo, Issue, Star)


@pytest.fixture
def hub(either_table: Table) -> Table:
    """Two repos with 7 and 3 issues, stars from three accounts (Table in-process, AsyncTable over HTTP)."""
    table = either_table
    table.register(*ENTITIES)
    seed(table)
    return table


def seed(table: Table) -> None:
    table.batch_write(
        [
            Account(login="ada", name="Ada"),
            Repo(owner="ada", name="engine", star_count=3),
            Repo(owner="ada", name="notes"),
            *(Issue(owner="ada", repo="engine", number=f"{n:03d}", title=f"bug {n}") for n in range(1, 8)),
            *(Issue(owner="ada", repo="notes", number=f"{n:03d}", title=f"note {n}") for n in range(1, 4)),
            *(
                Star(owner="ada", repo=r, login=who)
                for r in ("engine", "notes")
                for who in ("bob", "cy", "di")
            ),
            *(Star(owner="bob", repo=f"r{n}", login="cy") for n in range(5)),
        ]
    )


def numbers(items: list[Any]) -> list[str]:
    return [i.number for i in items]


def first_cursor(q: Query[Any]) -> str:
    q.all()
    assert q.cursor is not None
    return q.cursor


# -- item 5: cursors ------------------------------------------------------------------------------------


def test_a_cursor_resumes_its_own_query_over_every_page_even_with_a_new_limit(hub: Table) -> None:
    seen: list[str] = []
    cursor = None
    calls = 0
    for limit in [2, 3, 1, 4]:
        q = hub.query(Issue, owner="ada", repo="engine", limit=limit, page_size=2, cursor=cursor)
        seen += numbers(q.all())
        calls += 1
        cursor = q.cursor
        if cursor is None:
            break
    assert calls == 4
    assert seen == [f"{n:03d}" for n in range(1, 8)]


def test_a_backward_filtered_cursor_resumes_its_own_query(hub: Table) -> None:
    def q(cursor: str | None) -> Query[Any]:
        return hub.query(
            Issue,
            owner="ada",
            repo="engine",
            reverse=True,
            filter=Attr("state").eq("open"),
            limit=3,
            cursor=cursor,
        )

    first = q(None)
    assert numbers(first.all()) == ["007", "006", "005"]
    second = q(first.cursor)
    assert numbers(second.all()) == ["004", "003", "002"]


def test_a_cursor_of_another_repo_is_refused_naming_the_partition(hub: Table) -> None:
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Issue, owner="ada", repo="notes", cursor=cursor)
    assert err.value.parts == ("partition",)
    assert err.value.code == "ST115"
    assert "from this query's (partition 'REPO#ada#notes')" in str(err.value)
    assert "Fix: pass the .cursor of the same query" in str(err.value)


def test_a_cursor_of_another_entity_in_the_same_partition_is_refused(hub: Table) -> None:
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Star, owner="ada", repo="engine", cursor=cursor)
    assert err.value.parts == ("sort-key condition", "entity")
    assert "(sort-key condition begins_with 'STAR#'; entity Star)" in str(err.value)


def test_a_reverse_lookup_cursor_is_refused_on_the_table_and_the_other_way_round(hub: Table) -> None:
    gsi = first_cursor(hub.query(Star, index="GSI1", login="cy", limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Star, owner="bob", repo="r1", cursor=gsi)
    assert "index" in err.value.parts and "partition" in err.value.parts
    table_cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Star, index="GSI1", login="cy", cursor=table_cursor)
    assert "index" in err.value.parts
    assert "index GSI1" in str(err.value)


def test_the_reverse_lookup_pages_through_gsi1_with_its_own_cursor(hub: Table) -> None:
    logins: list[str] = []
    cursor = None
    while True:
        q = hub.query(Star, index="GSI1", login="cy", limit=3, cursor=cursor)
        logins += [f"{s.owner}/{s.repo}" for s in q.all()]
        cursor = q.cursor
        if cursor is None:
            break
    assert sorted(logins) == sorted(["ada/engine", "ada/notes", *(f"bob/r{n}" for n in range(5))])
    assert len(set(logins)) == len(logins) == 7


def test_a_backward_cursor_on_a_forward_query_is_refused(hub: Table) -> None:
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", reverse=True, limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Issue, owner="ada", repo="engine", cursor=cursor)
    assert err.value.parts == ("direction",)
    assert "(direction forward)" in str(err.value)


def test_a_cursor_of_another_filter_or_sort_key_condition_is_refused(hub: Table) -> None:
    cursor = first_cursor(
        hub.query(Issue, owner="ada", repo="engine", filter=Attr("state").eq("open"), limit=2)
    )
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Issue, owner="ada", repo="engine", cursor=cursor)
    assert err.value.parts == ("filter",)
    raw = first_cursor(hub.query(pk="REPO#ada#engine", sk=SortKey.begins_with("ISSUE#"), limit=2))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(pk="REPO#ada#engine", sk=SortKey.begins_with("STAR#"), cursor=raw)
    assert err.value.parts == ("sort-key condition",)


def test_a_cursor_of_another_table_is_refused(hub: Table) -> None:
    spec = engine_table_spec("other-hub")
    spec.create(hub.client)
    other = Table(spec, client=hub.client, entities=ENTITIES)
    seed(other)
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    with pytest.raises(CursorMismatchError) as err:
        other.query(Issue, owner="ada", repo="engine", cursor=cursor)
    assert err.value.parts == ("table",)
    assert "'other-hub'" in str(err.value)


def test_a_scan_cursor_is_bound_too(hub: Table) -> None:
    if not isinstance(hub, Table):
        pytest.skip("Query.build(...) makes the sync Query; AsyncTable's scan is covered by its own query")
    keys: list[tuple[str, str]] = []
    cursor = None
    while True:
        q = Query.build(hub, None, scan=True, limit=4, cursor=cursor, fields={})
        keys += [i.key() for i in q.all()]
        cursor = q.cursor
        if cursor is None:
            break
    assert len(keys) == len(set(keys)) == 1 + 2 + 10 + 11
    scan_cursor = first_cursor(Query.build(hub, None, scan=True, limit=4, fields={}))
    with pytest.raises(CursorMismatchError) as err:
        hub.query(Issue, owner="ada", repo="engine", cursor=scan_cursor)
    assert "operation" in err.value.parts


def test_a_tampered_or_garbage_cursor_is_refused(hub: Table) -> None:
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = raw.replace(b"ISSUE#002", b"ISSUE#005")
    assert forged != raw
    tampered = base64.urlsafe_b64encode(forged).decode().rstrip("=")
    for bad in (tampered, "garbage", "", cursor[:-3], "!!not base64!!"):
        with pytest.raises(CursorMismatchError, match="not one this query produced"):
            hub.query(Issue, owner="ada", repo="engine", cursor=bad)


def test_a_resume_key_outside_the_partition_or_sort_key_range_is_refused(hub: Table) -> None:
    # Even a cursor whose digests were recomputed (it carries no secret) cannot leave the query's range.
    q = hub.query(Issue, owner="ada", repo="engine")
    assert q.binding is not None
    for key, part in (
        ({"PK": {"S": "REPO#ada#notes"}, "SK": {"S": "ISSUE#002"}}, "partition"),
        ({"PK": {"S": "REPO#ada#engine"}, "SK": {"S": "STAR#bob"}}, "sort-key condition"),
    ):
        with pytest.raises(CursorMismatchError) as err:
            hub.query(Issue, owner="ada", repo="engine", cursor=q.binding.encode(key))
        assert err.value.parts == (part,)
    inside = q.binding.encode({"PK": {"S": "REPO#ada#engine"}, "SK": {"S": "ISSUE#005"}})
    assert numbers(hub.query(Issue, owner="ada", repo="engine", cursor=inside).all()) == ["006", "007"]


def test_a_version_1_cursor_is_refused_with_a_clear_message(hub: Table) -> None:
    old = json.dumps({"k": {"PK": {"S": "REPO#ada#engine"}, "SK": {"S": "ISSUE#002"}}, "v": 1})
    cursor = base64.urlsafe_b64encode(old.encode()).decode().rstrip("=")
    with pytest.raises(CursorMismatchError, match="version-1 cursor from an older singletable") as err:
        hub.query(Issue, owner="ada", repo="engine", cursor=cursor)
    assert "run the query again from the start" in err.value.hint


def test_cursors_are_short_and_url_safe(hub: Table) -> None:
    cursor = first_cursor(hub.query(Issue, owner="ada", repo="engine", limit=2))
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(cursor) < 120
    assert b"REPO#" not in cursor.encode()  # opaque at a glance


def test_cursors_are_bound_over_http_too(any_table: Table) -> None:
    any_table.register(*ENTITIES)
    seed(any_table)
    cursor = first_cursor(any_table.query(Issue, owner="ada", repo="engine", limit=3))
    assert numbers(any_table.query(Issue, owner="ada", repo="engine", cursor=cursor).all()) == [
        "004",
        "005",
        "006",
        "007",
    ]
    with pytest.raises(CursorMismatchError):
        any_table.query(Issue, owner="ada", repo="notes", cursor=cursor).all()


# -- item 7: one check of conditions and filters -------------------------------------------------------


def test_a_filter_on_a_key_field_is_refused_not_an_empty_result(hub: Table) -> None:
    with pytest.raises(ValidationError) as err:
        hub.query(Issue, owner="ada", repo="engine", filter=Attr("number").eq("003")).all()
    assert err.value.field == "number"
    assert "'number' is a key field of Issue: it is stored inside PK/SK" in str(err.value)
    assert "'title'" in err.value.hint and "sk=SortKey" in err.value.hint


def test_a_misspelled_filter_is_refused_with_the_valid_names(hub: Table) -> None:
    with pytest.raises(ValidationError) as err:
        hub.query(Issue, owner="ada", repo="engine", filter=Attr("titel").begins_with("bug")).all()
    assert "Issue has no attribute 'titel'; did you mean 'title'?" in str(err.value)
    assert "'state'" in err.value.hint
    with pytest.raises(ValidationError, match="'logn'"):
        hub.query(Star, index="GSI1", login="cy", filter=Attr("logn").exists())


def test_valid_filters_and_raw_queries_still_work(hub: Table) -> None:
    got = hub.query(
        Issue, owner="ada", repo="engine", filter=Attr("title").eq("bug 3") | Attr("_type").eq("x")
    )
    assert numbers(got.all()) == ["003"]
    # A raw partition query names no entity: it is not checked (items written by hand hold anything).
    assert hub.query(pk="REPO#ada#engine", filter=Attr("number").exists()).all() == []


def test_update_conditions_on_key_fields_or_typos_are_refused_before_sending(hub: Table) -> None:
    key = {"owner": "ada", "name": "engine"}
    with pytest.raises(ValidationError, match="Repo has no attribute 'nmae'"):
        hub.update(Repo, {"description": "fast"}, **key, condition=Attr("nmae").exists())
    with pytest.raises(ValidationError, match="'name' is a key field of Repo") as err:
        hub.update(Repo, {"description": "fast"}, **key, condition=Attr("name").eq("engine"))
    assert "the key you pass already fixes the key fields" in err.value.hint
    assert hub.get(Repo, **key) == Repo(owner="ada", name="engine", star_count=3)
    updated = hub.update(Repo, Update().increment("star_count"), **key, condition=Attr("star_count").lt(10))
    assert updated.star_count == 4


def test_put_and_delete_conditions_are_checked(hub: Table) -> None:
    repo = Repo(owner="ada", name="engine", description="rewritten")
    with pytest.raises(ValidationError, match="'star_cnt'"):
        hub.put(repo, condition=Attr("star_cnt").lt(5))
    with pytest.raises(ValidationError, match="'owner' is a key field of Repo"):
        hub.delete(Repo, owner="ada", name="engine", condition=Attr("owner").eq("ada"))
    with pytest.raises(ValidationError, match="'descripton'"):
        hub.delete(repo, condition=Attr("descripton").not_exists())
    assert hub.get(Repo, owner="ada", name="engine") == Repo(owner="ada", name="engine", star_count=3)
    # Plain-item calls stay unchecked.
    hub.put_item({"PK": "X#1", "SK": "Y", "anything": 1}, condition=Attr("whatever").not_exists())


def test_transactions_use_the_same_check_with_the_same_words(hub: Table) -> None:
    bad = Attr("nmae").exists()
    with pytest.raises(ValidationError) as direct:
        hub.update(Repo, {"description": "x"}, owner="ada", name="engine", condition=bad)
    for add in (
        lambda tx: tx.update(Repo, {"description": "x"}, owner="ada", name="engine", condition=bad),
        lambda tx: tx.put(Repo(owner="ada", name="engine"), condition=bad),
        lambda tx: tx.delete(Repo, owner="ada", name="engine", condition=bad),
        lambda tx: tx.condition_check(Repo, bad, owner="ada", name="engine"),
    ):
        with pytest.raises(ValidationError) as err:
            add(hub.transact_write())
        assert str(err.value) == str(direct.value)
    with pytest.raises(ValidationError, match="'login' is a key field of Star"):
        hub.transact_write().delete(
            Star, owner="ada", repo="engine", login="bob", condition=Attr("login").exists()
        )


# -- item 11: engine unreachable ------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_unreachable_engine_is_one_catalogued_error_within_seconds(closed_port: int, host: str) -> None:
    endpoint = f"http://{host}:{closed_port}"
    accounts = Table(TableSpec(name="hub"), endpoint_url=endpoint, entities=ENTITIES)
    calls = [
        lambda: accounts.get(Account, login="ada"),
        lambda: accounts.put(Account(login="ada", name="Ada")),
        lambda: accounts.query(Repo, owner="ada").all(),
        lambda: accounts.batch_write([Account(login="bob", name="Bob")]),
        lambda: accounts.transact_write().put(Account(login="cy", name="Cy")).commit(),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises((EngineUnreachableError, BatchIncompleteError)) as raised:
            call()
        took = time.monotonic() - started
        assert took < 5, took
        # A batch reports what it did not write; the reason is the same error.
        err = raised.value if isinstance(raised.value, EngineUnreachableError) else raised.value.__cause__
        assert isinstance(err, EngineUnreachableError)
        assert err.code == "ST310"
        assert err.endpoint == endpoint
        line = str(err)
        assert "\n" not in line
        assert line.startswith(f"[ST310] cannot reach the engine at {endpoint} (")
        assert "Connection refused" in line
        assert line.endswith(
            "Fix: start the local engine (singletable local) or check --endpoint-url / $AWS_ENDPOINT_URL_DYNAMODB"
        )


def test_one_attempt_means_one_attempt(closed_port: int) -> None:
    accounts = Table(endpoint_url=f"http://127.0.0.1:{closed_port}", max_attempts=2)
    started = time.monotonic()
    with pytest.raises(EngineUnreachableError):
        accounts.get_item("ACCOUNT#ada", "PROFILE")
    assert time.monotonic() - started < 0.5


def test_a_stuck_loopback_listener_times_out_in_seconds_not_minutes() -> None:
    # A listener that never accepts: once its backlog is full, connects hang (botocore waits 60 s each).
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = [socket.socket() for _ in range(8)]
        for s in fillers:
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
        try:
            accounts = Table(endpoint_url=f"http://127.0.0.1:{port}", max_attempts=3)
            started = time.monotonic()
            with pytest.raises(EngineUnreachableError, match=r"\(connecting timed out\)"):
                accounts.get_item("ACCOUNT#ada", "PROFILE")
            assert time.monotonic() - started < 10  # 2 tries of 2 s
        finally:
            for s in fillers:
                s.close()


@pytest.fixture
def resetting_proxy(singletable_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_endpoint, seed=3) as proxy:  # the HTTP engine, where the tables are
        yield proxy


def test_resets_after_the_connection_opened_are_still_retried(
    resetting_proxy: FaultProxy, singletable_endpoint: str
) -> None:
    spec = engine_table_spec("hub-resets")
    spec.create(make_client(endpoint_url=singletable_endpoint), exist_ok=True)
    accounts = Table(spec, endpoint_url=resetting_proxy.endpoint_url, max_attempts=4, entities=ENTITIES)
    resetting_proxy.set_rates(reset_before=1.0)
    with pytest.raises(ConnectionClosedError):
        accounts.get(Account, login="ada")
    # Retried as botocore retries (max_attempts=4 tries), not cut short.
    assert resetting_proxy.counts()["reset_before"] == 4
    resetting_proxy.set_rates(reset_before=0.0)
    assert accounts.get(Account, login="ada") is None
