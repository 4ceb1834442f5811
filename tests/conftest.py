"""Shared fixtures: the plugin's tables (singletable.testing) with the seed's entities registered.

``any_table`` and ``either_table`` also run their tests against :class:`AsyncTable` (over HTTP), seen
through a sync face (tests/sync_async.py): the same tests, not copies."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from singletable import AsyncTable, Table
from singletable.client import make_client
from singletable.local.engines import EngineName
from singletable.seed import ENTITIES
from singletable.testing import drop_table, skip_unless_engine_serves, table_spec_for
from tests.sync_async import LoopThread, SyncTable


@pytest.fixture
def table(singletable_table: Table) -> Table:
    """The seed's table with the seed's entities, on moto in-process (fresh per test)."""
    singletable_table.register(*ENTITIES)
    return singletable_table


@pytest.fixture
def http_table(singletable_http_table: Table) -> Table:
    """A uniquely named seed table on the local engine over HTTP, dropped afterwards."""
    singletable_http_table.register(*ENTITIES)
    return singletable_http_table


@pytest.fixture
def async_http_table(
    singletable_endpoint: str, singletable_engine_name: EngineName, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """An AsyncTable on a fresh seed table over HTTP, behind a sync face (so it passes for a Table)."""
    skip_unless_engine_serves(request.node, singletable_engine_name)
    spec = table_spec_for(singletable_engine_name, f"a-{uuid.uuid4().hex[:12]}")
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    runner = LoopThread()
    table = AsyncTable(spec, endpoint_url=singletable_endpoint, entities=ENTITIES)
    try:
        yield SyncTable(table, runner, client)
    finally:
        runner.run(table.close())
        runner.close()
        drop_table(singletable_engine_name, spec, client)


@pytest.fixture
def async_inprocess_table(
    singletable_async_inprocess_table: AsyncTable, singletable_inprocess: Any
) -> Iterator[Any]:
    """An AsyncTable on the in-process engine (sent inline), behind the same sync face."""
    singletable_async_inprocess_table.register(*ENTITIES)
    runner = LoopThread()
    try:
        yield SyncTable(singletable_async_inprocess_table, runner, singletable_inprocess.client())
    finally:
        runner.close()


@pytest.fixture
def engine_table(singletable_engine_table: Table) -> Table:
    """The seed's table with its entities on each engine in turn (moto, DynamoDB Local, dynalite)."""
    singletable_engine_table.register(*ENTITIES)
    return singletable_engine_table


@pytest.fixture(params=["inprocess", "http", "async-http", "async-inprocess"])
def any_table(request: pytest.FixtureRequest) -> Table:
    """The same test on both engines (in-process and over HTTP), on Table and on AsyncTable."""
    name = {
        "inprocess": "table",
        "http": "http_table",
        "async-http": "async_http_table",
        "async-inprocess": "async_inprocess_table",
    }[request.param]
    fixture: Table = request.getfixturevalue(name)
    return fixture


# AsyncTable in-process too, for every either_table test: ~25 s more CPU, so only on demand
# (SINGLETABLE_TEST_ASYNC_INPROCESS=1); any_table runs a representative few that way in every run.
EITHER = ["sync", "async"] + (
    ["async-inprocess"] if os.environ.get("SINGLETABLE_TEST_ASYNC_INPROCESS") else []
)


@pytest.fixture(params=EITHER)
def either_table(request: pytest.FixtureRequest) -> Table:
    """The same test on Table (in-process) and on AsyncTable (over HTTP; in-process too on demand)."""
    name = {"sync": "table", "async": "async_http_table", "async-inprocess": "async_inprocess_table"}
    fixture: Table = request.getfixturevalue(name[request.param])
    return fixture
