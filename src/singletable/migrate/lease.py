"""The migration lock a run holds: taken (or waited for) in the ledger, renewed by a heartbeat thread;
a lost lease stops the run's segments."""

from __future__ import annotations

import logging
import threading
import time

from singletable.errors import MigrationLockedError
from singletable.migrate.ledger import Ledger

log = logging.getLogger("singletable")


class Lease:
    """The lock held for a run, renewed by a heartbeat thread; a lost lease stops the run's segments
    (``stop``, set by whoever runs them) and is kept in ``error``."""

    def __init__(self, ledger: Ledger, owner: str, lease_seconds: float) -> None:
        self.ledger, self.owner, self.lease_seconds = ledger, owner, lease_seconds
        self.stop: threading.Event | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="migrate-lease", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        if self.error is None:
            self.ledger.release(self.owner)

    def _beat(self) -> None:
        while not self._done.wait(self.lease_seconds / 3):
            try:
                self.ledger.renew(self.owner, self.lease_seconds)
            except Exception as exc:
                self.error = exc
                if self.stop is not None:
                    self.stop.set()
                return


def take_lock(
    ledger: Ledger, owner: str, lease_seconds: float, *, wait: bool, wait_seconds: float, purpose: str
) -> Lease:
    """The lock for ``owner`` (MigrationLockedError if another holds it, unless ``wait``: then until it is
    free or ``wait_seconds`` are up); enter the returned lease to keep it renewed."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            ledger.acquire(owner, lease_seconds, purpose)
            return Lease(ledger, owner, lease_seconds)
        except MigrationLockedError as exc:
            if not wait or time.monotonic() >= deadline:
                raise
            pause = min(max(0.2, exc.expires_at - time.time()), lease_seconds / 3, 5.0)
            log.info("migration lock held by %s; waiting %.1f s", exc.owner, pause)
            time.sleep(pause)
