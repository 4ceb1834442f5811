"""The sparse GSI1 (module: gsi1_key_mode = "sparse"; code: spec.SPARSE_GSI1): only entities declaring
``__reverse__`` write its keys, whichever way they are written, and the lint notices it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from singletable import Table
from singletable.bulk import bulk_load
from singletable.errors import ReverseLookupNotDeclaredError, ValidationError
from singletable.lint import lint
from singletable.model import Entity
from singletable.schema import Schema
from singletable.spec import SPARSE_GSI1, TableSpec


class Author(Entity):
    __pk__ = "AUTHOR#{author_id}"
    __sk__ = "PROFILE"

    author_id: str
    name: str


class Book(Entity):
    """The edge in the author's partition; "who wrote BOOK#b1" is a reverse lookup."""

    __pk__ = "AUTHOR#{author_id}"
    __sk__ = "BOOK#{book_id}"
    __reverse__ = True

    author_id: str
    book_id: str
    title: str = ""


SPEC = TableSpec(name="sparse-books", indexes=(SPARSE_GSI1,), deletion_protection=False)


@pytest.fixture
def books(singletable_inprocess: Any) -> Iterator[Table]:
    client = singletable_inprocess.client()
    SPEC.create(client)
    yield Table(SPEC, client=client, entities=[Author, Book])
    SPEC.delete(client)


def _raw(table: Table, pk: str, sk: str) -> dict[str, Any]:
    item = table.get_item(pk, sk)
    assert item is not None
    return item


def test_only_reverse_entities_write_gsi1_keys_by_every_write_path(books: Table, tmp_path: Path) -> None:
    books.put(Author(author_id="a1", name="Ann"))
    books.put(Book(author_id="a1", book_id="b1", title="One"))
    assert "GSI1PK" not in _raw(books, "AUTHOR#a1", "PROFILE")
    edge = _raw(books, "AUTHOR#a1", "BOOK#b1")
    assert (edge["GSI1PK"], edge["GSI1SK"]) == ("BOOK#b1", "AUTHOR#a1")
    # update (an upsert creates the whole item), batch, transaction, bulk load
    books.update(Book, {"title": "Two"}, author_id="a2", book_id="b2", upsert=True)
    books.update(Author, {"name": "Bo"}, author_id="a2", upsert=True)
    books.batch_write([Book(author_id="a3", book_id="b3"), Author(author_id="a3", name="Cy")])
    with books.transact_write() as tx:
        tx.put(Book(author_id="a4", book_id="b4"))
        tx.put(Author(author_id="a4", name="Di"))
        tx.update(Book, {"title": "Seven"}, author_id="a7", book_id="b7", upsert=True)
    source = tmp_path / "books.jsonl"
    source.write_text(
        json.dumps({"author_id": "a5", "book_id": "b5"})
        + "\n"
        + json.dumps({"author_id": "a6", "book_id": "b6"})
    )
    report = bulk_load(books, source, entity=Book, workers=1, progress=False, durable=False)
    assert report.written == 2
    for n in range(2, 8):
        assert _raw(books, f"AUTHOR#a{n}", f"BOOK#b{n}")["GSI1PK"] == f"BOOK#b{n}"
    for n in range(2, 5):
        assert "GSI1PK" not in _raw(books, f"AUTHOR#a{n}", "PROFILE")
    # The index holds edges only, and a reverse lookup finds the author of a book.
    owners = books.reverse(Book, book_id="b4").all()
    assert [(b.author_id, b.book_id) for b in owners] == [("a4", "b4")]
    assert books.query(Book, book_id="b5").all()[0].author_id == "a5"  # SK fields only: reverse by itself
    # Capacity: an Author put costs no GSI1 write, a Book put one.
    books.ledger.clear()
    books.put(Author(author_id="a9", name="Ed"), pattern="author")
    books.put(Book(author_id="a9", book_id="b9"), pattern="book")
    by = books.ledger.by_pattern()
    assert by["author"].write_units == 1.0 and by["book"].write_units == 2.0


def test_reverse_of_an_entity_not_in_the_sparse_index_is_refused(books: Table) -> None:
    class Review(Entity):
        __pk__ = "BOOK#{book_id}"
        __sk__ = "REVIEW#{review_id}"

        book_id: str
        review_id: str

    books.register(Review)
    with pytest.raises(ReverseLookupNotDeclaredError) as err:
        books.reverse(Review, review_id="r1")
    assert err.value.code == "ST756" and "__reverse__ = True" in (err.value.hint or "")
    with pytest.raises(ReverseLookupNotDeclaredError):
        books.query(Review, review_id="r1")


def test_the_inverted_default_is_unchanged() -> None:
    schema = Schema(TableSpec(), entities=[Author, Book])
    assert schema.sparse_reverse is None and schema.inverted_index() == "GSI1"
    assert "GSI1PK" not in schema.entity_item(Book(author_id="a", book_id="b"))
    assert set(schema.index_templates(Author)) == {"GSI1"}  # every item is in the inverted GSI1


def test_reverse_and_own_gsi1_keys_together_are_refused() -> None:
    class Both(Entity):
        __pk__ = "X#{x}"
        __sk__ = "Y#{y}"
        __reverse__ = True
        __indexes__ = {"GSI1": ("Z#{y}", "X#{x}")}

        x: str
        y: str

    with pytest.raises(ValidationError, match="__reverse__"):
        Schema(SPEC, entities=[Both])


def test_from_terraform_sparse_output_makes_a_sparse_schema() -> None:
    value = {
        "name": "t-sparse",
        "partition_key": "PK",
        "sort_key": "SK",
        "gsi1_key_mode": "sparse",
        "indexes": [{"name": "GSI1", "hash_key": "GSI1PK", "range_key": "GSI1SK", "projection_type": "ALL"}],
    }
    spec = TableSpec.from_terraform({"table_spec": {"value": value}})
    assert spec.indexes == (SPARSE_GSI1,) and spec.reverse_index() == (SPARSE_GSI1, True)
    assert Schema(spec).sparse_reverse == ("GSI1", "GSI1PK", "GSI1SK")


def test_lint_notices_the_sparse_gsi1_and_finds_no_hot_gsi1_partition() -> None:
    report = lint(Schema(SPEC, entities=[Author, Book]))
    assert report.gsi1_mode == "sparse"
    assert report.codes() == ["ST754"]
    notice = report.findings[0]
    assert notice.numbers == {"entities_in_index": ["Book"], "entities_not_in_index": ["Author"]}
    placed = {(p.entity, p.index) for p in report.placements}
    assert ("Book", "GSI1") in placed and ("Author", "GSI1") not in placed
    # Were Author to opt in, its constant SK would crowd one partition again: the lint says drop it.

    class Hot(Entity):
        __pk__ = "H#{h}"
        __sk__ = "PROFILE"
        __reverse__ = True

        h: str

    hot = lint(Schema(SPEC, entities=[Hot]))
    assert hot.codes() == ["ST750", "ST754"]
    assert "remove __reverse__" in (hot.findings[0].entity_change or "")


def test_async_table_writes_and_reads_the_sparse_gsi1_alike(books: Table) -> None:
    import asyncio

    from singletable.aio import AsyncTable
    from singletable.transport import ClientTransport, InlineTransport

    async def run() -> list[str]:
        table = AsyncTable(
            SPEC, transport=InlineTransport(ClientTransport(books.client)), entities=[Author, Book]
        )
        await table.put(Author(author_id="x1", name="Xi"))
        await table.put(Book(author_id="x1", book_id="y1"))
        await table.update(Book, {"title": "Why"}, author_id="x2", book_id="y2", upsert=True)
        found = await table.reverse(Book, book_id="y2").all()
        with pytest.raises(ReverseLookupNotDeclaredError):
            table.reverse(Author)  # no SK fields: refused before anything is sent
        return [b.author_id for b in found]

    assert asyncio.run(run()) == ["x2"]
    assert "GSI1PK" not in _raw(books, "AUTHOR#x1", "PROFILE")
    assert _raw(books, "AUTHOR#x1", "BOOK#y1")["GSI1SK"] == "AUTHOR#x1"
