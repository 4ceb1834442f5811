"""Two gaps of moto 5.2.5 that the transaction and locking proofs need filled, and tests that they are.

1. moto does not serialise requests: two threads' conditional writes can both pass their condition and
   both write (8 threads x 500 optimistic increments ended at 339 with 500 "successes"). DynamoDB makes
   each single-item write atomic. singletable.local.gaps serialises moto's DynamoDB handler with a lock.
2. moto ignores ``ClientRequestToken``: a TransactWriteItems retried after its answer was lost is
   applied again. DynamoDB answers a repeat of an applied token (within 10 minutes) with success and
   no change, and a reuse with other parameters with ``IdempotentParameterMismatchException``.

``singletable.local.gaps`` fills both in moto's handler class, so they hold for moto in-process and
moto's HTTP server alike; these tests prove it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from singletable import Table
from singletable.local import gaps

GapStats = gaps.TokenStats


@contextlib.contextmanager
def moto_engine_gaps() -> Iterator[GapStats]:
    """The engine fills both gaps itself (singletable.local.gaps); this only zeroes the token counters."""
    gaps.install()
    gaps.token_stats.reset()
    yield gaps.token_stats


def _order_put(table: Table, order_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table.name,
            "Item": {"PK": {"S": f"ORDER#{order_id}"}, "SK": {"S": "METADATA"}, "total": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def test_a_repeated_token_is_applied_once(table: Table) -> None:
    with moto_engine_gaps() as stats:
        items = [_order_put(table, "1")]
        table.client.transact_write_items(TransactItems=items, ClientRequestToken="t-1")
        # The same call again (a retry after a lost answer): success, nothing applied twice.
        table.client.transact_write_items(TransactItems=items, ClientRequestToken="t-1")
        assert (stats.applied, stats.replayed) == (1, 1)
        with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
            table.client.transact_write_items(
                TransactItems=[_order_put(table, "2")], ClientRequestToken="t-1"
            )
        # A new token is a new transaction: the create-only put now fails.
        with pytest.raises(ClientError, match="ConditionalCheckFailed"):
            table.client.transact_write_items(TransactItems=items, ClientRequestToken="t-2")
    assert table.get_item("ORDER#1", "METADATA") is not None
