"""One scan segment of a backfill: scan a page, rewrite what needs it (conditionally), checkpoint, repeat.

The checkpoint of a page is written only after every write of the page was acknowledged, so a kill at any
point leaves a checkpoint that covers only durable work; the page in flight is scanned again on resume and
its items already rewritten come back as "nothing to do" (backfills are idempotent).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from singletable import capacity
from singletable.batch import Backoff
from singletable.codec import deserialize, item_size, serialize
from singletable.errors import ConditionFailedError, MigrationStalledError, TransactionCanceledError
from singletable.expressions import Attr
from singletable.migrate.backfills import Backfill, Change, unchanged
from singletable.migrate.calls import (
    HasTransport,
    delete_request,
    key_of,
    put_request,
    render,
    send,
    update_request,
    with_retries,
)
from singletable.migrate.ledger import Direction, Ledger, SegmentCheckpoint, reserved
from singletable.migrate.pacing import Pacer

#: Lost races on one item before giving up on it (each one re-reads it and decides again).
MAX_RACES = 50
#: A checkpoint item is well under 1 KB: one WCU.
CHECKPOINT_UNITS = 1.0


@dataclass(slots=True)
class Tally:
    """Counts shared by a run's segments (thread-safe through ``lock``)."""

    scanned: int = 0
    changed: int = 0
    raced: int = 0
    write_units: float = 0.0
    read_units: float = 0.0
    changes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self, *, scanned: int = 0, changed: int = 0, raced: int = 0, wcu: float = 0.0, rcu: float = 0.0
    ) -> None:
        with self.lock:
            self.scanned += scanned
            self.changed += changed
            self.raced += raced
            self.write_units += wcu
            self.read_units += rcu

    def kind(self, kind: str) -> None:
        with self.lock:
            self.changes[kind] = self.changes.get(kind, 0) + 1


@dataclass
class Segment:
    """Everything one segment's thread needs."""

    table: HasTransport
    backfill: Backfill
    ledger: Ledger
    version: int
    direction: Direction
    checkpoint: SegmentCheckpoint
    total_segments: int
    pacer: Pacer
    tally: Tally
    stop: threading.Event
    backoff: Backoff
    page_size: int = 100
    dry_run: bool = False
    progress: Callable[[int], None] | None = None

    def run(self) -> None:
        ckpt, schema = self.checkpoint, self.table.schema
        if ckpt.done:
            return
        params: dict[str, Any] = {
            "TableName": schema.name,
            "Segment": ckpt.segment,
            "TotalSegments": self.total_segments,
            "Limit": self.page_size,
        }
        if ckpt.last_key:
            params["ExclusiveStartKey"] = ckpt.last_key
        while not self.stop.is_set():
            self.pacer.reads.wait()
            resp = with_retries(
                lambda: send(self.table, "Scan", dict(params)),
                backoff=self.backoff,
                on_throttle=self.pacer.throttle_raised,
                what=f"scan of segment {ckpt.segment}",
            )
            raw_items = resp.get("Items", [])
            rcu = capacity.query_read_units(item_size(i) for i in raw_items)
            self.pacer.reads.pay(rcu)
            self.tally.add(rcu=rcu)
            scanned = changed = raced = 0
            for raw in raw_items:
                if self.stop.is_set():
                    return  # the page is not checkpointed: it is scanned again on resume
                item = deserialize(raw)
                if reserved(item, schema.spec.pk):
                    continue
                scanned += 1
                did, lost = self.migrate(item)
                changed += did
                raced += lost
            last = resp.get("LastEvaluatedKey")
            ckpt.last_key, ckpt.done = last, not last
            ckpt.scanned += scanned
            ckpt.changed += changed
            ckpt.raced += raced
            if not self.dry_run:
                self.ledger.save_checkpoint(self.version, self.direction, ckpt)
                self.pacer.writes.pay(CHECKPOINT_UNITS)  # the checkpoint is a write too
            self.tally.add(scanned=scanned, changed=changed, raced=raced)
            if self.progress is not None:
                self.progress(len(raw_items))
            if not last:
                return
            params["ExclusiveStartKey"] = last

    def migrate(self, item: dict[str, Any]) -> tuple[int, int]:
        """Rewrite one item if it needs it; (1 if rewritten, lost races)."""
        schema = self.table.schema
        races = 0
        current: dict[str, Any] | None = item
        while current is not None:
            change = self.backfill.change(schema, current)
            if change is None:
                return 0, races
            self.tally.kind(change.kind)
            if self.dry_run:
                self.tally.add(wcu=change_units(self.table, change))
                return 1, races
            self.pacer.writes.wait()
            try:
                with_retries(
                    lambda c=change: apply(self.table, c),  # type: ignore[misc]
                    backoff=self.backoff,
                    on_throttle=self.pacer.throttle_raised,
                    what="backfill write",
                )
            except (ConditionFailedError, TransactionCanceledError):
                # Someone wrote the item since we read it (or our own retried write already landed):
                # read it again and decide again.
                wcu = capacity.failed_write_units(item_size(serialize(current)))
                self.pacer.writes.pay(wcu)
                self.tally.add(wcu=wcu)
                races += 1
                if races > MAX_RACES:
                    raise MigrationStalledError(
                        f"item {key_of(schema, current)} lost {races} races with other writers in a row"
                    ) from None
                current = self.reread(current)
                continue
            wcu = change_units(self.table, change)
            self.pacer.writes.pay(wcu)
            self.tally.add(wcu=wcu)
            return 1, races
        return 0, races

    def reread(self, item: dict[str, Any]) -> dict[str, Any] | None:
        schema = self.table.schema
        params = {"TableName": schema.name, "Key": key_of(schema, item), "ConsistentRead": True}
        resp = with_retries(
            lambda: send(self.table, "GetItem", params),
            backoff=self.backoff,
            on_throttle=self.pacer.throttle_raised,
            what="re-read",
        )
        raw = resp.get("Item")
        rcu = capacity.read_units(item_size(raw) if raw else 0, "strong")
        self.pacer.reads.pay(rcu)
        self.tally.add(rcu=rcu)
        return deserialize(raw) if raw else None


def change_units(table: HasTransport, change: Change) -> float:
    """WCUs of applying ``change``, by DynamoDB's size rules (indexes included)."""
    schema = table.schema
    old = serialize(change.old)
    if change.kind == "delete":
        return schema.delete_units(old)
    if change.kind == "rekey":
        assert change.new is not None
        spec = schema.spec
        put = capacity.item_write_units(
            None, serialize(change.new), spec.indexes, schema.key_names, transactional=True
        )
        gone = capacity.item_write_units(old, None, spec.indexes, schema.key_names, transactional=True)
        return put + gone
    after = change.after()
    assert after is not None
    return schema.write_units(serialize(after), old)


def apply(table: HasTransport, change: Change) -> None:
    """Send ``change``, conditional on the item being as read; ConditionFailedError (or
    TransactionCanceledError for a re-key) when it is not."""
    schema = table.schema
    cond = unchanged(
        schema, change.old, change.version_field, change.depends_on if change.kind == "update" else None
    )
    if change.kind == "update":
        send(table, "UpdateItem", update_request(schema, change.old, change.update(), cond))
    elif change.kind == "put":
        assert change.new is not None
        send(table, "PutItem", put_request(schema, change.new, cond))
    elif change.kind == "delete":
        send(table, "DeleteItem", delete_request(schema, change.old, cond))
    else:
        assert change.new is not None
        put = render(
            {"TableName": schema.name, "Item": serialize(change.new)}, Attr(schema.spec.pk).not_exists()
        )
        delete = delete_request(schema, change.old, cond)
        # The token makes a retried transaction (a reset after it was applied) a no-op, not a failure.
        digest = hashlib.sha256(json.dumps([put["Item"], delete["Key"]], sort_keys=True).encode()).hexdigest()
        send(
            table,
            "TransactWriteItems",
            {"TransactItems": [{"Put": put}, {"Delete": delete}], "ClientRequestToken": digest[:36]},
        )
