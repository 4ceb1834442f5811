"""The per-query item reader (``Entity.item_reader``, ``Schema.recogniser``) answers exactly as
``from_item`` / ``recognise`` do, item by item: values, errors, escaped keys, TTL, empty sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from singletable import Entity, Table
from singletable.errors import ValidationError


class Gauge(Entity):
    __pk__ = "SITE#{site}"
    __sk__ = "GAUGE#{n:04d}#{label}"
    site: str
    n: int
    label: str
    level: float
    tags: set[str] = set()


class Dated(Entity):
    __pk__ = "DAY#{day:%Y-%m-%d}"
    __sk__ = "AT#{at:%Y-%m-%dT%H:%M:%S}"
    day: dt.date
    at: dt.datetime
    note: str = ""


def _items(table: Table) -> list[dict[str, Any]]:
    out = [
        Gauge(site=s, n=i, label=f"l#{i}%", level=i / 2, tags={"a"} if i % 2 else set()).to_item()
        for s in ("x", "y#z", "w%")
        for i in range(4)
    ]
    out.append(Dated(day=dt.date(2026, 1, 2), at=dt.datetime(2026, 1, 2, 3, 4, 5)).to_item())
    out.append({"PK": "SITE#x", "SK": "SOMETHING ELSE", "level": 1})  # foreign
    out.append({"PK": "SITE#x", "SK": "GAUGE#0009#hand", "level": 2, "site": "ignored"})  # no marker
    return out


def test_reader_matches_from_item(table: Table) -> None:
    table.register(Gauge)
    table.register(Dated)
    schema = table.schema
    items = _items(table)
    recognise, only = schema.recogniser(), schema.recogniser(Gauge)
    for item in items * 2:  # the second pass reads partition keys from the cache
        expected = schema.recognise(item)
        assert recognise(item) == expected
        assert type(recognise(item)) is type(expected)
        assert only(item) == (expected if isinstance(expected, Gauge) else None)


def test_reader_raises_as_from_item(table: Table) -> None:
    table.register(Gauge)
    item = Gauge(site="x", n=1, label="a", level=1.0).to_item()
    item["level"] = "not a number"
    with pytest.raises(ValidationError) as direct:
        table.schema.recognise(item)
    with pytest.raises(ValidationError) as read:
        table.schema.recogniser(Gauge)(item)
    assert str(read.value) == str(direct.value)


def test_reader_pk_cache_is_bounded(table: Table) -> None:
    read = Gauge.item_reader(skip=table.schema.skip_attrs)
    for i in range(700):
        got = read(Gauge(site=f"s{i}", n=i, label="l", level=0.5).to_item())
        assert (got.site, got.n) == (f"s{i}", i)
