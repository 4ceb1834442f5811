"""Issue 11, items 2, 3, 4 and 13, as a user of a repos / issues / stars / accounts table hits them.

2: every key is built from validated values (get, update, upsert, delete, query, reverse, collection,
   batches, transactions, index keys); 3: format specs in key templates; 4: put validates what it writes;
13: update takes its key as keyword fields, like get and delete.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import field_validator

from singletable import (
    Entity,
    IndexSpec,
    KeyFormatError,
    KeyTemplate,
    KeyTemplateError,
    SortKey,
    Table,
    TableSpec,
    Update,
    ValidationError,
)
from singletable.local import InProcessEngine
from singletable.testing import requires_engine_feature


class Repo(Entity):
    __pk__ = "REPO#{repo}"
    __sk__ = "META"
    repo: str
    star_count: int = 0
    description: str = ""


class Issue(Entity):
    __pk__ = "REPO#{repo}"
    __sk__ = "ISSUE#{number:06d}"
    repo: str
    number: int
    title: str = ""


class Star(Entity):
    __pk__ = "REPO#{repo}"
    __sk__ = "STAR#{day:%Y-%m-%d}#{login}"
    repo: str
    day: dt.date
    login: str


class Visit(Entity):
    __pk__ = "REPO#{repo}"
    __sk__ = "VISIT#{at:%Y-%m-%d}"
    repo: str
    at: dt.datetime


class Milestone(Entity):
    """A plain int key field, no format spec: ``n="07"`` is the int 7, stored at ``N#7``."""

    __pk__ = "REPO#{repo}"
    __sk__ = "N#{n}"
    repo: str
    n: int
    title: str = ""


class Account(Entity):
    """A field validator normalises the key field: keys must be rendered from its output."""

    __pk__ = "ACCOUNT#{login}"
    __sk__ = "PROFILE"
    __indexes__: ClassVar = {"GSI2": ("EMAIL#{email}", "ACCOUNT#{login}")}
    login: str
    email: str | None = None
    plan: str = "free"

    @field_validator("login", "email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value is not None else None


@pytest.fixture
def repos(either_table: Table) -> Table:
    table = either_table
    table.register(Repo, Issue, Star, Visit, Milestone)
    return table


@pytest.fixture
def accounts(singletable_inprocess: InProcessEngine) -> Table:
    spec = TableSpec(
        name="accounts",
        deletion_protection=False,
        indexes=(IndexSpec("GSI1", "SK", "PK"), IndexSpec("GSI2", "GSI2PK", "GSI2SK")),
    )
    client = singletable_inprocess.client()
    spec.create(client)
    return Table(spec, client=client, entities=[Account])


# -- item 3: format specs ----------------------------------------------------------------------------


def test_padded_issue_numbers_are_stored_got_ranged_and_reverse_looked_up(any_table: Table) -> None:
    t = any_table
    t.register(Issue)
    for repo in ("core", "web"):
        for n in (100, 3, 12, 7):
            t.put(Issue(repo=repo, number=n, title=f"{repo} {n}"))
    assert t.get_item("REPO#core", "ISSUE#000007") is not None  # the stored key is padded
    got = t.get(Issue, repo="core", number=7)
    assert got is not None and got.number == 7 and got.title == "core 7"
    assert t.get(Issue, repo="core", number="007") == got  # validated to 7 first
    # Padded keys sort as numbers do, both ways.
    assert [i.number for i in t.query(Issue, repo="core")] == [3, 7, 12, 100]
    assert [i.number for i in t.query(Issue, repo="core", reverse=True)] == [100, 12, 7, 3]
    low, high = Issue.key_for(repo="core", number=5)[1], Issue.key_for(repo="core", number=20)[1]
    assert [i.number for i in t.query(Issue, repo="core", sk=SortKey.between(low, high))] == [7, 12]
    # Reverse lookup through GSI1 renders the SK with the same spec.
    assert sorted(i.repo for i in t.reverse(Issue, number="7")) == ["core", "web"]
    assert isinstance(t.reverse(Issue, number=7).first(), Issue)


def test_a_number_wider_than_its_spec_or_negative_is_refused(repos: Table) -> None:
    with pytest.raises(KeyFormatError, match="wider than") as err:
        repos.put(Issue(repo="core", number=1234567))
    assert err.value.field == "number" and err.value.code == "ST105" and "07d" in err.value.hint
    with pytest.raises(KeyFormatError, match="0 and up") as err:
        repos.put(Issue(repo="core", number=-1))
    assert "ge=0" in err.value.hint
    with pytest.raises(KeyFormatError):
        repos.get(Issue, repo="core", number=1234567)
    assert repos.query(Issue, repo="core").all() == []  # nothing was written


def test_dates_in_keys_round_trip_as_dates_and_query_by_day(repos: Table) -> None:
    day = dt.date(2024, 1, 5)
    repos.put(Star(repo="core", day=day, login="ann"))
    repos.put(Star(repo="core", day=dt.date(2024, 1, 6), login="bob"))
    assert repos.get_item("REPO#core", "STAR#2024-01-05#ann") is not None
    got = repos.get(Star, repo="core", day="2024-01-05", login="ann")
    assert got is not None and got.day == day and type(got.day) is dt.date
    assert [s.login for s in repos.query(Star, repo="core", day=day)] == ["ann"]  # begins_with the day
    # A datetime under a date-only spec would lose its time of day (key fields live only in the key).
    with pytest.raises(KeyFormatError, match="cannot hold whole") as err:
        repos.put(Visit(repo="core", at=dt.datetime(2024, 1, 5, 13, 30)))
    assert err.value.field == "at"
    repos.put(Visit(repo="core", at=dt.datetime(2024, 1, 5)))
    assert repos.get(Visit, repo="core", at="2024-01-05T00:00") == Visit(
        repo="core", at=dt.datetime(2024, 1, 5)
    )


def test_datetime_specs_keep_the_timezone_or_refuse() -> None:
    t = KeyTemplate("AT#{at:%Y-%m-%dT%H:%M:%S%z}")
    at = dt.datetime(2024, 1, 5, 13, 30, tzinfo=dt.UTC)
    assert t.render({"at": at}) == "AT#2024-01-05T13:30:00+0000"
    assert t.parse("AT#2024-01-05T13:30:00+0000") == {"at": at}
    assert KeyTemplate("DAY#{day:%Y%m%d}").parse("DAY#20240105") == {"day": dt.date(2024, 1, 5)}
    with pytest.raises(KeyFormatError, match="timezone-aware"):
        t.render({"at": at.replace(tzinfo=None)})
    with pytest.raises(KeyFormatError, match="timezone needs %z"):
        KeyTemplate("AT#{at:%Y%m%d%H%M%S}").render({"at": at})


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("A#{a:>8}", "not supported"),  # string padding cannot be told apart from the value
        ("A#{a:6d}", "not supported"),  # space padding
        ("A#{a:.2f}", "not supported"),
        ("A#{a!r}", "conversion"),
        ("A#{a:%b}", "no fixed width"),
        ("A#{a:%Y#%m}", "holds '#'"),
    ],
)
def test_unsupported_specs_are_refused_at_definition(template: str, message: str) -> None:
    with pytest.raises(KeyTemplateError, match=message):
        KeyTemplate(template)


def test_a_spec_on_a_field_of_another_type_is_refused_at_class_definition() -> None:
    with pytest.raises(KeyTemplateError, match=r"formats \{title:06d\}, but title is str") as err:

        class Bad(Entity):
            __pk__ = "REPO#{repo}"
            __sk__ = "ISSUE#{title:06d}"
            repo: str
            title: str

    assert err.value.field == "title" and "title: int" in err.value.hint


@given(st.integers(0, 999_999), st.integers(0, 999_999))
def test_padded_keys_sort_as_the_numbers_and_parse_back(a: int, b: int) -> None:
    t = KeyTemplate("ISSUE#{number:06d}")
    ka, kb = t.render({"number": a}), t.render({"number": b})
    assert (ka < kb) == (a < b)
    assert t.parse(ka) == {"number": a}
    assert not t.matches(f"ISSUE#{a}") or a >= 100_000  # only the padded shape is ours
    assert not t.matches("ISSUE#\u0660\u0660\u0660\u0660\u0660\u0667")  # Arabic-Indic digits are not ours


def test_escaping_still_applies_beside_formatted_fields() -> None:
    t = KeyTemplate("REPO#{repo}#ISSUE#{number:06d}")
    key = t.render({"repo": "50%#off", "number": 7})
    assert key == "REPO#50%25%23off#ISSUE#000007"
    assert t.parse(key) == {"repo": "50%#off", "number": 7}


# -- item 2: one path builds every key from validated values -------------------------------------------


@requires_engine_feature("transactions")  # a transaction is one of the paths
def test_a_string_number_round_trips_through_every_path(repos: Table) -> None:
    repos.put(Milestone(repo="core", n="07", title="v1"))
    assert repos.get_item("REPO#core", "N#7") is not None
    assert repos.get_item("REPO#core", "N#07") is None
    assert repos.get(Milestone, repo="core", n="07") is not None
    assert [m.n for m in repos.query(Milestone, repo="core", n="07")] == [7]
    assert [m.n for m in repos.reverse(Milestone, n="07")] == [7]
    assert Milestone in repos.collection(Milestone, repo="core")
    assert repos.update(Milestone, {"title": "v1.0"}, repo="core", n="07").title == "v1.0"
    [got] = repos.batch_get([(Milestone, {"repo": "core", "n": "07"})])
    assert got is not None and got.title == "v1.0"
    [snap] = repos.transact_get([(Milestone, {"repo": "core", "n": "07"})])
    assert snap == got
    # Upsert at a string key lands on the int's key, not beside it.
    repos.update(Milestone, {"title": "v2"}, repo="core", n="08", upsert=True)
    assert repos.get_item("REPO#core", "N#8") is not None and repos.get_item("REPO#core", "N#08") is None
    repos.transact_write().delete(Milestone, repo="core", n="08").commit()
    assert repos.get(Milestone, repo="core", n=8) is None
    assert repos.delete(Milestone, repo="core", n="07") is not None
    assert repos.query(Milestone, repo="core").all() == []


def test_field_validators_shape_keys_and_index_keys_on_every_path(accounts: Table) -> None:
    accounts.put(Account(login="Ann", email="Ann@Example.org"))
    assert accounts.get_item("ACCOUNT#ann", "PROFILE") is not None
    assert accounts.get(Account, login="ANN") is not None
    found = accounts.query(Account, index="GSI2", email="ANN@example.org").all()
    assert [a.login for a in found] == ["ann"]
    # An update's values and the index keys it rewrites go through the validator too.
    got = accounts.update(Account, {"email": "NEW@Example.org"}, login="ANN")
    assert got.email == "new@example.org"
    assert [a.login for a in accounts.query(Account, index="GSI2", email="new@EXAMPLE.org")] == ["ann"]
    accounts.batch_write(deletes=[Account(login="ANN")])
    assert accounts.get(Account, login="ann") is None


def test_bad_key_values_name_the_field(repos: Table) -> None:
    with pytest.raises(ValidationError, match=r"Issue\.number") as err:
        repos.get(Issue, repo="core", number="seven")
    assert err.value.field == "number"
    for call in (
        lambda: repos.query(Issue, repo="core", number="seven"),
        lambda: repos.delete(Issue, repo="core", number="seven"),
        lambda: repos.update(Issue, {"title": "x"}, repo="core", number="seven"),
        lambda: repos.batch_get([(Issue, {"repo": "core", "number": "seven"})]),
        lambda: repos.transact_write().delete(Issue, repo="core", number="seven"),
    ):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == "number"
    with pytest.raises(ValidationError, match="nubmer") as err:
        repos.get(Issue, repo="core", nubmer=7)
    assert "number" in err.value.hint


# -- item 4: put validates what it writes --------------------------------------------------------------


def test_a_mutated_entity_is_refused_by_every_write(repos: Table) -> None:
    repo = Repo(repo="core", star_count=3)
    repo.star_count = "many"  # type: ignore[assignment]
    writes = (
        lambda: repos.put(repo),
        lambda: repos.batch_write([repo]),
        lambda: repos.transact_write().put(repo).commit(),
    )
    for write in writes:
        with pytest.raises(ValidationError, match=r"Repo\.star_count") as err:
            write()
        assert err.value.field == "star_count"
    assert repos.get(Repo, repo="core") is None  # nothing was written
    half = Issue.model_construct(repo="core", title="no number")
    with pytest.raises(ValidationError) as err:
        repos.put(half)
    assert err.value.field == "number"


def test_a_coercible_mutation_is_stored_and_returned_typed(repos: Table) -> None:
    repo = Repo(repo="core")
    repo.star_count = "5"  # type: ignore[assignment]
    written = repos.put(repo)
    assert written.star_count == 5
    assert repos.get_item("REPO#core", "META")["star_count"] == 5  # type: ignore[index]
    assert repos.update(Repo, Update().increment("star_count"), repo="core").star_count == 6
    assert repos.collection(Repo, repo="core")[Repo][0].star_count == 6


# -- item 13: one key convention -------------------------------------------------------------------------


@requires_engine_feature("transactions")  # a transaction is one of the paths
def test_update_takes_key_fields_as_keywords(repos: Table) -> None:
    repos.put(Repo(repo="core"))
    assert repos.update(Repo, {"star_count": 5}, repo="core").star_count == 5
    assert repos.update(Repo, Update().increment("star_count"), repo="core").star_count == 6
    tx = repos.transact_write().update(Repo, {"description": "db"}, repo="core")
    tx.commit()
    assert repos.get(Repo, repo="core") == Repo(repo="core", star_count=6, description="db")
    # A non-key keyword is refused (it is neither the key nor, silently, a change).
    with pytest.raises(ValidationError, match="'star_count' is not a key field") as err:
        repos.update(Repo, {}, repo="core", star_count=7)
    assert "{'star_count': ...}, repo=...)" in err.value.hint
    with pytest.raises(ValidationError, match="not a key field"):
        repos.transact_write().update(Repo, {}, repo="core", star_count=7)
    with pytest.raises(KeyTemplateError, match=r"needs \['repo'\]"):
        repos.update(Repo, {"star_count": 7})


@requires_engine_feature("transactions")  # a transaction is one of the paths
def test_the_old_dict_key_form_still_works_and_warns(repos: Table) -> None:
    repos.put(Repo(repo="core"))
    with pytest.warns(DeprecationWarning, match=r"table.update\(Repo, changes, repo=\.\.\.\)"):
        assert repos.update(Repo, {"repo": "core"}, {"star_count": 2}).star_count == 2
    with pytest.warns(DeprecationWarning, match="tx.update"):
        repos.transact_write().update(Repo, {"repo": "core"}, {"star_count": 3}).commit()
    assert repos.get(Repo, repo="core").star_count == 3  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="three positional arguments"):
        repos.update(Repo, {"repo": "core"}, {"star_count": 4}, repo="core")  # type: ignore[call-overload]
