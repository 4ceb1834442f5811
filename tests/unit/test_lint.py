"""The design lint: hot partitions read from the declarations, with their numbers and fixes."""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field
from typer.testing import CliRunner

from singletable.cli import app
from singletable.lint import WCU_PER_PARTITION, lint
from singletable.model import Entity
from singletable.schema import Schema
from singletable.seed import ENTITIES
from singletable.spec import GSI1, IndexSpec, TableSpec

runner = CliRunner()


def test_the_seed_design_caps_profile_and_order_writes_at_one_gsi1_partition() -> None:
    report = lint(Schema(TableSpec(), entities=ENTITIES))
    assert report.gsi1_mode == "inverted"
    assert report.codes() == ["ST750", "ST750"]
    user, order = report.findings
    assert (user.entity, user.index, order.entity) == ("User", "GSI1", "Order")
    n = user.numbers
    # A User item: PK (2 + 5 + 16) + SK (2 + 7) + _type (5 + 4) + name (4 + 32) + email (5 + 32) = 114 B.
    assert n["item_bytes"] == 114 and n["projected_bytes"] == 114 and n["projection"] == "ALL"
    assert n["partition_key"] == "SK" and n["partition"] == "PROFILE" and n["partition_values"] == 1
    # ceil(114 / 1024) = 1 WCU per write; one partition serves 1,000 WCU/s -> 1,000 User writes/s.
    assert n["wcu_per_write"] == 1.0 and n["max_wcu_per_s"] == 1000 and n["max_writes_per_s"] == 1000
    # 3,000 RCU/s, eventually consistent (GSI reads are): 0.5 RCU per item of up to 4 KB -> 6,000/s.
    assert n["max_reads_per_s"] == 6000
    assert n["back_pressure"] is True
    assert n["split_for_heat"].startswith("possible after sustained heat")
    assert "Not a hard cap" in user.note and "sort-key order" in user.note
    assert order.numbers["partition"] == "METADATA" and order.numbers["max_writes_per_s"] == 1000
    assert user.terraform == 'gsi1_key_mode = "sparse"'
    assert user.entity_change is not None and "__reverse__ = True on UserOrder only" in user.entity_change
    # UserOrder's GSI1 key is ORDER#{order_id}: unbounded, no finding.
    placed = {(p.entity, p.index): p for p in report.placements}
    assert placed["UserOrder", "GSI1"].partition_values is None


def test_item_size_and_projection_set_the_rate() -> None:
    report = lint(Schema(TableSpec(), entities=ENTITIES), item_sizes={"User": 3000})
    user = report.findings[0].numbers
    assert user["wcu_per_write"] == 3.0 and user["max_writes_per_s"] == 333  # floor(1000 / 3)
    keys_only = TableSpec(indexes=(IndexSpec("GSI1", "SK", "PK", projection="KEYS_ONLY"),))
    slim = lint(Schema(keys_only, entities=ENTITIES), item_sizes={"User": 3000}).findings[0].numbers
    assert slim["projected_bytes"] < 1024 and slim["max_writes_per_s"] == 1000


class Status(enum.Enum):
    OPEN = "open"
    SHIPPED = "shipped"
    CLOSED = "closed"


class Ticket(Entity):
    """A non-seed domain: tickets by status (GSI2, three values) and by day (GSI3, time-bucketed)."""

    __pk__ = "TICKET#{ticket_id}"
    __sk__ = "T"
    __indexes__ = {"GSI2": ("STATUS#{status}", "TICKET#{ticket_id}"), "GSI3": ("DAY#{day}", "N#{seq:08d}")}

    ticket_id: str
    status: Status
    day: dt.date
    seq: int = Field(ge=0)


class Setting(Entity):
    __pk__ = "CONFIG"
    __sk__ = "KEY#{name}"

    name: str
    shard_flag: Literal["a", "b"] = "a"


def test_low_cardinality_time_buckets_and_a_constant_table_key() -> None:
    spec = TableSpec(
        indexes=(GSI1, IndexSpec("GSI2", "GSI2PK", "GSI2SK"), IndexSpec("GSI3", "GSI3PK", "GSI3SK")),
    )
    report = lint(Schema(spec, entities=[Ticket, Setting]))
    by = {(f.entity, f.index): f for f in report.findings}
    status = by["Ticket", "GSI2"]
    assert status.code == "ST752" and status.numbers["partition_values"] == 3
    assert status.numbers["max_wcu_per_s"] == 3 * WCU_PER_PARTITION
    day = by["Ticket", "GSI3"]
    assert day.code == "ST753" and day.numbers["partition_values"] == 1
    assert day.numbers["split_for_heat"].startswith("defeated")  # N#{seq:08d} grows in write order
    assert by["Setting", "table"].code == "ST751"
    assert by["Setting", "table"].numbers["back_pressure"] is False
    assert '__pk__ = "CONFIG#{shard}"' in (by["Setting", "table"].entity_change or "")
    assert by["Ticket", "GSI1"].code == "ST750"  # SK "T" constant under the inverted GSI1


def test_cli_prints_rich_and_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 0, result.output
    assert "ST750" in result.output and "gsi1_key_mode" in result.output
    result = runner.invoke(app, ["lint", "-o", "json", "--item-size", "User=2048"])
    data = json.loads(result.stdout)
    assert data["findings"][0]["numbers"]["max_writes_per_s"] == 500
    assert runner.invoke(app, ["lint", "--strict"]).exit_code == 1
    assert runner.invoke(app, ["lint", "--item-size", "User=big"]).exit_code == 2
    bad = runner.invoke(app, ["lint", "--app", "no_such_module_xyz:table"])
    assert bad.exit_code == 2 and "ST755" in bad.output
    app_file = tmp_path / "myapp.py"
    app_file.write_text(
        "from singletable.schema import Schema\nfrom singletable.spec import TableSpec\n"
        "from tests.unit.test_lint import Setting\nschema = Schema(TableSpec(), entities=[Setting])\n"
    )
    result = runner.invoke(app, ["lint", "--app", f"{app_file}:schema", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["ST751"]


@pytest.mark.parametrize(
    "ref",
    [
        "no-colon",
        "tests.unit.test_lint:missing",
        "tests.unit.test_lint:Status",
        "tests.unit.test_lint:test_bad_app_references",
    ],
)
def test_bad_app_references(ref: str) -> None:
    result = runner.invoke(app, ["lint", "--app", ref])
    assert result.exit_code == 2 and "ST755" in result.output


def test_sizes_sampled_from_a_live_table_set_the_rate(table: Any) -> None:
    from singletable.codec import item_size, serialize
    from singletable.errors import ValidationError
    from singletable.lint.sample import sample_item_sizes
    from singletable.seed import User

    for n in range(3):
        table.put(User(user_id=f"u{n}", name="N" * 1500, email=f"u{n}@example.com"))
    sizes = sample_item_sizes(table.schema, table.client, 100)
    stored = item_size(
        serialize(table.schema.entity_item(User(user_id="u0", name="N" * 1500, email="u0@example.com")))
    )
    assert sizes == {"User": stored} and stored > 1500
    report = lint(table.schema, item_sizes=sizes)
    user = next(f for f in report.findings if f.entity == "User").numbers
    assert user["wcu_per_write"] == 2.0 and user["max_writes_per_s"] == 500  # 1.5 KB: 2 WCU a write
    with pytest.raises(ValidationError, match="needs a table with a client"):
        sample_item_sizes(table.schema, None)


def test_the_demo_runs_the_lint() -> None:
    from rich.console import Console

    from singletable.demo import run

    summary = run(users=3, max_orders=1, console=Console(file=open("/dev/null", "w")))  # noqa: SIM115
    assert summary["lint"] == ["ST750 User/GSI1", "ST750 Order/GSI1"]
