"""Client CPU per call over loopback HTTP: the async transport against the sync path (and aiobotocore).

One local engine (``singletable local``, moto over HTTP) runs in its own process; this process is the
client, and only its CPU counts (``time.process_time``: every thread of the client, none of the engine).
For get and put of a small item, each client sends the same requests (built once by the Table's dry run):

- ``sync``: the sync path, ``singletable.request.send(client, request)`` (the lean wire path over
  botocore/urllib3), one call after another;
- ``sync xN threads``: the same from N threads (a thread pool, the sync way to have N in flight);
- ``async xN``: ``AsyncTransport.send`` with N in flight on one event loop (``x1``: one at a time);
- ``aiobotocore xN``: ``client.get_item(**params)`` of aiobotocore with N in flight, when aiobotocore
  can be imported (here or from ``--aiobotocore-python``, a separate interpreter with it installed, since
  aiobotocore pins an older botocore than ours): run in a child process that measures itself.

Reported: client CPU µs per call and wall µs per call, the median of ``rounds`` rounds. Run:
``python -m bench.async_transport [--calls 2000] [--concurrency 1,32] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from bench._common import Result, Row
from singletable import Entity, Table, TableSpec
from singletable.client import make_client
from singletable.request import Request, send
from singletable.transport.aio import AsyncTransport


class Reading(Entity):
    __pk__ = "SENSOR#{sensor}"
    __sk__ = "READING#{seq:06d}"
    sensor: str
    seq: int
    celsius: float
    note: str = ""


@contextmanager
def engine_process() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``singletable local`` on a free port in a child process: (endpoint, process)."""
    code = "from singletable.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "local", "--port", "0", "--ttl-sweep", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip()
        if not endpoint.startswith("http"):
            raise RuntimeError("the local engine did not start")
        yield endpoint, proc
    finally:
        proc.terminate()
        proc.wait(10)


def measure(fn: Callable[[], None], calls: int, rounds: int) -> tuple[float, float]:
    """(client CPU µs per call, wall µs per call): medians over ``rounds`` runs of ``fn`` (``calls`` calls)."""
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c0) / calls * 1e6)
        wall.append((time.perf_counter() - w0) / calls * 1e6)
    return statistics.median(cpu), statistics.median(wall)


def _sync(client: Any, requests: list[Request]) -> Callable[[], None]:
    def go() -> None:
        for r in requests:
            send(client, r)

    return go


def _sync_threads(client: Any, requests: list[Request], n: int) -> Callable[[], None]:
    pool = ThreadPoolExecutor(n)

    def go() -> None:
        list(pool.map(lambda r: send(client, r), requests))

    return go


async def _gather(fn: Callable[[Request], Any], requests: list[Request], n: int) -> None:
    it = iter(requests)

    async def worker() -> None:
        for r in it:
            await fn(r)

    await asyncio.gather(*(worker() for _ in range(n)))


_CHILD = r"""
import asyncio, json, sys, time, statistics
import aiobotocore.session
spec = json.loads(sys.stdin.read())
async def main():
    session = aiobotocore.session.get_session()
    from botocore.config import Config
    cfg = Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=spec["n"])
    async with session.create_client("dynamodb", endpoint_url=spec["endpoint"], region_name="us-east-1",
                                     aws_access_key_id="local", aws_secret_access_key="local", config=cfg) as c:
        out = {}
        for name, ops in spec["ops"].items():
            method = {"GetItem": c.get_item, "PutItem": c.put_item}[ops[0]["operation"]]
            params = [o["params"] for o in ops]
            for p in params[: spec["n"]]:
                await method(**p)  # warm-up: connections, models
            cpu, wall = [], []
            for _ in range(spec["rounds"]):
                it = iter(params)
                async def worker():
                    for p in it:
                        await method(**p)
                c0, w0 = time.process_time(), time.perf_counter()
                await asyncio.gather(*(worker() for _ in range(spec["n"])))
                cpu.append((time.process_time() - c0) / len(params) * 1e6)
                wall.append((time.perf_counter() - w0) / len(params) * 1e6)
            out[name] = [statistics.median(cpu), statistics.median(wall)]
        print(json.dumps(out))
asyncio.run(main())
"""


def _aiobotocore(
    python: str, endpoint: str, ops: dict[str, list[Request]], n: int, rounds: int
) -> dict[str, tuple[float, float]] | None:
    """aiobotocore's numbers, measured by a child interpreter that has it (None: none has)."""
    wire = {
        name: [json.loads(json.dumps({"operation": r.operation, "params": r.params})) for r in rs]
        for name, rs in ops.items()
    }
    spec = json.dumps({"endpoint": endpoint, "ops": wire, "n": n, "rounds": rounds})
    try:
        out = subprocess.run(
            [python, "-c", _CHILD], input=spec, capture_output=True, text=True, timeout=900, check=True
        )
    except subprocess.CalledProcessError as exc:
        print(f"aiobotocore run failed:\n{exc.stderr[-2000:]}", file=sys.stderr)
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"aiobotocore run failed: {exc}", file=sys.stderr)
        return None
    data: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: (v[0], v[1]) for k, v in data.items()}


def _find_aiobotocore(python: str | None) -> str | None:
    for candidate in [python, sys.executable]:
        if not candidate:
            continue
        probe = subprocess.run([candidate, "-c", "import aiobotocore"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def run(
    calls: int = 2000,
    concurrency: tuple[int, ...] = (1, 32),
    rounds: int = 3,
    aiobotocore_python: str | None = None,
    paths: tuple[str, ...] = ("direct", "keepalive"),
) -> Result:
    """``paths``: ``direct`` to the engine (which closes each connection after its answer: every call
    opens one) and ``keepalive`` through a pass-through ``FaultProxyProcess`` (no faults; connections
    kept alive, as with DynamoDB itself)."""
    result = Result()
    facts = result.facts
    facts["calls"] = calls
    numbers: dict[tuple[str, str, str], tuple[float, float]] = {}
    python = _find_aiobotocore(aiobotocore_python)
    facts["aiobotocore"] = python
    with engine_process() as (direct, _proc):
        spec = TableSpec(name=f"bench-async-{uuid.uuid4().hex[:8]}", deletion_protection=False)
        setup = make_client(endpoint_url=direct)
        spec.create(setup)
        table = Table(spec, client=setup)
        table.register(Reading)
        stored = [Reading(sensor=f"s{i % 20}", seq=i, celsius=20.5 + i % 7, note="ok") for i in range(200)]
        for r in stored:
            table.put(r)
        gets = [table.get(Reading, sensor=r.sensor, seq=r.seq, dry_run=True) for r in stored]
        ops: dict[str, list[Request]] = {
            "get": [gets[i % len(gets)] for i in range(calls)],
            "put": [table.put(stored[i % len(stored)], dry_run=True) for i in range(calls)],
        }
        expected = send(setup, gets[0])["Item"]
        for path in paths:
            with _path(path, direct) as endpoint:
                _measure_path(path, endpoint, ops, concurrency, rounds, numbers, facts, expected, python)
        spec.delete(setup)

    facts["numbers"] = {
        f"{path} {op} {who}": {"cpu_us": c, "wall_us": w} for (path, op, who), (c, w) in numbers.items()
    }
    for path in paths:
        for name in ops:
            for n in concurrency:
                ours = numbers[(path, name, f"async x{n}")][0]
                for baseline in (f"sync x{n} threads" if n > 1 else "sync", f"aiobotocore x{n}"):
                    if (path, name, baseline) in numbers:
                        theirs = numbers[(path, name, baseline)][0]
                        what = f"{name} CPU/call, async x{n}, {path}"
                        result.rows.append(
                            Row("async transport", what, ours, baseline, theirs, "us", theirs / ours)
                        )
    return result


@contextmanager
def _path(path: str, direct: str) -> Iterator[str]:
    if path == "direct":
        yield direct
        return
    from singletable.local.faults import FaultProxyProcess

    with FaultProxyProcess(direct) as proxy:
        yield proxy.endpoint_url


def _measure_path(
    path: str,
    endpoint: str,
    ops: dict[str, list[Request]],
    concurrency: tuple[int, ...],
    rounds: int,
    numbers: dict[tuple[str, str, str], tuple[float, float]],
    facts: dict[str, Any],
    expected: Any,
    python: str | None,
) -> None:
    calls = len(next(iter(ops.values())))
    client = make_client(endpoint_url=endpoint, max_pool_connections=max(concurrency))
    for name, requests in ops.items():
        _sync(client, requests[:50])()  # warm-up
        numbers[(path, name, "sync")] = measure(_sync(client, requests), calls, rounds)
        for n in concurrency:
            if n > 1:
                numbers[(path, name, f"sync x{n} threads")] = measure(
                    _sync_threads(client, requests, n), calls, rounds
                )

    async def async_side() -> None:
        async with AsyncTransport.from_settings(
            endpoint_url=endpoint, max_pool_connections=max(concurrency)
        ) as t:
            facts[f"async_equal_{path}"] = (await t.send(ops["get"][0]))["Item"] == expected or None
            for name, requests in ops.items():
                await _gather(t.send, requests[:50], max(concurrency))  # warm-up
                for n in concurrency:
                    cpu, wall = [], []
                    for _ in range(rounds):
                        c0, w0 = time.process_time(), time.perf_counter()
                        await _gather(t.send, requests, n)
                        cpu.append((time.process_time() - c0) / calls * 1e6)
                        wall.append((time.perf_counter() - w0) / calls * 1e6)
                    numbers[(path, name, f"async x{n}")] = (statistics.median(cpu), statistics.median(wall))

    asyncio.run(async_side())
    if python is not None:
        for n in concurrency:
            got = _aiobotocore(python, endpoint, ops, n, rounds)
            for name, value in (got or {}).items():
                numbers[(path, name, f"aiobotocore x{n}")] = value


def render_numbers(facts: dict[str, Any]) -> str:
    lines = ["| client | CPU µs/call | wall µs/call |", "|---|---|---|"]
    for label, v in facts["numbers"].items():
        lines.append(f"| {label} | {v['cpu_us']:,.0f} | {v['wall_us']:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.async_transport", description=__doc__)
    p.add_argument("--calls", type=int, default=2000, help="calls per round and operation")
    p.add_argument("--concurrency", default="1,32", help="requests in flight, comma-separated")
    p.add_argument("--rounds", type=int, default=3, help="rounds; the median counts")
    p.add_argument("--aiobotocore-python", default=None, help="an interpreter with aiobotocore installed")
    p.add_argument("--paths", default="direct,keepalive", help="direct and/or keepalive (see run)")
    args = p.parse_args(argv)
    from bench.__main__ import render

    r = run(
        calls=args.calls,
        concurrency=tuple(int(x) for x in args.concurrency.split(",")),
        rounds=args.rounds,
        aiobotocore_python=args.aiobotocore_python,
        paths=tuple(args.paths.split(",")),
    )
    print(render_numbers(r.facts))
    print()
    print(render(r.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
