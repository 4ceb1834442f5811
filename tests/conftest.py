"""Shared fixtures: a ready single table on the in-process engine and on the HTTP engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from singletable import Table, TableSpec, make_client
from singletable.local import InProcessEngine
from singletable.seed import ENTITIES


@pytest.fixture
def table(singletable_inprocess: InProcessEngine) -> Table:
    """The seed's table with the seed's entities, on moto in-process (fresh per test)."""
    spec = TableSpec(deletion_protection=False)
    client = singletable_inprocess.client()
    spec.create(client)
    return Table(spec, client=client, entities=ENTITIES)


@pytest.fixture
def http_table(singletable_endpoint: str) -> Iterator[Table]:
    """A uniquely named table on the local engine over HTTP, dropped afterwards."""
    spec = TableSpec(name=f"t-{uuid.uuid4().hex[:12]}", deletion_protection=False)
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    yield Table(spec, client=client, entities=ENTITIES)
    spec.delete(client)
