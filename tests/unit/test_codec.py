"""Codec: exact round trips, DynamoDB's size rules, clear errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from singletable import EmptySetError, ValidationError
from singletable.codec import deserialize, from_attr, item_size, serialize, to_attr

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20),
)
scalars = st.one_of(st.text(), numbers, st.booleans(), st.binary(min_size=1), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1), inner, max_size=4),
    ),
    max_leaves=20,
)


def _norm(v: Any) -> Any:
    if isinstance(v, Decimal):
        return v.normalize() if v != v.to_integral_value() else int(v)
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


@given(values)
def test_round_trip_preserves_value(value: Any) -> None:
    assert _norm(from_attr(to_attr(value))) == _norm(value)


@given(st.dictionaries(st.text(min_size=1), values, max_size=6))
def test_same_wire_form_as_boto3(item: dict[str, Any]) -> None:
    """Our AttributeValues deserialize to what boto3's TypeDeserializer makes of them, and back."""
    ours = serialize(item)
    theirs = {k: TypeDeserializer().deserialize(v) for k, v in ours.items()}
    assert {k: TypeSerializer().serialize(v) for k, v in theirs.items()} == ours


def test_floats_keep_their_shortest_decimal_form() -> None:
    assert to_attr(99.99) == {"N": "99.99"}
    assert from_attr({"N": "99.99"}) == Decimal("99.99")
    assert from_attr({"N": "42"}) == 42 and isinstance(from_attr({"N": "42"}), int)


def test_sets_dates_bytes() -> None:
    assert to_attr({"b", "a"}) == {"SS": ["a", "b"]}
    assert from_attr(to_attr({1, 2})) == {1, 2}
    assert to_attr(dt.date(2023, 2, 15)) == {"S": "2023-02-15"}
    assert to_attr(b"\x00\x01") == {"B": b"\x00\x01"}
    assert deserialize(serialize({"a": None, "b": 1})) == {"b": 1}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "cannot store"),
        ({1, "a"}, "mixed types"),
        (object(), "has no DynamoDB form"),
        (Decimal("1" * 39), "38"),
    ],
)
def test_bad_values_name_the_field(value: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as err:
        serialize({"price": value})
    assert err.value.field == "price"
    assert "Fix:" in str(err.value)


def test_empty_sets_are_left_out_at_the_top_and_refused_inside_with_their_path() -> None:
    # DynamoDB has no empty set: a top-level one is absent (as None is); inside a map or list nothing
    # could restore it, so it is refused with the path, never with the codec's private exception chained.
    assert serialize({"a": set(), "b": frozenset(), "c": 1}) == {"c": {"N": "1"}}
    for value, path in (({"m": {"tags": set()}}, "m.tags"), ({"l": ["x", frozenset()]}, "l[1]")):
        with pytest.raises(EmptySetError) as err:
            serialize(value)
        assert err.value.field == path and err.value.code == "ST113"
        assert err.value.__cause__ is None and err.value.__context__ is None
    with pytest.raises(EmptySetError):
        to_attr(set())


def test_item_size_follows_dynamodb_rules() -> None:
    # names + values: "PK"(2)+"USER#123"(8), "SK"(2)+"PROFILE"(7), "n"(1) + 99.99 -> 4 digits -> 3 bytes
    item = serialize({"PK": "USER#123", "SK": "PROFILE", "n": Decimal("99.99")})
    assert item_size(item) == 2 + 8 + 2 + 7 + 1 + 3
    assert item_size(serialize({"m": {"a": True}})) == 1 + 3 + (1 + 1 + 1)
    assert item_size(serialize({"l": ["ab", "c"]})) == 1 + 3 + (2 + 1) + (1 + 1)
    assert item_size(serialize({"e": "é"})) == 1 + 2  # UTF-8 bytes, not characters
