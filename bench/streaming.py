"""Streaming: iterating a large partition through ``Table.query`` holds memory flat.

The partition is served by a canned responder on botocore's ``before-send`` event that makes each
1 MB page on demand (as DynamoDB pages a Query), so the engine's own storage is not in this process
and the RSS measured is the client's alone. The iteration samples the resident set size every 1,000
items; the baseline is the same query materialised with ``.all()`` (every entity held at once), which
is what a paginator-less API or ``list(...)`` costs.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench._common import Result, Row, fake_client, install_canned, rss_bytes
from singletable import Table, TableSpec
from singletable.codec import item_size, serialize
from singletable.seed import ENTITIES, UserOrder

PAGE_BYTES = 1024 * 1024


def _partition(n: int) -> Any:
    """A responder for a partition of ``n`` order edges, paged at 1 MB like DynamoDB."""

    def edge(i: int) -> dict[str, Any]:
        return serialize(
            {
                "PK": "USER#big",
                "SK": f"ORDER#{i:09d}",
                "_type": "UserOrder",
                "order_date": f"2023-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                "total": f"{i % 50000 / 100:.2f}",
            }
        )

    def respond(op: str, body: Any) -> dict[str, Any]:
        assert op == "Query", op
        start = 0
        if "ExclusiveStartKey" in body:
            start = int(body["ExclusiveStartKey"]["SK"]["S"].split("#")[1]) + 1
        items, size, i = [], 0, start
        while i < n and size < PAGE_BYTES:
            av = edge(i)
            items.append(av)
            size += item_size(av)
            i += 1
        resp: dict[str, Any] = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        if i < n:
            resp["LastEvaluatedKey"] = {"PK": items[-1]["PK"], "SK": items[-1]["SK"]}
        return resp

    return respond


def measure(mode: str, items: int, sample_every: int = 1000) -> dict[str, Any]:
    """In this process: iterate (``stream``) or materialise (``all``) the partition; RSS growth in bytes."""
    table = Table(TableSpec(name="bench"), client=fake_client(), entities=ENTITIES)
    install_canned(table.client, _partition(items))
    checkpoints = sorted({max(1, items // 10), max(1, items // 2), items})
    gc.collect()
    base = rss_bytes()
    if mode == "all":
        held = table.query(UserOrder, user_id="big").all()
        return {"seen": len(held), "growth": rss_bytes() - base, "pages": len(table.ledger)}
    peak, seen, at, last, in_order = base, 0, {}, "", True
    for order in table.query(UserOrder, user_id="big"):
        seen += 1
        in_order = in_order and order.order_id > last
        last = order.order_id
        if seen % sample_every == 0 or seen in checkpoints:
            peak = max(peak, rss_bytes())
            if seen in checkpoints:
                at[seen] = peak - base
    return {"seen": seen, "growth": peak - base, "at": at, "in_order": in_order, "pages": len(table.ledger)}


def _in_subprocess(mode: str, items: int) -> dict[str, Any]:
    # A fresh interpreter per measurement: RSS is not shared with (or reused from) anything else.
    code = f"import json; from bench.streaming import measure; print(json.dumps(measure({mode!r}, {items})))"
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=root, timeout=600
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if "at" in data:
        data["at"] = {int(k): v for k, v in data["at"].items()}
    return data


def run(items: int = 100_000, isolated: bool = True) -> Result:
    """``isolated``: each measurement in a fresh interpreter (the smoke test runs them in-process)."""
    do = _in_subprocess if isolated else measure
    stream = do("stream", items)
    held = do("all", items)
    at = stream["at"]
    mb = 1024 * 1024
    growth, all_growth = stream["growth"], held["growth"]
    rows = [
        Row(
            "streaming",
            f"{items:,} items ({stream['pages']} pages of 1 MB): RSS growth at "
            + ", ".join(f"{k:,}: {v / mb:.0f}" for k, v in at.items())
            + " MB",
            growth / mb,
            ".all() (every entity held)",
            all_growth / mb,
            "MB",
            all_growth / growth if growth > 0 else float("inf"),
            "flat",
            # Flat: after the first pages (half the partition), the rest adds nothing of note.
            at[max(at)] <= at[sorted(at)[len(at) // 2]] + 16 * mb,
        )
    ]
    facts = {
        "seen": stream["seen"],
        "all_count": held["seen"],
        "in_order": stream["in_order"],
        "pages": stream["pages"],
        "growth_at": at,
        "stream_growth": growth,
        "all_growth": all_growth,
    }
    return Result(rows, facts)
