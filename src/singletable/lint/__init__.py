"""Design lint: hot partitions found from the entity and index declarations, before any traffic.

    from singletable.lint import lint
    report = lint(table.schema)
    for finding in report.findings:
        print(finding.code, finding.message, finding.fix)

``singletable lint [--app module:table]`` prints the same (``-o json`` for the data).
"""

from __future__ import annotations

from singletable.lint.findings import (
    RCU_PER_PARTITION,
    WCU_PER_PARTITION,
    Finding,
    LintReport,
    Placement,
)
from singletable.lint.rules import gsi1_mode, lint
from singletable.lint.sizing import estimate_item_size, estimate_projected_size

__all__ = [
    "RCU_PER_PARTITION",
    "WCU_PER_PARTITION",
    "Finding",
    "LintReport",
    "Placement",
    "estimate_item_size",
    "estimate_projected_size",
    "gsi1_mode",
    "lint",
]
