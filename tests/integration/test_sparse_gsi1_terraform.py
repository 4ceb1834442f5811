"""The module's sparse GSI1 and the data layer's agree: a `terraform test` (mocked provider) generated here
asserts that the module keys GSI1 on exactly the attributes singletable writes for a ``__reverse__``
entity, and that the table_spec output read by TableSpec.from_terraform gives the sparse schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from singletable.model import Entity
from singletable.schema import Schema
from singletable.spec import SPARSE_GSI1, TableSpec
from tests.integration.tf_support import copy_module, run_tf, skip_reason, tf_env

pytestmark = pytest.mark.terraform


class Edge(Entity):
    __pk__ = "A#{a}"
    __sk__ = "B#{b}"
    __reverse__ = True

    a: str
    b: str


@pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
def test_module_and_data_layer_key_the_sparse_gsi1_alike(tmp_path: Path) -> None:
    schema = Schema(TableSpec(indexes=(SPARSE_GSI1,)), entities=[Edge])
    written = schema.entity_item(Edge(a="1", b="2"))
    hash_attr, range_attr = (k for k in written if k.startswith("GSI1"))
    assert (written[hash_attr], written[range_attr]) == ("B#2", "A#1")  # copies of SK and PK
    module = copy_module(tmp_path)
    (module / "tests" / "agree.tftest.hcl").write_text(
        f"""mock_provider "aws" {{
  mock_data "aws_region" {{
    defaults = {{ name = "us-east-1" }}
  }}
}}

run "sparse_agrees_with_the_data_layer" {{
  command = plan

  variables {{
    table_name    = "agree-table"
    gsi1_key_mode = "sparse"
  }}

  assert {{
    condition = (
      output.table_spec.indexes[0].name == "{SPARSE_GSI1.name}" &&
      output.table_spec.indexes[0].hash_key == "{hash_attr}" &&
      output.table_spec.indexes[0].range_key == "{range_attr}" &&
      contains([for a in aws_dynamodb_table.this[0].attribute : a.name], "{hash_attr}")
    )
    error_message = "the module's sparse GSI1 is keyed on what the data layer writes"
  }}
}}
"""
    )
    env = tf_env(tmp_path)
    run_tf(["init", "-backend=false", "-input=false"], module, env)
    proc = run_tf(["test", "-filter=tests/agree.tftest.hcl"], module, env, timeout=600)
    assert "1 passed, 0 failed" in proc.stdout, proc.stdout
