"""What the library does on an engine lacking a table setting (CAPABILITIES in singletable.local.engines):
PITR asked of DynamoDB Local or dynalite is refused with ST773 before anything is created."""

from __future__ import annotations

import uuid

import pytest
from typer.testing import CliRunner

from singletable import TableSpec, make_client
from singletable.cli.app import app
from singletable.errors import EngineFeatureMissingError
from singletable.local.engines import CAPABILITIES, FEATURES, engine_features, engine_supports
from singletable.testing import EngineRef, drop_table


def test_capabilities_table_is_the_one_source() -> None:
    assert CAPABILITIES["moto"] == frozenset(FEATURES)
    assert engine_features("dynamodb-local") == {
        "pitr",
        "encryption",
        "stream_latest_iterator",
        "ttl_deletion_records",
    }
    assert engine_features("dynalite") == set(FEATURES)
    assert not engine_supports("dynalite", "transactions")
    with pytest.raises(ValueError, match="unknown engine feature"):
        engine_supports("moto", "backups")  # type: ignore[arg-type]


@pytest.mark.singletable_engines("dynamodb-local", "dynalite")
def test_pitr_on_an_engine_without_it_is_st773_and_creates_nothing(singletable_engine: EngineRef) -> None:
    client = make_client(endpoint_url=singletable_engine.endpoint_url)
    name = f"pitr-{uuid.uuid4().hex[:8]}"
    with pytest.raises(EngineFeatureMissingError) as err:
        TableSpec(name=name, deletion_protection=False).create(client)
    assert err.value.code == "ST773" and err.value.field == "point_in_time_recovery"
    assert (
        f"the engine at {singletable_engine.endpoint_url} does not implement point-in-time recovery"
        in str(err.value)
    )
    assert name not in client.list_tables()["TableNames"]


@pytest.mark.singletable_engines("dynamodb-local")
def test_cli_table_create_says_pass_no_pitr_and_verify_reads_pitr_off(singletable_engine: EngineRef) -> None:
    name = f"pitr-{uuid.uuid4().hex[:8]}"
    args = ["table", "create", "--table", name, "--endpoint-url", singletable_engine.endpoint_url]
    refused = CliRunner().invoke(app, [*args, "--no-deletion-protection"])
    assert refused.exit_code != 0
    assert "[ST773]" in refused.stderr and "--no-pitr" in refused.stderr
    made = CliRunner().invoke(app, [*args, "--no-deletion-protection", "--no-pitr", "--no-encryption"])
    assert made.exit_code == 0, made.output
    client = make_client(endpoint_url=singletable_engine.endpoint_url)
    spec = TableSpec(name=name, point_in_time_recovery=False, encryption=False, deletion_protection=False)
    try:
        # DescribeContinuousBackups is unknown to the engine: read as "no PITR", so no drift.
        assert spec.verify(client, strict=True) == []
        drifts = TableSpec(name=name, encryption=False, deletion_protection=False).verify(client, strict=True)
        assert [d.what for d in drifts] == ["point-in-time recovery"]
    finally:
        drop_table(singletable_engine.name, spec, client)


@pytest.mark.singletable_engines("dynalite")
def test_ttl_on_dynalite_is_st773(singletable_engine: EngineRef) -> None:
    client = make_client(endpoint_url=singletable_engine.endpoint_url)
    spec = TableSpec(
        name=f"ttl-{uuid.uuid4().hex[:8]}", point_in_time_recovery=False, deletion_protection=False
    )
    try:
        with pytest.raises(EngineFeatureMissingError) as err:
            spec.create(client)
        assert err.value.field == "ttl_attribute" and "UpdateTimeToLive" in str(err.value)
    finally:
        drop_table("dynalite", spec, client)
