"""The per-query item reader (``Entity.item_reader``, ``Schema.recogniser``) answers exactly as
``from_item`` / ``recognise`` do, item by item: values, errors, escaped keys, TTL, empty sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ConfigDict, Field, model_validator

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


class Strict(Entity):
    model_config = ConfigDict(extra="forbid")
    __pk__ = "STRICT#{k}"
    __sk__ = "S"
    k: str


class Seen(Entity):
    __pk__ = "SEEN#{k}"
    __sk__ = "S"
    k: str
    keys: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _record(cls, data: Any) -> Any:
        return {**data, "keys": tuple(sorted(data))}


class Aliased(Entity):
    __pk__ = "ALIASED#{k}"
    __sk__ = "S"
    k: str
    kind: str = Field("none", alias="_type")


@pytest.mark.parametrize("cls", [Strict, Seen, Aliased, Gauge])
def test_the_attributes_to_skip_are_dropped_when_validation_would_see_them(
    table: Table, cls: type[Entity]
) -> None:
    """Without filtering, a forbidding entity would refuse them, a model validator would see them and an
    alias would take their value: the reader filters then, and answers as from_item always."""
    table.register(cls)
    schema = table.schema
    values: dict[str, Any] = (
        {"k": "a"} if cls is not Gauge else {"site": "s", "n": 1, "label": "l", "level": 1.0}
    )
    item = cls.model_validate(values).to_item()
    item.update({a: "x" for a in schema.skip_attrs if a not in item})
    expected = schema.recognise(item)
    assert schema.recogniser(cls)(item) == expected
    if cls is Seen:
        assert isinstance(expected, Seen) and not set(expected.keys) & schema.skip_attrs
