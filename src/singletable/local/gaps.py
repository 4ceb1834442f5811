"""What moto lacks but Terraform or DynamoDB's guarantees need, filled in on top of moto.

DynamoDB (moto 5.2 does not do these; ``install()`` adds them to moto's handlers, so they hold both
in-process and over HTTP):

1. Each single-item write is atomic: moto runs requests concurrently without a lock, so two threads'
   conditional writes could both pass their condition (8 threads x 500 optimistic increments ended at
   339 with 500 "successes"). DynamoDB requests are serialised here.
2. ``TransactWriteItems``' ``ClientRequestToken``: a repeat of an applied token within 10 minutes
   succeeds without applying anything again; a reuse with other parameters gets
   ``IdempotentParameterMismatchException``. moto applied a retried transaction twice.
3. The item-size limit by DynamoDB's size rules (``codec.item_size``: UTF-8 names and strings, numbers by
   significant digits, 3 bytes per map or list plus 1 per element, decoded binary) and its limit, 400 KB =
   409,600 bytes (``capacity.MAX_ITEM_BYTES``). moto sizes numbers by their text and containers without
   overhead, and refuses above 405,000 bytes: it refused valid items of 405,000 to 409,600 bytes and
   could store invalid ones. moto's check is replaced by ours, on every put (also in batches and
   transactions) and on the item an update leaves (refused updates leave the item as it was, as
   DynamoDB does), with DynamoDB's messages.

4. ``begins_with`` on Binary: moto evaluates it on String attributes only, so on a Binary attribute it never
   held, not even against the stored value itself; DynamoDB compares the bytes (found by the model-based
   test, ``tests/unit/test_issue11_model.py``).

5. Requests DynamoDB refuses or answers otherwise: table names, number range and canonical form, sets
   with duplicates, 26-item batches, unused placeholders, ``size()`` of a missing attribute
   (:mod:`singletable.local.gaps_requests`, found by comparing with DynamoDB Local: docs/engines.md).

DynamoDB Streams: see :mod:`singletable.local.stream_gaps`.

Application auto scaling (Terraform):

moto 5.2 does not implement application-autoscaling ``ListTagsForResource``, ``TagResource`` or
``UntagResource``; without them ``aws_appautoscaling_target`` polls for ever. We keep the tags in a
small per-ARN store so that what Terraform writes is what it reads back. moto's
``RegisterScalableTarget`` also drops its ``Tags`` parameter (the provider tags a new target that way),
which would show as drift on every plan: we record them in the same store.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from singletable.capacity import MAX_ITEM_BYTES
from singletable.codec import attr_size
from singletable.local import stream_gaps

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


def _blob_size(value: Any) -> int:
    # moto keeps binary as it came on the wire (base64 text); DynamoDB counts the decoded bytes.
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return len(str(value).encode("utf-8"))


def _value_size(value: Any) -> int:
    """Size of one moto ``DynamoType`` by DynamoDB's rules (codec.attr_size, with moto's containers)."""
    kind, raw = value.type, value.value
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + _value_size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in raw)
    if kind == "B":
        return _blob_size(raw)
    if kind == "BS":
        return sum(_blob_size(b) for b in raw)
    return attr_size({kind: raw})


def item_size(item: Any) -> int:
    """Size of a moto ``Item`` by DynamoDB's rules."""
    return sum(len(name.encode("utf-8")) + _value_size(v) for name, v in item.attrs.items())


def _plain_setitem(self: dict[str, Any], key: str, value: Any) -> None:
    # moto's LimitedSizeDict re-measured the whole item on every attribute set, by other rules.
    dict.__setitem__(self, key, value)


def _sized_item_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        from moto.dynamodb.exceptions import ItemSizeTooLarge

        original(self, *args, **kwargs)
        if item_size(self) > MAX_ITEM_BYTES:
            raise ItemSizeTooLarge

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    return __init__


def _sized_update(original: Any) -> Any:
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        from moto.dynamodb.exceptions import ItemSizeToUpdateTooLarge

        try:
            table = self.get_table(table_name)
            hash_value, range_value = self.get_keys_value(table, key)
            before = table.get_item(hash_value, range_value)
        except Exception:
            return original(self, table_name, key, *args, **kwargs)
        saved = copy.deepcopy(before.attrs) if before is not None else None
        item = original(self, table_name, key, *args, **kwargs)
        if item is not None and item_size(item) > MAX_ITEM_BYTES:
            # moto applied the update in place: put the item back as it was (or remove the upserted one).
            if saved is None:
                table.delete_item(hash_value, range_value)
            else:
                item.attrs = saved
            raise ItemSizeToUpdateTooLarge
        return item

    update_item.__wrapped__ = original  # type: ignore[attr-defined]
    return update_item


def _as_bytes(value: Any) -> bytes:
    """A Binary value as moto holds it (base64 text from the wire, or bytes) decoded to its bytes."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return base64.b64decode(value)


def _begins_with_binary(original: Any) -> Any:
    def expr(self: Any, item: Any) -> bool:
        if self.attr.get_type(item) == "B" and self.substr.get_type(item) == "B":
            return _as_bytes(self.attr.expr(item)).startswith(_as_bytes(self.substr.expr(item)))
        result: bool = original(self, item)
        return result

    return expr


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
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

    setattr(LimitedSizeDict, "__setitem__", _plain_setitem)  # noqa: B010
    setattr(Item, "__init__", _sized_item_init(Item.__init__))  # noqa: B010
    setattr(DynamoDBBackend, "update_item", _sized_update(DynamoDBBackend.update_item))  # noqa: B010
    from moto.dynamodb.comparisons import FuncBeginsWith

    setattr(FuncBeginsWith, "expr", _begins_with_binary(FuncBeginsWith.expr))  # noqa: B010
    stream_gaps.install(_dynamodb_lock)
    # Requests DynamoDB refuses or answers otherwise (names, numbers, sets, batch size, placeholders).
    from singletable.local import gaps_requests

    gaps_requests.install()
    _installed = True
