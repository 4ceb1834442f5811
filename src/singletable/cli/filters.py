"""``--filter`` for the CLI: ``NAME OP VALUE`` in one word, several ANDed, turned into a Condition.

Operators: ``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``, ``^=`` (begins with), ``~=`` (contains); ``NAME?`` (the
attribute exists) and ``!NAME`` (it does not). Values are JSON when they parse as JSON (``total>=50`` is a
number, ``name="007"`` a string), else text, as ``--set`` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from singletable.cli.options import parse_value
from singletable.errors import ValidationError
from singletable.expressions import Attr, Condition

_COMPARISON = re.compile(r"^(?P<name>[^=!<>^~?]+?)\s*(?P<op>!=|<=|>=|\^=|~=|=|<|>)(?P<value>.*)$")
EXAMPLES = "total>=50, name^=Jo, tags~=red, nickname? (exists), !nickname (does not exist)"


def parse_filter(text: str) -> Condition:
    """One ``--filter`` word as a Condition."""
    word = text.strip()
    if word.endswith("?") and len(word) > 1:
        return Attr(word[:-1].strip()).exists()
    if word.startswith("!") and not word.startswith("!=") and len(word) > 1:
        return Attr(word[1:].strip()).not_exists()
    m = _COMPARISON.match(word)
    if m is None or not m.group("name").strip():
        raise ValidationError(
            f"--filter {text!r} is not NAME OP VALUE", field="filter", hint=f"write it like {EXAMPLES}"
        )
    attr, op, value = Attr(m.group("name").strip()), m.group("op"), parse_value(m.group("value"))
    if op in ("^=", "~=") and not isinstance(value, str):
        value = m.group("value")  # begins_with/contains on text: 007 stays "007"
    build = {
        "=": attr.eq,
        "!=": attr.ne,
        "<": attr.lt,
        "<=": attr.lte,
        ">": attr.gt,
        ">=": attr.gte,
        "^=": attr.begins_with,
        "~=": attr.contains,
    }[op]
    return build(value)


def parse_filters(texts: Sequence[str]) -> Condition | None:
    """Every ``--filter`` ANDed; None when there is none."""
    condition: Condition | None = None
    for text in texts:
        one = parse_filter(text)
        condition = one if condition is None else condition & one
    return condition
