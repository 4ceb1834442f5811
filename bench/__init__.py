"""Benchmarks that print ratios against baselines measured in the same run (``python -m bench``).

One module per benchmark; each has ``run(...) -> Result`` with its sizes as keyword arguments, so the
smoke tests in ``tests/unit/test_bench_smoke.py`` can run it tiny and check what it measured.
"""
