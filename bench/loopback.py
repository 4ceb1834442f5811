"""Client CPU per call over loopback HTTP, side by side with pydynox, boto3, aioboto3 and PynamoDB.

One local engine (``singletable local``: moto over HTTP) runs in a process of its own; this process is
the client, and only the client's CPU counts: ``time.process_time()``, every thread of this process
(pydynox's Rust worker threads included), none of the engine's. Wall time per call is reported beside
it, but the machine is shared, so the goals are set on CPU. Each client makes the same calls, one at a
time, on the same table: ``get`` and ``put`` of a small item, ``update`` of one attribute, ``query of
25`` (one partition of 25 items), ``batch write of 25`` and ``transaction of 2`` (two puts). Clients:

- ``ours sync`` / ``ours async``: the entity API (``Table`` / ``AsyncTable``: pydantic entities, the
  capacity ledger), over the transport they pick by default;
- ``boto3 client``: the raw client with the same DynamoDB JSON parameters prepared beforehand (no
  conversion at all; the requests our dry run shows, ``ReturnConsumedCapacity`` included);
- ``aioboto3``: the same parameters through aioboto3's client, measured by a child interpreter that
  has it (aioboto3 pins an older botocore than ours; ``--aio-python``, else ``.venv-aio/bin/python``
  at the repository root when present, else skipped);
- ``pydynox sync`` / ``pydynox async``: pydynox's client API (``sync_get_item`` / ``get_item``, ...,
  plain Python dicts: pydynox's cheapest path);
- ``PynamoDB``: ``Model.get`` / ``save`` / ``update`` / ``query`` / ``batch_write`` /
  ``TransactWrite`` on an equivalent model.

Every client does its calls of one operation in a block; the clients take turns round by round (a
rotating order) so that noise from other work on the machine lands on all of them alike; each figure is
the median over the rounds. The aioboto3 child runs one round each time its turn comes.

Bulk load (``bulk``): the same JSONL-able items into an empty table each, through a
``FaultProxyProcess`` adding 10 ms to every request (a stand-in for the network), by ``Table.bulk_load``
(8 threads), ``AsyncTable.bulk_load`` (16 in flight), pydynox's ``BatchWriter`` and ``SyncBatchWriter``,
and boto3's ``batch_writer``; each table is counted through the engine afterwards (lost = sent - stored).
The engine's ceiling: pre-built 25-item BatchWriteItem bodies posted straight to the engine (no proxy)
by 4 ``http.client`` threads, the least client CPU possible; the engine process's CPU share is read
from ``/proc`` during each load.

Run: ``python -m bench.loopback [--calls 300] [--rounds 5] [--bulk-items 3000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._common import Result, Row
from bench.async_transport import engine_process
from singletable import AsyncTable, Entity, Table, TableSpec, make_client
from singletable.codec import deserialize
from singletable.local import FaultProxyProcess

OPS = ("get", "put", "update", "query of 25", "batch write of 25", "transaction of 2")
#: The operations the goal is set on (client CPU per call ≤ 1.0x pydynox's, sync and async).
GOAL_OPS = ("get", "put", "query of 25")
#: Calls of one operation per block, as a fraction of ``calls`` (the heavy ones fewer).
_SHARE = {"query of 25": 0.5, "batch write of 25": 0.25, "transaction of 2": 0.5}


class Reading(Entity):
    __pk__ = "SENSOR#{sensor}"
    __sk__ = "READING#{seq:06d}"
    sensor: str
    seq: int
    celsius: float
    note: str = ""


SyncCall = Callable[[int], Any]
AsyncCall = Callable[[int], Awaitable[Any]]


class Fixture:
    """The table, its seeded items, and every call's parameters in each client's form."""

    def __init__(self, endpoint: str, calls: int) -> None:
        self.endpoint = endpoint
        self.spec = TableSpec(name=f"bench-loop-{uuid.uuid4().hex[:8]}", deletion_protection=False)
        self.setup = make_client(endpoint_url=endpoint)
        self.spec.create(self.setup)
        self.name = self.spec.name
        table = Table(self.spec, client=self.setup, entities=[Reading])
        self.stored = [Reading(sensor=f"g{i % 10}", seq=i, celsius=20.5, note="stored") for i in range(200)]
        self.partition = [Reading(sensor="q", seq=i, celsius=i / 4, note="query") for i in range(25)]
        table.batch_write(self.stored + self.partition)
        n = max(calls, 25)
        self.puts = [Reading(sensor=f"p{i % 7}", seq=i, celsius=i / 8, note="put") for i in range(n)]
        self.batches = [
            [Reading(sensor=f"b{i % 5}", seq=i * 25 + k, celsius=1.5, note="batch") for k in range(25)]
            for i in range(n)
        ]
        # DynamoDB JSON, as our dry run sends it (the raw clients send exactly these).
        self.get_params = [
            table.get(Reading, sensor=r.sensor, seq=r.seq, dry_run=True).params for r in self.stored
        ]
        self.put_params = [table.put(r, dry_run=True).params for r in self.puts]
        self.update_params = [
            table.update(Reading, {"celsius": 30.25}, sensor=r.sensor, seq=r.seq, dry_run=True).params
            for r in self.stored
        ]
        self.query_params = table.query(Reading, sensor="q").request().params
        self.items = [p["Item"] for p in self.put_params]  # DynamoDB JSON
        self.native = [_native(deserialize(item)) for item in self.items]  # plain Python values
        self.batch_items = [[table.put(r, dry_run=True).params["Item"] for r in b] for b in self.batches]

    def key(self, i: int) -> dict[str, str]:
        r = self.stored[i % len(self.stored)]
        return {"PK": f"SENSOR#{r.sensor}", "SK": f"READING#{r.seq:06d}"}

    def raw_params(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """(operation, parameters) per call, for clients that take DynamoDB JSON."""
        name = self.name
        n = len(self.puts)
        return {
            "get": [("GetItem", self.get_params[i % len(self.get_params)]) for i in range(n)],
            "put": [("PutItem", p) for p in self.put_params],
            "update": [("UpdateItem", self.update_params[i % len(self.update_params)]) for i in range(n)],
            "query of 25": [("Query", self.query_params)] * n,
            "batch write of 25": [
                ("BatchWriteItem", {"RequestItems": {name: [{"PutRequest": {"Item": it}} for it in b]}})
                for b in self.batch_items
            ],
            "transaction of 2": [
                (
                    "TransactWriteItems",
                    {
                        "TransactItems": [
                            {"Put": {"TableName": name, "Item": self.items[i]}},
                            {"Put": {"TableName": name, "Item": self.items[(i + 1) % n]}},
                        ]
                    },
                )
                for i in range(n)
            ],
        }


def _native(item: dict[str, Any]) -> dict[str, Any]:
    return {
        k: float(v) if isinstance(v, Decimal) and v != int(v) else int(v) if isinstance(v, Decimal) else v
        for k, v in item.items()
    }


_METHOD = {
    "GetItem": "get_item",
    "PutItem": "put_item",
    "UpdateItem": "update_item",
    "Query": "query",
    "BatchWriteItem": "batch_write_item",
    "TransactWriteItems": "transact_write_items",
}


# -- the clients ------------------------------------------------------------------------------------


def ours_sync(fx: Fixture) -> dict[str, SyncCall]:
    t = Table(fx.spec, endpoint_url=fx.endpoint, entities=[Reading])
    stored, puts, batches = fx.stored, fx.puts, fx.batches

    def get(i: int) -> Any:
        r = stored[i % len(stored)]
        return t.get(Reading, sensor=r.sensor, seq=r.seq)

    def update(i: int) -> Any:
        r = stored[i % len(stored)]
        return t.update(Reading, {"celsius": 30.25}, sensor=r.sensor, seq=r.seq)

    def transaction(i: int) -> Any:
        with t.transact_write() as tx:
            tx.put(puts[i % len(puts)])
            tx.put(puts[(i + 1) % len(puts)])

    return {
        "get": get,
        "put": lambda i: t.put(puts[i % len(puts)]),
        "update": update,
        "query of 25": lambda i: t.query(Reading, sensor="q").all(),
        "batch write of 25": lambda i: t.batch_write(batches[i % len(batches)]),
        "transaction of 2": transaction,
    }


def ours_async(fx: Fixture) -> tuple[dict[str, AsyncCall], Callable[[], Awaitable[None]]]:
    t = AsyncTable(fx.spec, endpoint_url=fx.endpoint, entities=[Reading])
    stored, puts, batches = fx.stored, fx.puts, fx.batches

    async def get(i: int) -> Any:
        r = stored[i % len(stored)]
        return await t.get(Reading, sensor=r.sensor, seq=r.seq)

    async def update(i: int) -> Any:
        r = stored[i % len(stored)]
        return await t.update(Reading, {"celsius": 30.25}, sensor=r.sensor, seq=r.seq)

    async def transaction(i: int) -> Any:
        tx = t.transact_write()
        tx.put(puts[i % len(puts)])
        tx.put(puts[(i + 1) % len(puts)])
        return await tx.commit()

    async def put(i: int) -> Any:
        return await t.put(puts[i % len(puts)])

    async def query(i: int) -> Any:
        return await t.query(Reading, sensor="q").all()

    async def batch(i: int) -> Any:
        return await t.batch_write(batches[i % len(batches)])

    calls = {
        "get": get,
        "put": put,
        "update": update,
        "query of 25": query,
        "batch write of 25": batch,
        "transaction of 2": transaction,
    }
    return calls, t.close


def boto3_client(fx: Fixture) -> dict[str, SyncCall]:
    c = make_client(endpoint_url=fx.endpoint)
    out: dict[str, SyncCall] = {}
    for op, calls in fx.raw_params().items():
        method = getattr(c, _METHOD[calls[0][0]])
        out[op] = lambda i, m=method, cs=calls: m(**cs[i % len(cs)][1])
    return out


def _pydynox_client(endpoint: str) -> Any:
    from pydynox import DynamoDBClient

    return DynamoDBClient(region="us-east-1", endpoint_url=endpoint, access_key="local", secret_key="local")


def pydynox_sync(fx: Fixture) -> dict[str, SyncCall]:
    c = _pydynox_client(fx.endpoint)
    name, native = fx.name, fx.native
    batches = [[_native(deserialize(it)) for it in b] for b in fx.batch_items]

    def transaction(i: int) -> None:
        a, b = native[i % len(native)], native[(i + 1) % len(native)]
        c.sync_transact_write(
            [{"type": "put", "table": name, "item": a}, {"type": "put", "table": name, "item": b}]
        )

    return {
        "get": lambda i: c.sync_get_item(name, fx.key(i)),
        "put": lambda i: c.sync_put_item(name, native[i % len(native)]),
        "update": lambda i: c.sync_update_item(name, fx.key(i), updates={"celsius": 30.25}),
        "query of 25": lambda i: list(
            c.sync_query(name, "PK = :pk", expression_attribute_values={":pk": "SENSOR#q"})
        ),
        "batch write of 25": lambda i: c.sync_batch_write(name, put_items=batches[i % len(batches)]),
        "transaction of 2": transaction,
    }


def pydynox_async(fx: Fixture) -> dict[str, AsyncCall]:
    c = _pydynox_client(fx.endpoint)
    name, native = fx.name, fx.native
    batches = [[_native(deserialize(it)) for it in b] for b in fx.batch_items]

    async def get(i: int) -> Any:
        return await c.get_item(name, fx.key(i))

    async def put(i: int) -> Any:
        return await c.put_item(name, native[i % len(native)])

    async def update(i: int) -> Any:
        return await c.update_item(name, fx.key(i), updates={"celsius": 30.25})

    async def query(i: int) -> Any:
        return await c.query(name, "PK = :pk", expression_attribute_values={":pk": "SENSOR#q"}).to_list()

    async def batch(i: int) -> Any:
        return await c.batch_write(name, put_items=batches[i % len(batches)])

    async def transaction(i: int) -> Any:
        a, b = native[i % len(native)], native[(i + 1) % len(native)]
        return await c.transact_write(
            [{"type": "put", "table": name, "item": a}, {"type": "put", "table": name, "item": b}]
        )

    return {
        "get": get,
        "put": put,
        "update": update,
        "query of 25": query,
        "batch write of 25": batch,
        "transaction of 2": transaction,
    }


def pynamodb(fx: Fixture) -> dict[str, SyncCall]:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model
    from pynamodb.transactions import TransactWrite

    class Meta:
        table_name = fx.name
        host = fx.endpoint
        region = "us-east-1"
        aws_access_key_id = "local"
        aws_secret_access_key = "local"

    attrs: dict[str, Any] = {
        "Meta": Meta,
        "PK": UnicodeAttribute(hash_key=True),
        "SK": UnicodeAttribute(range_key=True),
        "type_": UnicodeAttribute(attr_name="_type"),
        "celsius": NumberAttribute(),
        "note": UnicodeAttribute(),
    }
    PReading: Any = type("PReading", (Model,), attrs)

    def model(item: dict[str, Any]) -> Any:
        return PReading(type_=item.pop("_type"), **item)

    models = [model(dict(n)) for n in fx.native]
    batches = [[model(_native(deserialize(it))) for it in b] for b in fx.batch_items]
    keys = [fx.key(i) for i in range(len(fx.stored))]
    targets = [PReading(k["PK"], k["SK"]) for k in keys]

    def batch(i: int) -> None:
        with PReading.batch_write() as w:
            for m in batches[i % len(batches)]:
                w.save(m)

    def transaction(i: int) -> None:
        with TransactWrite(connection=PReading._get_connection().connection) as tx:
            tx.save(models[i % len(models)])
            tx.save(models[(i + 1) % len(models)])

    return {
        "get": lambda i: PReading.get(keys[i % len(keys)]["PK"], keys[i % len(keys)]["SK"]),
        "put": lambda i: models[i % len(models)].save(),
        "update": lambda i: targets[i % len(targets)].update(actions=[PReading.celsius.set(30.25)]),
        "query of 25": lambda i: list(PReading.query("SENSOR#q")),
        "batch write of 25": batch,
        "transaction of 2": transaction,
    }


# -- aioboto3, in an interpreter that has it --------------------------------------------------------

_AIO_CHILD = r"""
import asyncio, json, sys, time
import aioboto3
from botocore.config import Config
spec = json.loads(sys.stdin.read())
METHOD = spec["method"]
async def main():
    session = aioboto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    cfg = Config(retries={"mode": "standard", "max_attempts": 10})
    async with session.client("dynamodb", endpoint_url=spec["endpoint"], config=cfg) as c:
        out = {}
        for op, calls in spec["ops"].items():
            method = getattr(c, METHOD[calls[0][0]])
            for _, p in calls[:3]:
                await method(**p)  # warm-up: models, connections
            n = spec["counts"][op]
            c0, w0 = time.process_time(), time.perf_counter()
            for i in range(n):
                await method(**calls[i % len(calls)][1])
            out[op] = [(time.process_time() - c0) / n * 1e6, (time.perf_counter() - w0) / n * 1e6]
        print(json.dumps(out))
asyncio.run(main())
"""


def find_aio_python(python: str | None = None) -> str | None:
    """An interpreter that can import aioboto3: ``python``, this one, or ``.venv-aio`` at the root."""
    root = Path(__file__).resolve().parent.parent
    for candidate in (python, sys.executable, str(root / ".venv-aio" / "bin" / "python")):
        if candidate and (candidate == sys.executable or Path(candidate).exists()):
            probe = subprocess.run([candidate, "-c", "import aioboto3"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


def aioboto3_round(python: str, fx: Fixture, counts: dict[str, int]) -> dict[str, tuple[float, float]]:
    spec = json.dumps({"endpoint": fx.endpoint, "ops": fx.raw_params(), "counts": counts, "method": _METHOD})
    out = subprocess.run(
        [python, "-c", _AIO_CHILD], input=spec, capture_output=True, text=True, timeout=900, check=True
    )
    data: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: (v[0], v[1]) for k, v in data.items()}


# -- measuring --------------------------------------------------------------------------------------


def _block_sync(fn: SyncCall, n: int) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.process_time() - c0) / n * 1e6, (time.perf_counter() - w0) / n * 1e6


def _block_async(loop: asyncio.AbstractEventLoop, fn: AsyncCall, n: int) -> tuple[float, float]:
    async def go() -> None:
        for i in range(n):
            await fn(i)

    c0, w0 = time.process_time(), time.perf_counter()
    loop.run_until_complete(go())
    return (time.process_time() - c0) / n * 1e6, (time.perf_counter() - w0) / n * 1e6


def per_call(
    endpoint: str,
    calls: int,
    rounds: int,
    clients: tuple[str, ...] | None = None,
    aio_python: str | None = None,
) -> tuple[dict[str, dict[str, tuple[float, float]]], dict[str, Any]]:
    """{client: {op: (median CPU µs, median wall µs)}} and facts (what was checked)."""
    fx = Fixture(endpoint, calls)
    counts = {op: max(2, int(calls * _SHARE.get(op, 1.0))) for op in OPS}
    loop = asyncio.new_event_loop()
    sync: dict[str, dict[str, SyncCall]] = {}
    aio: dict[str, dict[str, AsyncCall]] = {}
    closers: list[Callable[[], Awaitable[None]]] = []
    wanted = set(clients) if clients else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    facts: dict[str, Any] = {"counts": counts}
    if want("ours sync"):
        sync["ours sync"] = ours_sync(fx)
    if want("ours async"):
        aio["ours async"], close = ours_async(fx)
        closers.append(close)
    if want("boto3 client"):
        sync["boto3 client"] = boto3_client(fx)
    if want("PynamoDB"):
        sync["PynamoDB"] = pynamodb(fx)
    try:
        import pydynox  # noqa: F401
    except ImportError:
        facts["pydynox"] = False
    else:
        facts["pydynox"] = True
        if want("pydynox sync"):
            sync["pydynox sync"] = pydynox_sync(fx)
        if want("pydynox async"):
            aio["pydynox async"] = pydynox_async(fx)
    python = find_aio_python(aio_python) if want("aioboto3") else None
    facts["aioboto3"] = python
    # Warm-up (and a check that every client's calls work): a few calls of each.
    for fns in sync.values():
        for fn in fns.values():
            for i in range(3):
                fn(i)
    for afns in aio.values():
        for afn in afns.values():
            _block_async(loop, afn, 3)
    facts["get_equal"] = _same_get(fx, sync, aio, loop)
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {}
    names = [*sync, *aio, *(["aioboto3"] if python else [])]
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            got: dict[str, tuple[float, float]]
            if name in sync:
                got = {op: _block_sync(fn, counts[op]) for op, fn in sync[name].items()}
            elif name in aio:
                got = {op: _block_async(loop, fn, counts[op]) for op, fn in aio[name].items()}
            else:
                assert python is not None
                got = aioboto3_round(python, fx, counts)
            for op, v in got.items():
                samples.setdefault(name, {}).setdefault(op, []).append(v)
    for close in closers:
        loop.run_until_complete(close())
    loop.close()
    fx.spec.delete(fx.setup)
    numbers = {
        name: {
            op: (statistics.median(c for c, _ in vs), statistics.median(w for _, w in vs))
            for op, vs in ops.items()
        }
        for name, ops in samples.items()
    }
    return numbers, facts


def _same_get(
    fx: Fixture,
    sync: dict[str, dict[str, SyncCall]],
    aio: dict[str, dict[str, AsyncCall]],
    loop: asyncio.AbstractEventLoop,
) -> bool:
    """Every client's get of item 0 reads the stored item (celsius and note)."""
    seen = []
    for name, fns in sync.items():
        seen.append((name, fns["get"](0)))
    for name, afns in aio.items():
        seen.append((name, loop.run_until_complete(afns["get"](0))))
    ok = True
    for _name, got in seen:
        if isinstance(got, Reading):
            values = (got.note, f"SENSOR#{got.sensor}")
        elif isinstance(got, dict):
            item = got.get("Item", got)
            values = (
                (item["note"].get("S"), item["PK"].get("S"))
                if isinstance(item.get("note"), dict)
                else (item.get("note"), item.get("PK"))
            )
        else:  # PynamoDB model
            values = (got.note, got.PK)
        ok = ok and values == ("stored", f"SENSOR#{fx.stored[0].sensor}")
    return ok


# -- bulk load --------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bulk(endpoint: str, engine_pid: int, n: int, latency: float = 0.010) -> dict[str, dict[str, float]]:
    """{loader: {"items_s", "lost", "engine_cores"}} behind the proxy, plus the engine's ceiling."""
    rows = [Reading(sensor=f"s{i % 50}", seq=i, celsius=i / 10, note="bulk") for i in range(n)]
    direct = make_client(endpoint_url=endpoint)
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, FaultProxyProcess(endpoint, latency=latency) as proxy:
        path = Path(tmp) / "items.jsonl"
        path.write_text("".join(json.dumps(r.model_dump(mode="json")) + "\n" for r in rows))
        url = proxy.endpoint_url
        probe = Table(TableSpec(name="probe"), client=direct, entities=[Reading])
        items = [probe.put(r, dry_run=True).params["Item"] for r in rows]
        native = [_native(deserialize(it)) for it in items]

        def timed(name: str, load: Callable[[str], None]) -> None:
            spec = TableSpec(name=f"bench-bulk-{uuid.uuid4().hex[:8]}", deletion_protection=False)
            spec.create(direct)
            e0, t0 = _cpu_seconds(engine_pid), time.perf_counter()
            load(spec.name)
            wall = time.perf_counter() - t0
            engine = _cpu_seconds(engine_pid) - e0
            count = direct.scan(TableName=spec.name, Select="COUNT")["Count"]
            out[name] = {"items_s": n / wall, "lost": n - count, "engine_cores": engine / wall}
            spec.delete(direct)

        def boto(name: str) -> None:
            import boto3

            res = boto3.resource(
                "dynamodb",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )
            with res.Table(name).batch_writer() as w:
                for it in native:
                    w.put_item(
                        Item={k: Decimal(str(v)) if isinstance(v, float) else v for k, v in it.items()}
                    )

        def ours_threads(name: str) -> None:
            Table(TableSpec(name=name), endpoint_url=url).bulk_load(
                path, entity=Reading, workers=8, progress=False
            )

        def ours_async(name: str) -> None:
            async def go() -> None:
                async with AsyncTable(TableSpec(name=name), endpoint_url=url) as t:
                    await t.bulk_load(path, entity=Reading, workers=16, progress=False)

            asyncio.run(go())

        def pydynox_async(name: str) -> None:
            from pydynox import BatchWriter

            async def go() -> None:
                async with BatchWriter(_pydynox_client(url), name) as w:
                    for it in native:
                        w.put(it)

            asyncio.run(go())

        def pydynox_sync(name: str) -> None:
            from pydynox import SyncBatchWriter

            with SyncBatchWriter(_pydynox_client(url), name) as w:
                for it in native:
                    w.put(it)

        loaders: dict[str, Callable[[str], None]] = {
            "ours Table.bulk_load (8 threads)": ours_threads,
            "ours AsyncTable.bulk_load (16 in flight)": ours_async,
            "boto3 batch_writer": boto,
        }
        try:
            import pydynox  # noqa: F401
        except ImportError:
            pass
        else:
            loaders["pydynox BatchWriter (async)"] = pydynox_async
            loaders["pydynox SyncBatchWriter"] = pydynox_sync
        for name, load in loaders.items():
            timed(name, load)
        timed(
            "engine ceiling (raw HTTP, no proxy, 4 threads)", lambda name: _raw_load(endpoint, name, items, 4)
        )
    return out


def _raw_load(endpoint: str, table: str, items: list[dict[str, Any]], threads: int) -> None:
    """Pre-built BatchWriteItem bodies straight to the engine: the engine's own ceiling."""
    from singletable.transport.sigv4 import Keys, Signer

    signer = Signer(endpoint, "us-east-1")
    keys = Keys("local", "local", None)
    bodies = [
        json.dumps(
            {"RequestItems": {table: [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]}}
        ).encode()
        for i in range(0, len(items), 25)
    ]
    base = {"X-Amz-Target": "DynamoDB_20120810.BatchWriteItem", "Content-Type": "application/x-amz-json-1.0"}
    signed = [signer.sign(dict(base), b, keys) for b in bodies]
    parts = urlsplit(endpoint)
    it = iter(range(len(bodies)))
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        while True:
            with lock:
                i = next(it, None)
            if i is None:
                break
            conn.request("POST", "/", body=bodies[i], headers=signed[i])
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status != 200 or data.get("UnprocessedItems"):
                raise RuntimeError(f"raw batch {i}: {resp.status} {data}")
        conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


# -- the table ---------------------------------------------------------------------------------------


def run(
    calls: int = 300,
    rounds: int = 5,
    bulk_items: int = 3000,
    latency: float = 0.010,
    clients: tuple[str, ...] | None = None,
    aio_python: str | None = None,
) -> Result:
    result = Result()
    with engine_process() as (endpoint, proc):
        numbers, facts = per_call(endpoint, calls, rounds, clients, aio_python)
        result.facts.update(facts)
        result.facts["numbers"] = numbers
        if bulk_items:
            loads = bulk(endpoint, proc.pid, bulk_items, latency)
            result.facts["bulk"] = loads
    for side, ours, theirs in (
        ("sync", "ours sync", "pydynox sync"),
        ("async", "ours async", "pydynox async"),
    ):
        if ours not in numbers:
            continue
        baselines = [theirs] + (["boto3 client", "PynamoDB"] if side == "sync" else ["aioboto3"])
        for op in OPS:
            mine = numbers[ours][op][0]
            for base in baselines:
                if base not in numbers:
                    continue
                value = numbers[base][op][0]
                goal = "≥ 1.0x (ours ≤ pydynox)" if base == theirs and op in GOAL_OPS else ""
                result.rows.append(
                    Row(
                        "loopback CPU",
                        f"{op}, {side}, client CPU/call",
                        mine,
                        base,
                        value,
                        "us",
                        value / mine,
                        goal,
                        (value / mine >= 1.0) if goal else None,
                    )
                )
    loads = result.facts.get("bulk", {})
    ceiling = next((v["items_s"] for k, v in loads.items() if k.startswith("engine ceiling")), float("nan"))
    for ours_name in ("ours Table.bulk_load (8 threads)", "ours AsyncTable.bulk_load (16 in flight)"):
        if ours_name not in loads:
            continue
        mine = loads[ours_name]
        for base, goal in (
            ("boto3 batch_writer", "≥ 4x, 0 lost"),
            ("pydynox BatchWriter (async)", "≥ 1x, 0 lost"),
            ("pydynox SyncBatchWriter", ""),
        ):
            if base not in loads:
                continue
            ratio = mine["items_s"] / loads[base]["items_s"]
            need = 4.0 if goal.startswith("≥ 4x") else 1.0
            result.rows.append(
                Row(
                    "loopback bulk",
                    f"{ours_name}, +{latency * 1000:g} ms proxy, {bulk_items:,} items; lost {mine['lost']:.0f}",
                    mine["items_s"],
                    base,
                    loads[base]["items_s"],
                    "items/s",
                    ratio,
                    goal,
                    (ratio >= need and mine["lost"] == 0) if goal else None,
                )
            )
        result.rows.append(
            Row(
                "loopback bulk",
                f"{ours_name}: share of the engine's ceiling",
                mine["items_s"],
                "engine ceiling",
                ceiling,
                "items/s",
                mine["items_s"] / ceiling,
                "",
                None,
            )
        )
    return result


def render_numbers(facts: dict[str, Any]) -> str:
    """Client CPU and wall µs per call, one row per operation, one column pair per client."""
    numbers: dict[str, dict[str, tuple[float, float]]] = facts["numbers"]
    names = list(numbers)
    head = "| call | " + " | ".join(f"{n} CPU / wall µs" for n in names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for op in OPS:
        cells = [
            f"{numbers[n][op][0]:,.0f} / {numbers[n][op][1]:,.0f}" if op in numbers[n] else "-" for n in names
        ]
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    loads: dict[str, dict[str, float]] = facts.get("bulk", {})
    if loads:
        lines += ["", "| bulk load | items/s | lost | engine cores busy |", "|---|---|---|---|"]
        for name, v in loads.items():
            lines.append(f"| {name} | {v['items_s']:,.0f} | {v['lost']:.0f} | {v['engine_cores']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.loopback", description=__doc__)
    p.add_argument("--calls", type=int, default=300, help="calls of get/put/update per block")
    p.add_argument("--rounds", type=int, default=5, help="rounds; the median counts")
    p.add_argument("--bulk-items", type=int, default=3000, help="0: no bulk load")
    p.add_argument("--clients", default="", help="comma-separated subset (default: all)")
    p.add_argument("--aio-python", default=None, help="an interpreter with aioboto3 installed")
    args = p.parse_args(argv)
    from bench.__main__ import render

    r = run(
        calls=args.calls,
        rounds=args.rounds,
        bulk_items=args.bulk_items,
        clients=tuple(c.strip() for c in args.clients.split(",") if c.strip()) or None,
        aio_python=args.aio_python,
    )
    print(render_numbers(r.facts))
    print()
    print(render(r.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
