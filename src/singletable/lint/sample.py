"""Item sizes sampled from a live table: the mean stored size of each entity among the first items a
Scan returns, for the lint and the planner (``--sample N``). Costs the Scan's read units."""

from __future__ import annotations

import math
from typing import Any

from singletable.codec import deserialize, item_size
from singletable.errors import ValidationError
from singletable.schema import Schema


def sample_item_sizes(schema: Schema, client: Any, limit: int = 1000) -> dict[str, int]:
    """Mean bytes of each entity's items (by its class name) among up to ``limit`` items of the table."""
    if client is None:
        raise ValidationError(
            "sampling item sizes needs a table with a client",
            field="sample",
            hint="pass --app module:table naming a Table connected to the endpoint, or declare sizes instead",
        )
    totals: dict[str, list[int]] = {}
    request: dict[str, Any] = {"TableName": schema.name, "Limit": min(limit, 1000)}
    seen = 0
    while seen < limit:
        page = client.scan(**request)
        for raw in page.get("Items", []):
            seen += 1
            found = schema.recognise(deserialize(raw))
            if not isinstance(found, dict):
                totals.setdefault(type(found).__name__, []).append(item_size(raw))
        last = page.get("LastEvaluatedKey")
        if not last:
            break
        request["ExclusiveStartKey"] = last
    return {name: math.ceil(sum(sizes) / len(sizes)) for name, sizes in totals.items()}
