"""Update expressions built from Python: SET, REMOVE, ADD, DELETE, append, counters, if_not_exists."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from singletable.errors import ValidationError
from singletable.expressions.names import Placeholders


@dataclass(frozen=True, slots=True)
class _Action:
    kind: str  # set | set_if_not_exists | increment | append | prepend | remove | add | delete
    path: str
    value: Any = None


@dataclass(slots=True)
class Update:
    """A set of update actions on one item.

    >>> Update().set(name="John").increment("logins").remove("nickname").render(Placeholders())
    'SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2 REMOVE #n2'
    """

    actions: list[_Action] = field(default_factory=list)

    def set(self, values: Mapping[str, Any] | None = None, /, **kw: Any) -> Update:
        for path, value in {**(values or {}), **kw}.items():
            if value is None or (_is_empty_set(value) and _top_level(path)):
                # Storing None would write NULL; in an entity it means "not there", so REMOVE it. DynamoDB
                # has no empty set: a top-level one is absence too (an entity reads it back as empty).
                self.actions.append(_Action("remove", path))
            else:
                self.actions.append(_Action("set", path, value))
        return self

    def set_if_not_exists(self, path: str, value: Any) -> Update:
        if _is_empty_set(value) and _top_level(path):
            return self  # absent either way: nothing to do
        self.actions.append(_Action("set_if_not_exists", path, value))
        return self

    def increment(self, path: str, by: int | float | Decimal = 1) -> Update:
        """Atomic counter that starts from 0 when the attribute is absent."""
        _number(path, by)
        self.actions.append(_Action("increment", path, by))
        return self

    def append(self, path: str, values: Iterable[Any]) -> Update:
        """Append to a list, creating it when absent."""
        self.actions.append(_Action("append", path, list(values)))
        return self

    def prepend(self, path: str, values: Iterable[Any]) -> Update:
        self.actions.append(_Action("prepend", path, list(values)))
        return self

    def remove(self, *paths: str) -> Update:
        for p in paths:
            self.actions.append(_Action("remove", p))
        return self

    def add(self, path: str, value: Any) -> Update:
        """DynamoDB ADD: a number is added, a set is unioned."""
        if not isinstance(value, int | float | Decimal | set | frozenset) or isinstance(value, bool):
            raise ValidationError(
                f"ADD on {path!r} takes a number or a set, got {type(value).__name__}",
                field=path,
                hint="use set() for other values, or append() for lists",
            )
        self.actions.append(_Action("add", path, value))
        return self

    def delete(self, path: str, values: builtins.set[Any] | frozenset[Any]) -> Update:
        """DynamoDB DELETE: remove these members from a set."""
        if not isinstance(values, set | frozenset):
            raise ValidationError(
                f"DELETE on {path!r} takes a set, got {type(values).__name__}",
                field=path,
                hint="pass the members to take out as a set",
            )
        self.actions.append(_Action("delete", path, values))
        return self

    def __bool__(self) -> bool:
        return bool(self.actions)

    def paths(self) -> list[str]:
        return [a.path for a in self.actions]

    def top_level_names(self) -> builtins.set[str]:
        """The top-level attributes this update touches."""
        return {a.path.split(".")[0].split("[")[0] for a in self.actions}

    def render(self, ph: Placeholders) -> str:
        if not self.actions:
            raise ValidationError("the update has no actions", hint="set, remove, add or increment something")
        seen: builtins.set[str] = builtins.set()
        for a in self.actions:
            if a.path in seen:
                raise ValidationError(
                    f"the update touches {a.path!r} twice",
                    field=a.path,
                    hint="DynamoDB rejects overlapping paths in one update: keep one action per attribute",
                )
            seen.add(a.path)
        sets: list[str] = []
        removes: list[str] = []
        adds: list[str] = []
        deletes: list[str] = []
        for a in self.actions:
            p = ph.path(a.path)
            if a.kind == "set":
                sets.append(f"{p} = {ph.value(a.value, a.path)}")
            elif a.kind == "set_if_not_exists":
                sets.append(f"{p} = if_not_exists({p}, {ph.value(a.value, a.path)})")
            elif a.kind == "increment":
                sets.append(f"{p} = if_not_exists({p}, {ph.value(0, a.path)}) + {ph.value(a.value, a.path)}")
            elif a.kind == "append":
                sets.append(
                    f"{p} = list_append(if_not_exists({p}, {ph.value([], a.path)}), {ph.value(a.value, a.path)})"
                )
            elif a.kind == "prepend":
                sets.append(
                    f"{p} = list_append({ph.value(a.value, a.path)}, if_not_exists({p}, {ph.value([], a.path)}))"
                )
            elif a.kind == "remove":
                removes.append(p)
            elif a.kind == "add":
                adds.append(f"{p} {ph.value(a.value, a.path)}")
            else:
                deletes.append(f"{p} {ph.value(a.value, a.path)}")
        clauses = []
        for keyword, items in (("SET", sets), ("REMOVE", removes), ("ADD", adds), ("DELETE", deletes)):
            if items:
                clauses.append(f"{keyword} {', '.join(items)}")
        return " ".join(clauses)


def _is_empty_set(value: Any) -> bool:
    return isinstance(value, builtins.set | frozenset) and not value


def _top_level(path: str) -> bool:
    return "." not in path and "[" not in path


def _number(path: str, value: Any) -> None:
    if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
        raise ValidationError(
            f"increment of {path!r} takes a number, got {type(value).__name__}",
            field=path,
            hint="pass by=1 (or any int, float or Decimal)",
        )
