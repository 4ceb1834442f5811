"""A support-desk domain for the migration tests, and the child processes they start.

``python -m tests.migrate_support run ENDPOINT TABLE FOLDER [options]`` runs ``migrate up`` (the runner a
test kills); ``python -m tests.migrate_support write ENDPOINT TABLE N SECONDS OUT`` updates random tickets
until told to stop and writes each ticket's last value to OUT (the live traffic a backfill races).
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

from singletable import Entity, Table
from singletable.codec import deserialize
from singletable.migrate import LEDGER_PK, Migrator
from singletable.spec import GSI1, IndexSpec, TableSpec

QUEUES = ["billing", "bugs", "sales", "ops"]
GSI2 = IndexSpec("GSI2", "GSI2PK", "GSI2SK")


class TicketV0(Entity):
    """A ticket before the queue index existed."""

    __entity__ = "Ticket"
    __pk__ = "TICKET#{ticket_id}"
    __sk__ = "META"

    ticket_id: str
    queue: str
    status: str
    note: str = ""


class Ticket(TicketV0):
    """The same ticket with a new access pattern: tickets of a queue by status (GSI2)."""

    __entity__ = "Ticket"
    __indexes__ = {"GSI2": ("QUEUE#{queue}", "STATUS#{status}#{ticket_id}")}


MIGRATION = '''"""Tickets by queue and status (GSI2)."""
from singletable.migrate import IndexKeys
from tests.migrate_support import Ticket

up = IndexKeys(Ticket)
'''


def spec(name: str) -> TableSpec:
    return TableSpec(name=name, indexes=(GSI1, GSI2), deletion_protection=False)


def engine_spec(name: str) -> TableSpec:
    """``spec(name)`` for a table made on the HTTP engine: without what that engine lacks (PITR, TTL)."""
    from singletable.testing import engine_table_spec  # here: the runner's child process needs no pytest

    return engine_table_spec(name, indexes=(GSI1, GSI2))


def ticket_id(n: int) -> str:
    return f"T{n:07d}"


def seed(table: Table, n: int) -> None:
    """``n`` tickets written as the old entity (no GSI2 keys)."""
    table.batch_write(
        TicketV0(ticket_id=ticket_id(i), queue=QUEUES[i % 4], status="open", note=f"n{i}") for i in range(n)
    )


def write_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0001_tickets_by_queue.py").write_text(MIGRATION)
    return folder


def all_items(table: Table) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table.name}
    while True:
        resp = table.client.scan(**params)
        out += [deserialize(i) for i in resp["Items"]]
        if "LastEvaluatedKey" not in resp:
            return [i for i in out if i["PK"] != LEDGER_PK]
        params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def content_hash(items: list[dict[str, Any]], *, without: tuple[str, ...] = ("GSI2PK", "GSI2SK")) -> str:
    """A hash of the items' contents, index keys left out (they are what the backfill adds)."""
    rows = sorted(
        json.dumps({k: str(v) for k, v in i.items() if k not in without}, sort_keys=True) for i in items
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def check_keys(items: list[dict[str, Any]]) -> list[str]:
    """Tickets whose GSI2 keys are missing or not what the template renders from their fields."""
    bad = []
    for i in items:
        want = (f"QUEUE#{i['queue']}", f"STATUS#{i['status']}#{i['PK'].removeprefix('TICKET#')}")
        if (i.get("GSI2PK"), i.get("GSI2SK")) != want:
            bad.append(i["PK"])
    return bad


def _run(argv: list[str]) -> None:
    endpoint, name, folder = argv[:3]
    opts = json.loads(argv[3]) if len(argv) > 3 else {}
    table = Table(spec(name), endpoint_url=endpoint, entities=[Ticket])
    migrator = Migrator(table, folder, lease_seconds=opts.pop("lease_seconds", 3.0))
    try:
        reports = migrator.up(**opts)
    except Exception as exc:  # the test reads the one line
        print(f"ERROR {exc}", flush=True)
        sys.exit(3)
    print(
        json.dumps([{"scanned": r.scanned, "changed": r.changed, "seconds": r.seconds} for r in reports]),
        flush=True,
    )


def _write(argv: list[str]) -> None:
    endpoint, name, n, seconds, out = argv[0], argv[1], int(argv[2]), float(argv[3]), argv[4]
    table = Table(spec(name), endpoint_url=endpoint, entities=[Ticket])
    last: dict[str, dict[str, str]] = {}
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    rng = random.Random(7)
    deadline = time.monotonic() + seconds
    count = 0
    while not stop and time.monotonic() < deadline:
        number = rng.randrange(n)
        tid = ticket_id(number)
        count += 1
        changes = {"note": f"w{count}"}
        if count % 3 == 0:
            # The new index's key is built from status and queue: an update of one carries both.
            changes["status"] = rng.choice(["open", "pending", "closed"])
            changes["queue"] = QUEUES[number % 4]
        table.update(Ticket, changes, ticket_id=tid)
        last.setdefault(tid, {}).update(changes)
    Path(out).write_text(json.dumps({"updates": count, "last": last}))


if __name__ == "__main__":
    {"run": _run, "write": _write}[sys.argv[1]](sys.argv[2:])
