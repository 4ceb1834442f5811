"""The demo: the seed's data patterns on the local engine, with the capacity every access pattern used."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from singletable.codec import deserialize
from singletable.expressions import Attr
from singletable.lint import lint
from singletable.local import InProcessEngine, LocalServer
from singletable.model import Entity
from singletable.seed import ENTITIES, SEED_EDGE, SEED_ORDER, SEED_USER, Order, User, UserOrder
from singletable.spec import TableSpec
from singletable.table import Table


@contextmanager
def _engine(endpoint_url: str | None, http: bool) -> Iterator[Any]:
    """A client on the given endpoint, or on an embedded engine (in-process, or HTTP on loopback)."""
    from singletable.client import make_client

    if endpoint_url:
        yield make_client(endpoint_url=endpoint_url)
    elif http:
        with LocalServer() as server:
            yield make_client(endpoint_url=server.endpoint_url)
    else:
        with InProcessEngine() as engine:
            yield engine.client()


def _shown(value: Any) -> Any:
    # Display only: a Decimal prints as the number it is (the stored value stays exact).
    return float(value) if isinstance(value, Decimal) else str(value)


def generate(users: int, max_orders: int, seed: int) -> Iterator[Entity]:
    """Users with 0..max_orders orders each: every order is its METADATA item plus the user's edge."""
    rng = random.Random(seed)
    order_no = 1000
    start = dt.date(2023, 1, 1)
    for u in range(1, users + 1):
        user_id = f"u{u:05d}"
        yield User(user_id=user_id, name=f"User {u}", email=f"user{u}@example.com")
        for _ in range(rng.randint(0, max_orders)):
            order_no += 1
            total = Decimal(rng.randint(100, 50000)) / 100
            day = start + dt.timedelta(days=rng.randint(0, 364))
            yield Order(order_id=str(order_no), user_id=f"USER#{user_id}", total=total)
            yield UserOrder(user_id=user_id, order_id=str(order_no), order_date=day, total=total)


def run(
    *,
    users: int = 2000,
    max_orders: int = 10,
    seed: int = 7,
    endpoint_url: str | None = None,
    http: bool = False,
    ledger_path: str | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run the demo; returns a summary (also printed)."""
    out = console or Console()
    started = time.perf_counter()
    with _engine(endpoint_url, http) as client:
        spec = TableSpec(deletion_protection=False)
        spec.create(client, exist_ok=True)
        table = Table(spec, client=client, entities=ENTITIES)
        where = endpoint_url or ("local engine over HTTP" if http else "local engine (in-process)")
        out.print(
            f"[bold]singletable demo[/] on {where}: table [cyan]{spec.name}[/] "
            f"(PK/SK, GSI1 = SK->PK, TTL on {spec.ttl_attribute})"
        )

        out.rule("The seed's items")
        for entity in (SEED_USER, SEED_ORDER, SEED_EDGE):
            table.put(entity, pattern="write seed items")
        for pk, sk in (("USER#123", "PROFILE"), ("ORDER#456", "METADATA"), ("USER#123", "ORDER#456")):
            raw = client.get_item(TableName=spec.name, Key={"PK": {"S": pk}, "SK": {"S": sk}})["Item"]
            out.print(json.dumps(deserialize(raw), default=_shown))

        out.rule(f"Generated data: {users:,} users with 0-{max_orders} orders each")
        items = list(generate(users, max_orders, seed))
        with Progress(
            TextColumn("writing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=False,
        ) as progress:
            task = progress.add_task("write", total=len(items))
            for i in range(0, len(items), 500):
                chunk = items[i : i + 500]
                table.batch_write(chunk, pattern="bulk load")
                progress.advance(task, len(chunk))
        out.print(f"{len(items):,} items written")

        out.rule("Access patterns")
        profile = table.get(User, user_id="123", pattern="get profile")
        out.print(f"[bold]get profile[/] USER#123 -> {profile!r}")

        coll = table.collection(User, user_id="u00002", pattern="user + all orders (1 query)")
        orders = coll.get(UserOrder, [])
        out.print(
            f"[bold]user + all orders[/] u00002 -> {coll.get(User, [None])[0]!r} and {len(orders)} orders"
        )

        naive_user = table.get(User, user_id="u00002", pattern="user + orders, naive N+1")
        naive_orders = [
            table.get(Order, order_id=o.order_id, pattern="user + orders, naive N+1") for o in orders
        ]
        out.print(
            f"  the naive way (profile, then each order): {1 + len(naive_orders)} round trips "
            f"for the same {int(naive_user is not None) + len(naive_orders)} items"
        )

        q = table.query(
            UserOrder,
            user_id="u00002",
            filter=Attr("order_date").between("2023-04-01", "2023-09-30"),
            pattern="orders of a user by date range",
        )
        in_range = q.all()
        out.print(
            f"[bold]orders by date range[/] u00002, 2023-04-01..2023-09-30 -> "
            f"{[(o.order_id, o.order_date.isoformat()) for o in in_range]}"
        )

        owners = table.reverse(UserOrder, order_id="456", pattern="reverse lookup via GSI1").all()
        out.print(
            f"[bold]reverse lookup (GSI1)[/] who has ORDER#456 -> {[f'USER#{o.user_id}' for o in owners]}"
        )

        order = table.get(Order, order_id="456", pattern="order -> user via METADATA")
        owner = (
            table.get_item(order.user_id, "PROFILE", pattern="order -> user via METADATA") if order else None
        )
        out.print(
            f"[bold]order -> user[/] ORDER#456 -> user_id {order.user_id if order else None} -> "
            f"{table.recognise(owner) if isinstance(owner, dict) else None!r}"
        )

        out.rule(
            "Capacity per access pattern (computed by DynamoDB's size rules; engine's own figure beside)"
        )
        summary = table.ledger.by_pattern()
        grid = RichTable(show_lines=False)
        for col in ("access pattern", "calls", "round trips", "items", "RCU", "WCU", "engine said"):
            grid.add_column(col, justify="left" if col == "access pattern" else "right")
        for s in summary.values():
            grid.add_row(
                s.name,
                str(s.calls),
                str(s.round_trips),
                f"{s.items:,}",
                f"{s.read_units:g}",
                f"{s.write_units:g}",
                f"{s.reported_read_units + s.reported_write_units:g}",
            )
        out.print(grid)
        out.rule("Design lint (singletable lint: hot partitions from the declarations)")
        findings = lint(table.schema).findings
        for finding in findings:
            n = finding.numbers
            out.print(
                f"[yellow]{finding.code}[/] {finding.entity}/{finding.index}: partition "
                f"{n.get('partition')!r} throttles near {n.get('max_writes_per_s', 0):,} writes/s; "
                f"fix: {finding.terraform or finding.entity_change}"
            )
        if ledger_path:
            table.ledger.dump(ledger_path)
            out.print(f"ledger written to {ledger_path} (feed it to `singletable cost --from-ledger`)")
        elapsed = time.perf_counter() - started
        out.print(f"[green]done in {elapsed:.1f} s[/]")
        return {
            "items_written": len(items) + 3,
            "collection_items": sum(len(v) for v in coll.values()),
            "patterns": {
                k: {"rcu": v.read_units, "wcu": v.write_units, "round_trips": v.round_trips}
                for k, v in summary.items()
            },
            "seconds": elapsed,
            "lint": [f"{f.code} {f.entity}/{f.index}" for f in findings],
        }
