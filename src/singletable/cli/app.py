"""The ``singletable`` command: one typer app, one module per command group."""

from __future__ import annotations

from typing import Annotated

import typer

from singletable.cli import helptext

helptext.install()

app = typer.Typer(
    name="singletable",
    help="DynamoDB single-table design: local engine, demo, everyday operations and the cost planner.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("singletable")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        print(f"singletable {number}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """DynamoDB single-table design from the command line."""


def _register() -> None:
    # Each command group lives in its own module and adds itself through register(app).
    from singletable.cli import (
        cost,
        demo,
        doctor,
        env,
        items,
        local,
        migrate,
        model,
        tables,
        tail,
        transfer,
        ui,
    )
    from singletable.cli import lint as lint_cmd

    for module in (
        items,
        transfer,
        tables,
        doctor,
        local,
        env,
        demo,
        cost,
        model,
        migrate,
        tail,
        ui,
        lint_cmd,
    ):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
