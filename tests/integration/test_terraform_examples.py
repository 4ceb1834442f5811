"""The examples applied for real, to the local engine over HTTP, then checked and destroyed.

The engine runs in a child process (its own moto state). Terraform talks to it through each example's
``endpoint`` variable; the seed's aws CLI commands run verbatim with only the endpoint and a test AWS
config (profile ``dynamodb-svc``) coming from the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.tf_support import copy_module, local_engine_process, run_tf, skip_reason, tf_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.terraform,
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
]

REGION = "us-east-1"

# The seed's three commands, verbatim (spec: "Usage / Put/Get Items").
SEED_PUT = (
    "aws dynamodb put-item --table-name my-app-main-table --item "
    """'{"PK":{"S":"USER#123"},"SK":{"S":"PROFILE"},"name":{"S":"John"},"email":{"S":"john@example.com"}}'"""
    " --profile dynamodb-svc"
)
SEED_GET = (
    "aws dynamodb get-item --table-name my-app-main-table --key "
    """'{"PK":{"S":"USER#123"},"SK":{"S":"PROFILE"}}' --profile dynamodb-svc"""
)
SEED_QUERY = (
    "aws dynamodb query --table-name my-app-main-table --key-condition-expression 'PK = :pk' "
    """--expression-attribute-values '{":pk":{"S":"USER#123"}}' --profile dynamodb-svc"""
)
SPEC = Path(__file__).resolve().parents[2] / "docs" / "seed-spec.md"  # the seed spec, verbatim


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with local_engine_process() as url:
        yield url


def _client(service: str, endpoint: str) -> Any:
    factory: Any = boto3.client  # one helper for several services; the stubs type each one separately
    return factory(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _terraform_env(tmp_path: Path) -> dict[str, str]:
    # The provider needs some credentials; the local engine accepts any.
    return tf_env(tmp_path, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})


def _aws_cli() -> str | None:
    here = Path(sys.executable).parent / "aws"
    return str(here) if here.exists() else shutil.which("aws")


def _run_seed_command(command: str, endpoint: str, tmp_path: Path) -> dict[str, Any]:
    """Run one of the seed's commands exactly as written, from a shell, with a test AWS config."""
    aws = _aws_cli()
    if aws is None:
        pytest.skip("the aws CLI is not installed (it is a dev dependency: pip install -e '.[dev]')")
    config = tmp_path / "aws-config"
    config.write_text("[profile dynamodb-svc]\nregion = us-east-1\noutput = json\n")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[dynamodb-svc]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{Path(aws).parent}{os.pathsep}{env.get('PATH', '')}",
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )
    proc = subprocess.run(
        command, shell=True, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def test_seed_commands_are_the_specs() -> None:
    text = SPEC.read_text()
    for command in (SEED_PUT, SEED_GET, SEED_QUERY):
        assert command in text


def test_seed_example_applies_checks_and_destroys(endpoint: str, tmp_path: Path) -> None:
    workdir = copy_module(tmp_path) / "examples" / "seed"
    env = _terraform_env(tmp_path)
    endpoint_var = f"endpoint={endpoint}"
    run_tf(["init", "-input=false"], workdir, env)
    # terraform.tfvars (the seed's, verbatim) is read automatically; only the endpoint is added.
    run_tf(["apply", "-auto-approve", "-input=false", "-var", endpoint_var], workdir, env)

    ddb = _client("dynamodb", endpoint)
    table = ddb.describe_table(TableName="my-app-main-table")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        "PK": "S",
        "SK": "S",
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (gsi1,) = table["GlobalSecondaryIndexes"]
    assert gsi1["IndexName"] == "GSI1"
    assert gsi1["KeySchema"] == [
        {"AttributeName": "SK", "KeyType": "HASH"},
        {"AttributeName": "PK", "KeyType": "RANGE"},
    ]
    assert gsi1["Projection"]["ProjectionType"] == "ALL"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["DeletionProtectionEnabled"] is True
    backups = ddb.describe_continuous_backups(TableName="my-app-main-table")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = ddb.describe_time_to_live(TableName="my-app-main-table")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    with pytest.raises(ClientError):
        ddb.delete_table(TableName="my-app-main-table")  # deletion protection holds

    # The seed's three aws CLI commands, verbatim.
    assert _run_seed_command(SEED_PUT, endpoint, tmp_path) == {}
    got = _run_seed_command(SEED_GET, endpoint, tmp_path)
    assert got["Item"] == {
        "PK": {"S": "USER#123"},
        "SK": {"S": "PROFILE"},
        "name": {"S": "John"},
        "email": {"S": "john@example.com"},
    }
    queried = _run_seed_command(SEED_QUERY, endpoint, tmp_path)
    assert queried["Count"] == 1 and queried["Items"][0]["SK"] == {"S": "PROFILE"}
    # GSI1 is the inverted index: the item is found by its sort key.
    reverse = ddb.query(
        TableName="my-app-main-table",
        IndexName="GSI1",
        KeyConditionExpression="SK = :sk",
        ExpressionAttributeValues={":sk": {"S": "PROFILE"}},
    )
    assert [i["PK"]["S"] for i in reverse["Items"]] == ["USER#123"]

    # Deletion protection is the point, so the test must turn it off before it can destroy: a deliberate,
    # applied change through the example's variable (a destroy with the variable overridden would not do:
    # destroy deletes without updating first, and DynamoDB refuses). This apply also proves the first one
    # left no drift: exactly one in-place change, deletion protection.
    off = ["-var", endpoint_var, "-var", "deletion_protection_enabled=false"]
    proc = run_tf(["apply", "-auto-approve", "-input=false", *off], workdir, env)
    assert "0 added, 1 changed, 0 destroyed" in proc.stdout, proc.stdout[-3000:]
    assert ddb.describe_table(TableName="my-app-main-table")["Table"]["DeletionProtectionEnabled"] is False
    run_tf(["destroy", "-auto-approve", "-input=false", *off], workdir, env)
    assert "my-app-main-table" not in ddb.list_tables()["TableNames"]


def test_provisioned_autoscaling_example_applies_without_fighting_the_autoscaler(
    endpoint: str, tmp_path: Path
) -> None:
    workdir = copy_module(tmp_path) / "examples" / "provisioned-autoscaling"
    env = _terraform_env(tmp_path)
    # Deletion protection is off from the start here: this test is about capacity, the seed test about protection.
    tf_vars = ["-var", f"endpoint={endpoint}", "-var", "deletion_protection_enabled=false"]
    run_tf(["init", "-input=false"], workdir, env)
    run_tf(["apply", "-auto-approve", "-input=false", *tf_vars], workdir, env)
    name = "singletable-provisioned-example"

    ddb = _client("dynamodb", endpoint)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    # The stream the module turned on is served by the Streams API (what singletable tail and StreamReader read).
    stream = _client("dynamodbstreams", endpoint).describe_stream(StreamArn=table["LatestStreamArn"])
    assert stream["StreamDescription"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert stream["StreamDescription"]["Shards"]

    aas = _client("application-autoscaling", endpoint)
    targets = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert {(t["ResourceId"], t["ScalableDimension"]) for t in targets} == {
        (f"table/{name}", "dynamodb:table:ReadCapacityUnits"),
        (f"table/{name}", "dynamodb:table:WriteCapacityUnits"),
        (f"table/{name}/index/GSI1", "dynamodb:index:ReadCapacityUnits"),
        (f"table/{name}/index/GSI1", "dynamodb:index:WriteCapacityUnits"),
        (f"table/{name}/index/GSI2", "dynamodb:index:ReadCapacityUnits"),
        (f"table/{name}/index/GSI2", "dynamodb:index:WriteCapacityUnits"),
    }
    policies = aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"]
    assert len(policies) == 6 and {p["PolicyType"] for p in policies} == {"TargetTrackingScaling"}

    iam = _client("iam", endpoint)
    names = {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]}
    assert {f"{name}-read-only", f"{name}-read-write"} <= names

    # Play the autoscaler: raise the table's and GSI1's capacity behind terraform's back.
    ddb.update_table(
        TableName=name,
        ProvisionedThroughput={"ReadCapacityUnits": 37, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": "GSI1",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 41, "WriteCapacityUnits": 6},
                }
            }
        ],
    )
    # Terraform plans no change (exit 0, not 2): it adopts the live capacity instead of resetting it.
    proc = run_tf(["plan", "-detailed-exitcode", "-input=false", *tf_vars], workdir, env, ok_codes=(0, 2))
    assert proc.returncode == 0, f"terraform would fight the autoscaler:\n{proc.stdout[-4000:]}"

    run_tf(["destroy", "-auto-approve", "-input=false", *tf_vars], workdir, env)
    assert name not in ddb.list_tables()["TableNames"]
    assert aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"] == []


def test_global_production_example_plans_on_the_local_engine(endpoint: str, tmp_path: Path) -> None:
    """Replicas, alarms and Contributor Insights are planned only: the engine serves one region and no
    CloudWatch or Contributor Insights, so an apply could not succeed. The plan still proves the
    configuration is coherent against a live endpoint (provider-side checks included)."""
    workdir = copy_module(tmp_path) / "examples" / "global-production"
    env = _terraform_env(tmp_path)
    run_tf(["init", "-input=false"], workdir, env)
    proc = run_tf(["plan", "-input=false", "-var", f"endpoint={endpoint}"], workdir, env)
    # The table, 5 metric alarms (table and GSI1 read/write throttles, replication latency to
    # eu-west-1), the system errors alarm, Contributor Insights on the table and GSI1.
    assert "Plan: 9 to add, 0 to change, 0 to destroy." in proc.stdout, proc.stdout[-4000:]
    assert 'region_name            = "eu-west-1"' in proc.stdout
    assert "recovery_period_in_days = 14" in proc.stdout
