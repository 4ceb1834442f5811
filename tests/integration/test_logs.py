"""The `singletable` logger: silent unless configured, one line per retry, unprocessed batch round and slow
call, through a fault proxy in front of the local engine."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from singletable import Table, TableSpec, make_client
from singletable.local import FaultProxy, FaultRates
from singletable.seed import ENTITIES, User

pytestmark = pytest.mark.integration


@pytest.fixture
def proxied(singletable_http_table: Table) -> Iterator[tuple[FaultProxy, Table]]:
    with FaultProxy(singletable_http_table.client.meta.endpoint_url, seed=3) as proxy:
        spec = TableSpec(name=singletable_http_table.name, deletion_protection=False)
        client = make_client(endpoint_url=proxy.endpoint_url, max_attempts=4)  # a short retry budget
        table = Table(spec, client=client, entities=ENTITIES)
        yield proxy, table


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "singletable"]


def test_retries_are_logged_at_info(
    proxied: tuple[FaultProxy, Table], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, table = proxied
    caplog.set_level(logging.INFO, logger="singletable")
    proxy.set_rates(FaultRates(throttling=1.0, operations=frozenset({"PutItem"})))
    with pytest.raises(Exception):  # noqa: B017 - every attempt throttled: botocore gives up
        table.put(User(user_id="1", name="a", email="b@example.com"))
    retries = [m for m in _lines(caplog) if m.startswith("PutItem attempt")]
    assert retries and "ThrottlingException" in retries[0], _lines(caplog)


def test_unprocessed_batch_items_are_logged(
    proxied: tuple[FaultProxy, Table], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, table = proxied
    caplog.set_level(logging.INFO, logger="singletable")
    proxy.set_rates(FaultRates(unprocessed=0.5, operations=frozenset({"BatchWriteItem"})))
    users = [User(user_id=str(i), name="a", email="b@example.com") for i in range(40)]
    table.batch_write(puts=users)
    assert any("BatchWriteItem on" in m and "unprocessed, sending them again" in m for m in _lines(caplog))


def test_slow_calls_warn_and_the_logger_is_silent_by_default(
    proxied: tuple[FaultProxy, Table], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from singletable import logs

    proxy, table = proxied
    # A library adds no handler of its own but a NullHandler (which keeps Python's last-resort stderr
    # handler from printing its warnings when the application configured no logging).
    handlers = logging.getLogger("singletable").handlers
    assert all(isinstance(h, logging.NullHandler) for h in handlers)
    monkeypatch.setattr(logs, "SLOW_CALL_SECONDS", 0.05)
    proxy.latency = 0.1
    caplog.set_level(logging.WARNING, logger="singletable")
    table.get(User, user_id="nobody")
    assert any(m.startswith("slow call: GetItem took") for m in _lines(caplog)), _lines(caplog)
