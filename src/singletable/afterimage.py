"""The item an UpdateItem leaves behind, computed from the item before it and the update's actions.

DynamoDB bills an update on the larger of the item before and after it (see :mod:`singletable.capacity`),
and an index write only where the update changes what the index holds. One UpdateItem can return one
image, not both (``ReturnValues`` takes one of ALL_OLD, ALL_NEW, UPDATED_OLD, UPDATED_NEW), and a second
request would add a read DynamoDB bills. So the Table asks for ``ALL_OLD`` (the item before, exactly as
stored) and applies the update's actions here to get the item after. Only top-level actions are applied
(SET a value, REMOVE, counters, if_not_exists, list append/prepend, ADD, DELETE): each is a plain function
of the old value and the value sent, and the request succeeded, so the engine applied the same. An update
with a nested path (``address.city``, ``tags[0]``) is not applied here: :func:`apply_update` returns None
and the Table asks for ``ALL_NEW`` instead, charging the after image (the before image is then unknown).
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from singletable.codec import AttributeValue, Item
from singletable.expressions import Placeholders, Update

# DynamoDB keeps 38 significant digits; a sum needing more is refused by the engine, so this is exact.
_DIGITS = Context(prec=38)
_KINDS = frozenset({"set", "set_if_not_exists", "increment", "append", "prepend", "remove", "add", "delete"})


def can_apply(update: Update) -> bool:
    """Whether :func:`apply_update` can compute this update's after image (top-level paths only)."""
    return all(a.kind in _KINDS and "." not in a.path and "[" not in a.path for a in update.actions)


def apply_update(before: Item | None, key: Item, update: Update) -> Item | None:
    """The item after ``update`` on ``before`` (None: no item there, as for an upsert), or None when the
    update has an action this module does not apply (see :func:`can_apply`)."""
    if not can_apply(update):
        return None
    after: Item = dict(before) if before else dict(key)
    for action in update.actions:
        path = action.path
        if action.kind == "remove":
            after.pop(path, None)
            continue
        sent = _sent(action.value, path)
        old = after.get(path)
        if action.kind == "set":
            after[path] = sent
        elif action.kind == "set_if_not_exists":
            if old is None:
                after[path] = sent
        elif action.kind == "increment" or (action.kind == "add" and "N" in sent):
            base = Decimal(old["N"]) if old is not None else Decimal(0)
            after[path] = {"N": _number_text(_DIGITS.add(base, Decimal(sent["N"])))}
        elif action.kind in ("append", "prepend"):
            current = list(old["L"]) if old is not None else []
            after[path] = {"L": current + sent["L"] if action.kind == "append" else sent["L"] + current}
        else:  # ADD or DELETE of set members
            after_set = _set_op(old, sent, action.kind)
            if after_set is None:
                after.pop(path, None)  # DynamoDB removes a set whose last member is deleted
            else:
                after[path] = after_set
    return after


def _sent(value: Any, path: str) -> AttributeValue:
    """The AttributeValue the request carries for ``value`` (rendered as Update.render renders it)."""
    ph = Placeholders()
    placeholder = ph.value(value, path)
    sent: AttributeValue = ph.values[placeholder]
    return sent


def _number_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _set_op(old: AttributeValue | None, sent: AttributeValue, kind: str) -> AttributeValue | None:
    tag = next(iter(sent))
    members = list(old[tag]) if old is not None else []
    norm = _norm_number if tag == "NS" else _same
    seen = {norm(m) for m in members}
    if kind == "add":
        for m in sent[tag]:
            if norm(m) not in seen:
                seen.add(norm(m))
                members.append(m)
    else:
        gone = {norm(m) for m in sent[tag]}
        members = [m for m in members if norm(m) not in gone]
    return {tag: members} if members else None


def _norm_number(text: Any) -> Any:
    return Decimal(text).normalize()


def _same(member: Any) -> Any:
    return member
