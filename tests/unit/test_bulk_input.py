"""bulk_load's input: a line that is not UTF-8 is refused by its number, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import field_validator

from singletable import Entity, Table
from singletable.bulk import bulk_load
from singletable.errors import ValidationError


def test_a_line_that_is_not_utf8_is_named_and_nothing_is_written(table: Table, tmp_path: Path) -> None:
    src = tmp_path / "shelf.jsonl"
    src.write_bytes(
        b'{"PK":"BOOK#1","SK":"COPY#1","title":"Dune"}\n'
        b'{"PK":"BOOK#2","SK":"COPY#1","title":"Caf\\u00e9 \xe9t\xe9"}\n'
        b'{"PK":"BOOK#3","SK":"COPY#1","title":"Emma"}\n'
    )
    with pytest.raises(ValidationError) as caught:
        bulk_load(table, src, progress=False)
    assert str(caught.value) == (
        "[ST100] line 2 is not UTF-8 text (invalid continuation byte at byte 49 of the line). "
        "Fix: save the file as UTF-8, or fix or remove the line"
    )
    assert table.client.scan(TableName=table.name)["Items"] == []
    src.write_bytes(src.read_bytes().replace(b"\xe9", b"e"))
    assert bulk_load(table, src, progress=False).written == 3


class Shelved(Entity):
    __pk__ = "SHELF#{shelf}"
    __sk__ = "BOOK#{n:03d}"
    shelf: str
    n: int
    title: str
    checked: ClassVar[list[str]] = []

    @field_validator("title")
    @classmethod
    def count(cls, title: str) -> str:
        cls.checked.append(title)
        return title


def test_each_line_is_validated_once_and_a_bad_one_is_named(any_table: Table, tmp_path: Path) -> None:
    """With entity=, a line is validated once (where it is parsed), and any refusal, a field's or its
    keys', names the line before anything of its batch is sent. Sync and async loaders alike."""
    table = any_table
    src = tmp_path / "shelf.jsonl"
    rows = [{"shelf": "s", "n": n, "title": f"t{n}"} for n in range(1, 4)]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    Shelved.checked.clear()
    report = table.bulk_load(src, entity=Shelved, progress=False)
    assert report.written == 3 and Shelved.checked == ["t1", "t2", "t3"]
    assert table.get(Shelved, shelf="s", n=2) == Shelved(shelf="s", n=2, title="t2")
    for bad, why in (({"n": "x"}, "n"), ({"n": 1234}, "wider than")):
        src.write_text("\n".join(json.dumps({**r, **bad} if r["n"] == 2 else r) for r in rows) + "\n")
        with pytest.raises(ValidationError, match=rf"^\[ST\d+\] line 2: .*{why}") as err:
            table.bulk_load(src, entity=Shelved, progress=False, batch_size=5)
        assert err.value.field == "line 2"
