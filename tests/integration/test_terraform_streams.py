"""The module's stream settings applied to the local engine: stream_enabled on, then off (what used to make
moto fail every later write to the table), then destroyed. The table the module creates has the stream
TableSpec.from_terraform reads from the module's table_spec output.

Two applies and a destroy cost about 35 s of CPU (terraform and its provider), so this runs with
``make streams`` (SINGLETABLE_TF_STREAMS=1); ``make test`` covers the same fills through UpdateTable
(tests/integration/test_stream_gaps.py) and the module's stream through the provisioned example."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from singletable import Table, TableSpec
from singletable.client import make_client
from singletable.streams import StreamReader, streams_client
from tests.integration.tf_support import (
    LOCAL_PROVIDER,
    copy_module,
    local_engine_process,
    run_tf,
    skip_reason,
    tf_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.terraform,
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
    pytest.mark.skipif(
        not os.environ.get("SINGLETABLE_TF_STREAMS"), reason="make streams runs it (~35 s CPU)"
    ),
]

ROOT = (
    """
variable "endpoint" { type = string }
variable "stream_enabled" { type = bool }

"""
    + LOCAL_PROVIDER
    + """
module "table" {
  source                      = "./terraform"
  table_name                  = "streamed-by-terraform"
  stream_enabled              = var.stream_enabled
  stream_view_type            = "NEW_AND_OLD_IMAGES"
  deletion_protection_enabled = false
}

output "table_spec" { value = module.table.table_spec }
"""
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with local_engine_process() as url:
        yield url


def test_stream_enabled_on_then_off(endpoint: str, tmp_path: Path) -> None:
    copy_module(tmp_path)
    (tmp_path / "main.tf").write_text(ROOT)
    env = tf_env(tmp_path, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    run_tf(["init", "-input=false"], tmp_path, env)
    on = ["-var", f"endpoint={endpoint}", "-var", "stream_enabled=true"]
    run_tf(["apply", "-auto-approve", "-input=false", *on], tmp_path, env)

    spec = TableSpec.from_terraform(tmp_path)
    assert spec.stream_view_type == "NEW_AND_OLD_IMAGES"
    client = make_client(endpoint_url=endpoint)
    assert spec.verify(client, strict=True) == []
    table = Table(spec, client=client)
    reader = StreamReader(table, client=streams_client(endpoint_url=endpoint))
    table.put_item({"PK": "A", "SK": "1"})
    assert [c.kind for c in reader.read_available()] == ["insert"]

    off = ["-var", f"endpoint={endpoint}", "-var", "stream_enabled=false"]
    run_tf(["apply", "-auto-approve", "-input=false", *off], tmp_path, env)
    assert TableSpec.from_terraform(tmp_path).stream_view_type is None
    table.put_item({"PK": "B", "SK": "1"})  # moto failed here: every write after the stream was turned off
    assert reader.read_available() == []
    run_tf(["destroy", "-auto-approve", "-input=false", *off], tmp_path, env)
