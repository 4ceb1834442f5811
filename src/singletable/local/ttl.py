"""TTL sweeping: moto never deletes expired items, so the local engine does it itself.

The sweep goes through the public API (Scan + conditional DeleteItem), so it works on any engine and
never removes an item whose TTL was pushed into the future between the scan and the delete. Its deletes
carry a header (``stream_gaps.TTL_HEADER``) by which our engine gives their stream records DynamoDB's TTL
``userIdentity``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from botocore.exceptions import ClientError

from singletable.local.stream_gaps import TTL_HEADER

_sweeping = threading.local()


def _mark_ttl_delete(request: Any, **_: Any) -> None:
    if getattr(_sweeping, "active", False):
        request.headers[TTL_HEADER] = "1"


def sweep_expired(client: Any, now: float | None = None) -> int:
    """Delete every item whose TTL attribute lies in the past, in every TTL-enabled table.

    Returns the number of items deleted.
    """
    client.meta.events.register(
        "before-sign.dynamodb.DeleteItem", _mark_ttl_delete, unique_id="singletable-ttl-sweep"
    )
    _sweeping.active = True
    try:
        return _sweep(client, int(time.time() if now is None else now))
    finally:
        _sweeping.active = False


def _sweep(client: Any, now_s: int) -> int:
    deleted = 0
    for name in _table_names(client):
        ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        attr = ttl.get("AttributeName")
        if ttl.get("TimeToLiveStatus") != "ENABLED" or not attr:
            continue
        schema = client.describe_table(TableName=name)["Table"]["KeySchema"]
        key_names = [k["AttributeName"] for k in schema]
        kwargs: dict[str, Any] = {
            "TableName": name,
            "FilterExpression": "#t < :now",
            "ExpressionAttributeNames": {"#t": attr},
            "ExpressionAttributeValues": {":now": {"N": str(now_s)}},
        }
        while True:
            page = client.scan(**kwargs)
            for item in page.get("Items", []):
                try:
                    client.delete_item(
                        TableName=name,
                        Key={k: item[k] for k in key_names},
                        ConditionExpression="#t < :now",
                        ExpressionAttributeNames={"#t": attr},
                        ExpressionAttributeValues={":now": {"N": str(now_s)}},
                    )
                    deleted += 1
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return deleted


def _table_names(client: Any) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = client.list_tables(**kwargs)
        names.extend(page.get("TableNames", []))
        if "LastEvaluatedTableName" not in page:
            return names
        kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]


class TTLSweeper:
    """Runs :func:`sweep_expired` every ``interval`` seconds on a daemon thread."""

    def __init__(self, client: Any, interval: float = 5.0) -> None:
        self._client = client
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="singletable-ttl", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                sweep_expired(self._client)
            except Exception:
                continue
