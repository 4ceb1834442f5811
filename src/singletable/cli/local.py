"""``singletable local``: run the local engine in the foreground."""

from __future__ import annotations

import socket
import time
from typing import Annotated

import typer
from rich.console import Console

from singletable.cli.options import errors, require_extra
from singletable.errors import PortInUseError


def local(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to bind; keep it on loopback.")] = "127.0.0.1",
    ttl_sweep: Annotated[
        float, typer.Option(help="Seconds between TTL sweeps (0 turns sweeping off).")
    ] = 2.0,
) -> None:
    """Run the local DynamoDB engine (moto over HTTP) until Ctrl-C.

    Example: singletable local --port 8000, then
    AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 aws dynamodb list-tables
    """
    with errors(debug=False):
        require_extra("moto.server", "local", "singletable local")
        if port:
            check_port_free(host, port)
        from singletable.local import LocalServer

        server = LocalServer(host=host, port=port, ttl_sweep_interval=ttl_sweep or None).start()
    console = Console(stderr=True)
    # The endpoint goes to stdout alone, so scripts can read it; the chatter goes to stderr.
    print(server.endpoint_url, flush=True)
    console.print(f"[green]local engine listening on {server.endpoint_url}[/] (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
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
