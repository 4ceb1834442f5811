"""``singletable local``: run the local engine in the foreground."""

from __future__ import annotations

import socket
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from singletable.cli.options import errors, require_extra
from singletable.errors import EngineOptionError, PortInUseError


class Engine(StrEnum):
    """The local engines ``--engine`` chooses from (docs/engines.md compares them)."""

    moto = "moto"
    dynamodb_local = "dynamodb-local"
    dynalite = "dynalite"


def local(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to bind; keep it on loopback.")] = "127.0.0.1",
    ttl_sweep: Annotated[
        float, typer.Option(help="Seconds between TTL sweeps (0 turns sweeping off).")
    ] = 2.0,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Keep the tables in this directory across restarts (restored on start, saved every "
            "--snapshot-interval seconds and on Ctrl-C). Default: nothing is kept.",
            show_default=False,
        ),
    ] = None,
    snapshot_interval: Annotated[
        float, typer.Option(help="Seconds between snapshots with --data (0: only on Ctrl-C).")
    ] = 30.0,
    engine: Annotated[
        Engine,
        typer.Option(
            help="moto (in Python, fastest, Terraform-complete), dynamodb-local (AWS's own emulator: needs "
            "java and scripts/install-dynamodb-local.sh) or dynalite (needs node and scripts/install-dynalite.sh).",
        ),
    ] = Engine.moto,
) -> None:
    """Run a local DynamoDB engine (moto over HTTP by default) until Ctrl-C.

    Example: singletable local --port 8000, then
    AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 aws dynamodb list-tables
    """
    if engine is not Engine.moto:
        serve_other(engine.value, port=port, host=host, data=data)
        return
    with errors(debug=False):
        require_extra("moto.server", "local", "singletable local")
        if port:
            check_port_free(host, port)
        from singletable.local import LocalServer

        server = LocalServer(
            host=host,
            port=port,
            ttl_sweep_interval=ttl_sweep or None,
            data_dir=data,
            snapshot_interval=snapshot_interval or None,
        ).start()
    console = Console(stderr=True)
    # The endpoint goes to stdout alone, so scripts can read it; the chatter goes to stderr.
    print(server.endpoint_url, flush=True)
    console.print(f"[green]local engine listening on {server.endpoint_url}[/] (Ctrl-C to stop)")
    if data is not None:
        console.print(f"keeping the tables in {data} ({server.restored} items restored)", markup=False)
    try:
        while True:
            # Short sleeps: Ctrl-C may be delivered to one of the engine's threads, and the main thread
            # notices it only when it next runs (a sleep of an hour would keep it waiting that long).
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def serve_other(engine: str, *, port: int, host: str, data: Path | None) -> None:
    """Run DynamoDB Local or dynalite in the foreground (a child process) until Ctrl-C."""
    from singletable.local.engines import HTTPEngine, start_engine

    server: HTTPEngine
    with errors(debug=False):
        if data is not None:
            raise EngineOptionError(
                f"--data keeps moto's tables; {engine} runs in memory here",
                field="data",
                hint="drop --data, or use --engine moto",
            )
        if host != "127.0.0.1":
            raise EngineOptionError(
                f"{engine} is started on 127.0.0.1 only by singletable local",
                field="host",
                hint="drop --host",
            )
        if port:
            check_port_free(host, port)
        server = start_engine("dynamodb-local" if engine == "dynamodb-local" else "dynalite", port=port)
    console = Console(stderr=True)
    print(server.endpoint_url, flush=True)
    console.print(f"[green]{engine} listening on {server.endpoint_url}[/] (Ctrl-C to stop)")
    if engine == "dynamodb-local":
        # DynamoDB Local has no option to choose the interface: say so rather than let it surprise.
        console.print("note: DynamoDB Local listens on every interface, not only on loopback", markup=False)
    try:
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def check_port_free(host: str, port: int) -> None:
    """Refuse at once when ``host:port`` is taken (moto's server thread would die and leave us waiting)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PortInUseError(
                f"port {port} on {host} is in use ({exc.strerror})",
                field="port",
                hint=f"stop what listens there (another singletable local?) or pick another: --port {port + 1}",
            ) from None


def register(app: typer.Typer) -> None:
    app.command("local")(local)
