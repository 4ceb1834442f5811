"""Migrations on the in-process engine: ledger and lock, built-in backfills, races, pacing, dry run."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from singletable import Entity, Table
from singletable.errors import (
    MigrationChecksumError,
    MigrationIrreversibleError,
    MigrationLockedError,
    MigrationSourceError,
)
from singletable.migrate import AddDefault, DropEntity, IndexKeys, Ledger, Migrator, Rekey, TokenBucket, load
from singletable.migrate.backfills import Change
from singletable.migrate.segments import apply
from tests.migrate_support import (
    Ticket,
    TicketV0,
    all_items,
    check_keys,
    content_hash,
    seed,
    spec,
    write_folder,
)


@pytest.fixture
def tickets(singletable_inprocess: Any) -> Table:
    client = singletable_inprocess.client()
    s = spec("tickets")
    s.create(client)
    return Table(s, client=client, entities=[Ticket])


def test_index_backfill_up_status_verify(tickets: Table, tmp_path: Path) -> None:
    seed(Table(tickets.spec, client=tickets.client, entities=[TicketV0]), 230)
    before = content_hash(all_items(tickets))
    folder = write_folder(tmp_path / "migrations")
    m = Migrator(tickets, folder)
    assert [s.state for s in m.status()] == ["pending"]
    assert [p.label for p in m.plan()] == ["0001_tickets_by_queue"]
    dry = m.up(dry_run=True, segments=3)
    assert dry[0].changed == 230 and dry[0].write_units >= 460 and dry[0].cost is not None
    assert check_keys(all_items(tickets))  # a dry run wrote nothing
    [report] = m.up(segments=3, page_size=20)
    assert (report.scanned, report.changed) == (230, 230)
    items = all_items(tickets)
    assert not check_keys(items) and content_hash(items) == before and len(items) == 230
    assert [s.state for s in m.status()] == ["applied"]
    assert m.plan() == [] and m.up() == []
    [v] = m.verify()
    assert v.ok and v.scanned == 230
    # The new index answers the new access pattern.
    assert len(list(tickets.query(pk="QUEUE#bugs", index="GSI2"))) == 230 // 4 + (1 if 230 % 4 > 1 else 0)
    run = Ledger(tickets).runs()[1]
    assert (run.status, run.attempts, run.changed) == ("completed", 1, 230)
    assert tickets.client.describe_table(TableName=tickets.name)["Table"]["ItemCount"] >= 231  # ledger item


def test_edited_applied_migration_is_refused(tickets: Table, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "m")
    Migrator(tickets, folder).up()
    path = folder / "0001_tickets_by_queue.py"
    path.write_text(path.read_text() + "# edited\n")
    m = Migrator(tickets, folder)
    assert [s.state for s in m.status()] == ["edited"]
    with pytest.raises(MigrationChecksumError, match="0001_tickets_by_queue"):
        m.up()


def test_malformed_folder(tmp_path: Path) -> None:
    (tmp_path / "first.py").write_text("up = None\n")
    with pytest.raises(MigrationSourceError, match="<number>_<name>"):
        load(tmp_path)
    (tmp_path / "first.py").unlink()
    (tmp_path / "0001_a.py").write_text("x = 1\n")
    with pytest.raises(MigrationSourceError, match="defines no up"):
        load(tmp_path)


def test_lock_is_exclusive_and_lapses(tickets: Table) -> None:
    ledger = Ledger(tickets)
    ledger.acquire("a", 30)
    with pytest.raises(MigrationLockedError, match="locked by a") as err:
        ledger.acquire("b", 30)
    assert err.value.owner == "a"
    ledger.acquire("a", 1.0)  # our own: renewed, with a short lease
    time.sleep(1.1)
    ledger.acquire("b", 5)  # a's lease lapsed
    with pytest.raises(Exception, match="taken over"):
        ledger.renew("a", 5)
    ledger.release("b")
    assert ledger.lock_holder() is None


def test_function_migration_down_and_irreversible(tickets: Table, tmp_path: Path) -> None:
    (tmp_path / "0001_note.py").write_text(
        "from tests.migrate_support import Ticket\n"
        "def up(ctx):\n"
        "    ctx.put(Ticket(ticket_id='X1', queue='q', status='open'))\n"
        "def down(ctx):\n"
        "    ctx.table.client.delete_item(TableName=ctx.table.schema.name, Key={'PK': {'S': 'TICKET#X1'}, 'SK': {'S': 'META'}})\n"
    )
    (tmp_path / "0002_more.py").write_text(
        "from tests.migrate_support import Ticket, TicketV0\n"
        "def up(ctx):\n"
        "    for old in ctx.scan(TicketV0):\n"
        "        yield Ticket(**{**old.model_dump(), 'status': 'triaged'})\n"
    )
    m = Migrator(tickets, tmp_path)
    assert [r.changed for r in m.up()] == [1, 1]
    got = tickets.get(Ticket, ticket_id="X1")
    assert got is not None and got.status == "triaged"
    with pytest.raises(MigrationIrreversibleError, match="0002_more"):
        m.down()
    (tmp_path / "0002_more.py").write_text("def up(ctx):\n    pass\ndef down(ctx):\n    pass\n")
    # Edited after it was applied: refused until put back.
    with pytest.raises(MigrationChecksumError):
        Migrator(tickets, tmp_path).down()


def test_add_default_rekey_drop(tickets: Table) -> None:
    class Shelf(Entity):
        __pk__ = "SHELF#{shelf_id}"
        __sk__ = "META"
        shelf_id: str
        label: str
        colour: str | None = None

    class ShelfV2(Entity):
        __entity__ = "ShelfV2"
        __pk__ = "AISLE#{shelf_id}"
        __sk__ = "SHELF"
        shelf_id: str
        label: str
        colour: str | None = None

    tickets.register(Shelf)
    tickets.batch_write(Shelf(shelf_id=str(i), label=f"s{i}") for i in range(30))
    from singletable.migrate import Migration

    steps = [
        Migration(1, "colour", "c1", AddDefault(Shelf, "colour", "grey")),
        Migration(2, "move", "c2", Rekey(Shelf, ShelfV2), down=Rekey(ShelfV2, Shelf)),
    ]
    m = Migrator(tickets, steps)
    reports = m.up(segments=2, page_size=7)
    assert [r.changed for r in reports] == [30, 30]
    assert reports[1].changes == {"rekey": 30}
    tickets.register(ShelfV2)
    moved = [tickets.get(ShelfV2, shelf_id=str(i)) for i in range(30)]
    assert all(s is not None and s.colour == "grey" for s in moved)
    assert tickets.get(Shelf, shelf_id="3") is None
    [back] = m.down()
    assert back.changed == 30 and tickets.get(Shelf, shelf_id="3") is not None
    drop = Migrator(tickets, [*steps, Migration(3, "drop", "c3", DropEntity(Shelf))])
    assert drop.up()[-1].changed == 30
    assert not [i for i in all_items(tickets) if i["PK"].startswith(("SHELF#", "AISLE#"))]


def test_lost_race_rereads_and_keeps_the_other_write(tickets: Table) -> None:
    """A rewrite whose item changed since it was read fails its condition; the runner re-reads."""
    seed(Table(tickets.spec, client=tickets.client, entities=[TicketV0]), 1)
    [old] = all_items(tickets)
    backfill = IndexKeys(Ticket)
    change = backfill.change(tickets.schema, old)
    assert isinstance(change, Change)
    # A note written meanwhile is no race (the update leaves it alone); a new status is.
    tickets.update(TicketV0, {"note": "live"}, ticket_id="T0000000")
    apply(tickets, change)
    tickets.update(TicketV0, {"status": "closed"}, ticket_id="T0000000")  # a writer gets in first
    from singletable.errors import ConditionFailedError

    with pytest.raises(ConditionFailedError):
        apply(tickets, change)
    [report] = Migrator(tickets, [_mig(backfill)]).up(segments=1)
    assert report.changed == 1
    [new] = all_items(tickets)
    assert (new["note"], new["status"]) == ("live", "closed") and not check_keys([new])


def _mig(step: Any) -> Any:
    from singletable.migrate import Migration

    return Migration(1, "m", "x", step)


def test_version_field_condition(tickets: Table) -> None:
    """With a version field, the rewrite is conditional on the version read (not every attribute)."""

    class Doc(Entity):
        __pk__ = "DOC#{doc_id}"
        __sk__ = "META"
        __version_field__ = "version"
        doc_id: str
        body: str
        version: int = 0
        tag: str | None = None

    tickets.register(Doc)
    tickets.put(Doc(doc_id="1", body="b"))
    [old] = [i for i in all_items(tickets) if i["PK"] == "DOC#1"]
    change = AddDefault(Doc, "tag", "x").change(tickets.schema, old)
    assert change is not None and change.version_field == "version"
    doc = tickets.get(Doc, doc_id="1")
    assert doc is not None
    tickets.put(doc.model_copy(update={"body": "new"}))  # bumps the version
    from singletable.errors import ConditionFailedError

    with pytest.raises(ConditionFailedError):
        apply(tickets, change)
    Migrator(tickets, [_mig(AddDefault(Doc, "tag", "x"))]).up(segments=1)
    got = tickets.get(Doc, doc_id="1")
    assert got is not None and (got.body, got.tag) == ("new", "x")


def test_token_bucket_rate() -> None:
    bucket = TokenBucket(500.0)
    start = time.monotonic()
    paid = 0.0
    while time.monotonic() - start < 0.6:
        bucket.wait()
        bucket.pay(10)
        paid += 10
    rate = paid / (time.monotonic() - start)
    assert 400 <= rate <= 600
    bucket.throttled()
    assert bucket.pace == 250.0


def test_two_threads_one_lock(tickets: Table, tmp_path: Path) -> None:
    seed(Table(tickets.spec, client=tickets.client, entities=[TicketV0]), 50)
    folder = write_folder(tmp_path / "m")
    results: list[Any] = []

    def go() -> None:
        try:
            results.append(Migrator(tickets, folder).up(segments=2, wcu_per_second=300))
        except MigrationLockedError as exc:
            results.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, MigrationLockedError)]
    runs = [r for r in results if isinstance(r, list)]
    assert len(errors) + len(runs) == 2 and runs
    assert sum(r[0].changed for r in runs if r) == 50


def _split(fields: dict[str, Any]) -> dict[str, Any]:
    first, _, last = fields.pop("name").partition(" ")
    return {**fields, "first": first, "last": last}


def _priority(fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "priority": 3}


class Agent(Entity):
    """Version 3: name split in two (v1 -> v2), then a priority (v2 -> v3); strict about extras."""

    model_config = {"extra": "forbid"}
    __pk__ = "AGENT#{agent_id}"
    __sk__ = "PROFILE"
    __schema_version__ = 3
    __upgrades__ = {1: _split, 2: _priority}
    agent_id: str
    first: str
    last: str
    priority: int


def test_read_time_upgrade_and_write_back(tickets: Table) -> None:
    from singletable.errors import UpgradeError
    from singletable.migrate import Migration, Upgrade

    tickets.register(Agent)
    tickets.put_item({"PK": "AGENT#1", "SK": "PROFILE", "_type": "Agent", "name": "Ada Lovelace"})  # v1
    tickets.put_item(
        {"PK": "AGENT#2", "SK": "PROFILE", "_type": "Agent", "_v": 2, "first": "Alan", "last": "T"}
    )
    a = tickets.get(Agent, agent_id="1")
    assert a is not None and (a.first, a.last, a.priority) == ("Ada", "Lovelace", 3)
    written = tickets.put(Agent(agent_id="3", first="G", last="H", priority=1))
    assert tickets.get_item("AGENT#3", "PROFILE") == {**tickets.get_item("AGENT#3", "PROFILE"), "_v": 3}  # type: ignore[dict-item]
    assert written.priority == 1
    [report] = Migrator(tickets, [Migration(1, "agents_v3", "u", Upgrade(Agent))]).up(segments=2)
    assert report.changed == 2
    stored = tickets.get_item("AGENT#1", "PROFILE")
    assert (
        isinstance(stored, dict) and stored["_v"] == 3 and stored["first"] == "Ada" and "name" not in stored
    )
    tickets.put_item({"PK": "AGENT#9", "SK": "PROFILE", "_type": "Agent", "_v": 4, "first": "x", "last": "y"})
    with pytest.raises(UpgradeError, match="newer than this code"):
        tickets.get(Agent, agent_id="9")
