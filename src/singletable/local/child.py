"""What the local helpers that run a child process (dynalite, the proxy process) share."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import IO, Any, Self


class ChildProcess:
    """``with`` support and orphan protection for a helper whose ``start()`` spawns ``self._process``."""

    _process: subprocess.Popen[Any] | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        # A forgotten child must not outlive the interpreter's objects as an orphan process.
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.kill()


class EngineProcess(ChildProcess):
    """A local engine run as a child process whose output goes to a temporary log file (dynalite,
    DynamoDB Local): stopping it, and the end of its log for error messages."""

    _process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    #: Seconds a terminated engine gets to exit before it is killed.
    stop_timeout: float = 5.0
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 30.0
    #: What the engine's log says when its port was taken: ``launch`` then tries another free port.
    port_taken: str = "EADDRINUSE"
    #: Where a free port is looked for: the engine's host, or "" for an engine that binds every interface.
    bind_host: str | None = None

    @property
    def endpoint_url(self) -> str:
        raise NotImplementedError

    def spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        """The engine started on ``self.port``, writing to ``log``."""
        raise NotImplementedError

    def ready(self, url: str) -> bool:
        """Whether the engine answers ``url`` (any HTTP answer: engines want signed requests)."""
        try:
            with urllib.request.urlopen(url, timeout=1.0):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    def launch(self, log_prefix: str) -> str | None:
        """Start the engine and wait until it answers: None, or what went wrong. With port 0 a free port
        is picked, and another one up to twice if the engine found it taken (it can be taken between
        the pick and the engine's bind)."""
        wanted = self.port
        last_error = ""
        for _ in range(3):
            self.port = wanted or free_port(self.host if self.bind_host is None else self.bind_host)
            self._log = tempfile.TemporaryFile(prefix=log_prefix)  # noqa: SIM115 - closed in stop()
            self._process = self.spawn(self._log)
            error = self._wait_ready()
            if error is None:
                return None
            last_error = error
            self.stop()
            if wanted or self.port_taken not in error:
                break
        return last_error

    def _wait_ready(self) -> str | None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.endpoint_url}/"
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                return f"exited with code {code}: {self.log_tail()}"
            if self.ready(url):
                return None
            time.sleep(0.05)
        return f"no answer on {url} within {self.startup_timeout} s: {self.log_tail()}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def log_tail(self) -> str:
        """The last 2,000 bytes the engine wrote (what a failed start reports)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read()[-2000:].decode(errors="replace").strip()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None


def free_port(host: str) -> int:
    """A port free on ``host`` ("" for every interface) at the time of asking."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
