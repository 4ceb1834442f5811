"""What the model-based test (test_model_based.py) found beyond issue 11's list, as a user would hit it.

Each is ``xfail(strict=True)``: once fixed, the test passes, the run reports XPASS as a failure, and the
marker (and the matching switch in reference_model.py) should go.
"""

from __future__ import annotations

import pytest

from singletable import Attr, ConditionFailedError, Entity, Table
from singletable.query import SortKey


class Repo(Entity):
    __pk__ = "ACCOUNT#{owner}"
    __sk__ = "REPO#{name}"
    owner: str
    name: str
    description: str = ""


class Star(Entity):
    __pk__ = "ACCOUNT#{account_id}"
    __sk__ = "STAR#{owner}#{name}"
    account_id: str
    owner: str
    name: str


def test_upsert_whose_condition_fails_raises_condition_failed(either_table: Table) -> None:
    table = either_table
    table.register(Repo)
    # upsert=True on a missing repo, only if it has a description: the condition is false.
    with pytest.raises(ConditionFailedError):
        table.update(
            Repo,
            {"description": "x"},
            owner="ada",
            name="engine",
            upsert=True,
            condition=Attr("description").exists(),
        )
    assert table.get(Repo, owner="ada", name="engine") is None


def test_projected_query_returns_only_the_entity_asked_for(either_table: Table) -> None:
    table = either_table
    table.register(Repo, Star)
    table.put(Repo(owner="ada", name="engine", description="analytical"))
    table.put(Star(account_id="ada", owner="babbage", name="difference"))
    # Everything of Ada's after her profile: a repo and a star; only the repo is a Repo.
    rows = table.query(Repo, owner="ada", sk=SortKey.gt("PROFILE"), projection=["description"]).all()
    assert len(rows) == 1


def test_begins_with_on_bytes_holds_on_the_local_engine(either_table: Table) -> None:
    table = either_table
    table.put_item({"PK": "BLOB#1", "SK": "META", "magic": b"\x89PNG\r\n"})
    # DynamoDB compares the bytes: b"\x89PNG\r\n" begins with b"\x89PNG" (and with itself).
    table.put_item(
        {"PK": "BLOB#1", "SK": "META", "magic": b"\x89PNG\r\n"},
        condition=Attr("magic").begins_with(b"\x89PNG"),
    )
    with pytest.raises(ConditionFailedError):
        table.put_item(
            {"PK": "BLOB#1", "SK": "META", "magic": b"x"}, condition=Attr("magic").begins_with(b"GIF")
        )
