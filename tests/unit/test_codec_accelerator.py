"""The C accelerator (``singletable._ccodec``) gives exactly what the Python codec gives, or hands over.

Every public codec function is run both ways on generated values, exotic ones included (subclasses,
enums, sets of every kind, dates, floats, NaN, very long numbers, deep nesting, malformed
AttributeValues): results, and errors, must be equal. Skipped where the extension was not built; the
last test runs the codec's own tests with the C part switched off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import gc
import os
import subprocess
import sys
import tracemalloc
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singletable import codec

needs_c = pytest.mark.skipif(not codec.ACCELERATED, reason="the C accelerator was not built here")


class Colour(enum.Enum):
    BLUE = "blue"


class Text(str):
    pass


numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
scalars = st.one_of(
    st.text(),
    numbers,
    st.none(),
    st.binary(),
    st.dates(),
    st.datetimes(),
    st.just(Colour.BLUE),
    st.builds(Text, st.text()),
    st.frozensets(st.text(), max_size=3),
    st.sets(st.integers(), max_size=3),
    st.sets(st.binary(), max_size=3),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(), inner, max_size=4),
        st.builds(OrderedDict, st.dictionaries(st.text(), inner, max_size=2)),
    ),
    max_leaves=25,
)


def _both(fn: str, py_fn: str, *args: Any) -> tuple[Any, Any]:
    """(result or error) of the public function and of its Python twin."""
    out = []
    for f in (getattr(codec, fn), getattr(codec, py_fn)):
        try:
            out.append(("ok", f(*args)))
        except Exception as exc:  # the error itself is part of the contract
            out.append(("error", type(exc), str(exc)))
    return out[0], out[1]


@needs_c
@settings(max_examples=300)
@given(st.dictionaries(st.text(), values, max_size=6))
def test_serialize_and_sizes_equal_python(item: dict[str, Any]) -> None:
    ours, python = _both("serialize", "py_serialize", item)
    assert ours == python
    if ours[0] == "ok":
        av = ours[1]
        assert _both("item_size", "py_item_size", av) == (("ok", codec.py_item_size(av)),) * 2
        assert _both("deserialize", "py_deserialize", av)[0] == _both("deserialize", "py_deserialize", av)[1]
        for v in av.values():
            assert codec.attr_size(v) == codec.py_attr_size(v)
            a, b = _both("from_attr", "py_from_attr", v)
            assert a == b


@needs_c
@settings(max_examples=200)
@given(values)
def test_to_attr_equal_python(value: Any) -> None:
    a, b = _both("to_attr", "py_to_attr", value)
    assert a == b


attribute_values = st.recursive(
    st.one_of(
        st.builds(lambda s: {"S": s}, st.text()),
        st.builds(lambda n: {"N": n}, st.sampled_from(["0", "-1", "1.50", "1e5", "12345678901234567890"])),
        st.builds(lambda b: {"B": b}, st.binary()),
        st.builds(lambda b: {"BOOL": b}, st.booleans()),
        st.just({"NULL": True}),
        st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(), min_size=1, max_size=3)),
        st.just({"NS": ["1", "2.5"]}),
        st.just({"BS": [b"a"]}),
        # malformed: the accelerator must hand these to Python, which words the error
        st.sampled_from([{}, {"S": "a", "N": "1"}, {"X": 1}, {"N": 5}, {"M": []}, {"L": {}}, {"SS": "ab"}]),
    ),
    lambda inner: st.one_of(
        st.builds(lambda m: {"M": m}, st.dictionaries(st.text(), inner, max_size=3)),
        st.builds(lambda lst: {"L": lst}, st.lists(inner, max_size=3)),
    ),
    max_leaves=20,
)


@needs_c
@settings(max_examples=300)
@given(st.dictionaries(st.text(), attribute_values, max_size=5))
def test_deserialize_and_sizes_of_any_wire_item_equal_python(item: dict[str, Any]) -> None:
    assert _both("deserialize", "py_deserialize", item)[0] == _both("deserialize", "py_deserialize", item)[1]
    assert _both("item_size", "py_item_size", item)[0] == _both("item_size", "py_item_size", item)[1]
    for v in item.values():
        assert _both("from_attr", "py_from_attr", v)[0] == _both("from_attr", "py_from_attr", v)[1]
        assert _both("attr_size", "py_attr_size", v)[0] == _both("attr_size", "py_attr_size", v)[1]


@needs_c
def test_exact_cases_and_errors() -> None:
    assert codec.serialize({"p": 99.99, "d": Decimal("1.50"), "n": None, "t": (1, "a")}) == {
        "p": {"N": "99.99"},
        "d": {"N": "1.50"},
        "t": {"L": [{"N": "1"}, {"S": "a"}]},
    }
    assert codec.to_attr(dt.datetime(2023, 2, 15, 10, 30)) == {"S": "2023-02-15T10:30:00"}
    assert codec.to_attr(frozenset({"b", "a"})) == {"SS": ["a", "b"]}
    with pytest.raises(codec.ValidationError, match="significant digits") as err:
        codec.serialize({"big": {"x": [Decimal("1" * 39)]}})
    assert err.value.field == "big.x[0]"  # the Python path words it, with the full path
    deep: Any = "leaf"
    for _ in range(100):
        deep = {"a": deep}
    assert codec.deserialize(codec.serialize({"d": deep})) == {"d": deep}


@needs_c
def test_no_leaks_over_many_round_trips() -> None:
    item = {
        "PK": "USER#1",
        "m": {"a": [1, Decimal("2.5"), "x", True, None, b"b"], "s": {"x", "y"}},
        "f": 1.25,
        "d": dt.date(2023, 1, 1),
    }
    for _ in range(200):  # warm caches first
        codec.item_size(codec.serialize(codec.deserialize(codec.serialize(item))))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(20_000):
        av = codec.serialize(item)
        codec.item_size(av)
        codec.deserialize(av)
        with contextlib.suppress(codec.ValidationError):
            codec.serialize({"bad": float("nan")})
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 64 * 1024, f"{grown} bytes kept after 20,000 round trips"


@needs_c
def test_switched_off_by_environment() -> None:
    env = {**os.environ, "SINGLETABLE_PURE_PYTHON": "1"}
    out = subprocess.run(
        [sys.executable, "-c", "import singletable.codec as c; print(c.ACCELERATED)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_codec_suite_passes_in_pure_python() -> None:
    """Where no compiler was there, the Python codec alone must pass the same codec tests."""
    here = os.path.dirname(__file__)
    env = {**os.environ, "SINGLETABLE_PURE_PYTHON": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "test_codec.py"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert " passed" in out.stdout
