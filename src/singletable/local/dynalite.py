"""dynalite (npm) as a second, independent local engine, run as a Node subprocess on loopback.

dynalite implements DynamoDB on LevelDB/in-memory storage with its own validation and, unlike moto,
DynamoDB's size rules for consumed capacity and the 25-item batch limit. It lacks transactions, TTL
(``UpdateTimeToLive``), streams and PartiQL. Install it with ``scripts/install-dynalite.sh``, which puts
it in ``<repo>/.dynalite/``; ``find_dynalite()`` then finds it, or returns None so that tests can skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from singletable.local.child import EngineProcess

__all__ = ["DYNALITE_DIR_ENV", "DynaliteNotInstalled", "DynaliteServer", "find_dynalite", "find_node"]

#: Environment variable naming the install folder (the one holding ``node_modules``) or ``cli.js``.
DYNALITE_DIR_ENV = "SINGLETABLE_DYNALITE_DIR"
_CLI = Path("node_modules") / "dynalite" / "cli.js"
_INSTALL_HINT = "run scripts/install-dynalite.sh (needs node and npm) or set " + DYNALITE_DIR_ENV


class DynaliteNotInstalled(RuntimeError):
    """dynalite or node was not found."""


def find_node() -> str | None:
    """The ``node`` executable on PATH, or None."""
    return shutil.which("node")


def _candidates(extra: Iterable[Path]) -> Iterable[Path]:
    env = os.environ.get(DYNALITE_DIR_ENV)
    if env:
        path = Path(env)
        yield path if path.name == "cli.js" else path / _CLI
    yield from (Path(p) / _CLI for p in extra)
    seen: set[Path] = set()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if folder not in seen:
                seen.add(folder)
                yield folder / ".dynalite" / _CLI


def find_dynalite(search: Iterable[str | Path] = ()) -> Path | None:
    """The path of dynalite's ``cli.js``, or None when dynalite (or node) is not installed.

    Looks in ``$SINGLETABLE_DYNALITE_DIR``, then in each folder of ``search``, then in a ``.dynalite``
    folder in the current directory, the package's folder or any of their parents.
    """
    if find_node() is None:
        return None
    for cli in _candidates(Path(p) for p in search):
        if cli.is_file():
            return cli.resolve()
    return None


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class DynaliteServer(EngineProcess):
    """dynalite on ``host:port`` (port 0 picks a free one), in memory, for the life of the object.

    Tables become ACTIVE at once (``create_table_ms`` etc. default to 0 rather than dynalite's 500).
    """

    def __init__(
        self,
        cli: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        node: str | None = None,
        startup_timeout: float = 20.0,
        create_table_ms: int = 0,
        delete_table_ms: int = 0,
        update_table_ms: int = 0,
        max_item_size_kb: int = 400,
    ) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"DynaliteServer listens on loopback only, got {host!r}")
        self.cli = Path(cli) if cli is not None else None
        self.host = host
        self.port = port
        self.node = node
        self.startup_timeout = startup_timeout
        self._options = [
            "--createTableMs",
            str(create_table_ms),
            "--deleteTableMs",
            str(delete_table_ms),
            "--updateTableMs",
            str(update_table_ms),
            "--maxItemSizeKb",
            str(max_item_size_kb),
        ]

    @property
    def endpoint_url(self) -> str:
        if self._process is None:
            raise RuntimeError("DynaliteServer is not started: call start() or use it as a context manager")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> DynaliteServer:
        if self._process is not None:
            return self
        cli = self.cli or find_dynalite()
        node = self.node or find_node()
        if cli is None or node is None or not Path(cli).is_file():
            raise DynaliteNotInstalled(f"dynalite not found: {_INSTALL_HINT}")
        wanted = self.port
        last_error = ""
        for _ in range(3):  # a port picked free can be taken before node binds it: try another
            self.port = wanted or _free_port(self.host)
            self._log = tempfile.TemporaryFile(prefix="dynalite-")  # noqa: SIM115 - closed in stop()
            command = [node, str(cli), "--host", self.host, "--port", str(self.port), *self._options]
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log
            )
            error = self._wait_ready()
            if error is None:
                return self
            last_error = error
            self.stop()
            if wanted or "EADDRINUSE" not in error:
                break
        raise RuntimeError(f"dynalite did not start: {last_error}")

    def _wait_ready(self) -> str | None:
        """None once dynalite answers its health check, else what went wrong."""
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.endpoint_url}/"
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                return f"exited with code {code}: {self.log_tail()}"
            try:
                with urllib.request.urlopen(url, timeout=1.0) as response:
                    if response.status == 200:
                        return None
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        return f"no answer on {url} within {self.startup_timeout} s: {self.log_tail()}"
