"""``singletable ui``: a local web page showing single-table data the way the code sees it (entities,
key templates, access patterns, capacity), served on 127.0.0.1 behind a random token.

Needs the ``ui`` extra (starlette, jinja2, uvicorn)::

    from singletable.ui import create_app, UiServer
    with UiServer(create_app(table)) as server:
        print(server.url)
"""

from singletable.ui.app import create_app
from singletable.ui.loading import load_app, open_table
from singletable.ui.server import UiServer

__all__ = ["UiServer", "create_app", "load_app", "open_table"]
