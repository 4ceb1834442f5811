"""One low-level DynamoDB client, from boto3's normal credential chain or a given endpoint."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

from singletable.errors import RetrySettingError
from singletable.logs import observe

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

RetryMode = Literal["standard", "adaptive", "legacy"]
LOCAL_REGION = "us-east-1"
#: Attempts at opening a connection to a loopback endpoint (the local engine) before giving up, and the
#: first pause between them (doubled each time: 0.1 + 0.2 + 0.4 s). A refused connection on loopback means
#: nothing listens there; botocore's budget for it (every attempt, up to 20 s of backoff each) only delays
#: the answer. Only connections that were never opened are cut short: a connection reset or closed after
#: it was opened, throttling and 5xx keep botocore's retries.
LOOPBACK_CONNECT_ATTEMPTS = 4
LOOPBACK_CONNECT_DELAY = 0.1
#: Seconds to open a loopback connection (botocore's default is 60): one that takes longer is stuck.
LOOPBACK_CONNECT_TIMEOUT = 2.0


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
    ``max_attempts`` counts every try, the first included, as ``AWS_MAX_ATTEMPTS`` does.
    """
    checked_attempts(max_attempts)
    session = boto3.session.Session(profile_name=profile)
    loopback = endpoint_url is not None and is_loopback(endpoint_url)
    config = Config(
        retries={"mode": retry_mode, "total_max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
    )
    if loopback:
        config = config.merge(Config(connect_timeout=LOOPBACK_CONNECT_TIMEOUT))
    region_name = region or session.region_name or (LOCAL_REGION if endpoint_url else None)
    if endpoint_url and session.get_credentials() is None:
        client = session.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            region_name=region_name,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
    else:
        client = session.client("dynamodb", endpoint_url=endpoint_url, region_name=region_name, config=config)
    observe(client)  # retries and slow calls to the "singletable" logger (silent unless configured)
    if loopback:
        budget = min(LOOPBACK_CONNECT_ATTEMPTS, max_attempts)
        # First in line: its answer (a pause, or the error raised) wins over botocore's retry handler.
        # (The stubs type every handler as returning None; needs-retry handlers return the pause.)
        handler = cast("Callable[..., None]", _ConnectBudget(budget))
        client.meta.events.register_first("needs-retry.dynamodb", handler)
    return client


def checked_attempts(max_attempts: int) -> int:
    """``max_attempts`` if it is a valid count of tries (the first included, as ``AWS_MAX_ATTEMPTS``)."""
    if max_attempts < 1:
        raise RetrySettingError(
            f"max_attempts={max_attempts}: it counts every try, the first included", field="max_attempts"
        )
    return max_attempts


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ConnectBudget:
    """A ``needs-retry`` handler giving refused connections a short budget of their own."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts

    def __call__(self, attempts: int, caught_exception: Exception | None = None, **_: Any) -> float | None:
        # The connection was never opened (refused, or no answer within the connect timeout). A reset or
        # close after it was opened is ConnectionClosedError, and left to botocore (None).
        if not isinstance(caught_exception, EndpointConnectionError | ConnectTimeoutError):
            return None
        if attempts >= self.attempts:
            # Raising the caught error ends the retries (what botocore raises once its budget is spent).
            raise caught_exception
        return LOOPBACK_CONNECT_DELAY * (1 << (attempts - 1))
