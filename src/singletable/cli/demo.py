"""``singletable demo``: the seed's data patterns on the local engine (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """The demo adds its command here."""
