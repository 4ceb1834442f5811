"""``singletable cost``: the cost planner (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """The cost planner adds its command here."""
