"""DynamoDB's default throughput quotas, and the warnings a plan gets when a mode would exceed them.

Source: developer guide, "Service, account, and table quotas in Amazon DynamoDB", throughput default
quotas (checked 2024-11-01): per table 40,000 read and 40,000 write units (request units on demand,
capacity units provisioned); per account and region 80,000 read and 80,000 write capacity units
provisioned across all tables and indexes. All are adjustable through Service Quotas, not exceedable.
"""

from __future__ import annotations

TABLE_UNITS = 40_000
ACCOUNT_PROVISIONED_UNITS = 80_000
SOURCE = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html "
    "(throughput default quotas, checked 2024-11-01)"
)


def quota_warnings(mode: str, read: float, write: float, *, provisioned: bool) -> list[str]:
    """Warnings for a mode serving ``read``/``write`` units per second at its peak (on demand) or
    provisioning that much (provisioned): one per quota it exceeds."""
    out = []
    for what, units in (("read", read), ("write", write)):
        if units > TABLE_UNITS:
            kind = "capacity units provisioned" if provisioned else "request units per second at peak"
            out.append(
                f"{mode}: {units:,.0f} {what} {kind} exceed the default table quota of {TABLE_UNITS:,} — "
                f"ask for an increase in Service Quotas first, or the table throttles ({SOURCE})"
            )
        if provisioned and units > ACCOUNT_PROVISIONED_UNITS:
            out.append(
                f"{mode}: {units:,.0f} {what} capacity units exceed the default account quota of "
                f"{ACCOUNT_PROVISIONED_UNITS:,} per region for all tables together ({SOURCE})"
            )
    return out
