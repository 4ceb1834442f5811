"""Capacity per access pattern: what our ledger records against the minimum by DynamoDB's size rules.

The demo's data (``singletable.demo.generate``) is loaded and each access pattern runs once, on the
user with the most orders. For each pattern the bench computes the minimum itself, from the items the
pattern must read or write and DynamoDB's documented rules (reads: 4 KB units, halved when eventually
consistent, a Query's items summed before rounding; writes: 1 KB units per item, plus the same again for
every GSI the item is projected into: GSI1 (SK -> PK) holds every item), with a size function of its
own, not the library's. moto reports fixed figures (0.5 per read, 1 per write whatever the size), so
its column is shown but not compared; where dynalite is installed the same patterns run against it
too, and its reported read capacity (size-correct) is compared with the minimum. dynalite charges no
GSI writes, so its write figures are compared with the base-table part only. Where AWS's DynamoDB Local
is installed (scripts/install-dynamodb-local.sh) the patterns run on it as well, and what it reports
(table and GSI1 together, as DynamoDB's TOTAL) is compared with our ledger's units: they must be equal.

"user + all orders" is one Query of the user's partition; the naive way (the profile, then each order by
its key) is run as well, for its round trips and its capacity.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench._common import Result, Row
from singletable import Table, TableSpec, make_client
from singletable.codec import serialize
from singletable.demo import generate
from singletable.expressions import Attr
from singletable.seed import ENTITIES, Order, User, UserOrder


def rule_size(av_item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules (written here again, independently of singletable.codec)."""

    def value(av: dict[str, Any]) -> int:
        ((tag, raw),) = av.items()
        if tag == "S":
            return len(raw.encode())
        if tag == "N":
            digits = raw.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")
            return math.ceil(len(digits) / 2) + 1
        if tag in ("BOOL", "NULL"):
            return 1
        if tag == "M":
            return 3 + sum(len(k.encode()) + value(v) + 1 for k, v in raw.items())
        if tag == "L":
            return 3 + sum(value(v) + 1 for v in raw)
        raise ValueError(tag)

    return sum(len(k.encode()) + value(v) for k, v in av_item.items())


def read_min(sizes: list[int], strong: bool = False) -> float:
    return max(1, math.ceil(sum(sizes) / 4096)) * (1.0 if strong else 0.5)


def write_min(size: int, indexes: int = 1) -> float:
    return float(max(1, math.ceil(size / 1024)) * (1 + indexes))


@contextmanager
def _engine(name: str) -> Iterator[Any]:
    if name == "moto":
        from singletable.local import InProcessEngine

        with InProcessEngine() as engine:
            yield engine.client()
    elif name == "dynamodb-local":
        from singletable.local.dynamodb_local import DynamoDBLocalServer

        with DynamoDBLocalServer() as server:
            yield make_client(endpoint_url=server.endpoint_url)
    else:
        from singletable.local import DynaliteServer

        with DynaliteServer() as server:
            yield make_client(endpoint_url=server.endpoint_url)


def _measure(engine: str, users: int, max_orders: int, seed: int) -> dict[str, dict[str, Any]]:
    """Each pattern: ours (ledger), minimum (size rules), reported (engine), round trips, items."""
    out: dict[str, dict[str, Any]] = {}
    with _engine(engine) as client:
        # dynalite has no TTL nor PITR, DynamoDB Local no PITR: their tables go without (neither changes
        # capacity).
        moto = engine == "moto"
        spec = TableSpec(
            deletion_protection=False,
            ttl_attribute="expires_at" if engine != "dynalite" else None,
            point_in_time_recovery=moto,
        )
        spec.create(client, exist_ok=True)
        table = Table(spec, client=client, entities=ENTITIES)
        entities = list(generate(users, max_orders, seed))
        stored = {e.key(): serialize(table.schema.entity_item(e)) for e in entities}
        for i in range(0, len(entities), 500):
            table.batch_write(entities[i : i + 500], pattern="load")
        load = table.ledger.by_pattern()["load"]
        out["bulk write (all items)"] = {
            "ours": load.write_units,
            "min": sum(write_min(rule_size(av)) for av in stored.values()),
            "base_min": sum(write_min(rule_size(av), 0) for av in stored.values()),
            "reported": load.reported_write_units,
            "round_trips": load.round_trips,
            "items": len(entities),
        }
        # The user with most orders: the pattern that benefits most from one query.
        edges: dict[str, list[UserOrder]] = {}
        for e in entities:
            if isinstance(e, UserOrder):
                edges.setdefault(e.user_id, []).append(e)
        uid = max(edges, key=lambda u: len(edges[u]))
        mine = sorted(edges[uid], key=lambda e: e.order_id)
        pk = f"USER#{uid}"
        partition = [av for (p, _), av in stored.items() if p == pk]
        table.ledger.clear()

        def pattern(name: str, **extra: Any) -> None:
            s = table.ledger.by_pattern()[name]
            out[name] = {
                "ours": s.read_units + s.write_units,
                "reported": s.reported_read_units + s.reported_write_units,
                "round_trips": s.round_trips,
                "items": s.items,
                **extra,
            }

        profile = table.get(User, user_id=uid, pattern="get profile")
        pattern("get profile", min=read_min([rule_size(stored[(pk, "PROFILE")])]), ok=profile is not None)

        coll = table.collection(User, user_id=uid, pattern="user + all orders (1 query)")
        got = coll.get(UserOrder, [])
        pattern(
            "user + all orders (1 query)",
            min=read_min([rule_size(av) for av in partition]),
            ok=len(got) == len(mine) and len(coll.get(User, [])) == 1,
        )

        naive_user = table.get(User, user_id=uid, pattern="user + orders, naive N+1")
        naive = [table.get(Order, order_id=o.order_id, pattern="user + orders, naive N+1") for o in mine]
        pattern(
            "user + orders, naive N+1",
            min=read_min([rule_size(stored[(pk, "PROFILE")])])
            + sum(read_min([rule_size(stored[(f"ORDER#{o.order_id}", "METADATA")])]) for o in mine),
            ok=naive_user is not None and all(o is not None for o in naive),
        )

        in_range = table.query(
            UserOrder,
            user_id=uid,
            filter=Attr("order_date").between("2023-04-01", "2023-09-30"),
            pattern="orders by date range (filter)",
        ).all()
        expected = [o for o in mine if "2023-04-01" <= o.order_date.isoformat() <= "2023-09-30"]
        # A filter reads (and charges) every item the key condition selects.
        pattern(
            "orders by date range (filter)",
            min=read_min(
                [rule_size(av) for (p, s), av in stored.items() if p == pk and s.startswith("ORDER#")]
            ),
            ok=len(in_range) == len(expected),
        )

        oid = mine[0].order_id
        owners = table.reverse(UserOrder, order_id=oid, pattern="reverse lookup via GSI1").all()
        pattern(
            "reverse lookup via GSI1",
            min=read_min([rule_size(stored[(pk, f"ORDER#{oid}")])]),
            ok=[o.user_id for o in owners] == [uid],
        )

        new_edge = UserOrder(user_id=uid, order_id="999999", order_date=mine[0].order_date)
        table.put(new_edge, pattern="put order edge (+GSI1)")
        pattern(
            "put order edge (+GSI1)",
            min=write_min(rule_size(serialize(table.schema.entity_item(new_edge)))),
            base_min=write_min(rule_size(serialize(table.schema.entity_item(new_edge))), 0),
            ok=True,
        )
        out["_meta"] = {"user": uid, "orders": len(mine), "partition_items": len(partition)}
    return out


def _dynalite_available() -> bool:
    from singletable.local import find_dynalite

    return find_dynalite() is not None


def _dynamodb_local_available() -> bool:
    from singletable.local.engines import engine_available

    return engine_available("dynamodb-local") is None


def run(
    users: int = 40,
    max_orders: int = 60,
    seed: int = 7,
    dynalite: bool | None = None,
    dynamodb_local: bool | None = None,
) -> Result:
    engines = ["moto"]
    if dynamodb_local is not False and _dynamodb_local_available():
        engines.append("dynamodb-local")
    elif dynamodb_local:
        print(
            "# capacity: DynamoDB Local not installed, skipped (make dynamodb-local installs it)",
            file=sys.stderr,
            flush=True,
        )
    # dynalite is the second engine when installed; asked for but absent, it is skipped with a word,
    # since `make bench` asks for it by default and must not end in a traceback on a machine without it.
    if dynalite is not False and _dynalite_available():
        engines.append("dynalite")
    elif dynalite:
        print(
            "# capacity: dynalite not installed, measuring moto only (make dynalite installs it)",
            file=sys.stderr,
            flush=True,
        )
    facts: dict[str, Any] = {}
    rows: list[Row] = []
    for engine in engines:
        measured = _measure(engine, users, max_orders, seed)
        facts[engine] = measured
        meta = measured["_meta"]
        for name, m in measured.items():
            if name.startswith("_"):
                continue
            if engine == "moto":
                ratio = m["ours"] / m["min"] if m["min"] else float("nan")
                rows.append(
                    Row(
                        "capacity",
                        f"{name}: {m['round_trips']} round trip(s), {m['items']} items (moto said {m['reported']:g})",
                        m["ours"],
                        "minimum by size rules",
                        m["min"],
                        "CU",
                        m["min"] / m["ours"] if m["ours"] else float("nan"),
                        "1.00x",
                        abs(ratio - 1.0) < 1e-9,
                    )
                )
            elif engine == "dynamodb-local":
                # AWS's emulator: what it reports (table + GSI1) must be what our ledger computed.
                rows.append(
                    Row(
                        "capacity",
                        f"{name} on DynamoDB Local",
                        m["ours"],
                        "DynamoDB Local reported",
                        m["reported"],
                        "CU",
                        m["reported"] / m["ours"] if m["ours"] else float("nan"),
                        "1.00x",
                        abs(m["reported"] - m["ours"]) < 1e-9,
                    )
                )
            else:
                # dynalite: its own size-correct figure against the minimum (base table only for writes).
                want = m.get("base_min", m["min"])
                rows.append(
                    Row(
                        "capacity",
                        f"{name} on dynalite (reports no GSI writes)"
                        if "base_min" in m
                        else f"{name} on dynalite",
                        m["ours"],
                        "dynalite reported vs minimum",
                        m["reported"],
                        "CU",
                        want / m["reported"] if m["reported"] else float("nan"),
                        "1.00x",
                        abs(m["reported"] - want) < 1e-9,
                    )
                )
        naive, one = measured["user + orders, naive N+1"], measured["user + all orders (1 query)"]
        if engine == "moto":
            rows.append(
                Row(
                    "capacity",
                    f"user + {meta['orders']} orders: round trips, naive ÷ one query",
                    one["round_trips"],
                    "naive N+1 (profile, then each order)",
                    naive["round_trips"],
                    "trips",
                    naive["round_trips"] / one["round_trips"],
                    "1 trip",
                    one["round_trips"] == 1,
                )
            )
    return Result(rows, facts)
