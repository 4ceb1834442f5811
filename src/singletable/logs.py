"""What singletable tells the standard ``logging`` module, under the ``singletable`` logger.

Silent by default (the library adds only a NullHandler, so not even warnings reach stderr unconfigured): ``logging.basicConfig(level=logging.INFO)`` or
``logging.getLogger("singletable").setLevel(...)`` turns it on. One line per event:

- DEBUG: each DynamoDB call with its duration; the pure-Python codec or stock botocore path in use;
- INFO: a failed attempt that botocore retries (throttling, 5xx, a reset connection); unprocessed
  batch items or keys being sent again;
- WARNING: a call slower than :data:`SLOW_CALL_SECONDS` (``$SINGLETABLE_SLOW_CALL_SECONDS``, default 1).

:func:`observe` hooks a botocore client's events; :func:`make_client` does it for every client it builds.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

logger = logging.getLogger("singletable")
logger.addHandler(logging.NullHandler())


def _slow_seconds() -> float:
    try:
        return float(os.environ.get("SINGLETABLE_SLOW_CALL_SECONDS", "1"))
    except ValueError:
        return 1.0


#: Calls slower than this many seconds are logged at WARNING.
SLOW_CALL_SECONDS = _slow_seconds()
_STARTED = "singletable_started"


def _before_call(context: dict[str, Any] | None = None, **_: Any) -> None:
    if context is not None:
        context[_STARTED] = time.perf_counter()


def _after_call(
    context: dict[str, Any] | None = None, model: Any = None, http_response: Any = None, **_: Any
) -> None:
    started = (context or {}).get(_STARTED)
    if started is None:
        return
    seconds = time.perf_counter() - started
    name = getattr(model, "name", "call")
    status = getattr(http_response, "status_code", "?")
    if seconds >= SLOW_CALL_SECONDS:
        logger.warning("slow call: %s took %.2f s (HTTP %s)", name, seconds, status)
    elif logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %.1f ms (HTTP %s)", name, seconds * 1000, status)


def _needs_retry(
    attempts: int = 0,
    response: Any = None,
    caught_exception: BaseException | None = None,
    operation: Any = None,
    **_: Any,
) -> None:
    """Observe each answer botocore judges for a retry; never decide anything (returns None)."""
    name = getattr(operation, "name", "call")
    if caught_exception is not None:
        logger.info(
            "%s attempt %d failed: %s: %s", name, attempts, type(caught_exception).__name__, caught_exception
        )
        return
    if not response:
        return
    http, parsed = response
    status = getattr(http, "status_code", 200)
    if status >= 400:
        code = (parsed or {}).get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
        logger.info("%s attempt %d failed: HTTP %s %s", name, attempts, status, code)


def observe(client: Any) -> Any:
    """Log ``client``'s retries and slow calls (see the module's docstring); returns the client."""
    events = client.meta.events
    service = client.meta.service_model.service_name
    events.register_first(f"needs-retry.{service}", _needs_retry, unique_id="singletable-log-retry")
    events.register(f"before-call.{service}", _before_call, unique_id="singletable-log-before")
    events.register(f"after-call.{service}", _after_call, unique_id="singletable-log-after")
    return client


def unprocessed(operation: str, table: str, left: int, sent: int, round_: int) -> None:
    """A batch round that DynamoDB answered with items or keys left over, about to be sent again."""
    logger.info(
        "%s on %r: %d of %d unprocessed, sending them again (round %d)", operation, table, left, sent, round_
    )
