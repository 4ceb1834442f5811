"""A transaction whose retries run out after an attempt that may have been applied says so
(TransactionOutcomeUnknownError, ST121, with its token), sync as a cancelled async commit does; committing
it again (the same token) applies it exactly once. A single-item write out of retries says its outcome is
unknown too (WriteOutcomeUnknownError, ST125), sync and async. Behind the fault proxy, on the HTTP engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from singletable import Entity, Table, make_client
from singletable.aio import AsyncTable
from singletable.batch import Backoff
from singletable.errors import EngineError, TransactionOutcomeUnknownError, WriteOutcomeUnknownError
from singletable.expressions import Update
from singletable.local import LocalServer
from singletable.local.faults import FaultProxy, FaultRates
from tests.integration.fault_support import table_behind_proxy

pytestmark = pytest.mark.integration

WRITES = frozenset({"TransactWriteItems"})


class Wallet(Entity):
    __pk__ = "WALLET#{owner}"
    __sk__ = "WALLET"
    owner: str
    balance: int = 0


class Deposit(Entity):
    __pk__ = "WALLET#{owner}"
    __sk__ = "DEPOSIT#{ref}"
    owner: str
    ref: str
    amount: int


@pytest.fixture
def proxy(singletable_server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(singletable_server.endpoint_url, seed=5) as p:
        yield p


@pytest.fixture
def table(singletable_server: LocalServer, proxy: FaultProxy) -> Iterator[Table]:
    # botocore retries (three tries in all); singletable's own transaction retries are off
    # (deadline 0), so retries run out after botocore's.
    with table_behind_proxy(singletable_server, proxy, [Wallet, Deposit], max_attempts=3) as t:
        t.put(Wallet(owner="ann"))
        yield t


def deposit(table: Table) -> TransactionOutcomeUnknownError:
    """A deposit (an increment and a create-only record) sent into the faults in force; its report."""
    tx = table.transact_write(backoff=Backoff(base=0.0, cap=0.0, deadline=0.0))
    tx.update(Wallet, Update().increment("balance", 10), owner="ann")
    tx.put(Deposit(owner="ann", ref="d1", amount=10), create_only=True)
    before = time.time()
    with pytest.raises(TransactionOutcomeUnknownError) as err:
        tx.commit()
    unknown = err.value
    assert (unknown.code, unknown.token, unknown.transaction) == ("ST121", tx.token, tx)
    assert before <= unknown.sent_at <= time.time()
    assert "ran out of retries" in unknown.message and tx.committed is None
    return unknown


def recommit_applies_once(table: Table, proxy: FaultProxy, unknown: TransactionOutcomeUnknownError) -> None:
    proxy.set_rates(FaultRates())
    result = unknown.transaction.commit()
    assert result.token == unknown.token
    assert unknown.transaction.commit() is result  # committed: not sent again
    assert table.get(Wallet, owner="ann", consistent=True) == Wallet(owner="ann", balance=10)
    assert table.get(Deposit, owner="ann", ref="d1", consistent=True) == Deposit(
        owner="ann", ref="d1", amount=10
    )


def test_reset_after_applying_is_unknown_and_recommit_applies_once(table: Table, proxy: FaultProxy) -> None:
    proxy.set_rates(reset_after=1.0, operations=WRITES)
    unknown = deposit(table)
    # Applied by the first attempt, repeated (the same token) by botocore's retries.
    assert proxy.counts()["reset_after"] == 3
    assert table.get(Wallet, owner="ann", consistent=True) == Wallet(owner="ann", balance=10)
    recommit_applies_once(table, proxy, unknown)


def test_reset_before_applying_is_still_unknown_and_recommit_is_safe(table: Table, proxy: FaultProxy) -> None:
    proxy.set_rates(reset_before=1.0, operations=WRITES)
    unknown = deposit(table)  # the client cannot tell a reset before from one after
    assert proxy.counts()["reset_before"] == 3 and proxy.counts()["forwarded"] == 1  # only the put of ann
    assert table.get(Wallet, owner="ann", consistent=True) == Wallet(owner="ann", balance=0)
    recommit_applies_once(table, proxy, unknown)


def test_5xx_until_retries_run_out_is_unknown(table: Table, proxy: FaultProxy) -> None:
    proxy.set_rates(http_500=1.0, operations=WRITES)
    unknown = deposit(table)
    assert isinstance(unknown.__cause__, EngineError) and unknown.__cause__.aws_code == "InternalServerError"
    recommit_applies_once(table, proxy, unknown)


def test_a_throttled_transaction_is_unknown_only_after_hidden_retries(
    table: Table, proxy: FaultProxy
) -> None:
    """A refusal the engine answered on the one attempt applied nothing: raised as it is. After botocore's
    own retries it is reported unknown: what those hidden attempts met is not known."""
    proxy.set_rates(throttling=1.0, operations=WRITES)
    once = Table(
        table.spec, client=make_client(endpoint_url=proxy.endpoint_url, max_attempts=1), entities=[Wallet]
    )
    tx = once.transact_write(backoff=Backoff(deadline=0.0))
    tx.update(Wallet, Update().increment("balance", 1), owner="ann")
    with pytest.raises(EngineError) as err:
        tx.commit()
    assert err.value.aws_code == "ThrottlingException"
    unknown = deposit(table)
    assert isinstance(unknown.__cause__, EngineError) and unknown.__cause__.aws_code == "ThrottlingException"
    recommit_applies_once(table, proxy, unknown)


# -- single-item writes: a lost answer is said, not passed on as botocore's raw error ------------------


@pytest.mark.parametrize("fault", ["reset_after", "reset_before", "http_500"])
def test_a_single_write_out_of_retries_says_its_outcome_is_unknown(
    table: Table, proxy: FaultProxy, singletable_server: LocalServer, fault: str
) -> None:
    proxy.set_rates(**{fault: 1.0, "operations": frozenset({"PutItem", "UpdateItem", "DeleteItem"})})
    calls: list[Callable[[Any], Any]] = [
        lambda t: t.put(Wallet(owner="bob", balance=1)),
        lambda t: t.update(Wallet, Update().increment("balance", 1), owner="ann"),
        lambda t: t.delete(Wallet, owner="ann"),
    ]

    async def on_async(call: Callable[[Any], Any]) -> None:
        async with AsyncTable(
            table.spec, endpoint_url=proxy.endpoint_url, entities=[Wallet], max_attempts=2
        ) as t:
            await call(t)

    for call in calls:
        for run in (lambda c: c(table), lambda c: asyncio.run(on_async(c))):
            with pytest.raises(WriteOutcomeUnknownError) as err:
                run(call)
            assert err.value.code == "ST125" and "may or may not have been applied" in err.value.message
            assert err.value.aws_code == ("InternalServerError" if fault == "http_500" else "")
            assert err.value.__cause__ is not None
    # A read that is not answered is not a write whose outcome is unknown: its error as it was.
    proxy.set_rates(**{fault: 1.0, "operations": None})
    with pytest.raises(Exception) as read_err:
        table.get(Wallet, owner="ann")
    assert not isinstance(read_err.value, WriteOutcomeUnknownError)
