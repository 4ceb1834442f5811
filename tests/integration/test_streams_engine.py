"""End to end on the local engine (in-process and over HTTP): writes through Table appear in the stream as
typed changes with the right kinds and images, in order per key; foreign items come through as dicts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from singletable import AsyncTable, Table, Update
from singletable.client import make_client
from singletable.errors import StreamNotEnabledError
from singletable.local import sweep_expired
from singletable.spec import TableSpec
from singletable.streams import AsyncStreamReader, Change, Router, StreamReader, lambda_event
from singletable.testing import (
    drop_table,
    engine_table_spec,
    http_engine,
    requires_engine_feature,
    skip_unless_engine_serves,
)
from tests.streams_domain import Loan, Member, stream_spec, streamed_table

pytestmark = [pytest.mark.integration, requires_engine_feature("streams")]  # over HTTP


@pytest.fixture(params=["inprocess", "http"])
def stable(request: pytest.FixtureRequest) -> Iterator[Table]:
    if request.param == "http":
        skip_unless_engine_serves(request.node, http_engine())
    endpoint = request.getfixturevalue("singletable_endpoint") if request.param == "http" else None
    with streamed_table(request.param, endpoint) as table:
        yield table


def _writes(table: Table) -> None:
    table.put(Member(member_id="m1", name="Ada"))
    table.put(Loan(member_id="m1", loan_id="l1", title="Dune"))
    table.update(Member, Update().increment("loans"), member_id="m1")
    table.batch_write(
        puts=[
            Loan(member_id="m1", loan_id="l2", title="Emma"),
            Loan(member_id="m2", loan_id="l3", title="Ulysses"),
        ],
        deletes=[Loan(member_id="m1", loan_id="l1", title="Dune")],
    )
    with table.transact_write() as tx:
        tx.put(Loan(member_id="m1", loan_id="l4", title="Beloved"))
        tx.update(Member, Update().increment("loans"), member_id="m1")
    table.put_item({"PK": "AUDIT#1", "SK": "X", "note": "not an entity"})
    table.delete(Member, member_id="m1")


def _summary(changes: list[Change[Any]]) -> list[tuple[str, str | None, str, Any, Any]]:
    def image(x: Any) -> Any:
        if isinstance(x, Member):
            return ("Member", x.name, x.loans)
        if isinstance(x, Loan):
            return ("Loan", x.loan_id, x.title)
        return x

    return [
        (c.kind, c.entity_name, f"{c.keys['PK']}/{c.keys['SK']}", image(c.old), image(c.new)) for c in changes
    ]


EXPECTED = [
    ("insert", "Member", "MEMBER#m1/PROFILE", None, ("Member", "Ada", 0)),
    ("insert", "Loan", "MEMBER#m1/LOAN#l1", None, ("Loan", "l1", "Dune")),
    ("modify", "Member", "MEMBER#m1/PROFILE", ("Member", "Ada", 0), ("Member", "Ada", 1)),
    ("insert", "Loan", "MEMBER#m1/LOAN#l2", None, ("Loan", "l2", "Emma")),
    ("insert", "Loan", "MEMBER#m2/LOAN#l3", None, ("Loan", "l3", "Ulysses")),
    ("remove", "Loan", "MEMBER#m1/LOAN#l1", ("Loan", "l1", "Dune"), None),
    ("insert", "Loan", "MEMBER#m1/LOAN#l4", None, ("Loan", "l4", "Beloved")),
    ("modify", "Member", "MEMBER#m1/PROFILE", ("Member", "Ada", 1), ("Member", "Ada", 2)),
    ("insert", None, "AUDIT#1/X", None, {"PK": "AUDIT#1", "SK": "X", "note": "not an entity"}),
    ("remove", "Member", "MEMBER#m1/PROFILE", ("Member", "Ada", 2), None),
]


def _per_key(rows: list[tuple[str, str | None, str, Any, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row[2], []).append(row)
    return out


def test_table_writes_arrive_typed_in_order_per_key(stable: Table) -> None:
    reader = StreamReader(stable)
    _writes(stable)
    changes = reader.read_available()
    rows = _summary(changes)
    # A batch's items may be written in any order; per key the order is the writes' order.
    assert _per_key(rows) == _per_key(EXPECTED)
    assert sorted(rows, key=str) == sorted(EXPECTED, key=str)
    seqs = [int(c.sequence_number) for c in changes]
    assert seqs == sorted(seqs)
    assert all(c.approximate_time.year >= 2024 and c.view_type == "NEW_AND_OLD_IMAGES" for c in changes)
    assert reader.poll() == []


def test_latest_skips_the_past(stable: Table) -> None:
    stable.put(Member(member_id="old", name="Old"))
    reader = StreamReader(stable, start="latest")
    assert reader.poll() == []
    stable.put(Member(member_id="new", name="New"))
    assert [c.keys["PK"] for c in reader.read_available()] == ["MEMBER#new"]


def test_async_reader(stable: Table) -> None:
    async def main() -> list[str]:
        reader = AsyncStreamReader(stable, poll_interval=0.05)
        await asyncio.to_thread(stable.put, Member(member_id="a", name="A"))
        return [c.keys["PK"] async for c in reader.follow(idle_timeout=0.2)]

    assert asyncio.run(main()) == ["MEMBER#a"]


def test_no_stream_is_a_clear_error(singletable_inprocess: Any) -> None:
    client = singletable_inprocess.client()
    spec = TableSpec(name="nostream", deletion_protection=False)
    spec.create(client)
    with pytest.raises(StreamNotEnabledError, match="ST721"):
        StreamReader(Table(spec, client=client)).poll()


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE"])
def test_view_types(view: str) -> None:
    with streamed_table("inprocess", view=view) as table:
        reader = StreamReader(table)
        table.put(Member(member_id="v", name="V"))
        table.update(Member, Update().set(name="W"), member_id="v")
        table.delete(Member, member_id="v")
        changes = reader.read_available()
    assert [c.kind for c in changes] == ["insert", "modify", "remove"]
    assert all(c.entity is Member for c in changes)  # KEYS_ONLY: from the key patterns
    names = [(getattr(c.old, "name", None), getattr(c.new, "name", None)) for c in changes]
    assert (
        names
        == {
            "KEYS_ONLY": [(None, None)] * 3,
            "NEW_IMAGE": [(None, "V"), (None, "W"), (None, None)],
            "OLD_IMAGE": [(None, None), ("V", None), ("W", None)],
        }[view]
    )


@requires_engine_feature("ttl_deletion_records")  # singletable.local's fill on moto (docs/engines.md #38)
def test_a_ttl_deletion_is_told_apart(stable: Table) -> None:
    reader = StreamReader(stable)
    stable.put_item({"PK": "SESSION#1", "SK": "X", "expires_at": 1000})
    stable.put(Member(member_id="gone", name="G"))
    assert sweep_expired(stable.client) == 1
    stable.delete(Member, member_id="gone")
    removes = [(c.keys["PK"], c.by_ttl) for c in reader.read_available() if c.kind == "remove"]
    assert removes == [("SESSION#1", True), ("MEMBER#gone", False)]
    # The same records as Lambda delivers them (userIdentity in camelCase) decode the same.
    records = [c.raw for c in StreamReader(stable).read_available() if c.kind == "remove"]
    event = lambda_event(records)
    assert event["Records"][0]["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert [Router(stable).decode(r).by_ttl for r in event["Records"]] == [True, False]


def test_async_reader_of_an_async_table(singletable_endpoint: str) -> None:
    spec = engine_table_spec(stream_spec().name, stream_view_type="NEW_AND_OLD_IMAGES")
    spec.create(make_client(endpoint_url=singletable_endpoint))

    async def main() -> list[tuple[str, Any]]:
        async with AsyncTable(spec, endpoint_url=singletable_endpoint, entities=[Member, Loan]) as table:
            reader = AsyncStreamReader(table, poll_interval=0.05)
            await table.put(Member(member_id="x", name="X"))
            await table.update(Member, Update().increment("loans"), member_id="x")
            return [(c.kind, c.new) async for c in reader.follow(idle_timeout=0.3)]

    try:
        assert asyncio.run(main()) == [
            ("insert", Member(member_id="x", name="X")),
            ("modify", Member(member_id="x", name="X", loans=1)),
        ]
    finally:
        drop_table(http_engine(), spec, make_client(endpoint_url=singletable_endpoint))


def test_reader_reads_a_closed_shard_to_its_end(stable: Table) -> None:
    """Turning the stream off closes its shard (a real closed shard on the local engine): the reader reads
    it to its end and is done with it."""
    stable.put(Member(member_id="c", name="C"))
    reader = StreamReader(stable)
    assert [c.keys["PK"] for c in reader.poll()] == ["MEMBER#c"]
    stable.client.update_table(TableName=stable.name, StreamSpecification={"StreamEnabled": False})
    stable.put(Member(member_id="unrecorded", name="U"))
    reader.describe()
    assert reader.read_available() == []
    assert all(s.closed and s.done for s in reader.plan.shards.values())
