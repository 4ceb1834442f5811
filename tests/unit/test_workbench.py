"""`singletable model export --workbench`: the NoSQL Workbench data model (format 3.0) of the design."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from singletable import TableSpec
from singletable.cli.app import app
from singletable.workbench import attribute_type, data_model

runner = CliRunner()


class Address(BaseModel):
    city: str


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        (str, "S"),
        (int, "N"),
        (float, "N"),
        (Decimal, "N"),
        (bool, "BOOL"),
        (bytes, "B"),
        (dt.date, "S"),
        (dt.datetime, "S"),
        (list[int], "L"),
        (dict[str, int], "M"),
        (Address, "M"),
        (set[str], "SS"),
        (set[int], "NS"),
        (frozenset[bytes], "BS"),
        (int | None, "N"),
        (str | None, "S"),
    ],
)
def test_attribute_types(annotation: object, kind: str) -> None:
    assert attribute_type(annotation) == kind


def test_seed_model_has_facets_gsi1_and_the_seed_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    done = runner.invoke(app, ["model", "export", "--workbench", "model.json"])
    assert done.exit_code == 0, done.output
    model = json.loads((tmp_path / "model.json").read_text())
    assert (
        model["ModelMetadata"]["Version"] == "3.0"
        and model["ModelMetadata"]["AWSService"] == "Amazon DynamoDB"
    )
    (table,) = model["DataModel"]
    assert table["TableName"] == "my-app-main-table"
    assert table["KeyAttributes"]["PartitionKey"] == {"AttributeName": "PK", "AttributeType": "S"}
    facets = {f["FacetName"]: f for f in table["TableFacets"]}
    assert set(facets) == {"User", "Order", "UserOrder"}
    assert facets["UserOrder"]["KeyAttributeAlias"] == {
        "PartitionKeyAlias": "USER#{user_id}",
        "SortKeyAlias": "ORDER#{order_id}",
    }
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "GSI1"
    assert gsi["KeyAttributes"]["PartitionKey"]["AttributeName"] == "SK"
    assert gsi["KeyAttributes"]["SortKey"]["AttributeName"] == "PK"
    order = next(i for i in table["TableData"] if i["PK"] == {"S": "ORDER#456"})
    assert order["total"] == {"N": "99.99"} and order["_type"] == {"S": "Order"}
    assert {a["AttributeName"]: a["AttributeType"] for a in table["NonKeyAttributes"]}["total"] == "N"


def test_your_entities_and_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "shop_models.py").write_text(
        "from singletable import Entity\n"
        "class Product(Entity):\n"
        "    __pk__ = 'PRODUCT#{sku}'\n"
        "    __sk__ = 'DETAILS'\n"
        "    sku: str\n"
        "    price: int\n"
        "    tags: set[str] = set()\n"
    )
    (tmp_path / "items.jsonl").write_text('{"PK":"PRODUCT#1","SK":"DETAILS","_type":"Product","price":5}\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    done = runner.invoke(
        app,
        [
            "model",
            "export",
            "--workbench",
            "m.json",
            "--entities",
            "shop_models",
            "--items",
            "items.jsonl",
            "-t",
            "shop",
        ],
    )
    sys.modules.pop("shop_models", None)
    assert done.exit_code == 0, done.output
    (table,) = json.loads((tmp_path / "m.json").read_text())["DataModel"]
    assert table["TableName"] == "shop"
    assert [f["FacetName"] for f in table["TableFacets"]] == ["Product"]
    assert table["TableFacets"][0]["TableData"] == [
        {"PK": {"S": "PRODUCT#1"}, "SK": {"S": "DETAILS"}, "_type": {"S": "Product"}, "price": {"N": "5"}}
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in table["NonKeyAttributes"]}
    assert types["price"] == "N" and types["tags"] == "SS" and "sku" not in types

    bad = runner.invoke(app, ["model", "export", "--workbench", "m.json", "--entities", "no_such_module_xyz"])
    assert bad.exit_code == 2 and "cannot import it" in bad.stderr


def test_provisioned_spec_carries_its_capacity() -> None:
    model = data_model(TableSpec(billing_mode="PROVISIONED", read_capacity=7), [], [])
    table = model["DataModel"][0]
    assert table["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedCapacitySettings"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
