"""A small non-seed domain for the stream tests: a library's members and their loans."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from singletable import Entity, Table, TableSpec
from singletable.client import make_client
from singletable.local import InProcessEngine
from singletable.testing import engine_table_spec


class Member(Entity):
    __pk__ = "MEMBER#{member_id}"
    __sk__ = "PROFILE"
    member_id: str
    name: str
    loans: int = 0
    counted: set[str] = set()  # loans already counted: what makes counting idempotent


class Loan(Entity):
    __pk__ = "MEMBER#{member_id}"
    __sk__ = "LOAN#{loan_id}"
    member_id: str
    loan_id: str
    title: str


def stream_spec(view: str = "NEW_AND_OLD_IMAGES") -> TableSpec:
    return TableSpec(name=f"lib-{uuid.uuid4().hex[:10]}", deletion_protection=False, stream_view_type=view)


@contextmanager
def streamed_table(
    engine: str, endpoint: str | None = None, view: str = "NEW_AND_OLD_IMAGES"
) -> Iterator[Table]:
    """A fresh streamed table with Member and Loan, in-process (``engine="inprocess"``) or at ``endpoint``."""
    spec = stream_spec(view)
    if engine == "inprocess":
        with InProcessEngine() as eng:
            client = eng.client()
            spec.create(client)
            yield Table(spec, client=client, entities=[Member, Loan])
        return
    client = make_client(endpoint_url=endpoint)
    spec = engine_table_spec(spec.name, stream_view_type=view)  # without what the HTTP engine lacks
    spec.create(client)
    try:
        yield Table(spec, client=client, entities=[Member, Loan])
    finally:
        spec.delete(client)
