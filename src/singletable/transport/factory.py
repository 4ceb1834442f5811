"""Which sync transport a Table gets: the lean one (:mod:`singletable.transport.lean`) when it can honour
every setting in use, else the full botocore path (:class:`~singletable.transport.ClientTransport`), with
the reason logged at DEBUG on the ``singletable`` logger.

The full path is taken for: a client passed in (it may carry handlers, instrumentation or a config the
lean path does not read), a proxy from the environment (``HTTP(S)_PROXY``) for the endpoint, a client
config with a client certificate, proxies, a signature version other than SigV4, or an app id / extra
user agent; credentials that carry an account id on AWS's own endpoint (account-based endpoints are
resolved per call by botocore); no credentials at all (botocore raises its own error); a botocore the
wire path cannot vouch for; ``$SINGLETABLE_LEAN=0`` or :data:`ENABLED` set to False.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Protocol

import botocore.session
from botocore.credentials import Credentials
from botocore.utils import get_environ_proxies

from singletable import wire
from singletable.client import RetryMode, make_client
from singletable.transport import AsyncTransport, ClientTransport, Transport
from singletable.transport.alean import LeanAsyncTransport
from singletable.transport.lean import LeanTransport

__all__ = ["ENABLED", "OwnedAsyncTransport", "async_transport", "sync_transport"]

log = logging.getLogger("singletable")

#: Set to False (or ``$SINGLETABLE_LEAN=0``) to send everything through botocore's full path.
ENABLED = os.environ.get("SINGLETABLE_LEAN", "1") != "0"


def sync_transport(
    client: Any = None,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    retry_mode: RetryMode = "standard",
    max_attempts: int = 10,
) -> Transport:
    """The transport for these settings (:func:`~singletable.client.make_client`'s): lean if it can be."""
    if client is not None:
        log.debug("full botocore path: a client was passed in (its handlers and config are honoured)")
        return ClientTransport(client)
    made, why, credentials, ca_bundle = _settings(endpoint_url, region, profile, retry_mode, max_attempts)
    if why is not None:
        log.debug("full botocore path: %s", why)
        return ClientTransport(made)
    return LeanTransport(
        made, credentials, retry_mode=retry_mode, max_attempts=max_attempts, ca_bundle=ca_bundle
    )


class OwnedAsyncTransport(AsyncTransport, Protocol):
    """An async transport its table made, and so closes."""

    async def close(self) -> None: ...


def async_transport(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    retry_mode: RetryMode = "standard",
    max_attempts: int = 10,
    max_pool_connections: int = 32,
) -> OwnedAsyncTransport:
    """The async transport for these settings: lean if it can be, else aiohttp's
    (:class:`singletable.transport.aio.AsyncTransport`, which needs the ``async`` extra). Blocking
    (reads config files, may walk the credential chain): call it before the loop runs, or in a thread."""
    made, why, credentials, ca_bundle = _settings(endpoint_url, region, profile, retry_mode, max_attempts)
    if why is None:
        return LeanAsyncTransport(
            made,
            credentials,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
            max_pool_connections=max_pool_connections,
            ca_bundle=ca_bundle,
        )
    log.debug("async: aiohttp transport: %s", why)
    from singletable.transport.aio import AsyncTransport as HttpTransport

    return HttpTransport.from_settings(
        endpoint_url=endpoint_url,
        region=region,
        profile=profile,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        max_pool_connections=max_pool_connections,
    )


def _settings(
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    retry_mode: RetryMode,
    max_attempts: int,
) -> tuple[Any, str | None, Any, str | None]:
    """(the client :func:`~singletable.client.make_client` makes for these settings, why the lean path
    cannot serve it or None, the credentials it would sign with, the profile's CA bundle)."""
    made = make_client(
        endpoint_url=endpoint_url,
        region=region,
        profile=profile,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
    )
    session = botocore.session.Session(profile=profile)
    why, credentials = _obstacle(made, endpoint_url, session)
    ca_bundle = session.get_config_variable("ca_bundle") if why is None else None
    return made, why, credentials, str(ca_bundle) if ca_bundle else None


def _obstacle(
    client: Any, endpoint_url: str | None, session: botocore.session.Session
) -> tuple[str | None, Any]:
    """(why the lean path cannot serve ``client``, or None; the credentials it would sign with)."""
    if not ENABLED:
        return "the lean transport is switched off (SINGLETABLE_LEAN=0)", None
    url: str = client.meta.endpoint_url
    if get_environ_proxies(url):
        return f"a proxy from the environment applies to {url}", None
    config = client.meta.config
    for setting in ("client_cert", "proxies", "user_agent_extra", "user_agent_appid"):
        if getattr(config, setting, None):
            return f"the client config sets {setting}", None
    if getattr(config, "signature_version", None) not in (None, "v4"):
        return f"the client config signs with {config.signature_version}", None
    if wire.plan_for(client, "GetItem") is None:
        return "this botocore is not one the wire path can vouch for", None
    credentials = session.get_credentials()
    if credentials is None and endpoint_url:
        credentials = Credentials("local", "local")  # as make_client: local engines do not check them
    if credentials is None:
        return "no credentials found (botocore reports it on the first call)", None
    if endpoint_url is None and getattr(credentials, "account_id", None):
        mode = getattr(config, "account_id_endpoint_mode", None) or "preferred"
        if mode != "disabled":
            return "credentials with an account id on AWS (account-based endpoints)", None
    return None, credentials
