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

Three engines (docs/engines.md): moto (the default), AWS's DynamoDB Local and dynalite.

- ``singletable_dynamodb_local`` / ``singletable_dynalite``: that engine over HTTP, one per session; the
  test is skipped, saying what to install, where java/node or the engine is missing;
- ``singletable_engine``: a test taking it (or ``singletable_engine_table``) runs once per engine, as
  ``test_x[moto]``, ``test_x[dynamodb-local]``, ``test_x[dynalite]``; mark it
  ``@pytest.mark.singletable_engines("moto", "dynamodb-local")`` to choose; each run carries a marker
  (``moto``, ``dynamodb_local``, ``dynalite``) for ``-m``;
- ``singletable_engine_table``: a uniquely named table on that engine (no PITR, and no TTL on dynalite,
  which lack them), dropped after the test.

``SINGLETABLE_ENGINES`` (a comma list: ``moto,dynamodb-local``) narrows the per-engine tests.
``SINGLETABLE_HTTP_ENGINE=dynamodb-local`` (or ``dynalite``) runs every test that uses the HTTP engine
(``singletable_endpoint``, ``singletable_http_table``, ...) on that engine instead of moto: the whole
suite on another engine (``make test-engines``).

A test that needs what an engine lacks (``pitr``, ``ttl``, ``transactions``, ``streams``, ...: the one table
``singletable.local.engines.CAPABILITIES``) says so with ``@requires_engine_feature("pitr")`` (the
marker ``singletable_requires``): on an engine without it, it is skipped with the reason; on moto it runs.
``engine_table_spec()`` is a spec for a table a test creates itself on the HTTP engine (without what it lacks).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from singletable.local.engines import (
    ENGINES,
    EngineName,
    Feature,
    engine_available,
    engine_features,
    engine_supports,
)

if TYPE_CHECKING:
    from singletable.aio import AsyncTable
    from singletable.local import DynaliteServer, InProcessEngine, LocalServer
    from singletable.local.dynamodb_local import DynamoDBLocalServer
    from singletable.spec import TableSpec
    from singletable.table import Table

#: Environment variable choosing the per-engine tests' engines (a comma list); see the module's docstring.
ENGINES_ENV = "SINGLETABLE_ENGINES"
#: Environment variable naming the engine behind ``singletable_endpoint`` (moto when unset).
HTTP_ENGINE_ENV = "SINGLETABLE_HTTP_ENGINE"


@dataclass(frozen=True)
class EngineRef:
    """A running engine as a test sees it: its name, its URL and what it lacks (``pitr``, ``ttl``, ...)."""

    name: EngineName
    endpoint_url: str
    lacks: frozenset[str]


def selected_engines() -> tuple[EngineName, ...]:
    """The engines ``$SINGLETABLE_ENGINES`` names (all three when it is unset or ``all``)."""
    raw = os.environ.get(ENGINES_ENV, "").strip()
    if not raw or raw == "all":
        return ENGINES
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise pytest.UsageError(f"{ENGINES_ENV}: unknown engine(s) {unknown}; known: {', '.join(ENGINES)}")
    return tuple(n for n in ENGINES if n in names)


def table_spec_for(engine: EngineName, name: str | None = None, **settings: Any) -> TableSpec:
    """The module's spec (with ``settings``, TableSpec's fields), uniquely named, deletion protection off
    unless asked, without what ``engine`` lacks (PITR, TTL, a KMS key: ``CAPABILITIES``)."""
    from singletable.spec import TableSpec

    lacks = engine_features(engine)
    settings.setdefault("deletion_protection", False)
    if "pitr" in lacks:
        settings["point_in_time_recovery"] = False
    if "ttl" in lacks:
        settings["ttl_attribute"] = None
    if "encryption" in lacks:
        settings["encryption"] = False
    return TableSpec(name=name or f"t-{uuid.uuid4().hex[:12]}", **settings)


def drop_table(engine: EngineName, spec: TableSpec, client: Any) -> None:
    """Delete the table; on dynalite without turning deletion protection off first (it refuses that)."""
    if engine == "dynalite":
        client.delete_table(TableName=spec.name)
    else:
        spec.delete(client)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "singletable_engines(*names): the engines a singletable_engine test runs on (default: all)"
    )
    for name in ENGINES:
        config.addinivalue_line("markers", f"{name.replace('-', '_')}: runs on the {name} engine")
    _session_http_engine[:] = [http_engine()]
    config.addinivalue_line(
        "markers",
        "singletable_requires(*features): skip on an engine lacking one of them (a name of "
        "singletable.local.engines.FEATURES: pitr, ttl, transactions, ...); see requires_engine_feature",
    )


def requires_engine_feature(*features: Feature) -> pytest.MarkDecorator:
    """Mark a test as needing ``features`` of its engine: skipped, with the reason, on an engine without
    them (``SINGLETABLE_HTTP_ENGINE``, or the run of a per-engine test); moto serves them all."""
    for feature in features:
        engine_supports("moto", feature)  # refuses an unknown feature name at import time
    return pytest.mark.singletable_requires(*features)


def _item_engine(item: pytest.Item) -> EngineName | None:
    """The engine a test runs on, or None when it takes no HTTP engine (in-process moto only)."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "singletable_engine_name" in callspec.params:
        name: EngineName = callspec.params["singletable_engine_name"]
        return name
    if "singletable_engine_name" in getattr(item, "fixturenames", ()):
        return http_engine()
    return None


def skip_unless_engine_serves(node: pytest.Item, engine: EngineName) -> None:
    """Skip the running test when ``engine`` lacks a feature its ``singletable_requires`` markers name
    (for fixtures that pick the engine late, as one parametrised over in-process and HTTP tables)."""
    missing: list[str] = []
    for marker in node.iter_markers("singletable_requires"):  # the module's and the test's: all named
        missing += [f for f in marker.args if not engine_supports(engine, f) and f not in missing]
    if missing:
        pytest.skip(f"{engine} lacks {', '.join(missing)} (docs/engines.md)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a ``singletable_requires`` test on an engine that lacks a feature it needs."""
    engine = _item_engine(item)
    if engine is not None:
        skip_unless_engine_serves(item, engine)


def engine_table_spec(name: str | None = None, **settings: Any) -> TableSpec:
    """A spec for a table a test creates on the HTTP engine (``SINGLETABLE_HTTP_ENGINE``, else moto):
    ``table_spec_for`` that engine (on moto exactly ``TableSpec(name, deletion_protection=False, ...)``)."""
    return table_spec_for(http_engine(), name, **settings)


#: ``$SINGLETABLE_HTTP_ENGINE`` as the session began: tests that clear ``SINGLETABLE_*`` from their
#: environment (CLI tests do) still run on, and ask about, the session's engine.
_session_http_engine: list[EngineName] = []


def http_engine() -> EngineName:
    """The engine behind ``singletable_endpoint``: ``$SINGLETABLE_HTTP_ENGINE`` (as the session began),
    else moto."""
    if _session_http_engine:
        return _session_http_engine[0]
    name = os.environ.get(HTTP_ENGINE_ENV, "").strip() or "moto"
    if name not in ENGINES:
        raise pytest.UsageError(f"{HTTP_ENGINE_ENV}: unknown engine {name!r}; known: {', '.join(ENGINES)}")
    return name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run ``singletable_engine`` tests once per engine."""
    if "singletable_engine" not in metafunc.fixturenames:
        return  # an ordinary HTTP test: on the HTTP engine, unparametrised
    marker = metafunc.definition.get_closest_marker("singletable_engines")
    wanted = selected_engines()
    if marker is not None:
        wanted = tuple(n for n in wanted if n in marker.args)
    params = [pytest.param(n, id=n, marks=getattr(pytest.mark, n.replace("-", "_"))) for n in wanted]
    metafunc.parametrize("singletable_engine_name", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def singletable_engine_name(request: pytest.FixtureRequest) -> EngineName:
    """The engine this test runs on: one per run of a per-engine test, else the HTTP engine (moto)."""
    name: EngineName = getattr(request, "param", None) or http_engine()
    return name


@pytest.fixture(scope="session")
def singletable_server() -> Iterator[LocalServer]:
    """The local engine over HTTP on a free loopback port, one per test session (tables outlive tests)."""
    from singletable.local import LocalServer

    with LocalServer(ttl_sweep_interval=None) as server:
        yield server


@pytest.fixture(scope="session")
def singletable_dynamodb_local() -> Iterator[DynamoDBLocalServer]:
    """AWS's DynamoDB Local over HTTP, one per session; skipped where java or the jar is missing."""
    from singletable.local.dynamodb_local import DynamoDBLocalServer

    missing = engine_available("dynamodb-local")
    if missing is not None:
        pytest.skip(missing)
    with DynamoDBLocalServer() as server:
        yield server


@pytest.fixture(scope="session")
def singletable_dynalite() -> Iterator[DynaliteServer]:
    """dynalite over HTTP, one per session; skipped where node or dynalite is missing."""
    from singletable.local import DynaliteServer

    missing = engine_available("dynalite")
    if missing is not None:
        pytest.skip(missing)
    with DynaliteServer() as server:
        yield server


@pytest.fixture(scope="session")
def singletable_engine(singletable_engine_name: EngineName, request: pytest.FixtureRequest) -> EngineRef:
    """The engine this test runs on (one run per engine): name, URL and what it lacks."""
    fixture = {
        "moto": "singletable_server",
        "dynamodb-local": "singletable_dynamodb_local",
        "dynalite": "singletable_dynalite",
    }[singletable_engine_name]
    server = request.getfixturevalue(fixture)
    return EngineRef(singletable_engine_name, server.endpoint_url, engine_features(singletable_engine_name))


@pytest.fixture
def singletable_engine_table(
    singletable_engine: EngineRef, request: pytest.FixtureRequest
) -> Iterator[Table]:
    """A uniquely named table on this test's engine (without what it lacks), dropped after the test."""
    from singletable.client import make_client
    from singletable.table import Table

    spec = table_spec_for(singletable_engine.name)
    skip_unless_engine_serves(request.node, singletable_engine.name)
    client = make_client(endpoint_url=singletable_engine.endpoint_url)
    spec.create(client)
    yield Table(spec, client=client)
    drop_table(singletable_engine.name, spec, client)


@pytest.fixture(scope="session")
def singletable_endpoint(singletable_engine_name: EngineName, request: pytest.FixtureRequest) -> str:
    """The session engine's URL, for code or tools that take an endpoint (aws CLI, Terraform, boto3).

    moto's, unless ``$SINGLETABLE_HTTP_ENGINE`` names another."""
    if singletable_engine_name == "moto":
        server: LocalServer = request.getfixturevalue("singletable_server")
        return server.endpoint_url
    engine: EngineRef = request.getfixturevalue("singletable_engine")
    return engine.endpoint_url


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
def singletable_http_table(
    singletable_endpoint: str, singletable_engine_name: EngineName, request: pytest.FixtureRequest
) -> Iterator[Table]:
    """A uniquely named table on the session engine over HTTP, dropped after the test."""
    from singletable.client import make_client
    from singletable.table import Table

    skip_unless_engine_serves(request.node, singletable_engine_name)

    spec = table_spec_for(singletable_engine_name)
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    yield Table(spec, client=client)
    drop_table(singletable_engine_name, spec, client)


@pytest.fixture
def singletable_async_table(
    singletable_endpoint: str, singletable_engine_name: EngineName, request: pytest.FixtureRequest
) -> Iterator[AsyncTable]:
    from singletable.aio import AsyncTable
    from singletable.client import make_client

    skip_unless_engine_serves(request.node, singletable_engine_name)

    spec = table_spec_for(singletable_engine_name)
    client = make_client(endpoint_url=singletable_endpoint)
    spec.create(client)
    table = AsyncTable(spec, endpoint_url=singletable_endpoint)
    yield table
    # The test's loop may be gone: closing the pool needs no loop of its own, so a fresh one does.
    asyncio.run(table.close())
    drop_table(singletable_engine_name, spec, client)


@pytest.fixture
def singletable_async_inprocess_table(singletable_inprocess: InProcessEngine) -> AsyncTable:
    from singletable.aio import AsyncTable
    from singletable.spec import TableSpec
    from singletable.transport import ClientTransport, InlineTransport

    spec = TableSpec(deletion_protection=False)
    client = singletable_inprocess.client()
    spec.create(client)
    return AsyncTable(spec, transport=InlineTransport(ClientTransport(client)))
