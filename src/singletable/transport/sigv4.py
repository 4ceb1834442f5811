"""SigV4 for one endpoint, signature for signature what botocore's ``SigV4Auth.add_auth`` produces, for
less CPU: the endpoint's host, path and query are canonicalised once, the signing key is derived once per
(credentials, day), and headers stay in a plain dict (botocore builds an ``email.message`` per request).

No I/O. The equivalence is tested (tests/unit/test_transport_sigv4.py): same request, same clock, same
``Authorization`` and ``X-Amz-Date`` / ``X-Amz-Security-Token`` headers as botocore. What botocore's
signer does that this one does not need: streaming and unsigned payloads (DynamoDB has neither), request
``params`` (the JSON protocol has none) and a ``Date`` header (never sent here).
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from hashlib import sha256
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST, SIGV4_TIMESTAMP
from botocore.utils import is_valid_ipv6_endpoint_url, normalize_url_path

_EXCLUDED = frozenset(SIGNED_HEADERS_BLACKLIST)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Keys(NamedTuple):
    """What signing needs of a set of credentials (botocore's ReadOnlyCredentials has these fields)."""

    access_key: str
    secret_key: str
    token: str | None


def canonical_host(url: str) -> str:
    """The Host header botocore signs for ``url``: lowercase, no userinfo, no default port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_valid_ipv6_endpoint_url(url):
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


class Signer:
    """Signs POST requests to one endpoint for one region and service."""

    def __init__(self, url: str, region: str, service: str = "dynamodb") -> None:
        parts = urlsplit(url)
        self.host = canonical_host(url)
        self.region = region
        self.service = service
        self._path = quote(normalize_url_path(parts.path), safe="/~")
        pairs = sorted(pair.partition("=")[::2] for pair in parts.query.split("&")) if parts.query else []
        self._query = "&".join(f"{k}={v}" for k, v in pairs)
        self._key: tuple[str, str, bytes] | None = None  # (secret, day, signing key)
        self._stamp: tuple[int, str] = (-1, "")  # (epoch second, its X-Amz-Date)

    def signing_key(self, secret: str, day: str) -> bytes:
        """HMAC chain AWS4+secret -> day -> region -> service -> aws4_request, kept for the day."""
        cached = self._key
        if cached is not None and cached[0] == secret and cached[1] == day:
            return cached[2]
        key = f"AWS4{secret}".encode()
        for part in (day, self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode("utf-8"), sha256).digest()
        self._key = (secret, day, key)
        return key

    def sign(
        self, headers: dict[str, str], body: bytes, keys: Keys, now: dt.datetime | None = None
    ) -> dict[str, str]:
        """``headers`` plus ``Host``, ``X-Amz-Date``, ``X-Amz-Security-Token`` (with a session token) and
        ``Authorization``, for a POST of ``body``. ``now`` (UTC, naive) defaults to the current time."""
        if now is None:
            # The stamp has whole seconds: formatted once per second, not per request.
            second = int(time.time())
            if self._stamp[0] != second:
                self._stamp = (second, time.strftime(SIGV4_TIMESTAMP, time.gmtime(second)))
            stamp = self._stamp[1]
        else:
            stamp = now.strftime(SIGV4_TIMESTAMP)
        day = stamp[:8]
        signed = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date")}
        signed["X-Amz-Date"] = stamp
        if keys.token:
            signed["X-Amz-Security-Token"] = keys.token
        canonical: dict[str, list[str]] = {}
        for name, value in signed.items():
            lname = name.lower()
            if lname not in _EXCLUDED:
                canonical.setdefault(lname, []).append(" ".join(value.split()))
        canonical.setdefault("host", [self.host])
        names = sorted(canonical)
        header_lines = "\n".join(f"{n}:{','.join(canonical[n])}" for n in names)
        signed_names = ";".join(names)
        request = "\n".join(
            ("POST", self._path, self._query, header_lines + "\n", signed_names, sha256(body).hexdigest())
        )
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{sha256(request.encode('utf-8')).hexdigest()}"
        signature = hmac.new(
            self.signing_key(keys.secret_key, day), to_sign.encode("utf-8"), sha256
        ).hexdigest()
        signed["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={keys.access_key}/{scope}, SignedHeaders={signed_names}, "
            f"Signature={signature}"
        )
        if "host" not in {k.lower() for k in headers}:
            signed["Host"] = self.host
        return signed
