"""One low-level DynamoDB client, from boto3's normal credential chain or a given endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

RetryMode = Literal["standard", "adaptive", "legacy"]
LOCAL_REGION = "us-east-1"


def make_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    retry_mode: RetryMode = "standard",
    max_attempts: int = 10,
    max_pool_connections: int = 32,
) -> DynamoDBClient:
    """Build a botocore DynamoDB client.

    With no ``endpoint_url`` this is plain AWS through boto3's credential chain (env, ``profile`` such as
    ``dynamodb-svc``, SSO, instance role). With an endpoint (the local engine, ScyllaDB Alternator, ...)
    and no credentials anywhere, dummy credentials are used, since such engines do not check them.
    """
    session = boto3.session.Session(profile_name=profile)
    config = Config(
        retries={"mode": retry_mode, "max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
    )
    region_name = region or session.region_name or (LOCAL_REGION if endpoint_url else None)
    if endpoint_url and session.get_credentials() is None:
        return session.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            region_name=region_name,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
    return session.client("dynamodb", endpoint_url=endpoint_url, region_name=region_name, config=config)
