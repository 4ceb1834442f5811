"""``singletable local --data DIR``: the local engine keeps its tables across a restart (a clean stop, and
a kill -9 after a periodic snapshot)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from singletable import TableSpec, make_client
from singletable.local.snapshot import SNAPSHOT_FILE

pytestmark = pytest.mark.integration

SRC = Path(__file__).resolve().parents[2] / "src"
ITEMS = [
    {
        "PK": {"S": "PLANT#fern"},
        "SK": {"S": "CARE"},
        "water_ml": {"N": "250.50"},
        "tags": {"SS": ["shade", "humid"]},
    },
    {
        "PK": {"S": "PLANT#fern"},
        "SK": {"S": "PHOTO#1"},
        "jpeg": {"B": b"\xff\xd8\xff"},
        "GSI1PK": {"S": "PHOTO"},
    },
    {
        "PK": {"S": "PLANT#cactus"},
        "SK": {"S": "CARE"},
        "notes": {"L": [{"M": {"month": {"N": "7"}}}, {"NULL": True}]},
    },
]


def stored(client: Any, table: str) -> list[dict[str, Any]]:
    rows = client.scan(TableName=table, ConsistentRead=True)["Items"]
    for row in rows:
        if "tags" in row:
            row["tags"]["SS"].sort()
    return sorted(rows, key=lambda r: (r["PK"]["S"], r["SK"]["S"]))


def end(process: subprocess.Popen[str], sig: int) -> str:
    """Signal ``process`` and wait for it (killed if it does not end); its stderr."""
    process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return err


def start_cli(data: Path) -> tuple[subprocess.Popen[str], Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_"))}
    env["PYTHONPATH"] = str(SRC)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "singletable.cli",
            "local",
            "--port",
            "0",
            "--ttl-sweep",
            "0",
            "--data",
            str(data),
            "--snapshot-interval",
            "0.3",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    endpoint = process.stdout.readline().strip()
    assert endpoint.startswith("http://127.0.0.1:"), process.communicate(timeout=10)
    return process, make_client(endpoint_url=endpoint)


def check_restored(client: Any, before: list[dict[str, Any]], described: dict[str, Any]) -> None:
    assert sorted(client.list_tables()["TableNames"]) == ["garden", "provisioned"]
    assert stored(client, "garden") == before
    again = client.describe_table(TableName="garden")["Table"]
    for part in ("KeySchema", "AttributeDefinitions", "BillingModeSummary"):
        assert again[part] == described[part], part
    assert [g["IndexName"] for g in again["GlobalSecondaryIndexes"]] == ["GSI1"]
    ttl = client.describe_time_to_live(TableName="garden")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    provisioned = client.describe_table(TableName="provisioned")["Table"]["ProvisionedThroughput"]
    assert (provisioned["ReadCapacityUnits"], provisioned["WriteCapacityUnits"]) == (3, 2)
    gsi = client.query(
        TableName="garden",
        IndexName="GSI1",
        KeyConditionExpression="SK = :s",
        ExpressionAttributeValues={":s": {"S": "CARE"}},
    )["Items"]
    assert [i["PK"]["S"] for i in gsi] == sorted(i["PK"]["S"] for i in before if i["SK"]["S"] == "CARE")


def test_singletable_local_data_keeps_tables_across_kill_9_and_ctrl_c(tmp_path: Path) -> None:
    # Each engine is a process of its own: in one process every moto server shares one in-memory state.
    first, client = start_cli(tmp_path)
    try:
        TableSpec(name="garden", deletion_protection=False).create(client)
        client.create_table(
            TableName="provisioned",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
        )
        for item in ITEMS[:2]:
            client.put_item(TableName="garden", Item=item)
        before = stored(client, "garden")
        described = client.describe_table(TableName="garden")["Table"]
        snapshot = tmp_path / SNAPSHOT_FILE
        stop = time.monotonic() + 20
        while not (snapshot.exists() and "PHOTO#1" in snapshot.read_text()):
            assert time.monotonic() < stop, "no periodic snapshot"
            time.sleep(0.05)
    finally:
        end(first, signal.SIGKILL)  # a crash: only the periodic snapshot is left

    second, client = start_cli(tmp_path)
    try:
        check_restored(client, before, described)
        client.put_item(TableName="garden", Item=ITEMS[2])
        after = stored(client, "garden")
    finally:
        err = end(second, signal.SIGINT)  # Ctrl-C: the final snapshot holds the last write
    assert second.returncode == 0, err
    assert f"keeping the tables in {tmp_path} (2 items restored)" in " ".join(err.split())

    third, client = start_cli(tmp_path)
    try:
        check_restored(client, after, described)
        assert json.loads((tmp_path / SNAPSHOT_FILE).read_text())["version"] == 1
    finally:
        end(third, signal.SIGINT)
