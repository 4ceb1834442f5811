"""Tiny runs of every benchmark in bench/: each runs and measures the right thing (never a speed)."""

from __future__ import annotations

import pytest
from bench import bulk, capacity, codec, overhead, streaming
from bench.__main__ import render


def test_codec_round_trips_equal_and_same_wire_form() -> None:
    r = codec.run(number=5, repeat=1)
    f = r.facts
    assert f["attributes"] == 17 and 1400 < f["size"] < 1800
    assert f["same_wire_form"] and f["ours_equal"] and f["boto_equal"] and f["python_equal"]
    assert f["pynamo_attributes"] == 16  # the None coupon is left out
    assert len(r.rows) == 3 and all(row.ours > 0 and row.baseline > 0 for row in r.rows)
    assert "codec" in render(r.rows)


def test_overhead_every_api_reads_the_same_items() -> None:
    r = overhead.run(number=3, repeat=1, query_items=5)
    f = r.facts
    assert f["get_equal"] and f["resource_get_equal"]
    assert f["query_count"] == f["raw_query_count"] == f["pynamo_query_count"] == 5
    assert f["query_types"] == ["UserOrder"]
    assert len(r.rows) == 9 and all(row.ours > 0 and row.baseline > 0 for row in r.rows)


def test_capacity_equals_the_computed_minimum_on_moto() -> None:
    r = capacity.run(users=3, max_orders=4, dynalite=False, dynamodb_local=False)
    m = r.facts["moto"]
    for name, p in m.items():
        if name.startswith("_"):
            continue
        assert p["ours"] == pytest.approx(p["min"]), name
        assert p.get("ok", True), name
    orders = m["_meta"]["orders"]
    assert m["user + all orders (1 query)"]["round_trips"] == 1
    assert m["user + orders, naive N+1"]["round_trips"] == orders + 1


def test_capacity_on_dynamodb_local_is_what_our_ledger_computed() -> None:
    from singletable.local.engines import engine_available

    why = engine_available("dynamodb-local")
    if why is not None:
        pytest.skip(why)
    r = capacity.run(users=2, max_orders=2, dynalite=False, dynamodb_local=True)
    rows = [row for row in r.rows if row.metric.endswith("on DynamoDB Local")]
    assert len(rows) == 7 and all(row.met for row in rows), [
        (row.metric, row.ours, row.baseline) for row in rows
    ]


def test_capacity_skips_dynalite_with_a_word_when_it_is_absent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make bench` asks for dynalite; without it the run goes on with moto (was a DynaliteNotInstalled traceback).
    monkeypatch.setattr(capacity, "_dynalite_available", lambda: False)
    r = capacity.run(users=2, max_orders=2, dynalite=True, dynamodb_local=False)
    assert set(r.facts) == {"moto"}
    assert "dynalite not installed" in capsys.readouterr().err


def test_rule_size_matches_dynamodb_examples() -> None:
    # Attribute name bytes + value bytes; numbers: (significant digits + 1) // 2 + 1.
    assert capacity.rule_size({"ab": {"S": "xyz"}}) == 5
    assert capacity.rule_size({"n": {"N": "12345"}}) == 1 + 4
    assert capacity.rule_size({"m": {"M": {"k": {"BOOL": True}}}}) == 1 + 3 + 1 + 1 + 1


def test_bulk_load_loses_nothing_through_the_proxy() -> None:
    r = bulk.run(sizes=(60,), latency=0.001, workers=2, dynalite=False)
    s = r.facts["sizes"][60]
    assert s["lost_ours"] == 0 and s["lost_boto3"] == 0
    assert r.facts["proxy"]["requests"] >= 6 and r.facts["proxy"]["upstream_error"] == 0
    assert set(s["cpu_ours"]) == {"client_us_per_item", "proxy_us_per_item", "engine_us_per_item"}


def test_streaming_sees_every_item_in_order() -> None:
    r = streaming.run(items=3000, isolated=False)
    f = r.facts
    assert f["seen"] == f["all_count"] == 3000
    assert f["in_order"] and f["pages"] >= 1


def test_profile_writes_one_report_per_call_naming_our_functions(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pytest.importorskip("pyinstrument")  # a dev extra; the cProfile fallback is tested below
    from bench import profile

    tmp_path = tmp_path_factory.mktemp("profiles")
    # Enough calls that a sampling profiler surely catches our own frames (~13 % of a get): ~100 samples.
    shares = profile.run(60, tmp_path, interval=0.0002)
    assert set(shares) == {"get", "put", "query"}
    for name, expected in (("get", "Table.get"), ("put", "Table.put"), ("query", "Query.pages")):
        text = (tmp_path / f"{name}.txt").read_text(encoding="utf-8")
        assert expected in text and "python -m bench.profile" in text, name
        assert sum(shares[name].values()) == pytest.approx(1.0) and shares[name]["singletable"] > 0


def test_profile_falls_back_to_cprofile_without_pyinstrument(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    from bench import profile

    monkeypatch.setitem(sys.modules, "pyinstrument", None)  # import fails
    tmp_path = tmp_path_factory.mktemp("cprofiles")
    shares = profile.run(3, tmp_path)
    assert "falling back to cProfile" in capsys.readouterr().err
    text = (tmp_path / "query.txt").read_text(encoding="utf-8")
    assert "under cProfile" in text and "Query.pages" not in text and "(pages)" in text
    assert shares["query"]["singletable"] > 0


def test_async_table_bench_runs_small_and_loses_nothing(singletable_endpoint: str) -> None:
    from bench import async_table

    calls = async_table.per_call(singletable_endpoint, calls=20, rounds=1)
    assert set(calls) >= {"sync get", "async get x32", "transport get x32"}
    assert all(v > 0 for v in calls.values())
    loads = async_table.bulk(singletable_endpoint, 120, latency=0.0)
    assert [v for k, v in loads.items() if k.endswith("lost")] == [0, 0, 0, 0]


def test_loopback_every_client_reads_the_same_item_and_loses_nothing() -> None:
    # Tiny: 3 calls per block, one round, no aioboto3 child; pydynox rows only where it is installed.
    from bench import loopback

    clients = ("ours sync", "ours async", "boto3 client", "pydynox sync", "pydynox async")
    r = loopback.run(calls=3, rounds=1, bulk_items=50, clients=clients)
    f = r.facts
    assert f["get_equal"]
    assert set(f["numbers"]["ours sync"]) == set(loopback.OPS)
    assert all(cpu > 0 and wall > 0 for ops in f["numbers"].values() for cpu, wall in ops.values())
    assert all(load["lost"] == 0 for load in f["bulk"].values())
    assert any(row.baseline_name == "boto3 client" for row in r.rows)
    assert "get" in loopback.render_numbers(f)
