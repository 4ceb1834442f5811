"""moto's WSGI app served by waitress in a thread: HTTP/1.1 keep-alive, a bounded pool of workers.

moto's own ``ThreadedMotoServer`` runs werkzeug's development server, which answers every request with
``Connection: close``: each client call then pays a new TCP connection (for a sync query of 25 items
about a fifth of its CPU, more for asyncio's ``open_connection``). waitress keeps connections open
between requests (it closes one idle for ``idle_timeout`` seconds, as servers do: clients must expect
a pooled connection to go stale), reads and writes on one asyncore loop thread and runs the app on
``threads`` workers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["MotoWSGIServer"]

#: Workers running moto's app. Every DynamoDB call takes the engine's one lock (local.gaps), so more
#: workers do not add throughput; 8 cover the concurrent clients of the tests and tools (bulk loaders
#: and migrations run 4-8 threads) so that no request waits for a worker while another one waits for
#: the lock, and IAM/STS/KMS calls of Terraform's parallel walk do not queue behind a long scan.
THREADS = 8
#: Open connections accepted at once (the fault proxy alone may hold 128 upstream ones).
CONNECTION_LIMIT = 1000
#: Seconds an idle kept-alive connection stays open (waitress's default).
IDLE_TIMEOUT = 120
#: Bytes buffered before a worker sends: waitress's default (1) sends the head and the body of every
#: answer in two segments, so each client wakes twice per answer; buffered, the loop sends the whole
#: answer in one write once the worker is done.
SEND_BYTES = 1 << 18


class MotoWSGIServer:
    """moto's app (``DomainDispatcherApplication(create_backend_app)``, as moto's server builds it) on
    ``host:port`` (0: a free port). ``start()`` returns once listening; ``stop()`` closes the listening
    socket and every connection, idle or not, and joins the threads."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = THREADS,
        idle_timeout: int = IDLE_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.threads = threads
        self.idle_timeout = idle_timeout
        self._server: Any = None
        self._map: dict[int, Any] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> MotoWSGIServer:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from waitress.server import create_server

        # "Task queue depth is N": every worker busy is normal under a loader's load.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        app = DomainDispatcherApplication(create_backend_app)
        self._map = {}
        self._server = create_server(
            app,
            map=self._map,
            host=self.host,
            port=self.port,
            threads=self.threads,
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=self.idle_timeout,
            cleanup_interval=max(1, min(30, self.idle_timeout // 2)),
            asyncore_use_poll=True,  # select() stops at 1024 descriptors
            ident="singletable-local",
            clear_untrusted_proxy_headers=False,  # no proxy-header middleware: moto reads none
            log_socket_errors=False,  # a client that hangs up mid-answer is no error of the engine's
        )
        # Set on the adjustments rather than passed (the argument is deprecated; the setting is read).
        self._server.adj.send_bytes = SEND_BYTES
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="singletable-local", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        # Closed on the loop's own thread (the loop ends when nothing is left in its map).
        server.trigger.pull_trigger(lambda: _close_all(server, self._map))
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        server.task_dispatcher.shutdown(timeout=5)


def _close_all(server: Any, channels: dict[int, Any]) -> None:
    """Every channel of the loop's map: the connections, then the trigger and the listening socket."""
    for channel in list(channels.values()):
        if channel is not server and channel is not server.trigger:
            channel.handle_close()
    server.close()
