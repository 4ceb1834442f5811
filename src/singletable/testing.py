"""pytest plugin: a ready local DynamoDB for users' own test suites.

Installed with singletable (entry point ``pytest11``), nothing to configure. Fixtures:

- ``singletable_inprocess``: moto in-process for the duration of one test (fastest);
- ``singletable_table``: a fresh ``my-app-main-table`` (the module's spec) on it, as a :class:`Table`;
  call ``singletable_table.register(MyEntity, ...)`` to add your entities;
- ``singletable_server``: the local engine over HTTP on a free loopback port (one per session);
- ``singletable_endpoint``: its URL, for code or tools that take an endpoint (aws CLI, Terraform);
- ``singletable_http_table``: a uniquely named table on that server, dropped after the test;
- ``singletable_async_table``: the same as an :class:`~singletable.aio.AsyncTable` (needs the ``async``
  extra). Use it inside your test's event loop (``asyncio.run(...)``, or an async test under
  pytest-asyncio / anyio): a table belongs to the first loop that uses it. It is closed and dropped
  after the test;
- ``singletable_async_inprocess_table``: an :class:`~singletable.aio.AsyncTable` on the in-process engine
  (its requests run inline on the loop: fast, no server; no aiohttp needed).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from singletable.aio import AsyncTable
    from singletable.local import InProcessEngine, LocalServer
    from singletable.table import Table


@pytest.fixture(scope="session")
def singletable_server() -> Iterator[LocalServer]:
    """The local engine over HTTP on a free loopback port, one per test session (tables outlive tests)."""
    from singletable.local import LocalServer

    with LocalServer(ttl_sweep_interval=None) as server:
        yield server


@pytest.fixture(scope="session")
def singletable_endpoint(singletable_server: LocalServer) -> str:
    """The session engine's URL, for code or tools that take an endpoint (aws CLI, Terraform, boto3)."""
    return singletable_server.endpoint_url


@pytest.fixture
def singletable_inprocess() -> Iterator[InProcessEngine]:
    """moto in-process for one test (fastest, no port); ``.client()`` gives a client to it."""
    from singletable.local import InProcessEngine

    with InProcessEngine() as engine:
        yield engine


@pytest.fixture
def singletable_table(singletable_inprocess: InProcessEngine) -> Table:
    """A fresh my-app-main-table (the Terraform module's spec) in-process; ``.register(MyEntity)`` yours."""
    from singletable.spec import TableSpec
    from singletable.table import Table

    spec = TableSpec(deletion_protection=False)
    client = singletable_inprocess.client()
    spec.create(client)
    return Table(spec, client=client)


@pytest.fixture
def singletable_http_table(singletable_endpoint: str) -> Iterator[Table]:
    """A uniquely named table on the session engine over HTTP, dropped after the test."""
    from singletable.client import make_client
    from singletable.spec import TableSpec
    from singletable.table import Table

    spec = TableSpec(name=f"t-{uuid.uuid4().hex[:12]}", deletion_protection=False)
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    yield Table(spec, client=client)
    spec.delete(client)


@pytest.fixture
def singletable_async_table(singletable_endpoint: str) -> Iterator[AsyncTable]:
    from singletable.aio import AsyncTable
    from singletable.client import make_client
    from singletable.spec import TableSpec

    spec = TableSpec(name=f"t-{uuid.uuid4().hex[:12]}", deletion_protection=False)
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    table = AsyncTable(spec, endpoint_url=singletable_endpoint)
    yield table
    # The test's loop may be gone: closing the pool needs no loop of its own, so a fresh one does.
    asyncio.run(table.close())
    spec.delete(client)


@pytest.fixture
def singletable_async_inprocess_table(singletable_inprocess: InProcessEngine) -> AsyncTable:
    from singletable.aio import AsyncTable
    from singletable.spec import TableSpec
    from singletable.transport import ClientTransport, InlineTransport

    spec = TableSpec(deletion_protection=False)
    client = singletable_inprocess.client()
    spec.create(client)
    return AsyncTable(spec, transport=InlineTransport(ClientTransport(client)))
