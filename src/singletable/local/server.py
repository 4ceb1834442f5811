"""The local engine as a real HTTP server on loopback: moto, completed where Terraform needs it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from singletable.client import make_client
from singletable.local import gaps
from singletable.local.snapshot import Snapshotter, restore
from singletable.local.ttl import TTLSweeper
from singletable.local.wsgi import MotoWSGIServer


class LocalServer:
    """moto's app on ``host:port`` (port 0 picks a free one), with a TTL sweeper.

    Served by waitress (:class:`~singletable.local.wsgi.MotoWSGIServer`): connections are kept alive
    between requests, as DynamoDB's are.

    One port serves DynamoDB, application-autoscaling, IAM, KMS and STS, which is what Terraform's
    aws provider needs to apply the module.

    With ``data_dir`` the DynamoDB tables survive a restart: restored from the directory on start,
    saved to it every ``snapshot_interval`` seconds and on stop (see :mod:`singletable.local.snapshot`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        ttl_sweep_interval: float | None = 2.0,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        snapshot_interval: float | None = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.snapshot_interval = snapshot_interval
        self.restored = 0
        self._ttl_interval = ttl_sweep_interval
        self._server: MotoWSGIServer | None = None
        self._sweeper: TTLSweeper | None = None
        self._snapshotter: Snapshotter | None = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalServer is not started: call start() or use it as a context manager")
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalServer:
        os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        gaps.install()
        if self.data_dir is not None:
            # Restored before the port opens: no client may see the tables missing or half restored.
            with _private_client() as private:
                self.restored = restore(private, self.data_dir)
        self._server = MotoWSGIServer(self.host, self.port).start()
        self.port = self._server.port
        if self.data_dir is not None:
            client = make_client(endpoint_url=self.endpoint_url)
            self._snapshotter = Snapshotter(client, self.data_dir, self.snapshot_interval).start()
        if self._ttl_interval:
            self._sweeper = TTLSweeper(make_client(endpoint_url=self.endpoint_url), self._ttl_interval)
            self._sweeper.start()
        return self

    def stop(self) -> None:
        snapshotter, self._snapshotter = self._snapshotter, None
        if snapshotter is not None:
            snapshotter.stop(final=False)
        if self._sweeper is not None:
            self._sweeper.stop()
            self._sweeper = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if snapshotter is not None:
            self._final_snapshot(snapshotter)

    def _final_snapshot(self, snapshotter: Snapshotter) -> None:
        """The last snapshot, taken once no client can write any more (a write acknowledged while it is
        being taken could otherwise be missing from it)."""
        with _private_client() as private:
            snapshotter.client = private
            snapshotter.save()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def _private_client() -> Iterator[Any]:
    """A client of this process's moto state through a private server on a free loopback port: moto's
    state belongs to the process, so it reads and writes what the public server serves."""
    private = MotoWSGIServer("127.0.0.1", 0, threads=2).start()
    try:
        yield make_client(endpoint_url=f"http://127.0.0.1:{private.port}")
    finally:
        private.stop()
