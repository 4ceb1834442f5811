"""Issue 11, items 1, 6 and 8, as a user hits them: projected reads, swallowed typos, empty sets.

(Item 12, the types an editor sees, is pinned by ``tests/typing/test_public_types.py`` under mypy.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import Field

from singletable import (
    Collection,
    EmptySetError,
    Entity,
    NotProjectedError,
    PartialWriteError,
    Projected,
    ProjectionError,
    Table,
    UnknownArgumentError,
    Update,
)
from singletable.testing import requires_engine_feature
from singletable.transactions import delete_partition

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


class Repo(Entity):
    __pk__ = "REPO#{owner}/{name}"
    __sk__ = "META"
    owner: str
    name: str
    description: str = ""
    star_count: int = 0
    created_at: dt.datetime
    topics: set[str] = Field(default_factory=set)


class Star(Entity):
    __pk__ = "REPO#{owner}/{name}"
    __sk__ = "STAR#{login}"
    owner: str
    name: str
    login: str
    starred_at: dt.datetime


class Issue(Entity):
    __pk__ = "REPO#{owner}/{name}"
    __sk__ = "ISSUE#{number}"
    owner: str
    name: str
    number: int
    title: str
    labels: frozenset[str]  # required, and may be empty


class Account(Entity):
    __pk__ = "ACCOUNT#{login}"
    __sk__ = "PROFILE"
    login: str
    settings: dict[str, set[str]] = Field(default_factory=dict)


@pytest.fixture
def repos(either_table: Table) -> Table:
    table = either_table
    table.register(Repo, Star, Issue, Account)
    table.put(Repo(owner="octo", name="cat", description="a cat", star_count=1234, created_at=CREATED))
    return table


def _stored(table: Table, pk: str, sk: str) -> dict[str, Any]:
    item = table.get_item(pk, sk, consistent=True)
    assert isinstance(item, dict)
    return item


# -- item 1: projected reads ----------------------------------------------------------------------------


def test_a_projected_get_holds_what_was_read_and_refuses_what_was_not(repos: Table) -> None:
    p = repos.get(Repo, owner="octo", name="cat", projection=["description"])
    assert isinstance(p, Projected) and p.entity is Repo
    assert (p.owner, p.name, p.description) == ("octo", "cat", "a cat")
    assert p.fields == ("owner", "name", "description")
    assert p.to_dict() == {"owner": "octo", "name": "cat", "description": "a cat"}
    # Was: star_count=0 (stored: 1234) and an AttributeError without a word on created_at.
    with pytest.raises(NotProjectedError, match="star_count was not read") as err:
        _ = p.star_count
    assert err.value.code == "ST110" and "projection" in err.value.hint
    assert not hasattr(p, "created_at")
    # Values come typed as the entity types them.
    q = repos.get(Repo, owner="octo", name="cat", projection=["created_at", "star_count"])
    assert q is not None and q.created_at == CREATED and q.value(lambda r: r.star_count) == 1234


def test_writing_a_projected_read_back_is_refused_and_the_item_survives(repos: Table) -> None:
    p = repos.get(Repo, owner="octo", name="cat", projection=["description"])
    with pytest.raises(PartialWriteError, match="projected read") as err:
        repos.put(p)  # type: ignore[call-overload]
    assert err.value.code == "ST111" and "update()" in err.value.hint
    with pytest.raises(PartialWriteError):
        repos.batch_write([p])  # type: ignore[list-item]
    with pytest.raises(PartialWriteError):
        repos.transact_write().put(p)  # type: ignore[arg-type]
    with pytest.raises(PartialWriteError, match="read-only"):
        p.star_count = 0  # type: ignore[union-attr]
    whole = repos.get(Repo, owner="octo", name="cat", consistent=True)
    assert whole is not None and whole.star_count == 1234 and whole.created_at == CREATED


def test_get_query_and_reverse_with_a_projection_return_the_same_partial_type(repos: Table) -> None:
    for login in ("ann", "bob"):
        repos.put(Star(owner="octo", name="cat", login=login, starred_at=CREATED))
    got = repos.get(Star, owner="octo", name="cat", login="ann", projection=["starred_at"])
    queried = repos.query(Star, owner="octo", name="cat", projection=["starred_at"]).all()
    assert queried[0] == got and [s.login for s in queried] == ["ann", "bob"]
    assert all(isinstance(s, Projected) for s in queried)  # the repo's META item is not a Star: left out
    reversed_ = repos.reverse(Star, login="bob", projection=["starred_at"]).all()
    assert reversed_ == [
        Projected(Star, {"owner": "octo", "name": "cat", "login": "bob", "starred_at": CREATED})
    ]
    # A raw partition query keeps returning the items as stored.
    raw = repos.query(pk="REPO#octo/cat", projection=["starred_at"]).all()
    assert all(isinstance(item, dict) for item in raw) and len(raw) == 3
    # A projected read is enough to delete the item it came from.
    assert isinstance(repos.delete(got), Star)  # type: ignore[arg-type]
    assert repos.get(Star, owner="octo", name="cat", login="ann") is None


def test_projection_names_are_checked_against_the_entity(repos: Table) -> None:
    for projection, culprit in ((["stars"], "stars"), (["owner"], "owner"), ("description", "projection")):
        with pytest.raises(ProjectionError) as err:
            repos.get(Repo, owner="octo", name="cat", projection=projection)
        assert err.value.field == culprit and "star_count" in err.value.hint
    with pytest.raises(ProjectionError):
        repos.query(Repo, owner="octo", name="cat", projection=[])


def test_a_projected_empty_set_and_an_int_key_come_back_typed(repos: Table) -> None:
    repos.put(Issue(owner="octo", name="cat", number=7, title="bug", labels=frozenset()))
    p = repos.get(Issue, owner="octo", name="cat", number=7, projection=["labels"])
    assert p is not None and p.number == 7 and p.labels == frozenset()


# -- item 6: typos ----------------------------------------------------------------------------------------


def test_misspelt_keywords_are_refused_with_the_valid_names(repos: Table) -> None:
    calls = [
        lambda: repos.get(Repo, owner="octo", nmae="cat"),
        lambda: repos.get(Repo, owner="octo", name="cat", limit=1),
        lambda: repos.collection(Repo, owner="octo", name="cat", limit=1),
        lambda: repos.collection(
            Repo, owner="octo", name="cat", login="ann"
        ),  # an SK field: not a partition's
        lambda: repos.delete(Repo, owner="octo", name="cat", nmae="cat"),
        lambda: repos.reverse(Star, logni="ann"),
        lambda: repos.query(Repo, owner="octo", name="cat", star_count=5),  # was silently no filter at all
        lambda: repos.query(pk="REPO#octo/cat", limt=5),
        lambda: repos.batch_get([(Repo, {"owner": "octo", "name": "cat", "nmae": "x"})]),
        lambda: repos.transact_get([(Repo, {"owner": "octo", "name": "cat", "nmae": "x"})]),
        lambda: repos.update(Repo, {"star_count": 1}, owner="octo", name="cat", nmae="x"),
        lambda: repos.transact_write().delete(Repo, owner="octo", name="cat", nmae="x"),
        lambda: delete_partition(repos, Repo, owner="octo", name="cat", nmae="x"),
    ]
    for call in calls:
        with pytest.raises(UnknownArgumentError) as err:
            call()
        assert err.value.code == "ST112" and "key fields" in err.value.hint
    with pytest.raises(UnknownArgumentError, match="did you mean 'name'"):
        repos.get(Repo, owner="octo", nmae="cat")
    repo = repos.get(Repo, owner="octo", name="cat")
    assert repo is not None and repo.star_count == 1234  # nothing was deleted or updated
    with pytest.raises(UnknownArgumentError, match="no key fields"):
        repos.delete(repo, owner="other")  # an instance carries its key: keywords would be ignored


# -- item 8: empty sets -----------------------------------------------------------------------------------


@requires_engine_feature("transactions")  # a transaction is one of the paths
def test_an_empty_set_default_is_stored_as_absence_and_read_back_empty(repos: Table) -> None:
    # Was: every put of Repo failed with an internal error chaining the codec's private exception.
    repo = repos.get(Repo, owner="octo", name="cat")
    assert repo is not None and repo.topics == set()
    assert "topics" not in _stored(repos, "REPO#octo/cat", "META")
    issue = Issue(owner="octo", name="cat", number=1, title="t", labels=frozenset())
    repos.put(issue)
    repos.batch_write([issue.model_copy(update={"number": 2})])
    repos.transact_write().put(issue.model_copy(update={"number": 3})).commit()
    got = repos.query(Issue, owner="octo", name="cat").all()
    assert [(i.number, i.labels) for i in got] == [(1, frozenset()), (2, frozenset()), (3, frozenset())]
    coll = repos.collection(Repo, owner="octo", name="cat")
    assert isinstance(coll, Collection) and coll[Issue] == got and coll[Star] == [] and Star not in coll


@requires_engine_feature("transactions")  # a transaction is one of the paths
def test_updating_a_set_to_empty_removes_it(repos: Table) -> None:
    repos.update(Repo, {"topics": {"go", "cli"}}, owner="octo", name="cat")
    assert _stored(repos, "REPO#octo/cat", "META")["topics"] == {"go", "cli"}
    repo = repos.update(Repo, Update().set(topics=[]), owner="octo", name="cat")
    assert repo.topics == set() and "topics" not in _stored(repos, "REPO#octo/cat", "META")
    repos.update(Repo, {"topics": {"go"}}, owner="octo", name="cat")
    repos.transact_write().update(Repo, {"topics": frozenset()}, owner="octo", name="cat").commit()
    assert "topics" not in _stored(repos, "REPO#octo/cat", "META")
    repos.update_item("REPO#octo/cat", "META", Update().set(topics={"x"}))
    repos.update_item("REPO#octo/cat", "META", Update().set(topics=set()))
    assert "topics" not in _stored(repos, "REPO#octo/cat", "META")


def test_an_empty_set_nested_in_a_map_is_refused_with_its_path(repos: Table) -> None:
    account = Account(login="ann", settings={"muted": set()})
    with pytest.raises(EmptySetError) as err:
        repos.put(account)
    assert err.value.code == "ST113" and err.value.field == "settings.muted"
    assert err.value.__context__ is None and err.value.__cause__ is None  # no private exception chained
    repos.put(Account(login="ann", settings={"muted": {"bob"}}))
    with pytest.raises(EmptySetError):
        repos.update(Account, Update().set({"settings.muted": set()}), login="ann")


def test_an_unregistered_entity_is_registered_on_first_write_with_a_warning(
    table: Table, caplog: pytest.LogCaptureFixture
) -> None:
    class Gist(Entity):
        __pk__ = "GIST#{gist_id}"
        __sk__ = "GIST"
        gist_id: str

    with caplog.at_level("WARNING", logger="singletable"):
        table.put(Gist(gist_id="g1"))
        table.put(Gist(gist_id="g2"))
    warned = [r for r in caplog.records if "Gist was not registered" in r.getMessage()]
    assert len(warned) == 1 and Gist in table.entities
