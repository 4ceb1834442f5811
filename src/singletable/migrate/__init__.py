"""Migrations and backfills that never lose a write: numbered migration modules, a ledger and lock in
the table, built-in backfills over a paced, checkpointed parallel scan, and read-time upgrades.

    from singletable.migrate import Migrator
    Migrator(table, "migrations").up(segments=4, wcu_per_second=200)
"""

from singletable.migrate.backfills import (
    AddDefault,
    Backfill,
    Change,
    DropEntity,
    IndexKeys,
    Rekey,
    Transform,
)
from singletable.migrate.ledger import LEDGER_PK, RESERVED_PREFIX, Ledger, RunRecord
from singletable.migrate.pacing import Pacer, TokenBucket
from singletable.migrate.runner import Migrator, Progress, RunReport, StatusLine, VerifyReport
from singletable.migrate.source import Context, Migration, load
from singletable.migrate.upgrade import Upgrade

__all__ = [
    "LEDGER_PK",
    "RESERVED_PREFIX",
    "AddDefault",
    "Backfill",
    "Change",
    "Context",
    "DropEntity",
    "IndexKeys",
    "Ledger",
    "Migration",
    "Migrator",
    "Pacer",
    "Progress",
    "Rekey",
    "RunRecord",
    "RunReport",
    "StatusLine",
    "TokenBucket",
    "Transform",
    "Upgrade",
    "VerifyReport",
    "load",
]
