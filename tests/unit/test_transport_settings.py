"""The async transport resolves its settings as boto3 does: endpoint, region, profile, credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from singletable.client import make_client
from singletable.errors import RetrySettingError
from singletable.transport.aio import AsyncTransport


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("[profile dynamodb-svc]\nregion = eu-west-3\n[default]\nregion = us-west-2\n")
    creds = tmp_path / "credentials"
    creds.write_text(
        "[dynamodb-svc]\naws_access_key_id = AKSVC\naws_secret_access_key = svc-secret\n"
        "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = def-secret\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def test_the_regional_endpoint_and_the_profiles_credentials(clean_env: Path) -> None:
    t = AsyncTransport.from_settings(profile="dynamodb-svc")
    assert t.region == "eu-west-3"
    assert t.endpoint_url == "https://dynamodb.eu-west-3.amazonaws.com"
    assert t.credentials is not None and t.credentials.get_frozen_credentials().access_key == "AKSVC"
    assert not t.loopback
    default = AsyncTransport.from_settings(region="ap-southeast-2")
    assert default.endpoint_url == "https://dynamodb.ap-southeast-2.amazonaws.com"
    assert (
        default.credentials is not None and default.credentials.get_frozen_credentials().access_key == "AKDEF"
    )


def test_the_endpoint_from_the_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8123")
    t = AsyncTransport.from_settings()
    assert t.endpoint_url == "http://127.0.0.1:8123"
    assert t.loopback and t.region == "us-west-2"
    explicit = AsyncTransport.from_settings(endpoint_url="http://localhost:9000", region="eu-central-1")
    assert explicit.endpoint_url == "http://localhost:9000" and explicit.region == "eu-central-1"


def test_an_endpoint_without_credentials_anywhere_gets_dummy_ones(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(clean_env / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(clean_env / "none"))
    t = AsyncTransport.from_settings(endpoint_url="http://127.0.0.1:8000")
    assert t.region == "us-east-1"
    assert t.credentials is not None and t.credentials.get_frozen_credentials().access_key == "local"


def test_max_attempts_counts_every_try_as_aws_max_attempts_does(clean_env: Path) -> None:
    t = AsyncTransport.from_settings(
        endpoint_url="http://127.0.0.1:8000", retry_mode="adaptive", max_attempts=3
    )
    assert t.retries.total_attempts == 3 and t.retries.mode == "adaptive"
    client = make_client(endpoint_url="http://127.0.0.1:8000", max_attempts=3)
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    with pytest.raises(RetrySettingError) as caught:
        make_client(endpoint_url="http://127.0.0.1:8000", max_attempts=0)
    assert caught.value.code == "ST116" and caught.value.field == "max_attempts"
    with pytest.raises(RetrySettingError):
        AsyncTransport.from_settings(endpoint_url="http://127.0.0.1:8000", max_attempts=0)


def test_without_aiohttp_the_async_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from singletable.errors import AsyncExtraMissingError
    from singletable.transport import aio

    monkeypatch.setattr(aio, "aiohttp", None)
    with pytest.raises(AsyncExtraMissingError) as caught:
        AsyncTransport.from_settings(endpoint_url="http://127.0.0.1:8000")
    assert caught.value.code == "ST610" and "singletable[async]" in str(caught.value)
