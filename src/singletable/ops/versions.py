"""Optimistic locking: telling a version conflict from any other failed condition."""

from __future__ import annotations

from singletable.errors import ConditionFailedError, VersionConflictError


def is_version_conflict(
    exc: ConditionFailedError, field: str, expected: int, *, unversioned_is_zero: bool = False
) -> bool:
    """Whether the stored item's version (``exc.item``, the item as it was) is not the one expected.

    Any other failed condition (the caller's own, or create_only) stays a plain ConditionFailedError.
    Version 0 is a put's "no item there"; with ``unversioned_is_zero`` (an update's) it is "no version
    stored", which an item without the field has too.
    """
    if expected == 0:
        if unversioned_is_zero:
            return exc.item is not None and exc.item.get(field, 0) != 0
        return exc.item is not None
    return exc.item is None or exc.item.get(field) != expected


def version_conflict(exc: ConditionFailedError) -> VersionConflictError:
    """The VersionConflictError a failed versioned write raises instead of ``exc``."""
    return VersionConflictError(
        f"version conflict: the item changed since it was read ({exc.message})",
        condition=exc.condition,
        item=exc.item,
    )
