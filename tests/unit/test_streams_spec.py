"""TableSpec's stream and the Terraform module's stream settings agree; the local engine creates the stream the
spec declares, and strict verification reports a declared stream that is missing or of another view type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from singletable import TableSpec
from singletable.errors import StreamViewTypeError
from singletable.local import InProcessEngine
from singletable.spec import STREAM_VIEW_TYPES

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"


def _variable(name: str) -> str:
    text = (TERRAFORM / "variables.tf").read_text()
    found = re.search(r'variable "' + name + r'" \{(.*?)\n\}', text, re.S)
    assert found, name
    return found.group(1)


def test_the_module_and_the_spec_agree() -> None:
    view = _variable("stream_view_type")
    allowed = re.search(r"contains\(\[(.*?)\], var\.stream_view_type\)", view)
    assert allowed and set(re.findall(r'"(\w+)"', allowed.group(1))) == set(STREAM_VIEW_TYPES)
    # Off by default in both: stream_enabled = false, and TableSpec's stream_view_type None.
    assert re.search(r"default\s*=\s*false", _variable("stream_enabled"))
    assert TableSpec().stream_view_type is None
    assert TableSpec().create_request().get("StreamSpecification") is None
    # The view type reaches the table and the table_spec output only when the stream is on.
    ternary = "var.stream_enabled ? var.stream_view_type : null"
    assert re.search(r"stream_view_type\s*=\s*" + re.escape(ternary), (TERRAFORM / "main.tf").read_text())
    assert re.search(r"stream_view_type\s*=\s*" + re.escape(ternary), (TERRAFORM / "outputs.tf").read_text())
    on = {
        "table_spec": {
            "value": {
                "name": "t-x",
                "partition_key": "PK",
                "sort_key": "SK",
                "indexes": [],
                "stream_view_type": "NEW_IMAGE",
            }
        }
    }
    assert TableSpec.from_terraform(on).create_request()["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }


def test_a_view_type_dynamodb_does_not_know_is_refused() -> None:
    with pytest.raises(StreamViewTypeError, match="ST723"):
        TableSpec(stream_view_type="NEW_AND_OLD")


def test_local_engine_creates_the_declared_stream_and_verify_checks_it(
    singletable_inprocess: InProcessEngine,
) -> None:
    client = singletable_inprocess.client()
    spec = TableSpec(name="streamed", deletion_protection=False, stream_view_type="NEW_AND_OLD_IMAGES")
    spec.create(client)
    desc = client.describe_table(TableName="streamed")["Table"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert desc["LatestStreamArn"].startswith("arn:aws:dynamodb:us-east-1:")
    assert spec.verify(client, strict=True) == []
    other = TableSpec(name="streamed", deletion_protection=False, stream_view_type="KEYS_ONLY")
    [drift] = other.verify(client, strict=True)
    assert (drift.what, drift.expected, drift.actual) == ("stream", "KEYS_ONLY", "NEW_AND_OLD_IMAGES")
    TableSpec(name="plain", deletion_protection=False).create(client)
    [missing] = TableSpec(name="plain", deletion_protection=False, stream_view_type="NEW_IMAGE").verify(
        client, strict=True
    )
    assert missing.actual == "off" and 'stream_view_type = "NEW_IMAGE"' in missing.fix
    # A stream nobody declared is not drift (doctor without --terraform must not flag every streamed table).
    assert TableSpec(name="streamed", deletion_protection=False).verify(client, strict=True) == []
