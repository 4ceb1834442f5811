"""A TableSpec read from the live table (its keys and indexes), for commands that get only a name."""

from __future__ import annotations

from typing import Any

from singletable.spec import IndexSpec, TableSpec


def live_spec(client: Any, name: str) -> TableSpec:
    """The table's key attributes, GSIs and TTL attribute as DescribeTable reports them."""
    desc = client.describe_table(TableName=name)["Table"]

    def keys(schema: list[dict[str, str]]) -> tuple[str, str | None]:
        hash_key = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
        range_key = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
        return hash_key, range_key

    pk, sk = keys(desc["KeySchema"])
    indexes = []
    for gsi in desc.get("GlobalSecondaryIndexes", []):
        h, r = keys(gsi["KeySchema"])
        proj = gsi.get("Projection", {})
        indexes.append(
            IndexSpec(
                gsi["IndexName"],
                h,
                r,
                proj.get("ProjectionType", "ALL"),
                tuple(proj.get("NonKeyAttributes", ())),
            )
        )
    ttl: str | None = None
    try:
        status = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if status.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            ttl = status.get("AttributeName")
    except Exception:  # an engine without TTL: none
        ttl = None
    return TableSpec(name=name, pk=pk, sk=sk or "SK", indexes=tuple(indexes), ttl_attribute=ttl)
