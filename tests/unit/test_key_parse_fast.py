"""The fast parse of a literal-then-one-field key template (most sort keys) answers exactly as the
template's regular expression does, matches and refusals alike."""

from __future__ import annotations

import pytest

from singletable.keys import KeyTemplate

TEMPLATES = ["READING#{seq:06d}", "USER#{user_id}", "{order_id}", "{n:03d}", "V#{day:%Y-%m-%d}", "A#{a}#B"]
KEYS = [
    "READING#000042",
    "READING#42",
    "READING#0000042",
    "READING#00004²",
    "READING#-00042",
    "READING#+00042",
    "READING# 00042",
    "READING#",
    "reading#000042",
    "USER#ann",
    "USER#ann#x",
    "USER#",
    "USER#a%23b%25c",
    "USER#%",
    "USER#line\nbreak",
    "ann",
    "",
    "#",
    "042",
    "42",
    "V#2026-11-30",
    "A#x#B",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_fast_parse_answers_as_the_pattern(template: str) -> None:
    t = KeyTemplate(template)
    for key in KEYS:
        assert t.parse(key) == t.parse_by_pattern(key), (template, key)
