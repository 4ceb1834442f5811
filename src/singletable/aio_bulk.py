"""The async bulk loader: a JSONL file into an :class:`~singletable.aio.AsyncTable`, many batch writes
in flight on one event loop (no threads). The same plan, checkpoint, report and errors as the threaded
:func:`singletable.bulk.bulk_load`: lines parsed and checked before their batch is sent, a batch
counted as written only once the checkpoint holds it, and a run with the same checkpoint resumes.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING, Any

from singletable.batch import MAX_WRITE_ITEMS, Backoff
from singletable.bulk import BulkReport, Checkpoint, batches, check_options, finish, progress_bar, read_jsonl
from singletable.errors import BatchIncompleteError
from singletable.model import Entity

if TYPE_CHECKING:
    from singletable.aio.many import AsyncMany


async def bulk_load(
    table: AsyncMany,  # an AsyncTable: its batch writes, register and spec
    source: str | os.PathLike[str],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    entity: type[Entity] | None = None,
    workers: int = 32,
    batch_size: int = MAX_WRITE_ITEMS,
    progress: bool = True,
    backoff: Backoff | None = None,
    check_duplicates: bool = True,
    durable: bool = True,
    pattern: str | None = "bulk load",
) -> BulkReport:
    """Load ``source`` (JSONL) into ``table`` with up to ``workers`` batch writes in flight; see
    :func:`singletable.bulk.bulk_load` for what is raised and how a load resumes.

    The input file and the checkpoint are read and written on the loop (small sequential I/O, as
    aiofiles would do no better for a loader that waits on the network). Cancelled, the batches in
    flight are cancelled too; what they wrote is simply not in the checkpoint, and the next run
    writes it again (a batch write of the same items is harmless).
    """
    path = check_options(source, workers, batch_size)
    if entity is not None:
        table.register(entity)
    ckpt = Checkpoint(checkpoint, path, durable=durable) if checkpoint is not None else None
    report = BulkReport()
    backoff = backoff or Backoff()
    started = time.monotonic()
    bar, task = progress_bar(progress, sum(1 for _ in read_jsonl(path)))
    slots = asyncio.Semaphore(workers)
    errors: list[BaseException] = []
    in_flight: set[asyncio.Task[None]] = set()

    def advance(n: int) -> None:
        if bar is not None and task is not None:
            bar.advance(task, n)

    async def load(lines: list[int], items: list[Entity | dict[str, Any]]) -> None:
        try:
            try:
                result = await table.batch_write(items, backoff=backoff, pattern=pattern)
            except BatchIncompleteError as exc:  # reported as failed lines, not as an error of the load
                report.incomplete(lines, items, exc)
                return
            if ckpt is not None:
                ckpt.record(lines)
            report.done(lines, result)
            advance(len(lines))
        except Exception as exc:  # raised at the end, once every other batch is settled
            errors.append(exc)
        finally:
            slots.release()

    error: BaseException | None = None
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
            await slots.acquire()
            if errors:
                slots.release()
                break
            job = asyncio.create_task(load(lines, items))
            in_flight.add(job)
            job.add_done_callback(in_flight.discard)
    except Exception as exc:
        error = exc
    finally:
        # Every batch in flight settles (checkpointed or reported) before the load ends; cancelled,
        # they are cancelled with it.
        try:
            await asyncio.gather(*in_flight)
        except BaseException:
            for job in in_flight:
                job.cancel()
            raise
    if error is None and errors:
        error = errors[0]
    return finish(report, started, bar, ckpt, error)
