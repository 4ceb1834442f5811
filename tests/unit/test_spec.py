"""TableSpec: create the module's table and report drift clearly."""

from __future__ import annotations

from singletable import Drift, IndexSpec, TableMismatchError, TableSpec
from singletable.local import InProcessEngine


def test_created_table_matches_spec(singletable_inprocess: InProcessEngine) -> None:
    client = singletable_inprocess.client()
    spec = TableSpec()
    spec.create(client)
    assert spec.verify(client, strict=True) == []
    desc = client.describe_table(TableName="my-app-main-table")["Table"]
    gsi = desc["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "GSI1"
    assert gsi["KeySchema"] == [
        {"AttributeName": "SK", "KeyType": "HASH"},
        {"AttributeName": "PK", "KeyType": "RANGE"},
    ]
    assert desc["DeletionProtectionEnabled"] is True


def test_drift_is_reported_with_the_fix(singletable_inprocess: InProcessEngine) -> None:
    client = singletable_inprocess.client()
    TableSpec(
        name="drifty", ttl_attribute=None, point_in_time_recovery=False, deletion_protection=False
    ).create(client)
    want = TableSpec(
        name="drifty", indexes=(IndexSpec("GSI1", "SK", "PK"), IndexSpec("GSI2", "GSI2PK", "GSI2SK"))
    )
    drifts = want.verify(client, strict=True)
    whats = {d.what for d in drifts}
    assert whats == {"index GSI2", "TTL", "point-in-time recovery", "deletion protection"}
    ttl = next(d for d in drifts if d.what == "TTL")
    assert isinstance(ttl, Drift) and "enable TTL on attribute 'expires_at'" in str(ttl)
    try:
        want.raise_for_drift(client)
    except TableMismatchError as exc:
        assert "index GSI2" in str(exc) and len(exc.drifts) == 2
    else:
        raise AssertionError("drift not raised")
    # exist_ok re-checks an existing table instead of failing on it.
    TableSpec(name="drifty", ttl_attribute=None).create(client, exist_ok=True)
