"""DynamoDB's capacity rules and the ledger that records what every call consumed.

One implementation, used by the data layer (every call) and by the cost planner (every model).
Rules (AWS developer guide, "Read/write capacity mode"):
- a write costs 1 WCU per started 1 KB of item size, double inside a transaction;
- a read costs 1 RCU per started 4 KB when strongly consistent, half when eventually consistent,
  double inside a transaction;
- GetItem / BatchGetItem / writes round up per item; Query and Scan round up the summed size of all
  items they read, once per request;
- an item that is not found still costs the minimum (0.5 RCU eventual, 1 strong).

Writes, item by item (:func:`item_write_units`), each rule with the developer guide page it comes from:
- PutItem replacing an item, UpdateItem: the larger of the item before and after; DeleteItem: the deleted
  item's size; a write of an item that is not there: the minimum, 1 WCU;
- a global secondary index costs a write only where the write changes what the index holds;
- a failed conditional write still consumes write capacity, no index writes;
- a cancelled transaction: the prepare phase of each action (see :func:`cancelled_transaction_units`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, Protocol

from singletable.codec import Item, item_size

Consistency = Literal["eventual", "strong", "transactional"]

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
MAX_ITEM_BYTES = 400 * 1024

_READ_FACTOR: dict[str, float] = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}


def _check_consistency(consistency: str) -> float:
    try:
        return _READ_FACTOR[consistency]
    except KeyError:
        raise ValueError(f"consistency must be one of {sorted(_READ_FACTOR)}, got {consistency!r}") from None


def read_units(size_bytes: int, consistency: Consistency = "eventual") -> float:
    """RCUs for reading one item (or one Query/Scan page summed) of ``size_bytes``."""
    factor = _check_consistency(consistency)
    return max(1, math.ceil(size_bytes / READ_UNIT_BYTES)) * factor


def write_units(size_bytes: int, transactional: bool = False) -> float:
    """WCUs for writing one item of ``size_bytes`` (the larger of old and new image for updates)."""
    units = max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))
    return float(units * (2 if transactional else 1))


def batch_read_units(sizes: Iterable[int], consistency: Consistency = "eventual") -> float:
    """RCUs for a BatchGetItem: each item rounded up on its own."""
    return sum(read_units(s, consistency) for s in sizes)


def query_read_units(sizes: Iterable[int], consistency: Consistency = "eventual") -> float:
    """RCUs for one Query/Scan request: the summed size rounded up once."""
    return read_units(sum(sizes), consistency)


def batch_write_units(sizes: Iterable[int]) -> float:
    """WCUs for a BatchWriteItem: each item rounded up on its own."""
    return sum(write_units(s) for s in sizes)


GsiChange = Literal["insert", "projected", "key", "unchanged", "delete"]


def gsi_write_units(projected_size_bytes: int, change: GsiChange = "insert") -> float:
    """WCUs one base-table write costs in one global secondary index.

    AWS ("Provisioned throughput considerations for Global Secondary Indexes"): a base write costs an
    index write only when it touches the index. ``insert`` (a new item appears in the index),
    ``projected`` (a projected non-key attribute changes: pass the larger of the entry before and after)
    and ``delete`` (the item leaves the index) cost one index write of the projected size; ``key`` (the index key value changes) costs two, a
    delete of the old index entry and a put of the new one; ``unchanged`` (no projected attribute
    changed) costs nothing. Index writes are standard writes, rounded up per 1 KB.
    """
    if change == "unchanged":
        return 0.0
    if change not in ("insert", "projected", "key", "delete"):
        raise ValueError(f"change must be one of insert, projected, key, unchanged, delete, got {change!r}")
    units = write_units(projected_size_bytes)
    return units * 2 if change == "key" else units


class IndexShape(Protocol):
    """What the write rules need of an index (``spec.IndexSpec`` has it)."""

    @property
    def hash_key(self) -> str: ...
    @property
    def range_key(self) -> str | None: ...
    @property
    def projection(self) -> str: ...
    @property
    def non_key_attributes(self) -> tuple[str, ...]: ...


def index_entry(item: Item | None, index: IndexShape, table_keys: tuple[str, str]) -> Item | None:
    """The entry ``item`` has in ``index`` (its projected attributes), or None when it is not in it
    (a sparse index holds only the items that have its key attributes)."""
    if item is None or index.hash_key not in item or (index.range_key and index.range_key not in item):
        return None
    if index.projection == "ALL":
        return item
    keep = {*table_keys, index.hash_key, index.range_key or index.hash_key}
    if index.projection == "INCLUDE":
        keep.update(index.non_key_attributes)
    return {k: v for k, v in item.items() if k in keep}


def index_change(old: Item | None, new: Item | None, index: IndexShape) -> GsiChange | None:
    """How a write that turns entry ``old`` into ``new`` (None: not in the index) touches the index."""
    if old is None:
        return None if new is None else "insert"
    if new is None:
        return "delete"
    keys = [k for k in (index.hash_key, index.range_key) if k]
    if any(old.get(k) != new.get(k) for k in keys):
        return "key"
    return "unchanged" if old == new else "projected"


def item_write_units(
    old: Item | None,
    new: Item | None,
    indexes: Iterable[IndexShape] = (),
    table_keys: tuple[str, str] = ("PK", "SK"),
    *,
    transactional: bool = False,
) -> float:
    """WCUs DynamoDB bills for one write that turns the stored item ``old`` into ``new`` (None: no item).

    Put: ``old`` is the item replaced (None for a new one); update: before and after; delete: ``new`` is
    None (a delete of a missing item has neither: the minimum, 1 WCU). The sum of
    :func:`item_write_units_by_index`.
    """
    return sum(item_write_units_by_index(old, new, indexes, table_keys, transactional=transactional).values())


def item_write_units_by_index(
    old: Item | None,
    new: Item | None,
    indexes: Iterable[IndexShape] = (),
    table_keys: tuple[str, str] = ("PK", "SK"),
    *,
    transactional: bool = False,
) -> dict[str | None, float]:
    """:func:`item_write_units` split as DynamoDB reports it with ``ReturnConsumedCapacity=INDEXES``:
    ``None`` for the table, then each index the write touches (by name, when the index has one)."""
    # Developer guide, "Capacity unit consumption for write operations"
    # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
    # formerly ProvisionedThroughput.html#ItemSizeCalculations.Writes): PutItem "the item size that matters
    # is the larger of the two"; UpdateItem "the larger of the before and after item sizes"; DeleteItem
    # "based on the size of the deleted item"; every write rounds up to the next 1 KB, at least one unit.
    size = max(item_size(old) if old else 0, item_size(new) if new else 0)
    out: dict[str | None, float] = {None: write_units(size, transactional)}
    for index in indexes:
        # Developer guide, "Provisioned throughput considerations for Global Secondary Indexes"
        # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes):
        # no index write when the write does not change the index; one to put an item that gains the index
        # key; one to update the entry when only projected attributes change, sized as every update is, by
        # the larger of the entry before and after (DynamoDB Local 3.3 reports the same); one to delete an
        # item that loses it; two (delete the old entry, put the new one) when the index key value changes.
        # An index write is a standard write of the index entry (the projected attributes), rounded up to
        # 1 KB, also inside a transaction: index entries are propagated after the commit, outside it
        # (DynamoDB Local doubles them there: docs/engines.md).
        before, after = index_entry(old, index, table_keys), index_entry(new, index, table_keys)
        change = index_change(before, after, index)
        units = 0.0
        if change == "insert" and after is not None:
            units = write_units(item_size(after))
        elif change == "projected" and before is not None and after is not None:
            units = write_units(max(item_size(before), item_size(after)))
        elif change == "delete" and before is not None:
            units = write_units(item_size(before))
        elif change == "key" and before is not None and after is not None:
            units = write_units(item_size(before)) + write_units(item_size(after))
        if units:
            name = getattr(index, "name", None)
            key = name if isinstance(name, str) else f"{index.hash_key}/{index.range_key}"
            out[key] = out.get(key, 0.0) + units
    return out


def failed_write_units(current_size: int | None, new_size: int = 0) -> float:
    """WCUs a conditional write whose condition was false consumes (nothing was written).

    ``current_size``: the item there (None: no item); ``new_size``: the item the write would have put
    (0 when unknown, as for an update or a delete).
    """
    # Developer guide, "Capacity unit consumption for write operations" (read-write-operations.html, as
    # above): "If the expression evaluates to false, DynamoDB still consumes write capacity units from the
    # table": "For a new item, DynamoDB consumes one write capacity unit"; for an existing item the older
    # text sizes it by "the new item", the current one by the larger of the existing and the new item,
    # which we follow (an update's or delete's "new item" is unknown: the existing one is used). No index
    # is written, so none is charged.
    if current_size is None:
        return write_units(0)
    return write_units(max(current_size, new_size))


def cancelled_transaction_units(sizes: Iterable[int]) -> float:
    """WCUs recorded for a cancelled TransactWriteItems: one standard write per action (the prepare phase).

    Developer guide, "Capacity management for transactions"
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling):
    "DynamoDB performs two underlying reads or writes of every item in the transaction: one to prepare the
    transaction and one to commit the transaction", both "visible in your Amazon CloudWatch metrics"; and
    (#transaction-conflict-handling) a cancelled transaction, TransactionConflict included, applies nothing.
    The guide gives no figure for a cancelled one: we record the prepare phase (half of a committed
    transaction's base units, no index writes) as what was consumed; the engine reports nothing with the error.
    """
    return sum(write_units(s) for s in sizes)


def delete_units(size_bytes: int, by_ttl: bool = False) -> float:
    """WCUs for deleting one item: a normal write of its size, or nothing when TTL expires it."""
    return 0.0 if by_ttl else write_units(size_bytes)


@dataclass(frozen=True, slots=True)
class CapacityRecord:
    """What one call consumed.

    ``read_units``/``write_units`` are computed by the size rules; ``reported_*`` is what the engine
    said (``None`` when it said nothing). Real DynamoDB's figures and ours agree; moto's are fixed.
    """

    operation: str
    table: str
    pattern: str | None = None
    index: str | None = None
    read_units: float = 0.0
    write_units: float = 0.0
    reported_read_units: float | None = None
    reported_write_units: float | None = None
    items: int = 0
    bytes: int = 0
    consistency: str | None = None
    round_trips: int = 1
    at: float = field(default_factory=time.time)


@dataclass(slots=True)
class PatternSummary:
    """Totals for one access pattern (or one operation when no pattern was named)."""

    name: str
    calls: int = 0
    round_trips: int = 0
    items: int = 0
    bytes: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    reported_read_units: float = 0.0
    reported_write_units: float = 0.0
    operations: dict[str, int] = field(default_factory=dict)


class CapacityLedger:
    """Thread-safe record of every call's consumed capacity, summarised per pattern and operation.

    Memory stays bounded in a long-running service: the ledger keeps the latest ``keep`` records
    (``None``: all of them) for iteration and ``dump()``, and folds each older one into running totals
    as it drops out, so ``by_pattern()``, ``read_units`` and ``write_units`` always cover every call
    since the ledger was made (or cleared); ``dropped`` says how many records are no longer held.
    """

    DEFAULT_KEEP = 100_000

    def __init__(self, keep: int | None = DEFAULT_KEEP) -> None:
        if keep is not None and keep < 1:
            raise ValueError(f"keep must be at least 1 (or None to keep every record), got {keep}")
        self.keep = keep
        self._lock = threading.Lock()
        self._records: deque[CapacityRecord] = deque()
        self._folded: dict[str, PatternSummary] = {}
        self.dropped = 0

    def record(self, rec: CapacityRecord) -> None:
        with self._lock:
            if self.keep is not None and len(self._records) >= self.keep:
                _fold(self._folded, self._records.popleft())
                self.dropped += 1
            self._records.append(rec)

    def __iter__(self) -> Iterator[CapacityRecord]:
        """The records held (the latest ``keep``), oldest first."""
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._folded.clear()
            self.dropped = 0

    @property
    def read_units(self) -> float:
        return sum(s.read_units for s in self.by_pattern().values())

    @property
    def write_units(self) -> float:
        return sum(s.write_units for s in self.by_pattern().values())

    def by_pattern(self) -> dict[str, PatternSummary]:
        """Totals keyed by access pattern name (the operation name where none was given), every call."""
        with self._lock:
            out = {name: replace(s, operations=dict(s.operations)) for name, s in self._folded.items()}
            records = list(self._records)
        for rec in records:
            _fold(out, rec)
        return out

    def to_json(self) -> str:
        """The records held as JSON lines: the cost planner's "measured traffic" input."""
        return "\n".join(json.dumps(asdict(r), sort_keys=True) for r in self)

    def dump(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            text = self.to_json()
            fh.write(text + ("\n" if text else ""))

    @staticmethod
    def load(path: str) -> CapacityLedger:
        ledger = CapacityLedger(keep=None)
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    ledger.record(CapacityRecord(**json.loads(line)))
        return ledger


def _fold(out: dict[str, PatternSummary], rec: CapacityRecord) -> None:
    """Add one record to the per-pattern totals in ``out``."""
    name = rec.pattern or rec.operation
    s = out.get(name)
    if s is None:
        s = out[name] = PatternSummary(name)
    s.calls += 1
    s.round_trips += rec.round_trips
    s.items += rec.items
    s.bytes += rec.bytes
    s.read_units += rec.read_units
    s.write_units += rec.write_units
    s.reported_read_units += rec.reported_read_units or 0.0
    s.reported_write_units += rec.reported_write_units or 0.0
    s.operations[rec.operation] = s.operations.get(rec.operation, 0) + 1
