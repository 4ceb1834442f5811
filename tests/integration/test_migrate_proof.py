"""The issue's proof, on the local engine over HTTP with real processes: a GSI backfill killed with
SIGKILL and resumed, racing a live writer, under injected faults, two runners at once, pacing.

Sizes are small in ``make test``; ``SINGLETABLE_MIGRATE_ITEMS=100000`` (``make migrate-proof``) runs the
issue's size and prints the figures."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from singletable import Table
from singletable.client import make_client
from singletable.local.faults import FaultProxy, FaultRates
from singletable.migrate import Ledger, Migrator
from singletable.testing import drop_table, http_engine
from tests.migrate_support import (
    Ticket,
    TicketV0,
    all_items,
    check_keys,
    content_hash,
    engine_spec,
    seed,
    ticket_id,
    write_folder,
)

pytestmark = pytest.mark.integration

ITEMS = int(os.environ.get("SINGLETABLE_MIGRATE_ITEMS", "600"))
BIG = ITEMS >= 10_000
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}


@pytest.fixture
def tickets(singletable_endpoint: str) -> Iterator[Table]:
    s = engine_spec(f"mig-{uuid.uuid4().hex[:10]}")
    client = make_client(endpoint_url=singletable_endpoint)
    s.create(client)
    yield Table(s, client=client, entities=[Ticket])
    drop_table(http_engine(), s, client)


def _seeded(table: Table, n: int = ITEMS) -> str:
    seed(Table(table.spec, client=table.client, entities=[TicketV0]), n)
    return content_hash(all_items(table))


def _runner(endpoint: str, table: Table, folder: Path, **opts: Any) -> subprocess.Popen[str]:
    opts = {"segments": 4, "page_size": 100 if BIG else 25, "lease_seconds": 2.0, **opts}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.migrate_support",
            "run",
            endpoint,
            table.name,
            str(folder),
            json.dumps(opts),
        ],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_and_resume(
    endpoint: str, table: Table, folder: Path, kills: int, rng: random.Random
) -> dict[str, float]:
    """Start the runner and SIGKILL it at a random point of its run (once it holds the lock) ``kills``
    times, then let a last one finish; the resume time is the last runner's, lease wait included."""
    ledger = Ledger(table)
    killed = 0
    # Paced, so that the run lasts seconds on every engine and each kill lands inside it (unpaced, a run
    # on a loaded machine once finished between reaching its kill point and the kill).
    pace = {} if BIG else {"wcu_per_second": 400}
    while killed < kills:
        proc = _runner(endpoint, table, folder, wait=True, **pace)
        while proc.poll() is None:
            holder = ledger.lock_holder()
            run = ledger.runs().get(1)
            # It holds the lock and has recorded its attempt (killed before that, it made none).
            if holder is not None and f":{proc.pid}:" in holder[0] and run and run.attempts == killed + 1:
                break
            time.sleep(0.05)
        # A random point of the run: once another 5-25 % of the items are checkpointed, plus a random
        # fraction of a page (so the kill lands between writes as well as between pages).
        # Never past 85 %: the pages a runner checkpoints overshoot each target, and the run must not end first.
        target = min(_checkpointed(ledger) + rng.uniform(0.05, 0.25) * ITEMS, 0.85 * ITEMS)
        while proc.poll() is None and _checkpointed(ledger) < target:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is not None:
            break  # finished before we could kill it: nothing left to resume
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run = ledger.runs().get(1)
        if run is not None and run.status == "completed":
            break  # it completed the run while the kill was on its way: not a kill during the run
        killed += 1
    started = time.monotonic()
    proc = _runner(endpoint, table, folder, wait=True)
    out, err = proc.communicate(timeout=7200)
    assert proc.returncode == 0, (out, err)
    return {"kills": killed, "resume_seconds": round(time.monotonic() - started, 1)}


def _checkpointed(ledger: Ledger) -> int:
    return sum(c.scanned for c in ledger.checkpoints(1, "up").values())


def _check_migrated(table: Table, before: str, n: int = ITEMS) -> None:
    items = all_items(table)
    assert len(items) == n
    assert check_keys(items) == []
    assert content_hash(items) == before
    # Each item is in the new index exactly once.
    seen: list[str] = []
    for queue in ("billing", "bugs", "sales", "ops"):
        seen += [i.ticket_id for i in table.query(Ticket, pk=f"QUEUE#{queue}", index="GSI2")]
    assert len(seen) == len(set(seen)) == n


def test_backfill_killed_three_times_resumes(
    singletable_endpoint: str, tickets: Table, tmp_path: Path
) -> None:
    before = _seeded(tickets)
    folder = write_folder(tmp_path / "migrations")
    figures = _kill_and_resume(singletable_endpoint, tickets, folder, 3, random.Random(14))
    _check_migrated(tickets, before)
    [run] = Ledger(tickets).runs().values()
    assert run.status == "completed" and run.attempts == figures["kills"] + 1 == 4
    assert run.scanned >= ITEMS and run.changed <= ITEMS
    assert Ledger(tickets).checkpoints(1, "up") == {}  # cleared once complete
    [v] = Migrator(tickets, folder).verify()
    assert v.ok and v.scanned == ITEMS
    print(f"\nkill/resume: {ITEMS} items, {figures}, run record {run}")


def test_backfill_races_a_live_writer(singletable_endpoint: str, tickets: Table, tmp_path: Path) -> None:
    _seeded(tickets)
    folder = write_folder(tmp_path / "migrations")
    out = tmp_path / "writer.json"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.migrate_support",
            "write",
            singletable_endpoint,
            tickets.name,
            str(ITEMS),
            "3600",
            str(out),
        ],
        cwd=ROOT,
        env=_env(),
    )
    try:
        time.sleep(1.5)  # the writer is under way before the backfill starts
        _kill_and_resume(singletable_endpoint, tickets, folder, 1, random.Random(3))
        time.sleep(0.5)
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.wait(timeout=60)
    written = json.loads(out.read_text())
    assert written["updates"] > 50
    items = {i["PK"]: i for i in all_items(tickets)}
    assert len(items) == ITEMS and check_keys(list(items.values())) == []
    for tid, last in written["last"].items():
        item = items[f"TICKET#{tid}"]
        assert {k: item[k] for k in last} == last, tid  # the writer's last value survived the backfill
    [run] = Ledger(tickets).runs().values()
    print(f"\nlive writer: {written['updates']} updates on {len(written['last'])} items; run {run}")


def test_backfill_under_faults(singletable_endpoint: str, tickets: Table, tmp_path: Path) -> None:
    rates = FaultRates(
        throughput_exceeded=0.04,
        throttling=0.02,
        http_500=0.02,
        http_503=0.02,
        reset_before=0.02,
        reset_after=0.03,
        unprocessed=0.3,
    )
    n = min(ITEMS, 200)
    with FaultProxy(singletable_endpoint, rates, seed=14) as proxy:
        # One retry inside botocore (two tries in all): most faults are retried there, the
        # rest reach the loader's and the runner's own retries.
        client = make_client(endpoint_url=proxy.endpoint_url, max_attempts=2)
        faulty = Table(tickets.spec, client=client, entities=[Ticket])
        seed(Table(tickets.spec, client=client, entities=[TicketV0]), n)  # partial batches here
        before = content_hash(all_items(tickets))
        folder = write_folder(tmp_path / "migrations")
        seeding = proxy.counts_by_operation()
        [report] = Migrator(faulty, folder, lease_seconds=5).up(segments=4, page_size=20)
        counts = proxy.counts()
        by_op = proxy.counts_by_operation()
    _check_migrated(tickets, before, n)
    assert report.changed + report.raced >= n
    # Every fault kind reached the run and was survived.
    assert counts["throughput_exceeded"] + counts["throttling"] > 0
    assert counts["reset_after"] > 0 and counts["unprocessed_items"] > 0
    # The pacer saw the throttles of the backfill, those botocore retried by itself included: all those
    # of its scans (sent by the backfill alone), at most all those of the run (the lock and the run
    # record, sent before and after the backfill, are outside the pacer's window).
    run = {k: by_op[k] - seeding.get(k, 0) for k in by_op if k[0] in ("throughput_exceeded", "throttling")}
    thrown = sum(run.values())
    scans = sum(v for (_, op), v in run.items() if op == "Scan")
    assert report.throttles > 0 and scans <= report.throttles <= thrown
    print(f"\nfaults: {counts}; {report.summary()}; the pacer saw {report.throttles} of {thrown} throttles")


def test_two_runners_at_once(singletable_endpoint: str, tickets: Table, tmp_path: Path) -> None:
    _seeded(tickets, 200)
    folder = write_folder(tmp_path / "migrations")
    # 600 WCU at 200 WCU/s: the first runner holds the lock for about 3 s.
    procs = [_runner(singletable_endpoint, tickets, folder, wcu_per_second=200) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    if codes == [0, 0]:  # a very late second start found the work done: it must have done none of it
        assert sorted(o.strip() for o, _ in outs)[0] == "[]", outs
    else:
        assert codes == [0, 3], outs
        refused = next(o for (o, _), p in zip(outs, procs, strict=True) if p.returncode == 3)
        assert "[ST703]" in refused and "locked by" in refused and "--wait" in refused
    assert check_keys(all_items(tickets)) == []
    [run] = Ledger(tickets).runs().values()
    assert (run.status, run.attempts, run.changed) == ("completed", 1, 200)


def test_pacing_holds_200_wcu_per_second(tickets: Table, tmp_path: Path) -> None:
    n = 2000 if BIG else 300
    _seeded(tickets, n)
    folder = write_folder(tmp_path / "migrations")
    [report] = Migrator(tickets, folder).up(segments=4, page_size=25, wcu_per_second=200)
    rate = report.write_units / report.seconds
    print(f"\npacing: {report.write_units:.0f} WCU in {report.seconds:.2f} s = {rate:.1f} WCU/s (budget 200)")
    assert rate <= 220  # never above the budget, whatever the engine
    if http_engine() == "moto":
        # Reaching the budget needs an engine faster than it: moto is; dynalite and DynamoDB Local on a
        # loaded 2-core machine may not be (89 WCU/s seen), which says nothing about the pacer.
        assert rate >= 180


@pytest.mark.skipif(
    not BIG, reason="throughput figures: SINGLETABLE_MIGRATE_ITEMS=100000 (make migrate-proof)"
)
def test_throughput_by_segments(singletable_endpoint: str, tmp_path: Path) -> None:
    client = make_client(endpoint_url=singletable_endpoint)
    for segments in (1, 2, 4, 8):
        s = engine_spec(f"seg-{uuid.uuid4().hex[:8]}")
        s.create(client)
        table = Table(s, client=client, entities=[Ticket])
        seed(Table(s, client=client, entities=[TicketV0]), 10_000)
        [r] = Migrator(table, write_folder(tmp_path / f"m{segments}")).up(segments=segments)
        print(
            f"\nsegments={segments}: {r.scanned} items in {r.seconds:.1f} s = {r.items_per_second:.0f} items/s"
        )
        drop_table(http_engine(), s, client)


def test_ticket_ids_are_stable() -> None:
    assert ticket_id(7) == "T0000007"
