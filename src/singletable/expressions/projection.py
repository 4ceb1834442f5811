"""Projection expressions: which attributes a read returns."""

from __future__ import annotations

from collections.abc import Iterable

from singletable.errors import ValidationError
from singletable.expressions.names import Placeholders


def render_projection(paths: Iterable[str], ph: Placeholders) -> str:
    rendered = [ph.path(p) for p in paths]
    if not rendered:
        raise ValidationError(
            "the projection is empty", hint="name at least one attribute, or pass no projection"
        )
    return ", ".join(rendered)
