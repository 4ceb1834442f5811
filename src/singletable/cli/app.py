"""The ``singletable`` command: one typer app, one module per command group."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="singletable",
    help="DynamoDB single-table design: local engine, demo, everyday operations and the cost planner.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """DynamoDB single-table design from the command line."""


def _register() -> None:
    # Each command group lives in its own module and adds itself through register(app).
    from singletable.cli import cost, demo, doctor, env, items, local, tables, transfer

    for module in (items, transfer, tables, doctor, local, env, demo, cost):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
