"""AsyncTable offers what Table offers: every public member of Table (and of its query and transaction
objects, and the entity-level helpers) has an async twin with the same parameters, or is listed below
as a deliberate exception with its reason. Checked from the classes themselves, so that a call added to
one side and not the other fails here."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest

from singletable import AsyncQuery, AsyncTable, AsyncTransactWrite, Query, Table, aio, transactions
from singletable.transactions import TransactWrite

#: Public members of Table with no async twin, and why.
TABLE_ONLY = {
    "client": "the botocore client of the sync transport; an AsyncTable sends through `transport`",
}
#: Public members of AsyncTable that Table has not, and why.
ASYNC_TABLE_ONLY = {
    "close": "an AsyncTable owns an aiohttp pool bound to its event loop; Table's botocore client needs none",
    "__aenter__": "`async with AsyncTable(...)` closes that pool on the way out",
    "__aexit__": "`async with AsyncTable(...)` closes that pool on the way out",
}
#: Constructor keywords that differ, and why.
INIT_ONLY = {
    "client": "Table: a botocore client to send through",
    "transport": "AsyncTable: an async transport to send through",
}
#: Public members of Query not on AsyncQuery, and why (each is reached as ``async_query.query.<name>``).
QUERY_ONLY = {
    "build": "the constructor the tables call; AsyncQuery wraps the Query it builds",
    "pager": "the sans-I/O paging machinery AsyncQuery.pages drives",
    "converter": "the sans-I/O item reader the pager uses",
    "next_limit": "the sans-I/O page-size rule the pager uses",
    "table": "what the query was built against (AsyncQuery.query.table)",
    "params": "the request parameters (AsyncQuery.request() gives the request)",
    "entity": "build input (AsyncQuery.query.entity)",
    "page_size": "build input (AsyncQuery.query.page_size)",
    "pattern": "build input (AsyncQuery.query.pattern)",
    "key_attrs": "build input (AsyncQuery.query.key_attrs)",
    "operation": "build input (AsyncQuery.query.operation)",
    "raw_items": "build input (AsyncQuery.query.raw_items)",
    "project": "build input (AsyncQuery.query.project)",
}
ASYNC_QUERY_ONLY = {
    "query": "the Query it reads (built and validated once, as the sync one)",
    "transport": "the async transport it reads through",
}
#: Sync protocol members and their async twins.
PROTOCOLS = {"__iter__": "__aiter__", "__enter__": "__aenter__", "__exit__": "__aexit__"}


def public(cls: type) -> dict[str, Any]:
    names = [n for n in dir(cls) if not n.startswith("_") or n in (*PROTOCOLS, *PROTOCOLS.values())]
    return {n: inspect.getattr_static(cls, n) for n in names}


def attribute(member: Any) -> bool:
    """A property, a slot or a plain value, rather than a call."""
    return isinstance(member, property) or inspect.ismemberdescriptor(member) or not callable(member)


def params(func: Callable[..., Any], *, annotations: bool = True) -> list[tuple[Any, ...]]:
    """A call's parameters (self and the first table argument of a helper left out)."""
    out = []
    for p in list(inspect.signature(func).parameters.values()):
        out.append((p.name, p.kind, p.default, p.annotation if annotations else None))
    return out


def same_surface(sync: type, asyncy: type, sync_only: dict[str, str], async_only: dict[str, str]) -> None:
    s, a = public(sync), public(asyncy)
    renamed = {PROTOCOLS.get(n, n) for n in s}
    assert renamed - set(a) == {PROTOCOLS.get(n, n) for n in sync_only}, "a sync call without an async twin"
    assert set(a) - renamed == set(async_only), "an async call without a sync twin"
    for name in sorted(set(s) & set(a)):
        sv, av = s[name], a[name]
        assert attribute(sv) == attribute(av), f"{name}: an attribute on one side, a call on the other"
        if isinstance(sv, property) and isinstance(av, property):
            assert (sv.fset is None) == (av.fset is None), f"{name}: settable on one side only"
        if attribute(sv):
            continue
        assert params(getattr(sync, name)) == params(getattr(asyncy, name)), name


def test_every_public_table_call_has_an_async_twin_with_the_same_parameters() -> None:
    same_surface(Table, AsyncTable, TABLE_ONLY, ASYNC_TABLE_ONLY)


def test_the_calls_that_talk_to_dynamodb_are_coroutines_and_the_others_are_not() -> None:
    lazy = {"query", "reverse", "scan", "transact_write"}  # build an object read or committed later
    plain = {"register", "recognise", "is_expired"}  # no I/O
    for name, member in public(AsyncTable).items():
        if name.startswith("_") or isinstance(member, property) or not callable(member):
            continue
        expected = name not in lazy | plain
        assert inspect.iscoroutinefunction(getattr(AsyncTable, name)) is expected, name


@pytest.mark.parametrize(
    "name", ["get", "put", "update", "delete", "query", "reverse", "batch_get", "transact_get"]
)
def test_the_typed_overloads_are_the_same_on_both_tables(name: str) -> None:
    sync, asyncy = typing.get_overloads(getattr(Table, name)), typing.get_overloads(getattr(AsyncTable, name))
    assert sync and len(sync) == len(asyncy)
    for s, a in zip(sync, asyncy, strict=True):
        assert params(s) == params(a)


def test_the_constructors_differ_only_in_how_requests_are_sent() -> None:
    s = {p[0]: p for p in params(Table.__init__)}
    a = {p[0]: p for p in params(AsyncTable.__init__)}
    assert set(s) ^ set(a) == set(INIT_ONLY)
    assert all(s[n] == a[n] for n in set(s) & set(a))


def test_the_query_and_transaction_objects_have_async_twins() -> None:
    same_surface(Query, AsyncQuery, QUERY_ONLY, ASYNC_QUERY_ONLY)
    same_surface(TransactWrite, AsyncTransactWrite, {}, {})
    assert inspect.iscoroutinefunction(AsyncTransactWrite.commit)
    for name in ("all", "first"):
        assert inspect.iscoroutinefunction(getattr(AsyncQuery, name))


def test_the_entity_level_helpers_have_async_twins() -> None:
    # Each helper of singletable.transactions that takes a Table: a twin in singletable.aio taking an
    # AsyncTable, or a method of AsyncTable.
    helpers = {
        name: func
        for name, func in vars(transactions).items()
        if inspect.isfunction(func)
        and func.__module__ == transactions.__name__
        and list(inspect.signature(func).parameters)[:1] == ["table"]
    }
    assert set(helpers) == {"create_together", "delete_partition", "transact_get"}
    for name, func in helpers.items():
        twin = getattr(aio, name, None) or getattr(AsyncTable, name)
        sync_params = params(func, annotations=False)[1:]
        twin_params = params(twin, annotations=False)[1:]
        if twin is getattr(AsyncTable, name, None):
            # The method takes no backoff (as Table.transact_get): the helper's extra keyword.
            sync_params = [p for p in sync_params if p[0] != "backoff"]
        assert sync_params == twin_params, name
        assert inspect.iscoroutinefunction(twin), name
