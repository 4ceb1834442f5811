"""Two tables driven as one: every call runs on both engines and the outcomes must agree.

:class:`TwinTable` passes for a :class:`~singletable.Table` (the model-based test drives it unchanged):
each call goes to table ``a`` (moto) and then to table ``b`` (DynamoDB Local); the two results must be
equal, or both calls must raise the same catalogued error (class and code, and for a cancelled transaction
the same reason per action). Capacity is compared twice over: our computed units must be the same on both
(the same items), and on ``b`` they must equal what the engine reported, call by call, except where
:func:`known_capacity_gap` says why not (docs/engines.md). ``a``'s answer is handed back (or raised).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from singletable import Table
from singletable.batch import BatchResult
from singletable.capacity import CapacityRecord
from singletable.errors import SingleTableError, TransactionCanceledError
from singletable.transactions import TransactResult


def known_capacity_gap(rec: CapacityRecord, reported: tuple[float, float]) -> str | None:
    """Why DynamoDB Local's reported units for ``rec`` may differ from DynamoDB's rules, or None.

    Each is listed in docs/engines.md with the developer guide's text that decides it.
    """
    if rec.operation == "TransactWriteItems":
        return "DynamoDB Local doubles a transaction's index writes and counts its equal-unit actions once"
    if rec.operation in ("Query", "Scan") and reported == (0.0, 0.0):
        return "DynamoDB Local charges nothing for a Query or Scan that read nothing"
    if rec.operation == "BatchWriteItem":
        # Not an engine difference: a batch cannot return the items it replaces or deletes, so our
        # units take them as absent (a new item, with its index entries); the engine knows them: more for a
        # bigger item replaced, less for an unchanged index entry.
        return "a batch's replaced or deleted items are unknown to us: our units take them as absent"
    if rec.operation == "BatchGetItem" and reported[0] < rec.read_units:
        return "DynamoDB Local charges nothing for BatchGetItem keys it did not find"
    return None


#: What the comparisons met, for the test's summary line.
SEEN: Counter[str] = Counter()

_END = object()


def _same_items(xs: list[Any], ys: list[Any]) -> bool:
    """The same items in any order (by ==: 1.50 and 1.5 are one number, map order does not count)."""
    rest = list(ys)
    for x in xs:
        for i, y in enumerate(rest):
            if x == y:
                del rest[i]
                break
        else:
            return False
    return not rest


class Divergence(AssertionError):
    """The two engines answered one call differently."""


def _outcome(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except (SingleTableError, ValueError, TypeError, LookupError) as exc:
        return None, exc


def _comparable(value: Any) -> Any:
    """What must be equal between engines (no tokens, timings or engine-reported figures)."""
    if isinstance(value, BatchResult):
        return ("BatchResult", value.processed, value.write_units, value.read_units)
    if isinstance(value, TransactResult):
        return ("TransactResult", value.actions, value.write_units, value.entities)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value
    return value


def _error_signature(exc: BaseException) -> tuple[Any, ...]:
    code = getattr(exc, "code", None)
    if isinstance(exc, TransactionCanceledError):
        return (type(exc), code, tuple(r.get("code") for r in exc.reasons))
    return (type(exc), code)


class TwinTable:
    """``a`` and ``b`` driven as one table (see the module docstring)."""

    def __init__(self, a: Table, b: Table) -> None:
        self.a = a
        self.b = b
        self.tables = (a, b)

    # What the model reads directly: table ``a``'s (its ledger grows once per call, as a Table's does).
    def __getattr__(self, name: str) -> Any:
        if name in _TWINNED:
            return lambda *args, **kwargs: self.both(name, *args, **kwargs)
        return getattr(self.a, name)

    def both(self, method: str, *args: Any, **kwargs: Any) -> Any:
        marks = (len(self.a.ledger), len(self.b.ledger))
        ra, ea = _outcome(lambda: getattr(self.a, method)(*args, **kwargs))
        rb, eb = _outcome(lambda: getattr(self.b, method)(*args, **kwargs))
        self.agree(method, ra, ea, rb, eb)
        if method in ("query", "reverse", "scan") and ea is None:
            return TwinQuery(self, ra, rb, ordered=method != "scan", again=(method, args, kwargs))
        if method == "transact_write" and ea is None:
            return TwinTransaction(self, ra, rb)
        self.check_capacity(method, marks)
        if ea is not None:
            raise ea
        return ra

    def agree(self, what: str, ra: Any, ea: BaseException | None, rb: Any, eb: BaseException | None) -> None:
        SEEN["calls"] += 1
        if ea is not None or eb is not None:
            if ea is None or eb is None or _error_signature(ea) != _error_signature(eb):
                raise Divergence(f"{what}: moto {ea or ra!r} but DynamoDB Local {eb or rb!r}")
            SEEN["same error"] += 1
            return
        if what in ("query", "reverse", "scan", "transact_write"):
            return  # compared as they are used
        if _comparable(ra) != _comparable(rb):
            raise Divergence(f"{what}: moto {ra!r} but DynamoDB Local {rb!r}")

    def check_capacity(self, what: str, marks: tuple[int, int]) -> None:
        new_a: list[CapacityRecord] = list(self.a.ledger)[marks[0] :]
        new_b: list[CapacityRecord] = list(self.b.ledger)[marks[1] :]
        if what in ("query", "scan") and len(new_b) == len(new_a) + 1 and new_b[-1].items == 0:
            # DynamoDB's LastEvaluatedKey at a page's Limit even when nothing follows (moto's has none
            # then): one more, empty page on DynamoDB Local (docs/engines.md).
            SEEN["DynamoDB Local read one more, empty page"] += 1
            new_b = new_b[:-1]
        if len(new_a) != len(new_b):
            raise Divergence(f"{what}: {len(new_a)} ledger records on moto, {len(new_b)} on DynamoDB Local")
        for ra, rb in zip(new_a, new_b, strict=True):
            ours = (ra.operation, ra.read_units, ra.write_units)
            if ours != (rb.operation, rb.read_units, rb.write_units):
                raise Divergence(f"{what}: computed capacity {ours} on moto, {rb} on DynamoDB Local")
            reported = (rb.reported_read_units or 0.0, rb.reported_write_units or 0.0)
            if rb.reported_read_units is None and rb.reported_write_units is None:
                SEEN["capacity not reported (failed write)"] += 1
                continue
            gap = known_capacity_gap(rb, reported)
            if reported == (rb.read_units, rb.write_units):
                SEEN[f"capacity agrees: {rb.operation}"] += 1
            elif gap is not None:
                SEEN[f"capacity differs as documented: {gap}"] += 1
            else:
                raise Divergence(
                    f"{what}: DynamoDB Local reported {reported} (read, write) units for {rb.operation}, "
                    f"we computed {(rb.read_units, rb.write_units)} ({rb.items} items, {rb.bytes} bytes)"
                )


_TWINNED = {
    "put",
    "put_item",
    "get",
    "get_item",
    "update",
    "update_item",
    "delete",
    "delete_item",
    "query",
    "reverse",
    "scan",
    "collection",
    "batch_write",
    "batch_get",
    "transact_get",
    "transact_write",
}


class TwinQuery:
    """Two lazy queries read in step: each item must be the same on both engines."""

    def __init__(
        self,
        twin: TwinTable,
        qa: Any,
        qb: Any,
        *,
        ordered: bool = True,
        again: tuple[str, tuple[Any, ...], dict[str, Any]] | None = None,
    ) -> None:
        self.twin, self.qa, self.qb, self.ordered, self.again = twin, qa, qb, ordered, again

    def __iter__(self) -> Iterator[Any]:
        marks = (len(self.twin.a.ledger), len(self.twin.b.ledger))
        if not self.ordered:
            # A Scan's order is the engine's own (by hashed partition key): compare the same items.
            got_a, got_b = list(self.qa), list(self.qb)
            if not _same_items(got_a, got_b):
                raise Divergence(f"scan: moto {got_a!r}, DynamoDB Local {got_b!r}")
            self.twin.check_capacity("scan", marks)
            yield from got_a
            return
        ia, ib = iter(self.qa), iter(self.qb)
        while True:
            xa, ea = _outcome(lambda: next(ia, _END))
            xb, eb = _outcome(lambda: next(ib, _END))
            self.twin.agree("query", xa, ea, xb, eb)
            if ea is not None:
                raise ea
            if xa != xb:
                raise Divergence(f"query: moto gave {xa!r}, DynamoDB Local {xb!r}")
            if xa is _END:
                break
            yield xa
        self.twin.check_capacity("query", marks)

    def all(self) -> list[Any]:
        return list(self)

    def first(self) -> Any:
        return next(iter(self), None)

    @property
    def cursor(self) -> str | None:
        ca, cb = self.qa.cursor, self.qb.cursor
        if ca is None and cb is not None and self.again is not None:
            # DynamoDB stops at Limit and returns a LastEvaluatedKey even when nothing follows; moto
            # returns one only when something does (docs/engines.md). The rest must then be empty.
            method, args, kwargs = self.again
            rest = getattr(self.twin.b, method)(*args, **{**kwargs, "cursor": cb}).all()
            if rest:
                raise Divergence(f"query: moto ended, DynamoDB Local has more: {rest!r}")
            SEEN["moto ended a page at Limit without a LastEvaluatedKey"] += 1
            return None
        if ca != cb:
            raise Divergence(f"query cursor: moto {ca!r}, DynamoDB Local {cb!r}")
        cursor: str | None = ca
        return cursor


class TwinTransaction:
    """Two transaction builders fed the same actions; committed on both."""

    def __init__(self, twin: TwinTable, ta: Any, tb: Any) -> None:
        self.twin, self.ta, self.tb = twin, ta, tb

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            ra, ea = _outcome(lambda: getattr(self.ta, name)(*args, **kwargs))
            _, eb = _outcome(lambda: getattr(self.tb, name)(*args, **kwargs))
            self.twin.agree(f"transaction {name}", None, ea, None, eb)
            if ea is not None:
                raise ea
            return self if ra is self.ta else ra

        return call

    def commit(self) -> Any:
        marks = (len(self.twin.a.ledger), len(self.twin.b.ledger))
        ra, ea = _outcome(self.ta.commit)
        rb, eb = _outcome(self.tb.commit)
        self.twin.agree("transact_write commit", ra, ea, rb, eb)
        self.twin.check_capacity("transact_write", marks)
        if ea is not None:
            raise ea
        return ra
