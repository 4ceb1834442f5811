"""dynalite (npm) as a second, independent local engine, run as a Node subprocess on loopback.

dynalite implements DynamoDB on LevelDB/in-memory storage with its own validation and, unlike moto,
DynamoDB's size rules for consumed capacity and the 25-item batch limit. It lacks transactions, TTL
(``UpdateTimeToLive``), streams and PartiQL. Install it with ``scripts/install-dynalite.sh``, which puts
it in ``<repo>/.dynalite/``; ``find_dynalite()`` then finds it, or returns None so that tests can skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import IO

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
        self._launch_with = (node, cli)
        error = self.launch("dynalite-")
        if error is not None:
            raise RuntimeError(f"dynalite did not start: {error}")
        return self

    def spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        node, cli = self._launch_with
        command = [node, str(cli), "--host", self.host, "--port", str(self.port), *self._options]
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)

    def ready(self, url: str) -> bool:
        """dynalite answers its health check with 200."""
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False
