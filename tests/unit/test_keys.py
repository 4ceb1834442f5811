"""Key templates: render, parse back, and no forging or colliding through the delimiter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from singletable import KeyTemplate, KeyTemplateError

ids = st.text(min_size=1, max_size=20)


@given(ids, ids)
def test_render_is_injective_and_parses_back(a: str, b: str) -> None:
    t = KeyTemplate("USER#{user_id}#ORDER#{order_id}")
    key = t.render({"user_id": a, "order_id": b})
    assert t.parse(key) == {"user_id": a, "order_id": b}


@given(ids, ids)
def test_distinct_values_never_collide(a: str, b: str) -> None:
    t = KeyTemplate("ORDER#{order_id}")
    assert (t.render({"order_id": a}) == t.render({"order_id": b})) == (a == b)


@given(ids)
def test_a_value_cannot_forge_another_entitys_key(value: str) -> None:
    """Whatever a user id holds, USER#{id} never matches the two-field edge template, and vice versa."""
    user = KeyTemplate("USER#{user_id}")
    edge_sk = KeyTemplate("ORDER#{order_id}")
    rendered = user.render({"user_id": value})
    assert not KeyTemplate("USER#{user_id}#ORDER#{order_id}").matches(rendered)
    assert edge_sk.render({"order_id": value}).count("#") == 1
    assert user.parse(rendered) == {"user_id": value}


def test_case_is_kept_and_prefix_rendering() -> None:
    t = KeyTemplate("ORDER#{order_id}")
    assert t.render({"order_id": "AbC"}) == "ORDER#AbC"
    assert t.render_prefix({}) == ("ORDER#", False)
    assert t.render_prefix({"order_id": "1"}) == ("ORDER#1", True)
    assert KeyTemplate("PROFILE").is_constant


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", "empty"),
        ("USER#{a}{b}", "side by side"),
        ("USER#{a:>5}", "format spec"),
        ("USER#{1x}", "not a field name"),
        ("USER#{a", "malformed"),
    ],
)
def test_bad_templates(template: str, message: str) -> None:
    with pytest.raises(KeyTemplateError, match=message):
        KeyTemplate(template)


def test_missing_and_empty_values_are_named() -> None:
    t = KeyTemplate("USER#{user_id}")
    with pytest.raises(KeyTemplateError, match="'user_id' is missing"):
        t.render({})
    with pytest.raises(KeyTemplateError, match="'user_id' is empty"):
        t.render({"user_id": ""})
    with pytest.raises(KeyTemplateError, match="cannot be part of a key"):
        t.render({"user_id": 1.5})
