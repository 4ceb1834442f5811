"""A tiny run of bench/async_transport.py: it runs, both paths answer the same item (never a speed)."""

from __future__ import annotations

from bench import async_transport


def test_async_transport_bench_measures_every_client() -> None:
    r = async_transport.run(calls=12, concurrency=(1, 3), rounds=1, paths=("direct",))
    f = r.facts
    assert f["async_equal_direct"] is True
    labels = set(f["numbers"])
    for op in ("get", "put"):
        assert {
            f"direct {op} sync",
            f"direct {op} sync x3 threads",
            f"direct {op} async x1",
            f"direct {op} async x3",
        } <= labels
    assert all(v["cpu_us"] > 0 and v["wall_us"] > 0 for v in f["numbers"].values())
    assert len(r.rows) >= 4 and all(row.ours > 0 and row.baseline > 0 for row in r.rows)
