"""A conditional put whose first attempt applied and whose answer was lost (a reset after the engine
wrote) is retried by botocore and then fails its own condition. It must not report a write that happened
as failed; a genuine duplicate must still fail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from singletable import ConditionFailedError, Entity, Table
from singletable.local import LocalServer
from singletable.local.faults import FaultProxy
from tests.integration.fault_support import table_behind_proxy

pytestmark = pytest.mark.integration


class Account(Entity):
    __pk__ = "ACCOUNT#{login}"
    __sk__ = "PROFILE"
    login: str
    stars: int = 0


class Counter(Entity):
    __pk__ = "COUNTER#{name}"
    __sk__ = "COUNTER"
    __version_field__ = "version"
    name: str
    value: int = 0
    version: int = 0


@pytest.fixture
def proxy(singletable_server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_server.endpoint_url, seed=11) as p:
        yield p


@pytest.fixture
def table(singletable_server: LocalServer, proxy: FaultProxy) -> Iterator[Table]:
    with table_behind_proxy(singletable_server, proxy, [Account, Counter], max_attempts=4) as t:
        yield t


def lose_first_answer(table: Table, proxy: FaultProxy) -> list[int]:
    """Reset the connection after the engine applied the first PutItem; let the retry through."""
    attempts: list[int] = []

    def on_attempt(**_: Any) -> None:
        attempts.append(1)
        if len(attempts) == 2:
            proxy.set_rates(reset_after=0.0)

    table.client.meta.events.register("request-created.dynamodb.PutItem", on_attempt)
    proxy.set_rates(reset_after=1.0)
    return attempts


def test_create_only_put_applied_then_lost_is_done(table: Table, proxy: FaultProxy) -> None:
    attempts = lose_first_answer(table, proxy)
    saved = table.put(Account(login="ann", stars=3), create_only=True)
    assert len(attempts) == 2 and proxy.counts()["reset_after"] == 1
    assert saved == Account(login="ann", stars=3)
    assert table.get(Account, login="ann", consistent=True) == saved
    with pytest.raises(ConditionFailedError):  # a real duplicate still fails, retried or not
        table.put(Account(login="ann", stars=3), create_only=True)


def test_versioned_first_put_applied_then_lost_is_done(table: Table, proxy: FaultProxy) -> None:
    attempts = lose_first_answer(table, proxy)
    saved = table.put(Counter(name="c"))
    assert len(attempts) == 2 and saved.version == 1
    assert table.get(Counter, name="c", consistent=True) == saved


def test_a_different_item_there_still_fails_after_a_retry(table: Table, proxy: FaultProxy) -> None:
    table.put(Account(login="bob", stars=1))
    attempts: list[int] = []

    def let_retry_through(**_: Any) -> None:
        attempts.append(1)
        if len(attempts) == 2:
            proxy.set_rates(reset_before=0.0)

    table.client.meta.events.register("request-created.dynamodb.PutItem", let_retry_through)
    proxy.set_rates(reset_before=1.0)  # the first attempt never reaches the engine
    with pytest.raises(ConditionFailedError) as err:
        table.put(Account(login="bob", stars=2), create_only=True)
    assert len(attempts) == 2 and err.value.retried
    assert err.value.item == {"PK": "ACCOUNT#bob", "SK": "PROFILE", "_type": "Account", "stars": 1}
