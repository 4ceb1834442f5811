"""Actions that moto lacks but Terraform's aws provider calls, answered on top of moto.

moto 5.2 does not implement application-autoscaling ``ListTagsForResource``, ``TagResource`` or
``UntagResource``; without them ``aws_appautoscaling_target`` polls for ever. We keep the tags in a
small per-ARN store so that what Terraform writes is what it reads back.
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
    _installed = True
