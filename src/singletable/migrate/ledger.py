"""The migrations ledger and lock, kept as items in the table itself.

Everything lives in one partition under a reserved key prefix (``_ST#MIGRATIONS``) with an entity marker
no entity can register (``_st_migration``), so entity recognition treats these items as foreign and
backfills skip them:

- ``LOCK``: the runner holding the table's migration lease (``owner``, ``expires_at``). Taken with a
  conditional put (no lock, an expired one, or our own), renewed with a conditional update (still ours),
  released with a conditional delete: two runners can never both hold it, and a dead runner's lease
  simply lapses.
- ``RUN#<version>``: one migration's record: name, checksum, status (``running``, ``completed``,
  ``reverted``, ``failed``), direction, start and finish times, segment count, counts, attempts.
- ``CKPT#<version>#<direction>#<segment>``: a segment's progress (the scan's last key, done flag, counts),
  written only after the writes it covers were acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from singletable.batch import Backoff
from singletable.codec import deserialize
from singletable.errors import ConditionFailedError, MigrationLockedError, MigrationLockLostError
from singletable.expressions import Attr, Update
from singletable.migrate.calls import (
    HasTransport,
    delete_request,
    put_request,
    send,
    update_request,
    with_retries,
)

LEDGER_PK = "_ST#MIGRATIONS"
RESERVED_PREFIX = "_ST#"
MARKER = "_st_migration"
Direction = Literal["up", "down"]
Status = Literal["running", "completed", "reverted", "failed"]


def reserved(item: Mapping[str, Any], pk_attr: str) -> bool:
    """Whether an item is the library's own bookkeeping (never a backfill's business)."""
    pk = item.get(pk_attr)
    return isinstance(pk, str) and pk.startswith(RESERVED_PREFIX)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(slots=True)
class RunRecord:
    """One migration's line in the ledger."""

    version: int
    name: str
    checksum: str
    status: Status
    direction: Direction
    started_at: float
    finished_at: float | None = None
    segments: int = 1
    attempts: int = 1
    scanned: int = 0
    changed: int = 0
    raced: int = 0

    def to_item(self, pk: str, sk: str) -> dict[str, Any]:
        out: dict[str, Any] = {pk: LEDGER_PK, sk: f"RUN#{self.version:06d}", "_type": MARKER}
        for name in RunRecord.__slots__:
            value = getattr(self, name)
            if value is not None:
                out[name] = Decimal(repr(value)) if isinstance(value, float) else value
        return out

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> RunRecord:
        def num(name: str) -> float | None:
            v = item.get(name)
            return None if v is None else float(v)

        return cls(
            version=int(item["version"]),
            name=str(item["name"]),
            checksum=str(item["checksum"]),
            status=item["status"],
            direction=item.get("direction", "up"),
            started_at=float(item["started_at"]),
            finished_at=num("finished_at"),
            segments=int(item.get("segments", 1)),
            attempts=int(item.get("attempts", 1)),
            scanned=int(item.get("scanned", 0)),
            changed=int(item.get("changed", 0)),
            raced=int(item.get("raced", 0)),
        )


@dataclass(slots=True)
class SegmentCheckpoint:
    """How far one scan segment got: the key to resume after (None: from the start), and its counts."""

    segment: int
    last_key: dict[str, Any] | None = None
    done: bool = False
    scanned: int = 0
    changed: int = 0
    raced: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Ledger:
    """Reads and writes the ledger items of one table (lock, runs, checkpoints)."""

    def __init__(self, table: HasTransport, *, backoff: Backoff | None = None) -> None:
        self.table = table
        self.schema = table.schema
        self.pk, self.sk = table.schema.spec.pk, table.schema.spec.sk
        self.backoff = backoff or Backoff(deadline=60.0)

    def _send(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return with_retries(lambda: send(self.table, operation, params), backoff=self.backoff, what=operation)

    def _item(self, sk: str, **values: Any) -> dict[str, Any]:
        return {self.pk: LEDGER_PK, self.sk: sk, "_type": MARKER, **values}

    # -- lock -------------------------------------------------------------------------------------------

    def lock_holder(self) -> tuple[str, float] | None:
        resp = self._send(
            "GetItem",
            {
                "TableName": self.schema.name,
                "Key": self.schema.key(LEDGER_PK, "LOCK"),
                "ConsistentRead": True,
            },
        )
        raw = resp.get("Item")
        if not raw:
            return None
        item = deserialize(raw)
        return str(item["owner"]), float(item["expires_at"])

    def acquire(self, owner: str, lease_seconds: float, purpose: str = "") -> None:
        """Take the lock, or raise MigrationLockedError naming who holds it and until when."""
        now = time.time()
        item = self._item(
            "LOCK",
            owner=owner,
            purpose=purpose,
            acquired_at=Decimal(f"{now:.3f}"),
            expires_at=Decimal(f"{now + lease_seconds:.3f}"),
        )
        free = (
            Attr(self.pk).not_exists()
            | Attr("expires_at").lt(Decimal(f"{now:.3f}"))
            | Attr("owner").eq(owner)
        )
        try:
            self._send("PutItem", put_request(self.schema, item, free))
        except ConditionFailedError:
            holder = self.lock_holder()
            who, until = holder if holder else ("(released just now)", now)
            raise MigrationLockedError(
                f"table {self.schema.name!r}: migrations are locked by {who} until "
                f"{time.strftime('%H:%M:%S', time.gmtime(until))} UTC ({max(0.0, until - now):.1f} s from now)",
                owner=who,
                expires_at=until,
                hint="wait for that run to finish (or pass wait=True / --wait); a dead runner's lease lapses by itself",
            ) from None

    def renew(self, owner: str, lease_seconds: float) -> None:
        """Extend our lease; MigrationLockLostError if it is no longer ours."""
        until = Decimal(f"{time.time() + lease_seconds:.3f}")
        item = {self.pk: LEDGER_PK, self.sk: "LOCK"}
        try:
            self._send(
                "UpdateItem",
                update_request(self.schema, item, Update().set(expires_at=until), Attr("owner").eq(owner)),
            )
        except ConditionFailedError:
            raise MigrationLockLostError(
                f"table {self.schema.name!r}: the migration lock of {owner} was taken over (its lease lapsed)"
            ) from None

    def release(self, owner: str) -> None:
        item = {self.pk: LEDGER_PK, self.sk: "LOCK"}
        with contextlib.suppress(ConditionFailedError):  # not ours any more: nothing to release
            self._send("DeleteItem", delete_request(self.schema, item, Attr("owner").eq(owner)))

    # -- runs -------------------------------------------------------------------------------------------

    def runs(self) -> dict[int, RunRecord]:
        """Every migration's record, by version."""
        out: dict[int, RunRecord] = {}
        for item in self._partition("RUN#"):
            rec = RunRecord.from_item(item)
            out[rec.version] = rec
        return out

    def save_run(self, run: RunRecord) -> None:
        self._send("PutItem", put_request(self.schema, run.to_item(self.pk, self.sk), None))

    # -- checkpoints ------------------------------------------------------------------------------------

    def _ckpt_sk(self, version: int, direction: Direction, segment: int) -> str:
        return f"CKPT#{version:06d}#{direction}#{segment:04d}"

    def checkpoints(self, version: int, direction: Direction) -> dict[int, SegmentCheckpoint]:
        out: dict[int, SegmentCheckpoint] = {}
        for item in self._partition(f"CKPT#{version:06d}#{direction}#"):
            seg = int(item["segment"])
            out[seg] = SegmentCheckpoint(
                segment=seg,
                last_key=json.loads(item["last_key"]) if item.get("last_key") else None,
                done=bool(item.get("done", False)),
                scanned=int(item.get("scanned", 0)),
                changed=int(item.get("changed", 0)),
                raced=int(item.get("raced", 0)),
            )
        return out

    def save_checkpoint(self, version: int, direction: Direction, ckpt: SegmentCheckpoint) -> None:
        item = self._item(
            self._ckpt_sk(version, direction, ckpt.segment),
            segment=ckpt.segment,
            done=ckpt.done,
            scanned=ckpt.scanned,
            changed=ckpt.changed,
            raced=ckpt.raced,
            updated_at=Decimal(f"{time.time():.3f}"),
        )
        if ckpt.last_key is not None:
            item["last_key"] = json.dumps(ckpt.last_key, sort_keys=True)
        self._send("PutItem", put_request(self.schema, item, None))

    def clear_checkpoints(self, version: int, direction: Direction) -> None:
        for seg in self.checkpoints(version, direction):
            item = {self.pk: LEDGER_PK, self.sk: self._ckpt_sk(version, direction, seg)}
            self._send("DeleteItem", delete_request(self.schema, item, None))

    def _partition(self, prefix: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "TableName": self.schema.name,
            "KeyConditionExpression": "#p = :p AND begins_with(#s, :s)",
            "ExpressionAttributeNames": {"#p": self.pk, "#s": self.sk},
            "ExpressionAttributeValues": {":p": {"S": LEDGER_PK}, ":s": {"S": prefix}},
            "ConsistentRead": True,
        }
        while True:
            resp = self._send("Query", dict(params))
            out.extend(deserialize(i) for i in resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last:
                return out
            params["ExclusiveStartKey"] = last
