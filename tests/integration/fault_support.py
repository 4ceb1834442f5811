"""Helpers for the tests behind the fault proxy: a fresh table on the engine, reached through the proxy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from singletable import Entity, Table, TableSpec, make_client
from singletable.local import LocalServer
from singletable.local.faults import FaultProxy


@contextmanager
def table_behind_proxy(
    server: LocalServer, proxy: FaultProxy, entities: list[type[Entity]], *, max_attempts: int
) -> Iterator[Table]:
    """A new table, created on the engine directly (no faults) and opened through ``proxy`` with
    ``max_attempts`` tries per request (the first included); deleted after."""
    spec = TableSpec(name=f"t-{uuid.uuid4().hex[:12]}", deletion_protection=False)
    direct = make_client(endpoint_url=server.endpoint_url)
    spec.create(direct)
    try:
        yield Table(
            spec,
            client=make_client(endpoint_url=proxy.endpoint_url, max_attempts=max_attempts),
            entities=entities,
        )
    finally:
        spec.delete(direct)
