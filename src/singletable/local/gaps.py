"""What moto lacks but Terraform or DynamoDB's guarantees need, filled in on top of moto.

DynamoDB (moto 5.2 does not do these; ``install()`` adds them to moto's handlers, so they hold both
in-process and over HTTP):

1. Each single-item write is atomic: moto runs requests concurrently without a lock, so two threads'
   conditional writes could both pass their condition (8 threads x 500 optimistic increments ended at
   339 with 500 "successes"). DynamoDB requests are serialised here.
2. ``TransactWriteItems``' ``ClientRequestToken``: a repeat of an applied token within 10 minutes
   succeeds without applying anything again; a reuse with other parameters gets
   ``IdempotentParameterMismatchException``. moto applied a retried transaction twice.

Application auto scaling (Terraform):

moto 5.2 does not implement application-autoscaling ``ListTagsForResource``, ``TagResource`` or
``UntagResource``; without them ``aws_appautoscaling_target`` polls for ever. We keep the tags in a
small per-ARN store so that what Terraform writes is what it reads back. moto's
``RegisterScalableTarget`` also drops its ``Tags`` parameter (the provider tags a new target that way),
which would show as drift on every plan: we record them in the same store.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

TOKEN_LIFETIME_SECONDS = 600.0

_lock = threading.Lock()
_dynamodb_lock = threading.RLock()
_tx_tokens: dict[str, tuple[float, str, Any]] = {}


@dataclass
class TokenStats:
    """Transactions the engine applied with a token, and repeats it answered from the token."""

    applied: int = 0
    replayed: int = 0

    def reset(self) -> None:
        self.applied = self.replayed = 0


token_stats = TokenStats()
_tags: dict[str, dict[str, str]] = {}
_installed = False


def _list_tags_for_resource(self: Any) -> str:
    arn = self._get_param("ResourceARN")
    with _lock:
        return json.dumps({"Tags": dict(_tags.get(arn, {}))})


def _tag_resource(self: Any) -> str:
    arn = self._get_param("ResourceARN")
    new_tags = self._get_param("Tags") or {}
    with _lock:
        _tags.setdefault(arn, {}).update(new_tags)
    return "{}"


def _untag_resource(self: Any) -> str:
    arn = self._get_param("ResourceARN")
    keys = self._get_param("TagKeys") or []
    with _lock:
        for key in keys:
            _tags.get(arn, {}).pop(key, None)
    return "{}"


def _wrap_register_scalable_target(original: Any) -> Any:
    def register_scalable_target(self: Any) -> str:
        body: str = original(self)
        new_tags = self._get_param("Tags") or {}
        if new_tags:
            arn = json.loads(body).get("ScalableTargetARN")
            if arn:
                with _lock:
                    _tags.setdefault(arn, {}).update(new_tags)
        return body

    register_scalable_target.__wrapped__ = original  # type: ignore[attr-defined]
    return register_scalable_target


def _serialised(original: Any) -> Any:
    def call_action(self: Any) -> Any:
        with _dynamodb_lock:
            return original(self)

    call_action.__wrapped__ = original  # type: ignore[attr-defined]
    return call_action


def _idempotent(original: Any) -> Any:
    def transact_write_items(self: Any) -> Any:
        from moto.core.exceptions import JsonRESTError

        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        now = time.monotonic()
        for old, (at, _, _) in list(_tx_tokens.items()):
            if now - at > TOKEN_LIFETIME_SECONDS:
                del _tx_tokens[old]
        fingerprint = json.dumps(
            {k: v for k, v in self.body.items() if k != "ClientRequestToken"}, sort_keys=True, default=str
        )
        seen = _tx_tokens.get(token)
        if seen is not None:
            if seen[1] != fingerprint:
                raise JsonRESTError(
                    "IdempotentParameterMismatchException",
                    "The request uses the same client token as a previous, but non-identical request.",
                )
            token_stats.replayed += 1
            return seen[2]
        result = original(self)
        _tx_tokens[token] = (now, fingerprint, result)
        token_stats.applied += 1
        return result

    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]
    return transact_write_items


def install() -> None:
    """Add the missing actions to moto's response classes (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    for name, func in (
        ("list_tags_for_resource", _list_tags_for_resource),
        ("tag_resource", _tag_resource),
        ("untag_resource", _untag_resource),
    ):
        if not hasattr(ApplicationAutoScalingResponse, name):
            setattr(ApplicationAutoScalingResponse, name, func)
    setattr(  # noqa: B010 - a method replaced on a class mypy knows
        ApplicationAutoScalingResponse,
        "register_scalable_target",
        _wrap_register_scalable_target(ApplicationAutoScalingResponse.register_scalable_target),
    )
    from moto.dynamodb.responses import DynamoHandler

    # Every DynamoDB call passes through call_action, which the lock serialises (the token check runs
    # inside it too, so a repeat cannot race its original).
    setattr(DynamoHandler, "call_action", _serialised(DynamoHandler.call_action))  # noqa: B010
    setattr(DynamoHandler, "transact_write_items", _idempotent(DynamoHandler.transact_write_items))  # noqa: B010
    _installed = True
