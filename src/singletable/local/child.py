"""What the local helpers that run a child process (dynalite, the proxy process) share."""

from __future__ import annotations

import subprocess
from types import TracebackType
from typing import Any, Self


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
