"""Bulk loader: a JSONL file into the table through a thread pool of batch writes, resumable.

    report = bulk_load(table, "users.jsonl", checkpoint="users.ckpt", entity=User, workers=4)
    print(report.summary())

Each line is one JSON object: a plain item holding the table's keys (``{"PK": ..., "SK": ..., ...}``),
or, with ``entity=``, the entity's fields (validated, keys rendered by the entity). Numbers are read as
``Decimal`` so nothing is rounded on the way.

Lines go out in batches of up to 25 (one ``BatchWriteItem`` each, unprocessed items retried by
:func:`singletable.batch.batch_write`). The checkpoint file records a batch's line numbers only after
the whole batch was acknowledged, flushed and fsynced, so a crash, a kill or a give-up leaves a
checkpoint that lists only what is durably written; running again with the same checkpoint skips those
lines and loads the rest. Re-sending a line that was written but not yet checkpointed is harmless (a
put of the same item). The checkpoint names its input (path, size, a hash of its head) and refuses
another file.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from singletable.batch import MAX_WRITE_ITEMS, Backoff, BatchResult, batch_write
from singletable.errors import BatchIncompleteError, DuplicateKeyError, SingleTableError, ValidationError
from singletable.model import Entity

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from singletable.schema import Schema
    from singletable.table import Table

_CHECKPOINT_VERSION = 1
_HEAD_BYTES = 64 * 1024
#: One decoder for every line: ``json.loads(text, parse_float=...)`` would build a new one per call.
_DECODER = json.JSONDecoder(parse_float=Decimal)


@dataclass(slots=True)
class BulkReport:
    """What a bulk load did. ``failed`` lists the line numbers not written (empty when complete)."""

    lines: int = 0
    written: int = 0
    skipped: int = 0
    failed: list[int] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0
    batch: BatchResult = field(default_factory=BatchResult)

    @property
    def complete(self) -> bool:
        return not self.failed

    @property
    def items_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    @property
    def write_units(self) -> float:
        return self.batch.write_units

    def done(self, lines: list[int], result: BatchResult) -> None:
        """Count a batch acknowledged whole (after its lines were checkpointed)."""
        self.batch.add(result)
        self.batches += 1
        self.written += len(lines)

    def incomplete(
        self, lines: list[int], items: list[Entity | dict[str, Any]], exc: BatchIncompleteError
    ) -> None:
        """Count a batch that gave up: its unacknowledged lines failed, the rest written."""
        left = {id(o) for o in exc.unprocessed}
        self.failed.extend(n for n, o in zip(lines, items, strict=True) if id(o) in left)
        self.written += sum(1 for o in items if id(o) not in left)

    def summary(self) -> str:
        b = self.batch
        return (
            f"{self.written:,} items written in {self.seconds:.1f} s ({self.items_per_second:,.0f} items/s), "
            f"{self.skipped:,} already loaded, {len(self.failed):,} failed; {self.batches:,} batches, "
            f"{b.round_trips:,} requests, {b.retries:,} unprocessed retries ({b.unprocessed:,} items returned), "
            f"{b.errors:,} transient errors retried; {b.write_units:,.0f} WCU by the size rules "
            f"({b.reported_units:,.0f} reported by the engine)"
        )


class Checkpoint:
    """An append-only record of the line numbers durably written, for one input file."""

    def __init__(self, path: str | os.PathLike[str], source: Path, *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        self.done: set[int] = set()
        self._lock = threading.Lock()
        self._header = _identity(source)
        self._fh: IO[str] | None = None
        if self.path.exists() and self.path.stat().st_size > 0:
            self._read()
        else:
            self._write_line({"checkpoint": _CHECKPOINT_VERSION, **self._header})

    def _read(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        try:
            header = json.loads(lines[0])
        except (ValueError, IndexError):
            header = {}
        if {k: header.get(k) for k in self._header} != self._header:
            raise ValidationError(
                f"checkpoint {str(self.path)!r} belongs to another input ({header.get('input')!r}, "
                f"{header.get('bytes')} bytes), not {self._header['input']!r} ({self._header['bytes']} bytes)",
                field="checkpoint",
                hint="pass the input it was made for, or delete the checkpoint to load from the start",
            )
        for n, text in enumerate(lines[1:], start=2):
            try:
                ranges = json.loads(text)["lines"]
            except (ValueError, KeyError, TypeError):
                if n == len(lines):
                    break  # a record torn by a crash: its batch is simply not counted as done
                raise ValidationError(
                    f"checkpoint {str(self.path)!r} line {n} is corrupt",
                    field="checkpoint",
                    hint="delete the checkpoint to load from the start (re-writing items is harmless)",
                ) from None
            for first, last in ranges:
                self.done.update(range(first, last + 1))

    def record(self, line_numbers: list[int]) -> None:
        """Mark these lines durably written (call only once their batch was acknowledged)."""
        with self._lock:
            self._write_line({"lines": _ranges(line_numbers)})
            self.done.update(line_numbers)

    def _write_line(self, obj: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._fh.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self._fh.flush()
        if self.durable:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _identity(source: Path) -> dict[str, Any]:
    with open(source, "rb") as fh:
        head = hashlib.sha256(fh.read(_HEAD_BYTES)).hexdigest()
    return {"input": str(source.resolve()), "bytes": source.stat().st_size, "head_sha256": head}


def _ranges(numbers: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for n in sorted(numbers):
        if out and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def read_jsonl(source: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for each non-blank line; numbers start at 1. A line that is not UTF-8 is a
    ValidationError naming it (the load counts the lines first, so it is refused before any write)."""
    with open(source, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(
                    f"line {n} is not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)",
                    field=f"line {n}",
                    hint="save the file as UTF-8, or fix or remove the line",
                ) from None
            if line.strip():
                yield n, line


def _parse(n: int, text: str, schema: Schema, entity: type[Entity] | None) -> dict[str, Any]:
    """Line ``n`` as the item to write: the JSON object as it is, or, with ``entity``, the entity built
    from it (validated once, here) and rendered as its item, so the batch write does not validate it
    again."""
    try:
        obj = _DECODER.decode(text)
    except ValueError as exc:
        raise ValidationError(
            f"line {n} is not JSON: {exc}", field=f"line {n}", hint="fix or remove the line"
        ) from None
    if not isinstance(obj, dict):
        raise ValidationError(f"line {n} is {type(obj).__name__}, not a JSON object", field=f"line {n}")
    if entity is not None:
        try:
            return schema.entity_item(entity.build(**obj), validate=False)
        except SingleTableError as exc:
            raise ValidationError(f"line {n}: {exc.message}", field=f"line {n}", hint=exc.hint) from None
    return obj


def bulk_load(
    table: Table,
    source: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    entity: type[Entity] | None = None,
    workers: int = 8,
    batch_size: int = MAX_WRITE_ITEMS,
    progress: bool = True,
    backoff: Backoff | None = None,
    check_duplicates: bool = True,
    durable: bool = True,
    pattern: str | None = "bulk load",
) -> BulkReport:
    """Load ``source`` (JSONL) into ``table``; see the module docstring.

    Raises :class:`BatchIncompleteError` (``unprocessed`` = the line numbers not written, after every
    other batch finished and was checkpointed) when some batch gave up; ValidationError or
    DuplicateKeyError for a bad line (nothing of that line's batch is sent; batches already in flight
    finish and are checkpointed first). Run again with the same checkpoint to resume.
    """
    path = check_options(source, workers, batch_size)
    if entity is not None:
        table.register(entity)
    ckpt = Checkpoint(checkpoint, path, durable=durable) if checkpoint is not None else None
    report = BulkReport()
    lock = threading.Lock()
    backoff = backoff or Backoff()
    started = time.monotonic()
    bar, task = progress_bar(progress, sum(1 for _ in read_jsonl(path)))

    # Batches parsed ahead or in flight, at most two per worker: enough to keep every worker busy,
    # bounded so that memory does not grow with the input. A semaphore rather than waiting on the
    # futures: concurrent.futures.wait(FIRST_COMPLETED) installs and removes a waiter on every pending
    # future per call, which cost a sixth of the loader's CPU at 8 workers (py-spy, --gil).
    slots = threading.BoundedSemaphore(workers * 2)
    worker_errors: list[BaseException] = []

    def advance(n: int) -> None:
        if bar is not None and task is not None:
            bar.advance(task, n)

    def load(lines: list[int], items: list[Entity | dict[str, Any]]) -> None:
        try:
            try:
                result = batch_write(table, items, backoff=backoff, pattern=pattern)
            except BatchIncompleteError as exc:  # reported as failed lines, not as an error of the load
                with lock:
                    report.incomplete(lines, items, exc)
                return
            if ckpt is not None:
                ckpt.record(lines)
            with lock:
                report.done(lines, result)
            advance(len(lines))
        except BaseException as exc:  # nobody reads the futures: the main thread raises it at the end
            with lock:
                worker_errors.append(exc)
        finally:
            slots.release()  # only now: a batch counts as in flight until it is checkpointed

    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bulk") as pool:

        def submit(lines: list[int], items: list[Entity | dict[str, Any]]) -> bool:
            """Hand a batch to the pool once a slot is free; False (nothing sent) after a worker failed."""
            slots.acquire()
            if worker_errors:
                slots.release()
                return False
            try:
                pool.submit(load, lines, items)
            except BaseException:
                slots.release()
                raise
            return True

        try:
            planned = batches(
                table.schema,
                path,
                report,
                ckpt=ckpt,
                entity=entity,
                batch_size=batch_size,
                check_duplicates=check_duplicates,
                skipped=advance,
            )
            for lines, items in planned:
                if worker_errors or not submit(lines, items):
                    break
        except BaseException as exc:
            error = exc
        # Leaving the block waits for every batch in flight: each is checkpointed or reported failed.
    if error is None and worker_errors:
        error = worker_errors[0]
    return finish(report, started, bar, ckpt, error)


def check_options(source: str | os.PathLike[str], workers: int, batch_size: int) -> Path:
    """The input's path, once the load's options are checked (the same checks for both loaders)."""
    if not 1 <= batch_size <= MAX_WRITE_ITEMS:
        raise ValidationError(
            f"batch_size must be 1 to {MAX_WRITE_ITEMS}, got {batch_size}", field="batch_size"
        )
    if workers < 1:
        raise ValidationError(f"workers must be at least 1, got {workers}", field="workers")
    path = Path(source)
    if not path.is_file():
        raise ValidationError(f"input {str(path)!r} not found", field="source", hint="pass a JSONL file")
    return path


def finish(
    report: BulkReport,
    started: float,
    bar: Progress | None,
    ckpt: Checkpoint | None,
    error: BaseException | None,
) -> BulkReport:
    """End a load once nothing is in flight: the bar stopped, the checkpoint closed, then the first
    error raised, or BatchIncompleteError naming the lines not written, or the report returned."""
    if bar is not None:
        bar.stop()
    if ckpt is not None:
        ckpt.close()
    report.seconds = time.monotonic() - started
    report.failed.sort()
    if error is not None:
        raise error
    if report.failed:
        raise BatchIncompleteError(
            f"bulk load wrote {report.written:,} items but {len(report.failed):,} lines could not be written "
            f"(first: line {report.failed[0]}); {report.summary()}",
            unprocessed=list(report.failed),
        )
    return report


def batches(
    schema: Schema,
    path: Path,
    report: BulkReport,
    *,
    ckpt: Checkpoint | None,
    entity: type[Entity] | None,
    batch_size: int,
    check_duplicates: bool,
    skipped: Callable[[int], None],
) -> Iterator[tuple[list[int], list[Entity | dict[str, Any]]]]:
    """The input's batches to write, as (line numbers, items): lines already checkpointed skipped (and
    counted), each line parsed and checked, a key seen twice refused. No I/O but the input file: the
    same plan for a thread pool and for tasks on an event loop."""
    pk_name, sk_name = schema.spec.pk, schema.spec.sk
    seen: dict[tuple[Any, Any], int] = {}
    lines: list[int] = []
    items: list[Entity | dict[str, Any]] = []
    for n, text in read_jsonl(path):
        report.lines += 1
        if ckpt is not None and n in ckpt.done:
            report.skipped += 1
            skipped(1)
            continue
        obj = _parse(n, text, schema, entity)
        if check_duplicates:
            key = obj.get(pk_name), obj.get(sk_name)
            if key in seen:
                raise DuplicateKeyError(
                    f"lines {seen[key]} and {n} have the same key {key[0]!r}/{key[1]!r}",
                    field=f"line {n}",
                    hint="keep one of them: the load would keep whichever batch landed last",
                )
            seen[key] = n
        lines.append(n)
        items.append(obj)
        if len(items) == batch_size:
            yield lines, items
            lines, items = [], []
    if items:
        yield lines, items


def progress_bar(enabled: bool, total: int) -> tuple[Progress | None, TaskID | None]:
    if not enabled:
        return None, None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class _Rate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task: Any) -> Any:
            from rich.text import Text

            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} items/s" if speed else "- items/s")

    bar = Progress(
        TextColumn("[bold]loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    task = bar.add_task("load", total=total)
    bar.start()
    return bar, task
