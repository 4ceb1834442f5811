"""``singletable demo``: the seed's data patterns on the local engine."""

from __future__ import annotations

from typing import Annotated

import typer


def demo(
    users: Annotated[int, typer.Option(min=1, help="Generated users.")] = 2000,
    max_orders: Annotated[int, typer.Option(min=0, help="Orders per user are 0..N.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed for the generated data.")] = 7,
    http: Annotated[
        bool, typer.Option(help="Run the embedded engine as an HTTP server instead of in-process.")
    ] = False,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Use this engine instead of an embedded one.")
    ] = None,
    ledger: Annotated[str | None, typer.Option(help="Write the capacity ledger (JSON lines) here.")] = None,
) -> None:
    """Write the seed's items and a generated data set, run every access pattern, show the capacity used.

    Example: singletable demo --users 500 --ledger demo-ledger.jsonl
    """
    from singletable.cli.options import errors, require_extra

    with errors(debug=False):
        if endpoint_url is None:  # the embedded engine is moto
            require_extra("moto.server" if http else "moto", "local", "singletable demo")
    from singletable.demo import run

    run(
        users=users,
        max_orders=max_orders,
        seed=seed,
        http=http,
        endpoint_url=endpoint_url,
        ledger_path=ledger,
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
