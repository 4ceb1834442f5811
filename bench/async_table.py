"""AsyncTable against the sync Table: client CPU per call, and a bulk load behind a 10 ms proxy.

1. Per call (``singletable local`` in a child process; only this process's CPU counts,
   ``time.process_time``): ``get`` and ``put`` of a small entity through

   - ``Table`` (sync, one call after another), the reference;
   - ``AsyncTable`` with 1 and 32 calls in flight on one loop (the facade: build, send, read);
   - the bare ``AsyncTransport.send`` of the same requests, 32 in flight (what the facade adds).

2. Bulk load of the same JSONL through ``FaultProxyProcess(latency=0.010)`` (a stand-in for the network):
   ``Table.bulk_load`` (8 threads), ``AsyncTable.bulk_load`` (16 and 32 batches in flight, one loop) and
   boto3's ``Table.batch_writer()``; each into its own table, counted through the engine afterwards.

aiobotocore / aioboto3 and pydynox are not installed here (aiobotocore pins an older botocore than
ours): ``bench.async_transport --aiobotocore-python`` covers aiobotocore for the transport alone.
Run: ``python -m bench.async_table [--calls 2000] [--items 3000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import boto3

from bench.async_transport import engine_process, measure
from singletable import AsyncTable, Entity, Table, TableSpec, make_client
from singletable.local import FaultProxyProcess


class Reading(Entity):
    __pk__ = "SENSOR#{sensor}"
    __sk__ = "READING#{seq:06d}"
    sensor: str
    seq: int
    celsius: float
    note: str = ""


def _table(endpoint: str) -> TableSpec:
    # A scratch table: no backups to keep and nothing expires, so it runs on engines without PITR
    # (DynamoDB Local) or TTL (dynalite).
    spec = TableSpec(
        name=f"bench-{uuid.uuid4().hex[:10]}",
        deletion_protection=False,
        point_in_time_recovery=False,
        ttl_attribute=None,
    )
    spec.create(make_client(endpoint_url=endpoint))
    return spec


def _run_in(
    loop: asyncio.AbstractEventLoop, factory: Callable[[], Coroutine[Any, Any, None]]
) -> Callable[[], None]:
    return lambda: loop.run_until_complete(factory())


async def _gather(calls: list[Callable[[], Coroutine[Any, Any, Any]]], n: int) -> None:
    it = iter(calls)

    async def worker() -> None:
        for call in it:
            await call()

    await asyncio.gather(*(worker() for _ in range(n)))


def per_call(endpoint: str, calls: int, rounds: int) -> dict[str, float]:
    spec = _table(endpoint)
    sync = Table(spec, endpoint_url=endpoint, entities=[Reading])
    items = [Reading(sensor="s", seq=i % 500, celsius=21.5, note="bench") for i in range(calls)]
    sync.batch_write(items[:500])
    out: dict[str, float] = {}
    out["sync get"], _ = measure(
        lambda: [sync.get(Reading, sensor="s", seq=r.seq) for r in items] and None, calls, rounds
    )
    out["sync put"], _ = measure(lambda: [sync.put(r) for r in items] and None, calls, rounds)
    loop = asyncio.new_event_loop()
    table = AsyncTable(spec, endpoint_url=endpoint, entities=[Reading])
    requests = [sync.get(Reading, sensor="s", seq=r.seq, dry_run=True) for r in items]
    transport = table.transport
    for n in (1, 32):
        gets = [lambda r=r: table.get(Reading, sensor="s", seq=r.seq) for r in items]
        puts = [lambda r=r: table.put(r) for r in items]
        out[f"async get x{n}"], _ = measure(_run_in(loop, lambda g=gets, k=n: _gather(g, k)), calls, rounds)
        out[f"async put x{n}"], _ = measure(_run_in(loop, lambda p=puts, k=n: _gather(p, k)), calls, rounds)
    sends = [lambda q=q: transport.send(q) for q in requests]
    out["transport get x32"], _ = measure(_run_in(loop, lambda: _gather(sends, 32)), calls, rounds)
    loop.run_until_complete(table.close())
    loop.close()
    return out


def bulk(endpoint: str, n: int, latency: float = 0.010) -> dict[str, float]:
    items = [Reading(sensor=f"s{i % 50}", seq=i, celsius=i / 10, note="bulk") for i in range(n)]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, FaultProxyProcess(endpoint, latency=latency) as proxy:
        path = Path(tmp) / "items.jsonl"
        path.write_text("".join(json.dumps(r.model_dump(mode="json")) + "\n" for r in items))
        url = proxy.endpoint_url
        direct = make_client(endpoint_url=endpoint)

        def timed(name: str, load: Callable[[TableSpec], None]) -> None:
            spec = _table(endpoint)
            t0 = time.perf_counter()
            load(spec)
            out[name] = n / (time.perf_counter() - t0)
            count = direct.scan(TableName=spec.name, Select="COUNT")["Count"]
            out[f"{name} lost"] = n - count

        def boto(spec: TableSpec) -> None:
            res = boto3.resource(
                "dynamodb",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )
            with res.Table(spec.name).batch_writer() as w:
                for r in items:
                    w.put_item(Item={"PK": r.key()[0], "SK": r.key()[1], "seq": r.seq, "note": r.note})

        timed("boto3 batch_writer", boto)
        timed(
            "Table.bulk_load 8 threads",
            lambda spec: Table(spec, endpoint_url=url).bulk_load(
                path, entity=Reading, workers=8, progress=False
            ),
        )
        for w in (16, 32):

            async def load(spec: TableSpec, w: int = w) -> None:
                async with AsyncTable(spec, endpoint_url=url) as t:
                    await t.bulk_load(path, entity=Reading, workers=w, progress=False)

            timed(f"AsyncTable.bulk_load {w} in flight", lambda spec, load=load: asyncio.run(load(spec)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.async_table", description=__doc__)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--items", type=int, default=3000)
    args = p.parse_args(argv)
    with engine_process() as (endpoint, _):
        for name, us in per_call(endpoint, args.calls, args.rounds).items():
            print(f"per call  {name:<22} {us:8.0f} us client CPU")
        for name, value in bulk(endpoint, args.items).items():
            unit = "" if name.endswith("lost") else "items/s"
            print(f"bulk      {name:<36} {value:10,.0f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
