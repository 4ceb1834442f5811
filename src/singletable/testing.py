"""pytest plugin: a ready local DynamoDB for users' own test suites.

Installed with singletable (entry point ``pytest11``). Fixtures:

- ``singletable_server``: the local engine over HTTP on a free loopback port (one per session);
- ``singletable_endpoint``: its URL, for code or tools that take an endpoint;
- ``singletable_inprocess``: moto in-process for the duration of one test (fastest).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from singletable.local import InProcessEngine, LocalServer


@pytest.fixture(scope="session")
def singletable_server() -> Iterator[LocalServer]:
    from singletable.local import LocalServer

    with LocalServer(ttl_sweep_interval=None) as server:
        yield server


@pytest.fixture(scope="session")
def singletable_endpoint(singletable_server: LocalServer) -> str:
    return singletable_server.endpoint_url


@pytest.fixture
def singletable_inprocess() -> Iterator[InProcessEngine]:
    from singletable.local import InProcessEngine

    with InProcessEngine() as engine:
        yield engine
