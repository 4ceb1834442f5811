"""Profile the hot paths: ``Table.get``, ``Table.put`` and a 25-item ``Table.query(...).all()``.

    python -m bench.profile [--calls N] [--out docs/profiles]

The calls run against the same canned responses as ``bench/overhead.py`` (the network cut out on
botocore's ``before-send`` event; botocore's signing, events and retry handler still run), under
pyinstrument, and one text report per call is written (``get.txt``, ``put.txt``, ``query.txt``). A
summary of where the time went is printed: the share of self time in our own code (``singletable``),
in botocore, in pydantic (entity validation) and in the benchmark's canned-response harness, with the
standard library and built-ins (``json``, ``str.join``, pydantic-core, the C codec) counted for the
package that called them. Without pyinstrument, cProfile is used instead (said so on stderr), and
the reports are its ``pstats`` listings.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import sysconfig
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import bench
import singletable
from bench._common import install_canned
from bench.overhead import _fixtures, canned_responder
from singletable import codec
from singletable.seed import User, UserOrder

QUERY_ITEMS = 25
_OURS = str(Path(singletable.__file__).resolve().parent)
_BENCH = str(Path(bench.__file__).resolve().parent)
_STDLIB = str(Path(sysconfig.get_paths()["stdlib"]).resolve())
GROUPS = ("singletable", "botocore", "pydantic", "bench harness", "stdlib", "other")
_OWNERS = frozenset(GROUPS[:4])


def calls(query_items: int = QUERY_ITEMS) -> dict[str, Callable[[], Any]]:
    """The three calls of ``bench/overhead.py`` ("ours"), on a table answered from canned responses."""
    table, user, user_item, edges = _fixtures(query_items)
    respond = canned_responder(user_item, edges)
    install_canned(table.client, respond)

    def get() -> Any:
        return table.get(User, user_id="u00001")

    def put() -> Any:
        return table.put(user)

    def query() -> Any:
        return table.query(UserOrder, user_id="u00001").all()

    assert get() == user and len(query()) == query_items, "the canned responses do not round-trip"
    table.ledger.clear()
    return {"get": get, "put": put, "query": query}


def group_of(file_path: str | None) -> str:
    """Which of ``GROUPS`` a frame's source file belongs to ("other" for built-ins and generated code)."""
    if not file_path or (file_path.startswith("<") and not file_path.startswith("<frozen")):
        return "other"
    if file_path.startswith("<frozen"):
        return "stdlib"
    path = str(Path(file_path).resolve())
    if path.startswith(_OURS):
        return "singletable"
    if path.startswith(_BENCH):
        return "bench harness"
    for name in ("botocore", "pydantic"):  # pydantic_core is counted with pydantic
        if f"/site-packages/{name}" in path:
            return name
    if path.startswith(_STDLIB) and "/site-packages/" not in path:
        return "stdlib"
    return "other"


def shares(self_times: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Self time per group (``(group, seconds)`` pairs summed), as fractions of the total."""
    totals = dict.fromkeys(GROUPS, 0.0)
    for group, seconds in self_times:
        totals[group] += seconds
    whole = sum(totals.values()) or 1.0
    return {g: t / whole for g, t in totals.items()}


def _repeat(fn: Callable[[], Any], n: int) -> float:
    """Call ``fn`` ``n`` times; the CPU seconds per call (the profiler's own cost included)."""
    t0 = time.thread_time()
    for _ in range(n):
        fn()
    return (time.thread_time() - t0) / n


def _pyinstrument(fn: Callable[[], Any], n: int, interval: float) -> tuple[str, dict[str, float], float]:
    from pyinstrument import Profiler

    # No timing thread: on a loaded 2-core machine it may never be scheduled, and no sample is taken.
    profiler = Profiler(interval=interval, async_mode="disabled", use_timing_thread=False)
    profiler.start()
    per_call = _repeat(fn, n)
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False)
    session = profiler.last_session
    root = session.root_frame() if session is not None else None
    # Self time of each frame, charged to the nearest frame (itself or a caller) that belongs to one of
    # the owners: the standard library, built-ins and generated code count for whoever called them.
    pairs: list[tuple[str, float]] = []
    stack: list[tuple[Any, str]] = [(root, "other")] if root is not None else []
    while stack:
        frame, owner = stack.pop()
        if frame.is_synthetic:
            continue
        group = group_of(frame.file_path)
        if group in _OWNERS:
            owner = group
        pairs.append((owner, frame.total_self_time))
        stack.extend((child, owner) for child in frame.children)
    return text, shares(pairs), per_call


def _cprofile(fn: Callable[[], Any], n: int) -> tuple[str, dict[str, float], float]:
    prof = cProfile.Profile()
    prof.enable()
    per_call = _repeat(fn, n)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    raw: Mapping[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]

    def group(func: tuple[str, int, str]) -> str:
        return group_of(func[0] if func[0] != "~" else None)

    def owner(func: tuple[str, int, str], seen: frozenset[tuple[str, int, str]] = frozenset()) -> str:
        # The first owner up the chain of each function's main caller (the one it spent most time under).
        g = group(func)
        callers = raw[func][4] if func in raw else {}
        if g in _OWNERS or not callers or func in seen:
            return g
        return owner(max(callers, key=lambda c: callers[c][3]), seen | {func})

    # Self time (tottime), split over the callers for the standard library and built-ins, as above.
    pairs: list[tuple[str, float]] = []
    for func, (_, _, tottime, _, callers) in raw.items():
        if group(func) in _OWNERS or not callers:
            pairs.append((group(func), tottime))
        else:
            pairs.extend((owner(caller), edge[2]) for caller, edge in callers.items())
    return out.getvalue(), shares(pairs), per_call


def run(
    n: int = 2000, out: str | Path = "docs/profiles", interval: float = 0.001
) -> dict[str, dict[str, float]]:
    """Profile each call ``n`` times (the query a third as often) and write ``<out>/<call>.txt``."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        use_pyinstrument = False
        print(
            "pyinstrument is not installed (pip install pyinstrument): falling back to cProfile, whose "
            "deterministic tracing inflates the cost of small Python functions",
            file=sys.stderr,
        )
    else:
        use_pyinstrument = True
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, dict[str, float]] = {}
    for name, fn in calls().items():
        count = max(1, n // 3) if name == "query" else n
        plain = _repeat(fn, max(1, count // 10))  # also warms caches (validators, botocore models)
        if use_pyinstrument:
            text, share, profiled = _pyinstrument(fn, count, interval)
            tool = f"pyinstrument, sampling every {interval * 1e6:,.0f} us"
        else:
            text, share, profiled = _cprofile(fn, count)
            tool = "cProfile"
        head = (
            f"# {name}: {count} calls; CPU per call {plain * 1e6:,.0f} us unprofiled, "
            f"{profiled * 1e6:,.0f} us under {tool}\n"
            f"# self time by package (the standard library and built-ins counted with their caller): "
            f"{_line(share)}\n"
            f"# codec: {'C accelerator' if codec.ACCELERATED else 'pure Python'}; "
            f"reproduce: python -m bench.profile --calls {n}\n"
        )
        # Paths relative to the checkout: the reports are committed and must not name this machine.
        text = text.replace(str(Path(bench.__file__).resolve().parent.parent) + "/", "")
        (out_dir / f"{name}.txt").write_text(head + text, encoding="utf-8")
        result[name] = share
    return result


def _line(share: Mapping[str, float]) -> str:
    return ", ".join(f"{g} {share[g]:.0%}" for g in GROUPS if share.get(g))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=2000, help="calls profiled per operation (query: a third)")
    p.add_argument("--out", default="docs/profiles", help="directory for get.txt, put.txt, query.txt")
    p.add_argument("--interval", type=float, default=0.001, help="pyinstrument's sampling interval (s)")
    args = p.parse_args(argv)
    result = run(args.calls, args.out, args.interval)
    width = max(len(n) for n in result)
    print(f"self time by package (reports in {args.out}/):")
    for name, share in result.items():
        print(f"  {name:<{width}}  {_line(share)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
