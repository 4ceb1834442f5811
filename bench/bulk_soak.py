"""Soak: bulk load N items through the FaultProxy into the local engine, then prove nothing was lost.

    .venv/bin/python bench/bulk_soak.py --items 20000 --workers 4 [--engine moto|dynalite] [--no-faults]

Prints the loader's report (throughput, requests, retries, capacity), the proxy's fault counters and
the check: a consistent scan must find every item exactly once with the right content (count, distinct
keys, SHA-256 of the sorted items). Exits non-zero when the check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from singletable import Table, TableSpec, make_client
from singletable.batch import Backoff
from singletable.codec import serialize
from singletable.local import LocalServer
from singletable.local.dynalite import DynaliteServer
from singletable.local.faults import FaultProxy, FaultRates

RATES = FaultRates(
    throughput_exceeded=0.02,
    throttling=0.02,
    http_500=0.02,
    http_503=0.02,
    reset_before=0.02,
    reset_after=0.05,
    slow=0.02,
    slow_delay=0.05,
    unprocessed=0.05,
)


def digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256("\n".join(sorted(json.dumps(r, sort_keys=True) for r in rows)).encode()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--engine", choices=("moto", "dynalite"), default="moto")
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--max-attempts", type=int, default=2)
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        engine: Any = stack.enter_context(
            DynaliteServer() if args.engine == "dynalite" else LocalServer(ttl_sweep_interval=None)
        )
        rates = FaultRates() if args.no_faults else RATES
        proxy = stack.enter_context(FaultProxy(engine.endpoint_url, rates, seed=1))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        spec = TableSpec(
            name="soak", deletion_protection=False, point_in_time_recovery=False, ttl_attribute=None
        )
        direct = make_client(endpoint_url=engine.endpoint_url)
        spec.create(direct)
        table = Table(
            spec, client=make_client(endpoint_url=proxy.endpoint_url, max_attempts=args.max_attempts)
        )
        src = tmp / "items.jsonl"
        expected = []
        with open(src, "w", encoding="utf-8") as fh:
            for i in range(args.items):
                item = {
                    "PK": f"ITEM#{i:07d}",
                    "SK": "DATA",
                    "n": i,
                    "price": f"{i}.{i % 100:02d}",
                    "pad": "x" * 200,
                }
                fh.write(json.dumps(item) + "\n")
                expected.append(serialize(item))
        report = table.bulk_load(
            src,
            checkpoint=tmp / "ckpt",
            workers=args.workers,
            progress=sys.stderr.isatty(),
            backoff=Backoff(base=0.02, cap=1.0),
        )
        start = time.monotonic()
        rows = [
            r
            for p in direct.get_paginator("scan").paginate(TableName="soak", ConsistentRead=True)
            for r in p["Items"]
        ]
        scan_s = time.monotonic() - start
        keys = {(r["PK"]["S"], r["SK"]["S"]) for r in rows}
        ok = len(rows) == args.items == len(keys) and digest(rows) == digest(expected)
        print(
            f"engine: {args.engine}, items: {args.items:,}, workers: {args.workers}, faults: {not args.no_faults}"
        )
        print(f"load: {report.summary()}")
        print(f"proxy: {proxy.counts()}")
        print(
            f"check: scanned {len(rows):,} items ({len(keys):,} distinct keys) in {scan_s:.1f} s; "
            f"content hash {'matches' if ok else 'DIFFERS'}: {'OK' if ok else 'FAILED'}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
