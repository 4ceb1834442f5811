"""A snapshot of the local engine's DynamoDB tables in a directory, so that a laptop workflow survives
a restart of ``singletable local --data DIR``.

moto keeps everything in memory. :class:`Snapshotter` writes every table (its definition: keys,
indexes, billing mode, TTL, deletion protection; and its items) to ``DIR/dynamodb.json`` at an interval
and once more on shutdown; :func:`restore` recreates them on start. The file is written whole to a
temporary name and renamed, so a crash mid-write leaves the previous snapshot intact; what changed
since the last snapshot is lost on a crash (not on a clean stop). Other services (IAM, KMS, ...) are
not kept.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("singletable")

SNAPSHOT_FILE = "dynamodb.json"
VERSION = 1


def _to_json(av: Any) -> Any:
    """An AttributeValue as boto3 returns it, with its bytes as base64 (JSON has no bytes)."""
    (tag, value), *_ = av.items()
    if tag == "B":
        return {"B": base64.b64encode(value).decode("ascii")}
    if tag == "BS":
        return {"BS": [base64.b64encode(v).decode("ascii") for v in value]}
    if tag == "M":
        return {"M": {k: _to_json(v) for k, v in value.items()}}
    if tag == "L":
        return {"L": [_to_json(v) for v in value]}
    return {tag: value}


def _from_json(av: Any) -> Any:
    (tag, value), *_ = av.items()
    if tag == "B":
        return {"B": base64.b64decode(value)}
    if tag == "BS":
        return {"BS": [base64.b64decode(v) for v in value]}
    if tag == "M":
        return {"M": {k: _from_json(v) for k, v in value.items()}}
    if tag == "L":
        return {"L": [_from_json(v) for v in value]}
    return {tag: value}


def _definition(client: Any, name: str) -> dict[str, Any]:
    """CreateTable's arguments for the table as it is now, and its TTL."""
    desc = client.describe_table(TableName=name)["Table"]
    mode = desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    params: dict[str, Any] = {
        "TableName": name,
        "KeySchema": desc["KeySchema"],
        "AttributeDefinitions": desc["AttributeDefinitions"],
        "BillingMode": mode,
    }

    def throughput(d: dict[str, Any]) -> dict[str, int]:
        t = d.get("ProvisionedThroughput", {})
        return {
            "ReadCapacityUnits": t.get("ReadCapacityUnits", 1),
            "WriteCapacityUnits": t.get("WriteCapacityUnits", 1),
        }

    if mode == "PROVISIONED":
        params["ProvisionedThroughput"] = throughput(desc)
    gsis = []
    for g in desc.get("GlobalSecondaryIndexes", []):
        gsi = {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
        if mode == "PROVISIONED":
            gsi["ProvisionedThroughput"] = throughput(g)
        gsis.append(gsi)
    if gsis:
        params["GlobalSecondaryIndexes"] = gsis
    lsis = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in desc.get("LocalSecondaryIndexes", [])
    ]
    if lsis:
        params["LocalSecondaryIndexes"] = lsis
    if desc.get("StreamSpecification", {}).get("StreamEnabled"):
        params["StreamSpecification"] = desc["StreamSpecification"]
    if desc.get("DeletionProtectionEnabled"):
        params["DeletionProtectionEnabled"] = True
    ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
    return {
        "create": params,
        "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None,
    }


def save(client: Any, directory: str | os.PathLike[str]) -> int:
    """Write every table of the engine to ``directory``/dynamodb.json (atomically); the number of tables."""
    tables = []
    for page in client.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            definition = _definition(client, name)
            items = [
                {k: _to_json(v) for k, v in item.items()}
                for scan in client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
                for item in scan["Items"]
            ]
            tables.append({**definition, "items": items})
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (SNAPSHOT_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"version": VERSION, "tables": tables}, fh, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / SNAPSHOT_FILE)
    return len(tables)


def restore(client: Any, directory: str | os.PathLike[str]) -> int:
    """Recreate the tables of ``directory``/dynamodb.json (if any) with their items; the number of items."""
    path = Path(directory) / SNAPSHOT_FILE
    if not path.exists():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != VERSION:
        raise ValueError(f"{path} is a snapshot of version {data.get('version')!r}, not {VERSION}")
    restored = 0
    for table in data["tables"]:
        name = table["create"]["TableName"]
        try:
            client.create_table(**table["create"])
        except client.exceptions.ResourceInUseException:
            # moto's state is per process: a server restarted in the same process still has the table.
            log.info("local engine restore: table %s exists, kept as it is", name)
            continue
        if table.get("ttl"):
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl"]}
            )
        items = table["items"]
        for start in range(0, len(items), 25):
            pending = [
                {"PutRequest": {"Item": {k: _from_json(v) for k, v in item.items()}}}
                for item in items[start : start + 25]
            ]
            while pending:
                resp = client.batch_write_item(RequestItems={name: pending})
                pending = resp.get("UnprocessedItems", {}).get(name, [])
        restored += len(items)
    return restored


class Snapshotter:
    """Saves the engine's tables every ``interval`` seconds (None: only when stopped) and on ``stop()``."""

    def __init__(self, client: Any, directory: str | os.PathLike[str], interval: float | None = 30.0) -> None:
        self.client = client
        self.directory = Path(directory)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def save(self) -> None:
        with self._lock:  # the interval's save and the final one never interleave
            save(self.client, self.directory)

    def start(self) -> Snapshotter:
        if self.interval:
            self._thread = threading.Thread(target=self._run, name="Snapshotter", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        assert self.interval is not None
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except Exception:  # a failed snapshot must not end the engine: the next one may succeed
                log.exception("local engine snapshot to %s failed", self.directory)

    def stop(self, *, final: bool = True) -> None:
        """Stop the interval and (``final``) write the last snapshot."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if final:
            self.save()
