"""Shared fixtures: the plugin's tables (singletable.testing) with the seed's entities registered."""

from __future__ import annotations

import pytest

from singletable import Table
from singletable.seed import ENTITIES


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


@pytest.fixture(params=["inprocess", "http"])
def any_table(request: pytest.FixtureRequest) -> Table:
    """The same test on both engines: in-process and over HTTP."""
    name = "table" if request.param == "inprocess" else "http_table"
    fixture: Table = request.getfixturevalue(name)
    return fixture
