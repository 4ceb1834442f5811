"""Actions that moto lacks but Terraform's aws provider calls, answered on top of moto.

moto 5.2 does not implement application-autoscaling ``ListTagsForResource``, ``TagResource`` or
``UntagResource``; without them ``aws_appautoscaling_target`` polls for ever. We keep the tags in a
small per-ARN store so that what Terraform writes is what it reads back. moto's
``RegisterScalableTarget`` also drops its ``Tags`` parameter (the provider tags a new target that way),
which would show as drift on every plan: we record them in the same store.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
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
    _installed = True
