"""Expressions built from Python; every name and value goes through placeholders."""

from singletable.expressions.check import check_condition
from singletable.expressions.condition import Attr, Condition, all_of, raw
from singletable.expressions.names import Placeholders
from singletable.expressions.projection import render_projection
from singletable.expressions.update import Update

__all__ = [
    "Attr",
    "Condition",
    "Placeholders",
    "Update",
    "all_of",
    "check_condition",
    "raw",
    "render_projection",
]
