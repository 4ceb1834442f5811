"""TableSpec: create the module's table and report drift clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from singletable import Drift, IndexSpec, TableMismatchError, TableSpec, ValidationError
from singletable.local import InProcessEngine
from singletable.spec import GSI1


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


def test_from_terraform_reads_the_modules_table_spec_output(tmp_path: Path) -> None:
    """The module's defaults (terraform/tests/table_spec.tftest.hcl pins the output's shape) are the spec's."""
    value = {
        "name": "my-app-main-table",
        "partition_key": "PK",
        "sort_key": "SK",
        "indexes": [
            {
                "name": "GSI1",
                "hash_key": "SK",
                "range_key": "PK",
                "projection_type": "ALL",
                "non_key_attributes": [],
            },
            {
                "name": "GSI2",
                "hash_key": "GSI2PK",
                "range_key": None,
                "projection_type": "INCLUDE",
                "non_key_attributes": ["a"],
            },
        ],
        "ttl_attribute": "expires_at",
        "billing_mode": "PAY_PER_REQUEST",
        "read_capacity": None,
        "write_capacity": None,
        "point_in_time_recovery": True,
        "encryption": True,
        "kms_key_arn": None,
        "deletion_protection": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "tags": {"team": "x"},
    }
    outputs = {
        "table_spec": {"sensitive": False, "value": value},
        "table_name": {"value": "my-app-main-table"},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    spec = TableSpec.from_terraform(path)
    assert spec == TableSpec.from_terraform(outputs)
    assert spec == TableSpec(
        indexes=(GSI1, IndexSpec("GSI2", "GSI2PK", None, "INCLUDE", ("a",))),
        stream_view_type="NEW_AND_OLD_IMAGES",
        tags={"team": "x"},
    )
    with pytest.raises(ValidationError, match="no 'table_spec' object") as err:
        TableSpec.from_terraform({"table_name": {"value": "t"}})
    assert "module.<name>.table_spec" in (err.value.hint or "")
    with pytest.raises(ValidationError, match="lacks 'sort_key'"):
        TableSpec.from_terraform(
            {"table_spec": {"value": {k: v for k, v in value.items() if k != "sort_key"}}}
        )
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(ValidationError, match="no JSON object"):
        TableSpec.from_terraform(tmp_path / "bad.json")
