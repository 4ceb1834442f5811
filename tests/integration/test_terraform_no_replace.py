"""Issue 19's features against the local engine: nothing the new inputs toggle replaces the table.

A small root module (written here) uses the module with the engine as endpoint. It checks, on one
table: the resource-based policy is attached and removed in place; a state from before `create_table`
(the table at `aws_dynamodb_table.this`) is moved, not replaced; the creation-only sources (a restore,
an S3 import) added to an existing table plan no change; an LSI added later fails at plan instead of
replacing the table. Alarms, Contributor Insights and replicas are plan-tested only (terraform test):
the engine serves no CloudWatch or Contributor Insights and no second region.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

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
]

REGION = "us-east-1"
TABLE = "no-replace-table"
ROOT = (
    """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }
variable "resource_policy" {
  type    = string
  default = null
}
variable "restore_source_name" {
  type    = string
  default = null
}
variable "restore_to_latest_time" {
  type    = bool
  default = false
}
variable "import_table" {
  type    = any
  default = null
}
variable "local_secondary_indexes" {
  type    = any
  default = []
}

"""
    + LOCAL_PROVIDER
    + """
module "table" {
  source = "MODULE"

  table_name                  = "TABLE"
  deletion_protection_enabled = false
  resource_policy             = var.resource_policy
  restore_source_name         = var.restore_source_name
  restore_to_latest_time      = var.restore_to_latest_time
  import_table                = var.import_table
  local_secondary_indexes     = var.local_secondary_indexes
}
"""
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with local_engine_process() as url:
        yield url


def _dynamodb(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_new_inputs_never_replace_the_table(endpoint: str, tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(ROOT.replace("MODULE", module.as_posix()).replace("TABLE", TABLE))
    env = tf_env(tmp_path, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    ep = ["-var", f"endpoint={endpoint}"]
    run_tf(["init", "-input=false"], root, env)
    run_tf(["apply", "-auto-approve", "-input=false", *ep], root, env)
    ddb = _dynamodb(endpoint)
    arn = ddb.describe_table(TableName=TABLE)["Table"]["TableArn"]

    # A resource-based policy is attached in place, and removed in place.
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadFromAnalytics",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": arn,
                }
            ],
        }
    )
    proc = run_tf(
        ["apply", "-auto-approve", "-input=false", *ep, "-var", f"resource_policy={policy}"], root, env
    )
    assert "1 added, 0 changed, 0 destroyed" in proc.stdout, proc.stdout[-3000:]
    attached = json.loads(ddb.get_resource_policy(ResourceArn=arn)["Policy"])
    assert attached["Statement"][0]["Sid"] == "ReadFromAnalytics"
    proc = run_tf(["apply", "-auto-approve", "-input=false", *ep], root, env)
    assert "0 added, 0 changed, 1 destroyed" in proc.stdout, proc.stdout[-3000:]

    # A state written before create_table (the table at the unindexed address) is moved, not replaced.
    run_tf(
        ["state", "mv", "module.table.aws_dynamodb_table.this[0]", "module.table.aws_dynamodb_table.this"],
        root,
        env,
    )
    proc = run_tf(["plan", "-input=false", *ep], root, env)
    assert "has moved to module.table.aws_dynamodb_table.this[0]" in proc.stdout, proc.stdout[-3000:]
    assert "0 to add, 0 to change, 0 to destroy" in proc.stdout, proc.stdout[-3000:]
    run_tf(["apply", "-auto-approve", "-input=false", *ep], root, env)

    # Creation-only sources named after the table exists change nothing (the provider would replace).
    for extra in (
        ["-var", "restore_source_name=some-other-table", "-var", "restore_to_latest_time=true"],
        ["-var", 'import_table={input_format="CSV", s3_bucket_source={bucket="my-exports"}}'],
    ):
        proc = run_tf(["plan", "-detailed-exitcode", "-input=false", *ep, *extra], root, env, ok_codes=(0, 2))
        assert proc.returncode == 0, f"{extra} would change the table:\n{proc.stdout[-3000:]}"

    # An LSI cannot be added to an existing table: the plan fails, it does not replace the table.
    proc = run_tf(
        ["plan", "-input=false", *ep, "-var", 'local_secondary_indexes=[{name="ByX", range_key="x"}]'],
        root,
        env,
        ok_codes=(1,),
    )
    assert "must be indexed" in proc.stderr, proc.stderr[-3000:]

    run_tf(["destroy", "-auto-approve", "-input=false", *ep], root, env)
    assert TABLE not in ddb.list_tables()["TableNames"]
