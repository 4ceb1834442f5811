"""Credentials for the async transports (:mod:`~singletable.transport.alean`, :mod:`~singletable.transport.aio`):
botocore's frozen set, refreshed off the event loop when it nears expiry."""

from __future__ import annotations

import asyncio
from typing import Any

from botocore.credentials import ReadOnlyCredentials, RefreshableCredentials
from botocore.exceptions import NoCredentialsError

from singletable.transport.leancore import REFRESH_AHEAD

__all__ = ["frozen_credentials"]


async def frozen_credentials(credentials: Any, refresh: asyncio.Lock | None) -> ReadOnlyCredentials:
    """``credentials.get_frozen_credentials()`` without blocking the loop: a refreshable set within
    :data:`~singletable.transport.leancore.REFRESH_AHEAD` of expiry is refreshed in a worker thread (it
    may call STS, SSO or the metadata service), one refresh at a time under ``refresh`` (the sends that
    waited for it find fresh credentials). NoCredentialsError when there are none."""
    if credentials is None:
        raise NoCredentialsError()
    if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed(REFRESH_AHEAD):
        assert refresh is not None  # made with the transport's pool, before any send
        async with refresh:
            if credentials.refresh_needed(REFRESH_AHEAD):
                frozen: ReadOnlyCredentials = await asyncio.to_thread(credentials.get_frozen_credentials)
                return frozen
    current: ReadOnlyCredentials = credentials.get_frozen_credentials()
    return current
