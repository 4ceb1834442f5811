"""Expressions: everything through placeholders, so values can never inject syntax."""

from __future__ import annotations

import pytest

from singletable import Attr, Update, ValidationError
from singletable.expressions import Placeholders


def test_condition_uses_placeholders_for_names_and_values() -> None:
    ph = Placeholders()
    cond = Attr("name").eq("x) OR (attribute_exists(PK)") & ~Attr("address.lines[0]").exists()
    text = cond.render(ph)
    assert text == "(#n0 = :v0 AND (NOT attribute_exists(#n1.#n2[0])))"
    assert ph.names == {"#n0": "name", "#n1": "address", "#n2": "lines"}
    assert ph.values == {":v0": {"S": "x) OR (attribute_exists(PK)"}}


def test_functions_between_in_size() -> None:
    ph = Placeholders()
    assert Attr("total").between(1, 5).render(ph) == "#n0 BETWEEN :v0 AND :v1"
    assert Attr("s").is_in(["a", "b"]).render(ph) == "#n1 IN (:v2, :v3)"
    assert Attr("tags").size().gt(2).render(ph) == "size(#n2) > :v4"
    assert Attr("e").begins_with("x").describe() == "begins_with(e, 'x')"


def test_conditions_refuse_python_boolean_operators() -> None:
    with pytest.raises(TypeError, match=r"use & \| ~"):
        _ = Attr("a").exists() and Attr("b").exists()


def test_update_renders_every_clause() -> None:
    upd = (
        Update()
        .set(name="John")
        .increment("logins")
        .append("history", ["x"])
        .remove("nickname")
        .add("tags", {"a"})
        .delete("old", {"b"})
        .set_if_not_exists("created", "2024")
    )
    ph = Placeholders()
    text = upd.render(ph)
    assert text.startswith("SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2")
    assert "REMOVE #n3" in text and "ADD #n4 :v" in text and "DELETE #n5 :v" in text
    assert "if_not_exists(#n6, :v" in text


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Update().render(Placeholders()), "no actions"),
        (lambda: Update().set(a=1).remove("a").render(Placeholders()), "twice"),
        (lambda: Update().add("a", "text"), "number or a set"),
        (lambda: Update().increment("a", "1"), "takes a number"),
        (lambda: Attr("a").is_in([]), "1 to 100"),
        (lambda: Placeholders().path("a..b"), "malformed"),
        (lambda: Attr("t").attribute_type("X"), "unknown"),
    ],
)
def test_bad_expressions(build: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build()  # type: ignore[operator]
