"""The pacer sees every throttle the service returned, those the transport retried by itself included.

Behind the fault proxy (throttles only, on the backfill's own requests), with the transport's default retry
budget (ten retries): every throttle is retried inside the transport and none reaches the runner's code,
yet the run's throttle count equals the proxy's, on the lean transport and on botocore's full path.
The proxy's draws come from one seeded generator, one per request, so the count is the same every run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from singletable import Table
from singletable.client import make_client
from singletable.local.faults import FaultProxy, FaultRates
from singletable.migrate import Migrator
from singletable.testing import drop_table, http_engine
from singletable.transport import ClientTransport
from singletable.transport.attempts import FailedAttempt
from singletable.transport.lean import LeanTransport
from tests.migrate_support import (
    Ticket,
    TicketV0,
    all_items,
    check_keys,
    engine_spec,
    seed,
    ticket_id,
    write_folder,
)

pytestmark = pytest.mark.integration

ITEMS = 40
# Only the backfill's requests (scan pages, conditional updates, re-reads) are throttled: the ledger's
# lock and run record, sent before and after the backfill, are not in the pacer's window.
THROTTLES = FaultRates(
    throughput_exceeded=0.05, throttling=0.05, operations=frozenset({"Scan", "UpdateItem", "GetItem"})
)


@pytest.fixture
def seeded(singletable_endpoint: str) -> Iterator[Table]:
    s = engine_spec(f"thr-{uuid.uuid4().hex[:10]}")
    client = make_client(endpoint_url=singletable_endpoint)
    s.create(client)
    table = Table(s, client=client, entities=[TicketV0])
    seed(table, ITEMS)
    yield table
    drop_table(http_engine(), s, client)


@pytest.mark.parametrize("path", ["lean", "botocore"])
def test_pacer_counts_every_throttle_the_proxy_threw(
    singletable_endpoint: str, seeded: Table, tmp_path: Path, path: Literal["lean", "botocore"]
) -> None:
    with FaultProxy(singletable_endpoint, THROTTLES, seed=7) as proxy:
        if path == "lean":
            table = Table(seeded.spec, endpoint_url=proxy.endpoint_url, entities=[Ticket])
            assert isinstance(table.transport, LeanTransport) and table.transport.lean
        else:
            table = Table(seeded.spec, client=make_client(endpoint_url=proxy.endpoint_url), entities=[Ticket])
            assert isinstance(table.transport, ClientTransport)
        migrator = Migrator(table, write_folder(tmp_path / "migrations"), lease_seconds=60)
        [report] = migrator.up(segments=4, page_size=10)
        counts = proxy.counts()
    thrown = counts["throughput_exceeded"] + counts["throttling"]
    print(f"\n{path}: the proxy threw {thrown} throttles, the pacer counted {report.throttles}")
    assert report.throttles == thrown > 0
    assert report.changed == ITEMS and check_keys(all_items(seeded)) == []


def test_lean_transport_switched_to_botocore_keeps_reporting(
    singletable_endpoint: str, seeded: Table
) -> None:
    # Legacy retries (50 ms, doubled) keep this short; the reports do not depend on the mode.
    rates = FaultRates(throttling=0.5, operations=frozenset({"GetItem"}))
    with FaultProxy(singletable_endpoint, rates, seed=3) as proxy:
        table = Table(seeded.spec, endpoint_url=proxy.endpoint_url, entities=[TicketV0], retry_mode="legacy")
        transport = table.transport
        assert isinstance(transport, LeanTransport)
        seen: list[FailedAttempt] = []
        stop = transport.observe_retries(seen.append)
        table.get(TicketV0, ticket_id=ticket_id(1))
        lean, on_lean = len(seen), proxy.counts()["throttling"]
        transport.use_full_path("a test")  # as when a handler is registered on the client's events
        table.get(TicketV0, ticket_id=ticket_id(2))
        table.get(TicketV0, ticket_id=ticket_id(3))
        reported, thrown = len(seen), proxy.counts()["throttling"]
        stop()
        table.get(TicketV0, ticket_id=ticket_id(4))
        after = proxy.counts()["throttling"]
    assert not transport.lean
    assert {f.code for f in seen} == {"ThrottlingException"} and all(f.throttle for f in seen)
    print(
        f"\nlean then botocore: {lean} + {reported - lean} reported of {thrown} thrown; {after - thrown} after"
    )
    assert 0 < lean == on_lean < reported == thrown  # each path reported each throttle of its own
    assert after > thrown and len(seen) == reported  # once stopped, no more reports
