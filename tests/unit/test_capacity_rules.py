"""Capacity rules against AWS's documented examples."""

import pytest

from singletable import capacity


@pytest.mark.parametrize(
    ("size", "consistency", "expected"),
    [
        (3584, "strong", 1.0),  # GetItem 3.5 KB -> 1 RCU
        (10 * 1024, "strong", 3.0),
        (10 * 1024, "eventual", 1.5),
        (8 * 1024, "strong", 2.0),
        (8 * 1024, "eventual", 1.0),
        (8 * 1024, "transactional", 4.0),
        (0, "eventual", 0.5),  # a miss still costs the minimum
    ],
)
def test_read_units(size: int, consistency: capacity.Consistency, expected: float) -> None:
    assert capacity.read_units(size, consistency) == expected


def test_write_units_and_batches() -> None:
    assert capacity.write_units(1638) == 2  # PutItem 1.6 KB
    assert capacity.write_units(3 * 1024) == 3
    assert capacity.write_units(3 * 1024, transactional=True) == 6
    assert capacity.batch_write_units([500, 3584]) == 5
    assert capacity.batch_read_units([1536, 6656], "strong") == 3
    assert capacity.query_read_units([int(40.8 * 1024)], "strong") == 11


def test_bad_consistency_names_the_choices() -> None:
    with pytest.raises(ValueError, match="consistency must be one of"):
        capacity.read_units(1, "weak")  # type: ignore[arg-type]
