"""bulk_load's input: a line that is not UTF-8 is refused by its number, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from singletable import Table
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
