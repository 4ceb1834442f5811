"""``singletable ui``: the local web page (singletable.ui), in the foreground until Ctrl-C."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from singletable.cli.options import (
    AttemptsOpt,
    DebugOpt,
    EndpointOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    err_console,
    errors,
)
from singletable.errors import UiExtraMissingError

UI_PACKAGES = ("starlette", "jinja2", "uvicorn")


def require_ui() -> None:
    """Refuse in one line naming the extra when a web package of the page is missing."""
    for name in UI_PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UiExtraMissingError(
                f"singletable ui needs {name}, which is not installed ({exc})", field="ui"
            ) from None


def ui(
    app: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="Your Table (or a tuple of Entity classes) as module:attr, e.g. myapp.db:table, so items "
            "show as entities. Without it items show raw.",
            show_default=False,
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Allow editing and deleting items (read-only without it).")
    ] = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL only; do not open a browser.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 0,
    workload: Annotated[
        str | None,
        typer.Option("--workload", help="A cost planner workload file to plot on the Capacity page."),
    ] = None,
    sample: Annotated[
        int,
        typer.Option(
            "--sample", min=1, help="Items the overview scans to count entities (the whole table if smaller)."
        ),
    ] = 1000,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Browse the table as entities in a local web page (127.0.0.1, a token in the URL), until Ctrl-C.

    Example: singletable ui --endpoint-url http://127.0.0.1:8000 --app singletable.seed:ENTITIES
    """
    with errors(debug) as run:
        require_ui()
        from singletable.ui import create_app, open_table
        from singletable.ui.server import bind, page_url, serve_forever

        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        t = open_table(app=app, table=table, client=conn.client(), default_name=conn.table)
        asgi = create_app(t, write=write, workload=workload, sample=sample)
        sock = bind("127.0.0.1", port)
    url = page_url(sock, asgi.state.page.token)
    print(url, flush=True)  # stdout alone, for scripts; the rest to stderr
    err_console.print(
        f"singletable ui on table {t.name!r} ({'read-write' if write else 'read-only'}): {url} (Ctrl-C to stop)",
        markup=False,
    )
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        serve_forever(asgi, sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def register(app: typer.Typer) -> None:
    """Add ui."""
    app.command("ui")(ui)
