"""Bulk load at a realistic round-trip time: items/s through a loopback proxy adding 10 ms per request.

The engine is dynalite when installed (a separate Node process, so it does not share our interpreter's
lock), else moto's HTTP server; between the client and the engine sits ``FaultProxy`` with
``latency=0.010`` and no faults: a stand-in for the network to DynamoDB. The proxy runs in a process of
its own (``FaultProxyProcess``): a real network does not run in the client's interpreter, and an
in-process proxy's threads would compete with the loader's for the GIL. Both loaders write the same
items (the demo's users, orders and edges) into their own empty table:

- baseline: boto3's resource ``Table.batch_writer()`` (one thread, 25 items per BatchWriteItem, its own
  retry of unprocessed items);
- ours: ``singletable.bulk.bulk_load`` from a JSONL file (a thread pool of batch writes).

After each load the table is counted through the engine directly (not the proxy): 0 lost means the count
equals the items sent. Time at each size shows how it grows (items/s should stay flat: linear time).
The facts also hold the CPU seconds per item spent by each process during each load (the client, the
proxy and, for dynalite, the engine), to show which one limits the rate on a small machine.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from bench._common import Result, Row
from singletable import Table, TableSpec, make_client
from singletable.bulk import bulk_load
from singletable.demo import generate
from singletable.local import FaultProxyProcess
from singletable.seed import ENTITIES


@contextmanager
def _upstream(prefer_dynalite: bool) -> Iterator[tuple[str, str, int | None]]:
    """(endpoint, engine name, engine pid when it is a process of its own)."""
    from singletable.local import find_dynalite

    if prefer_dynalite and find_dynalite() is not None:
        from singletable.local import DynaliteServer

        with DynaliteServer() as server:
            yield server.endpoint_url, "dynalite", server.pid
    else:
        if prefer_dynalite:
            print(
                "# bulk: dynalite not installed, using moto over HTTP (make dynalite installs it)",
                file=sys.stderr,
            )
        from singletable.local import LocalServer

        with LocalServer(ttl_sweep_interval=None) as server:
            yield server.endpoint_url, "moto (HTTP)", None  # threads of this process


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc); NaN when unknown."""
    if pid is None:
        return float("nan")
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _CpuMeter:
    """CPU seconds per item spent by the client (this process), the proxy and the engine in a block."""

    def __init__(self, proxy_pid: int | None, engine_pid: int | None) -> None:
        self.pids = {"client": os.getpid(), "proxy": proxy_pid, "engine": engine_pid}
        self.start = {k: _cpu_seconds(p) for k, p in self.pids.items()}

    def per_item(self, n: int) -> dict[str, float]:
        return {f"{k}_us_per_item": (_cpu_seconds(p) - self.start[k]) / n * 1e6 for k, p in self.pids.items()}


def _new_table(direct: str, engine: str) -> TableSpec:
    moto = engine.startswith("moto")
    spec = TableSpec(
        name=f"bulk-{uuid.uuid4().hex[:8]}",
        deletion_protection=False,
        ttl_attribute="expires_at" if moto else None,
        point_in_time_recovery=moto,
    )
    spec.create(make_client(endpoint_url=direct))
    return spec


def _count(direct: str, name: str) -> int:
    client = make_client(endpoint_url=direct)
    total = 0
    for page in client.get_paginator("scan").paginate(TableName=name, Select="COUNT"):
        total += page["Count"]
    return total


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _items(n: int, seed: int) -> list[dict[str, Any]]:
    table = Table(TableSpec(), client=object(), entities=ENTITIES)
    # As stored: dates as ISO strings, numbers as Decimal (what boto3's resource layer accepts too).
    return [
        json.loads(json.dumps(table.schema.entity_item(e), default=_jsonable), parse_float=Decimal)
        for e in itertools.islice(generate(n, 20, seed), n)
    ]


def _boto3_load(proxy: str, name: str, items: list[dict[str, Any]]) -> float:
    resource = boto3.session.Session().resource(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=proxy,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    resource.meta.client.describe_table(TableName=name)  # connect and load the model before timing
    t0 = time.perf_counter()
    with resource.Table(name).batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)
    return time.perf_counter() - t0


def _warm_up(direct: str, engine: str, seed: int, n: int = 3000) -> None:
    """Write ``n`` items straight to the engine, untimed: dynalite runs its first thousands of writes
    much slower (Node's JIT warming up), which would favour whichever loader went second."""
    spec = _new_table(direct, engine)
    Table(spec, client=make_client(endpoint_url=direct)).batch_write(_items(n, seed + 1))


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, default=_jsonable) + "\n")


def _ours_load(proxy: str, spec: TableSpec, path: Path, workers: int) -> float:
    table = Table(spec, client=make_client(endpoint_url=proxy, max_pool_connections=max(32, workers)))
    table.client.describe_table(TableName=spec.name)  # as for boto3: connect before timing
    t0 = time.perf_counter()
    bulk_load(table, path, workers=workers, progress=False, durable=False)
    return time.perf_counter() - t0


def run(
    sizes: tuple[int, ...] = (5000, 10000),
    latency: float = 0.010,
    workers: int = 8,
    seed: int = 7,
    dynalite: bool = True,
) -> Result:
    facts: dict[str, Any] = {"sizes": {}}
    rows: list[Row] = []
    how = f"bulk_load, {workers} workers"
    with _upstream(dynalite) as (direct, engine, engine_pid), tempfile.TemporaryDirectory() as tmp:
        facts["engine"] = engine
        if engine == "dynalite":
            _warm_up(direct, engine, seed)
        with FaultProxyProcess(direct, latency=latency) as proxy:
            url = proxy.endpoint_url
            for n in sizes:
                items = _items(n, seed)
                path = Path(tmp) / f"items-{n}.jsonl"
                _write_jsonl(path, items)
                spec_b = _new_table(direct, engine)
                meter = _CpuMeter(proxy.pid, engine_pid)
                t_boto = _boto3_load(url, spec_b.name, items)
                cpu_b = meter.per_item(n)
                spec_o = _new_table(direct, engine)
                meter = _CpuMeter(proxy.pid, engine_pid)
                t_ours = _ours_load(url, spec_o, path, workers)
                cpu_o = meter.per_item(n)
                lost_b = n - _count(direct, spec_b.name)
                lost_o = n - _count(direct, spec_o.name)
                facts["sizes"][n] = {
                    "boto3_s": t_boto,
                    "ours_s": t_ours,
                    "lost_boto3": lost_b,
                    "lost_ours": lost_o,
                    "how": how,
                    "cpu_boto3": cpu_b,
                    "cpu_ours": cpu_o,
                }
                ratio = t_boto / t_ours
                rows.append(
                    Row(
                        "bulk load",
                        f"{n:,} items, +{latency * 1000:g} ms/request (proxy process), {engine} ({how}); "
                        f"lost {lost_o}",
                        n / t_ours,
                        "boto3 Table.batch_writer()",
                        n / t_boto,
                        "items/s",
                        ratio,
                        "≥ 4x, 0 lost",
                        ratio >= 4 and lost_o == 0,
                    )
                )
            facts["proxy"] = proxy.counts()
    if len(sizes) >= 2:
        small, big = min(sizes), max(sizes)
        s, b = facts["sizes"][small]["ours_s"], facts["sizes"][big]["ours_s"]
        growth = (b / s) / (big / small)
        facts["linearity"] = growth
        rows.append(
            Row(
                "bulk load",
                f"time growth {small:,} -> {big:,} items ÷ item growth (1.0 = linear)",
                growth,
                "linear",
                1.0,
                "x",
                1.0 / growth,
                "≈ 1 (≤ 1.25)",
                growth <= 1.25,
            )
        )
    return Result(rows, facts)
