"""The demo data the ``singletable ui`` tests browse, and the page serving it.

The seed's three items (USER#123's profile, ORDER#456 and the edge between them), a few generated users
with orders (singletable.demo.generate, bounded), 30 orders of one user (more than a page), and an item
whose value is ``<script>alert(1)</script>`` in USER#123's partition.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from singletable.client import make_client
from singletable.demo import generate
from singletable.seed import SEED_EDGE, SEED_ORDER, SEED_USER, User, UserOrder
from singletable.table import Table
from singletable.testing import drop_table, engine_table_spec, http_engine
from singletable.ui import UiServer, create_app, open_table

XSS = "<script>alert(1)</script>"
MANY = "many"  # the user with more orders than one page shows
MANY_ORDERS = 30


def load_demo(table: Table) -> None:
    """The seed's items and a small generated data set (seed 7, as the demo uses)."""
    for entity in (SEED_USER, SEED_ORDER, SEED_EDGE):
        table.put(entity)
    table.batch_write(list(generate(users=8, max_orders=3, seed=7)))
    table.put(User(user_id=MANY, name="Many Orders", email="many@example.com"))
    day = dt.date(2024, 1, 1)
    table.batch_write(
        [
            UserOrder(user_id=MANY, order_id=f"9{n:03d}", order_date=day, total=Decimal(n))
            for n in range(MANY_ORDERS)
        ]
    )
    table.put_item({"PK": "USER#123", "SK": "NOTE#1", "text": XSS, "note": "written by hand"})


@contextmanager
def demo_page(endpoint_url: str, *, write: bool = True) -> Iterator[UiServer]:
    """The page (as ``singletable ui --app singletable.seed:ENTITIES --write``) on a fresh demo table."""
    client = make_client(endpoint_url=endpoint_url)
    spec = engine_table_spec(f"ui-{uuid.uuid4().hex[:10]}")
    spec.create(client)
    try:
        from singletable.seed import ENTITIES

        load_demo(Table(spec, client=client, entities=ENTITIES))
        table = open_table(app="singletable.seed:ENTITIES", table=spec.name, client=client)
        with UiServer(
            create_app(table, write=write, workload="examples/workloads/steady-api.toml")
        ) as server:
            yield server
    finally:
        drop_table(http_engine(), spec, client)
