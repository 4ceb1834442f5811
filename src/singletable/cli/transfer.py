"""``export`` (a table or one partition to JSON lines, resumable) and ``import`` (JSON lines into a table).

An export line is plain JSON unless the item holds a set or bytes, which plain JSON cannot keep: that
line is DynamoDB-typed JSON (``--typed`` makes every line typed). ``import`` reads both, per line.

Resuming: after every page the export flushes the file and records, in ``FILE.checkpoint``, the page's
cursor and the file's length. ``--resume`` cuts the file back to that length and reads on from the
cursor, so no item is lost or written twice. The checkpoint is removed when the export completes.

``import`` from a file keeps ``FILE.import-checkpoint`` (or ``--checkpoint``): the line numbers of each
batch, recorded only once the batch was acknowledged and fsynced (:class:`singletable.bulk.Checkpoint`),
so ``--resume`` after a crash or a kill -9 writes only the rest. An import ends by reading back what it
claims (:mod:`singletable.cli.verify`): by default the table must hold at least as many items as the
import wrote distinct keys; ``--verify get`` / ``--verify scan`` compare every item's content.

Every call of a transfer (pre-flight DescribeTable, page reads, batch writes, the final check) retries
transient faults under one policy (:mod:`singletable.cli.policy`) until ``--deadline``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from singletable.batch import BatchResult
from singletable.cli.options import (
    EXIT_USAGE,
    AttemptsOpt,
    CapacityOpt,
    ConsistentOpt,
    DebugOpt,
    EndpointOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    describe_table,
    err_console,
    errors,
    fail,
    json_dumps,
    needs_typed,
    note,
    parse_item,
    print_capacity,
    to_typed,
)
from singletable.cli.policy import Policy
from singletable.errors import BatchIncompleteError, ImportShortfallError, SingleTableError, ValidationError

if TYPE_CHECKING:
    from singletable.query import Page
    from singletable.table import Table

CHECKPOINT_SUFFIX = ".checkpoint"
IMPORT_CHECKPOINT_SUFFIX = ".import-checkpoint"
EXIT_INTERRUPTED = 130

DeadlineOpt = Annotated[
    float,
    typer.Option(
        "--deadline",
        min=1.0,
        help="Seconds each call keeps retrying transient faults (throttling, 5xx, dropped connections) "
        "before the transfer gives up; the same for batch writes, page reads and checks.",
    ),
]
SHOW_BAD = 20


def _progress(what: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{what}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("items"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


# -- export ---------------------------------------------------------------------------------------------


def _checkpoint_path(file: Path) -> Path:
    return file.with_name(file.name + CHECKPOINT_SUFFIX)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _load_checkpoint(path: Path, table: str, pk: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        ok = isinstance(state, dict) and {"table", "pk", "cursor", "offset", "count"} <= set(state)
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise ValidationError(
            f"{path} is not an export checkpoint", hint="delete it and export again without --resume"
        )
    if (state["table"], state["pk"]) != (table, pk):
        raise ValidationError(
            f"{path} belongs to the export of table {state['table']!r}"
            + (f" partition {state['pk']!r}" if state["pk"] else ""),
            hint="resume with the same --table and --pk, or delete the checkpoint to start afresh",
        )
    return state


def export(
    file: Annotated[
        Path,
        typer.Argument(
            help="The JSON-lines file to write; - writes to stdout (not resumable).", show_default=False
        ),
    ],
    pk: Annotated[
        str | None, typer.Option("--pk", help="Only this partition, e.g. USER#123.", show_default=False)
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Carry on an interrupted export from FILE.checkpoint.")
    ] = False,
    typed: Annotated[bool, typer.Option("--typed", help="Write every line as DynamoDB-typed JSON.")] = False,
    page_size: Annotated[
        int | None,
        typer.Option(
            "--page-size", min=1, help="Items per request (default: 1 MB pages).", show_default=False
        ),
    ] = None,
    consistent: ConsistentOpt = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    deadline: DeadlineOpt = 120.0,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a table (or one partition) as JSON lines, with a progress bar; resumable.

    Example: singletable export backup.jsonl   (then, after an interruption: singletable export backup.jsonl --resume)

    One partition: singletable export user-123.jsonl --pk USER#123
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        to_stdout = str(file) == "-"
        checkpoint = None if to_stdout else _checkpoint_path(file)
        state: dict[str, Any] = {"table": conn.table, "pk": pk, "cursor": None, "offset": 0, "count": 0}
        if to_stdout and resume:
            fail("an export to stdout cannot be resumed. Fix: export to a file")
        if not to_stdout and not file.parent.is_dir():
            raise ValidationError(
                f"cannot export to {file}: the folder {file.parent} does not exist",
                field="file",
                hint=f"create it first (mkdir -p {file.parent}) or export to another path",
            )
        if checkpoint is not None:
            if resume:
                if not checkpoint.exists():
                    fail(
                        f"no checkpoint {checkpoint} to resume from. Fix: run without --resume to start afresh"
                    )
                state = _load_checkpoint(checkpoint, conn.table, pk)
                if state.pop("started", False):
                    pass  # interrupted before its first page: start from the beginning
                elif state["cursor"] is None:
                    # The last page was written; only removing the checkpoint was left to do.
                    with file.open("r+", encoding="utf-8") as done:
                        done.truncate(state["offset"])
                    checkpoint.unlink()
                    note(f"the export to {file} was already complete ({state['count']} items)")
                    return
            elif checkpoint.exists():
                fail(
                    f"an interrupted export left {checkpoint}. Fix: add --resume to carry on, "
                    "or delete the checkpoint to start afresh"
                )
        policy = Policy.with_deadline(deadline)
        again = "" if to_stdout else f"singletable export {file} --resume"
        t = conn.open(hide_expired=False)  # an export copies what is stored, expired or not
        total = None
        if pk is None:
            desc = policy.call("DescribeTable", lambda: describe_table(t), resume=again)
            total = desc.get("ItemCount") or None
        pages = _pages(t, pk, page_size, consistent, state["cursor"], policy, again)
        what = f"partition {pk!r} of {t.name!r}" if pk else repr(t.name)
        out: TextIO
        if to_stdout:
            out = sys.stdout
        else:
            out = file.open("r+" if resume else "w", encoding="utf-8", newline="\n")
            if resume:
                out.seek(state["offset"])
                out.truncate()
        count: int = state["count"]
        if checkpoint is not None and not resume:
            # A checkpoint from the start, so that an export interrupted on its first page can resume too.
            _save_checkpoint(checkpoint, {**state, "started": True})
        try:
            with _progress(f"export {what}") as bar:
                task = bar.add_task("export", total=max(total, count) if total else None, completed=count)
                for page in pages:
                    for item in page.items:
                        out.write(json_dumps(to_typed(item) if typed or needs_typed(item) else item) + "\n")
                    count += len(page.items)
                    out.flush()
                    if checkpoint is not None:
                        os.fsync(out.fileno())
                        _save_checkpoint(
                            checkpoint,
                            {**state, "cursor": page.cursor, "offset": out.tell(), "count": count},
                        )
                    bar.update(task, completed=count, total=max(count, total) if total else None)
                bar.update(task, total=count, completed=count)
        except SingleTableError as exc:
            if again and "--resume" not in (exc.hint or ""):
                # Whatever stopped it (a vanished table, a refused read), what was written is kept.
                fix = (exc.hint or "").strip().rstrip(".")
                exc.hint = f"{fix}; then carry on with: {again}" if fix else f"carry on with: {again}"
            raise
        except KeyboardInterrupt:
            if to_stdout:
                note(f"interrupted after {count} items (an export to stdout cannot be resumed)")
            else:
                note(f"interrupted after {count} items: carry on with: singletable export {file} --resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            if not to_stdout:
                out.close()
        if checkpoint is not None and checkpoint.exists():
            checkpoint.unlink()
        where = "stdout" if to_stdout else str(file)
        if count == 0:
            note(f"nothing to export: {what} is empty; wrote an empty {where}")
        else:
            note(f"exported {count} item{'s' if count != 1 else ''} from {what} to {where}")
        if capacity:
            print_capacity(t.ledger)


def _pages(
    t: Table,
    pk: str | None,
    page_size: int | None,
    consistent: bool,
    cursor: str | None,
    policy: Policy,
    again: str,
) -> Iterator[Page[Any]]:
    """The export's pages, each read under the transfer's retry policy.

    Each page is a fresh one-page query from the last cursor, so a page read that failed is simply
    read again from the same place: nothing is skipped or repeated.
    """
    from singletable.query import Query

    number = 0
    while True:
        number += 1

        def read(after: str | None = cursor) -> Page[Any]:
            if pk is None:
                q = Query.build(
                    t, None, scan=True, page_size=page_size, consistent=consistent, cursor=after, fields={}
                )
            else:
                q = t.query(pk=pk, page_size=page_size, consistent=consistent, cursor=after)
            q.raw_items = True
            return next(q.pages())

        page = policy.call(f"export page {number}", read, resume=again)
        yield page
        if page.cursor is None:
            return
        cursor = page.cursor


# -- import ---------------------------------------------------------------------------------------------


class NotUtf8(str):
    """A line that is not UTF-8 text: its text is the reason (a bad line of its own, not a failed file)."""


def _lines(file: Path, stdin_data: bytes | None) -> Iterator[tuple[int, str]]:
    """(line number, text) per line, split on newlines only (a JSON string may hold U+2028); a line that
    is not UTF-8 comes as :class:`NotUtf8` naming the byte, so that it is reported by its line number."""

    def decode(n: int, raw: bytes) -> tuple[int, str]:
        try:
            return n, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return n, NotUtf8(f"line is not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)")

    if stdin_data is not None:
        for n, raw in enumerate(stdin_data.split(b"\n"), start=1):
            yield decode(n, raw.rstrip(b"\r"))
        return
    with file.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            yield decode(n, raw.rstrip(b"\r\n"))


def _check(t: Any, item: dict[str, Any]) -> None:
    """What batch_write would refuse, found line by line before anything is written."""
    from singletable import capacity
    from singletable.batch import check_key
    from singletable.codec import item_size, serialize
    from singletable.errors import ItemTooLargeError

    check_key(t, item.get(t.spec.pk), item.get(t.spec.sk), "the item")
    size = item_size(serialize(item))
    if size > capacity.MAX_ITEM_BYTES:
        raise ItemTooLargeError(
            f"item is {size:,} bytes, over DynamoDB's {capacity.MAX_ITEM_BYTES:,}-byte limit"
        )


def _reason(exc: SingleTableError) -> str:
    return exc.message


class Verify(StrEnum):
    get = "get"
    scan = "scan"


def _import_checkpoint(file: Path, given: Path | None, resume: bool) -> Path:
    """The import's checkpoint path, refusing to start afresh over one left by an interrupted import."""
    path = given or file.with_name(file.name + IMPORT_CHECKPOINT_SUFFIX)
    if resume and not path.exists():
        fail(f"no checkpoint {path} to resume from. Fix: run without --resume to start afresh")
    if not resume and path.exists():
        fail(
            f"an interrupted import left {path}. Fix: add --resume to carry on, or delete the checkpoint "
            "to start afresh (writing an item twice is harmless)"
        )
    return path


def import_(
    file: Annotated[
        Path, typer.Argument(help="JSON lines (plain or DynamoDB-typed); - reads stdin.", show_default=False)
    ],
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad", help="Import the good lines and list the bad ones (default: import nothing)."
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Items per batch_write call (sent 25 per request).")
    ] = 100,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Carry on an interrupted import from its checkpoint (file input only)."
        ),
    ] = False,
    checkpoint_file: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="Where the import records the lines durably written (default: FILE.import-checkpoint).",
            show_default=False,
        ),
    ] = None,
    verify: Annotated[
        Verify | None,
        typer.Option(
            "--verify",
            help="Read every imported item back and compare its content: by batch get, or by one scan "
            "with a content hash (default: count the table's items).",
            show_default=False,
        ),
    ] = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    deadline: DeadlineOpt = 120.0,
    capacity: CapacityOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write JSON lines into a table: batched writes retried until done, a progress bar, a final check.

    Example: singletable import backup.jsonl --table my-app-copy

    Every line is checked before anything is written. A bad line stops the import (exit 2, nothing
    written) unless --skip-bad, which imports the rest and lists each skipped line by number.
    Puts are idempotent: re-running an import is safe; after an interruption, --resume writes only the
    lines not yet durably written. The import ends by reading back what it wrote (--verify for every item).
    """
    from singletable.bulk import Checkpoint
    from singletable.cli import verify as check

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        from_stdin = str(file) == "-"
        if from_stdin and (resume or checkpoint_file is not None):
            fail("an import from stdin cannot be resumed. Fix: import from a file")
        stdin_data = sys.stdin.buffer.read() if from_stdin else None
        if stdin_data is None and not file.is_file():
            fail(f"cannot read {file}: no such file. Fix: check the path (or pass - to read stdin)")
        ckpt_path = None if from_stdin else _import_checkpoint(file, checkpoint_file, resume)
        again = f"singletable import {file} --resume" if ckpt_path is not None else ""
        if ckpt_path is not None and checkpoint_file is not None:
            again += f" --checkpoint {ckpt_path}"
        policy = Policy.with_deadline(deadline)
        t = conn.open()
        pk_attr, sk_attr = t.spec.pk, t.spec.sk

        # Pass 1: check every line, so a bad file is refused before anything is written.
        bad: list[tuple[int, str]] = []
        seen: dict[tuple[str, str], int] = {}
        hashes: dict[tuple[str, str], str] = {}
        good = 0
        nulls = 0
        for n, line in _lines(file, stdin_data):
            if isinstance(line, NotUtf8):
                bad.append((n, str(line)))
                continue
            if not line.strip():
                continue
            try:
                item = parse_item(line, what="line")
                _check(t, item)
            except ValidationError as exc:
                bad.append((n, _reason(exc)))
                continue
            key = (item[pk_attr], item[sk_attr])
            if key in seen:
                bad.append((n, f"duplicate key {key[0]}/{key[1]} (first on line {seen[key]})"))
                continue
            seen[key] = n
            if verify is not None:
                hashes[key] = check.item_hash(item)
            nulls += sum(1 for v in item.values() if v is None)
            good += 1
        source = "stdin" if stdin_data is not None else str(file)
        if bad and not skip_bad:
            for n, why in bad[:SHOW_BAD]:
                note(f"{source}:{n}: {why}")
            if len(bad) > SHOW_BAD:
                note(f"... and {len(bad) - SHOW_BAD} more bad lines")
            lines = ", ".join(str(n) for n, _ in bad[:SHOW_BAD]) + (", ..." if len(bad) > SHOW_BAD else "")
            fail(
                f"{len(bad)} bad line{'s' if len(bad) != 1 else ''} in {source} (line {lines}); nothing was imported. "
                "Fix: correct them, or pass --skip-bad to import the other lines",
                EXIT_USAGE,
            )
        for n, why in bad:
            note(f"skipped {source}:{n}: {why}")
        # Fail fast (unknown table, wrong endpoint) before the batches; a transient fault is retried.
        policy.call("DescribeTable", lambda: describe_table(t), resume=again)
        if nulls:
            note(
                f"note: {nulls} top-level null attribute(s) are written as absent (singletable stores None so)"
            )
        ckpt = Checkpoint(ckpt_path, file) if ckpt_path is not None else None
        done_before = set(ckpt.done) if ckpt is not None else set()

        # Pass 2: write the good lines not yet durably written, in order, batched.
        bad_lines = {n for n, _ in bad}
        already = sum(1 for n in seen.values() if n in done_before)
        written = 0
        totals = BatchResult()
        chunk: list[dict[str, Any]] = []
        chunk_lines: list[int] = []

        def flush() -> None:
            nonlocal written
            try:
                result = policy.write(lambda items: t.batch_write(puts=items, backoff=policy.backoff), chunk)
            except BatchIncompleteError as exc:
                raise _stopped(exc, t.name, chunk, chunk_lines, already + written, good, again) from exc
            if ckpt is not None:
                ckpt.record(list(chunk_lines))  # only now: the whole batch was acknowledged
            totals.add(result)
            written += result.processed
            bar.update(task, completed=already + written)
            chunk.clear()
            chunk_lines.clear()

        try:
            with _progress(f"import {t.name}") as bar:
                task = bar.add_task("import", total=good, completed=already)
                for n, line in _lines(file, stdin_data):
                    if n in bad_lines or n in done_before or not line.strip():
                        continue
                    chunk.append(parse_item(line, what="line"))
                    chunk_lines.append(n)
                    if len(chunk) >= batch_size:
                        flush()
                if chunk:
                    flush()
        except KeyboardInterrupt:
            how = (
                f"carry on with: {again}"
                if again
                else "run the same import again (writing twice is harmless)"
            )
            note(f"interrupted with {already + written} of {good} items written: {how}")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            if ckpt is not None:
                ckpt.close()
        if already + written != good:
            raise BatchIncompleteError(
                f"wrote {already + written} items but {source} has {good} good lines", unprocessed=[]
            )

        # Pass 3: read back what was claimed.
        if verify is Verify.get:
            found = check.verify_by_get(t, policy, iter(hashes.items()), good, resume=again)
        elif verify is Verify.scan:
            found = check.verify_by_scan(t, policy, hashes, resume=again)
        else:
            found = check.count_items(t, policy, good, resume=again)
        if not found.ok:
            if ckpt_path is not None:
                ckpt_path.unlink(missing_ok=True)  # its records are no longer true: start afresh
            raise _shortfall(t.name, found)
        if ckpt_path is not None:
            ckpt_path.unlink(missing_ok=True)
        skipped = ""
        if bad:
            numbers = ", ".join(str(n) for n, _ in bad[:SHOW_BAD]) + (", ..." if len(bad) > SHOW_BAD else "")
            skipped = f"; skipped {len(bad)} bad line{'s' if len(bad) != 1 else ''} ({numbers})"
        resumed = f"; {already} already written before the interruption" if already else ""
        note(
            f"imported {already + written} of {good} item{'s' if good != 1 else ''} from {source} into "
            f"{t.name!r}{skipped}{resumed}"
        )
        note(_checked(t.name, found))
        if totals.errors or totals.unprocessed or policy.retried:
            note(
                f"retried: {totals.errors} transient error(s) and {totals.unprocessed} unprocessed item(s) in "
                f"{totals.round_trips} write requests ({totals.waited:.1f} s of backoff), "
                f"{policy.retried} transient fault(s) in the other calls"
            )
        if capacity:
            print_capacity(t.ledger)


def _stopped(
    exc: BatchIncompleteError,
    name: str,
    chunk: list[dict[str, Any]],
    chunk_lines: list[int],
    written: int,
    good: int,
    again: str,
) -> BatchIncompleteError:
    """The import's error for a batch that gave up: what was written, where to carry on, one fix."""
    from singletable.batch import is_transient
    from singletable.cli.policy import cause_of

    left = {id(o) for o in exc.unprocessed}  # the chunk's items not written, in input order
    lines = [n for n, o in zip(chunk_lines, chunk, strict=True) if id(o) in left] or chunk_lines[:1]
    done = written + len(chunk) - len(left)
    how = (
        f"carry on with: {again}"
        if again
        else "run the same import again (writing an item twice is harmless)"
    )
    cause = exc.__cause__
    if isinstance(cause, SingleTableError) and not is_transient(cause):
        # The cause's own message and fix (a vanished table, a refused item), not the batch's generic ones.
        reason, fix = _detail(cause), (cause.hint or "").strip().rstrip(".")
    elif cause is not None and is_transient(cause):
        reason = f"the engine kept failing transiently ({cause_of(cause)})"
        fix = "wait for the engine to recover (or pass a longer --deadline)"
    else:
        reason, fix = _detail(exc), ""
    stopped = BatchIncompleteError(
        f"import into {name!r} stopped with {done} of {good} items written (the first not written is line "
        f"{lines[0]}): {reason}",
        unprocessed=exc.unprocessed,
    )
    stopped.hint = f"{fix}; then {how}" if fix else f"fix the cause, then {how}"
    return stopped


def _detail(exc: SingleTableError) -> str:
    return exc.message.rstrip(".")


def _checked(name: str, found: Any) -> str:
    if found.how == "count":
        return f"checked: {name!r} holds {found.read} items, at least the {found.expected} imported"
    return (
        f"verified by {found.how}: all {found.expected} items read back as written "
        f"(content sha256 {found.digest})"
    )


def _shortfall(name: str, found: Any) -> ImportShortfallError:
    from singletable.cli.verify import describe_keys

    fix = (
        "the table was recreated or items were deleted or changed meanwhile: run the same import again "
        "from the start (writing an item twice is harmless)"
    )
    if found.how == "count":
        return ImportShortfallError(
            f"the import wrote {found.expected} distinct keys but {name!r} holds only {found.read} items: "
            f"at least {found.expected - found.read} are missing",
            hint=fix + "; --verify get names the missing keys",
        )
    parts = []
    if found.missing:
        parts.append(f"{len(found.missing)} missing ({describe_keys(found.missing)})")
    if found.different:
        parts.append(f"{len(found.different)} with other contents ({describe_keys(found.different)})")
    return ImportShortfallError(
        f"verified by {found.how}: of the {found.expected} items imported into {name!r}, "
        + " and ".join(parts),
        missing=found.missing,
        different=found.different,
        hint=fix,
    )


def register(app: typer.Typer) -> None:
    """Add export and import."""
    app.command("export")(export)
    app.command("import")(import_)
