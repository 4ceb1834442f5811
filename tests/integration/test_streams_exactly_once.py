"""A simulated Lambda retry loop over a 1,000-record stream of the local engine (``make streams``; `make
test` runs 200 records, SINGLETABLE_STREAM_RECORDS sets the number): the handler fails half-way
(before or after its write) on some records' first delivery; Lambda retries from the lowest reported
failure; at the end every loan is counted on its member's profile exactly once, and each partition key's
records were first handled in stream order."""

from __future__ import annotations

import contextlib
import os
import random
from collections import Counter
from typing import Any

from singletable import Attr, Update
from singletable.errors import ConditionFailedError
from singletable.streams import Change, Router, StreamReader, deliver
from tests.streams_domain import Loan, Member, streamed_table

LOANS = int(os.environ.get("SINGLETABLE_STREAM_RECORDS", "200"))
MEMBERS = 40


def test_each_loan_counted_exactly_once_through_lambda_retries() -> None:
    rng = random.Random(15)
    with streamed_table("inprocess") as table:
        reader = StreamReader(table)
        table.batch_write(puts=[Member(member_id=f"m{i}", name=f"n{i}") for i in range(MEMBERS)])
        loans = [
            Loan(member_id=f"m{rng.randrange(MEMBERS)}", loan_id=f"l{i}", title="t") for i in range(LOANS)
        ]
        table.batch_write(puts=loans)
        records = reader.poll_records()
        while more := reader.poll_records():
            records.extend(more)
        assert len(records) == MEMBERS + LOANS

        router = Router(table)
        seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
        doomed = {s: rng.choice(["before", "after"]) for s in rng.sample(seqs[MEMBERS:], max(5, LOANS // 33))}
        deliveries: Counter[str] = Counter()
        first_seen: dict[str, list[str]] = {}

        @router.on(Loan, "insert")
        def count(change: Change[Loan]) -> None:
            loan = change.new
            assert loan is not None
            seq = change.sequence_number
            deliveries[seq] += 1
            if deliveries[seq] == 1:
                first_seen.setdefault(loan.member_id, []).append(seq)
            crash = doomed.get(seq) if deliveries[seq] == 1 else None
            if crash == "before":
                raise RuntimeError("the function crashed before counting")
            # Idempotent: the loan id joins the profile's set in the same conditional write; a repeat
            # delivery fails the condition (counted by an earlier delivery of this record).
            with contextlib.suppress(ConditionFailedError):
                table.update(
                    Member,
                    Update().increment("loans").add("counted", {loan.loan_id}),
                    member_id=loan.member_id,
                    condition=~Attr("counted").contains(loan.loan_id),
                )
            if crash == "after":
                raise RuntimeError("the function crashed after counting, before answering")

        def handler(event: dict[str, Any], context: Any) -> Any:
            return router.handle_batch(event)

        report = deliver(records, handler, batch_size=100)
        assert report.complete and report.partial_failures >= 1
        members = {m.member_id: m for m in table.scan().all() if isinstance(m, Member)}
        want = Counter(loan.member_id for loan in loans)
        assert {k: m.loans for k, m in members.items() if m.loans} == dict(want)
        assert all(m.counted == {x.loan_id for x in loans if x.member_id == k} for k, m in members.items())
        assert set(deliveries) == set(seqs[MEMBERS:])  # every record delivered, many more than once
        assert max(deliveries.values()) > 1
        order = {s: i for i, s in enumerate(seqs)}
        assert all(v == sorted(v, key=order.__getitem__) for v in first_seen.values())
