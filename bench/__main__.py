"""``python -m bench``: run every benchmark and print one table of ratios (ratio > 1: ours is better)."""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

from bench._common import Result, Row


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--only", default="codec,overhead,capacity,bulk,streaming,loopback", help="comma-separated"
    )
    p.add_argument("--codec-number", type=int, default=300, help="round trips per timing run")
    p.add_argument("--overhead-number", type=int, default=100, help="calls per timing run (query: a third)")
    p.add_argument("--repeat", type=int, default=7, help="timing runs; the best counts")
    p.add_argument("--capacity-users", type=int, default=40)
    p.add_argument("--capacity-max-orders", type=int, default=60)
    p.add_argument("--bulk-sizes", type=_sizes, default=(5000, 10000), help="e.g. 10000,50000")
    p.add_argument("--bulk-workers", type=int, default=8)
    p.add_argument("--bulk-latency", type=float, default=0.010, help="seconds added per request")
    p.add_argument("--no-dynalite", action="store_true", help="moto only, even if dynalite is installed")
    p.add_argument("--no-dynamodb-local", action="store_true", help="skip DynamoDB Local even if installed")
    p.add_argument("--stream-items", type=int, default=100_000)
    p.add_argument("--loopback-calls", type=int, default=300, help="calls per block over loopback HTTP")
    p.add_argument("--loopback-rounds", type=int, default=5, help="interleaved rounds; the median counts")
    p.add_argument("--loopback-bulk-items", type=int, default=3000, help="bulk load behind the 10 ms proxy")
    p.add_argument("--aio-python", default=None, help="an interpreter with aioboto3 (bench.loopback)")
    args = p.parse_args(argv)

    from bench import bulk, capacity, codec, loopback, overhead, streaming

    runs: dict[str, Any] = {
        "codec": lambda: codec.run(number=args.codec_number, repeat=args.repeat),
        "overhead": lambda: overhead.run(number=args.overhead_number, repeat=args.repeat),
        "capacity": lambda: capacity.run(
            users=args.capacity_users,
            max_orders=args.capacity_max_orders,
            dynalite=not args.no_dynalite,
            dynamodb_local=not args.no_dynamodb_local,
        ),
        "bulk": lambda: bulk.run(
            sizes=args.bulk_sizes,
            latency=args.bulk_latency,
            workers=args.bulk_workers,
            dynalite=not args.no_dynalite,
        ),
        "streaming": lambda: streaming.run(items=args.stream_items),
        "loopback": lambda: loopback.run(
            calls=args.loopback_calls,
            rounds=args.loopback_rounds,
            bulk_items=args.loopback_bulk_items,
            latency=args.bulk_latency,
            aio_python=args.aio_python,
        ),
    }
    rows: list[Row] = []
    extra: list[str] = []
    started = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for name in args.only.split(","):
        t0 = time.perf_counter()
        result: Result = runs[name.strip()]()
        rows.extend(result.rows)
        if name.strip() == "loopback":
            extra.append(loopback.render_numbers(result.facts))
        print(f"# {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    print()
    print(render(rows))
    print()
    for text in extra:
        print(text)
        print()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; "
        f"{time.perf_counter() - started:.0f} s in all. Ratio = baseline ÷ ours for times and capacity, "
        "ours ÷ baseline for items/s: > 1 means ours is better."
    )
    return 0


def _num(x: float) -> str:
    if x != x:  # NaN
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def render(rows: list[Row]) -> str:
    """The rows as a Markdown table (readable in a terminal, pasteable into docs/benchmarks.md)."""
    head = ["benchmark", "what", "ours", "baseline", "baseline value", "unit", "ratio", "goal", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        cells = [
            r.bench,
            r.metric,
            _num(r.ours),
            r.baseline_name,
            _num(r.baseline),
            r.unit,
            f"{r.ratio:.2f}x",
            r.goal,
            met,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
