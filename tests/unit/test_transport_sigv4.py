"""The lean SigV4 signer signs exactly as botocore's SigV4Auth: same request, same clock, same headers."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from singletable.transport.sigv4 import Keys, Signer, canonical_host

NOW = dt.datetime(2026, 11, 30, 23, 59, 58)
HEADERS = {
    "X-Amz-Target": "DynamoDB_20120810.GetItem",
    "Content-Type": "application/x-amz-json-1.0",
    "User-Agent": "singletable/0.1.0 test",  # never signed (botocore's list)
    "Accept-Encoding": "identity",
    "amz-sdk-invocation-id": "0f8e2f1c-3b4a-4c5d-9e6f-7a8b9c0d1e2f",
    "amz-sdk-request": "attempt=1; max=11",
    "X-Spaced": "  a   b  ",
}


def botocore_headers(
    url: str, region: str, body: bytes, creds: ReadOnlyCredentials, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: NOW)
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(HEADERS))
    SigV4Auth(creds, "dynamodb", region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(
    ("url", "region", "token"),
    [
        ("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1", None),
        ("https://dynamodb.us-east-1.amazonaws.com:443/", "us-east-1", "FwoGZXIvYXdzEJr//token=="),
        ("http://127.0.0.1:8000", "us-east-1", None),
        ("http://LocalHost:80/path/../x?b=2&a=1", "ap-south-2", "t"),
        ("http://[::1]:8000", "us-east-1", None),
    ],
)
def test_signatures_equal_botocores(
    url: str, region: str, token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b'{"TableName": "t", "Key": {"PK": {"S": "A\\u00e9"}, "SK": {"S": "B"}}}'
    creds = ReadOnlyCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    expected = botocore_headers(url, region, body, creds, monkeypatch)
    got = Signer(url, region).sign(
        dict(HEADERS), body, Keys(creds.access_key, creds.secret_key, creds.token), now=NOW
    )
    assert got.pop("Host") == canonical_host(url)
    assert got == expected


def test_the_signing_key_is_kept_for_the_day_and_renewed_with_the_credentials() -> None:
    signer = Signer("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1")
    first = signer.signing_key("secret", "20261130")
    assert signer.signing_key("secret", "20261130") is first
    assert signer.signing_key("secret", "20261201") != first
    assert signer.signing_key("rotated", "20261201") != signer.signing_key("secret", "20261201")


def test_a_retry_is_signed_afresh() -> None:
    signer = Signer("http://127.0.0.1:8000", "us-east-1")
    keys = Keys("a", "b", None)
    first = signer.sign(dict(HEADERS), b"{}", keys, now=NOW)
    again = signer.sign(first, b"{}", keys, now=NOW + dt.timedelta(seconds=1))
    assert again["X-Amz-Date"] == "20261130T235959Z"
    assert again["Authorization"] != first["Authorization"]
    assert list(again).count("Authorization") == 1
