"""Expressions built from Python; every name and value goes through placeholders."""

from singletable.expressions.condition import Attr, Condition, raw
from singletable.expressions.names import Placeholders
from singletable.expressions.projection import render_projection
from singletable.expressions.update import Update

__all__ = ["Attr", "Condition", "Placeholders", "Update", "raw", "render_projection"]
