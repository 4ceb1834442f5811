"""What the local helpers that run a child process (dynalite, the proxy process) share."""

from __future__ import annotations

import contextlib
import subprocess
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
