"""Built-in backfills: what to do with one stored item, decided without I/O.

A backfill looks at one item (plain values, as scanned) and returns a :class:`Change`, or None when the
item needs nothing (not its entity, or already migrated: running a backfill twice changes nothing, which
is what makes resuming after a crash safe). The runner applies each change conditional on the item being
unchanged since it was read (:func:`unchanged`), and re-reads and asks again when it lost that race.

- :class:`IndexKeys`: (re)write an entity's index keys after a template was added or changed;
- :class:`AddDefault`: give a new field its default where it is absent;
- :class:`Rekey`: move an entity to new keys (put the new item, delete the old, in one transaction);
- :class:`DropEntity`: delete every item of an entity;
- :class:`Transform`: any per-item function from an old entity to a new one (or None: delete it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from singletable.expressions import Attr, Condition, Update
from singletable.model import ENTITY_ATTRIBUTE, Entity
from singletable.schema import Schema

Kind = Literal["update", "put", "rekey", "delete"]


@dataclass(slots=True)
class Change:
    """One item's rewrite. ``update``: SET/REMOVE attributes in place; ``put``: replace the item with
    ``new``; ``rekey``: put ``new`` (other keys) and delete the old one atomically; ``delete``."""

    kind: Kind
    old: dict[str, Any]
    new: dict[str, Any] | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    removes: tuple[str, ...] = ()
    #: The entity's version field: the rewrite is conditional on it alone (else on the attributes read).
    version_field: str | None = None
    #: For an in-place update of derived attributes: the attributes it was derived from (and those it
    #: sets). Only their change since the read can make the update wrong, and an update leaves every
    #: other attribute alone, so the condition is on these; None: on every attribute read.
    depends_on: tuple[str, ...] | None = None

    def update(self) -> Update:
        u = Update().set(self.sets)
        for name in self.removes:
            u.remove(name)
        return u

    def after(self) -> dict[str, Any] | None:
        """The item as it will be stored (for capacity by the size rules)."""
        if self.kind == "update":
            out = {k: v for k, v in self.old.items() if k not in self.removes}
            out.update(self.sets)
            return out
        return self.new


class Backfill(Protocol):
    """A per-item migration step (see the module docstring)."""

    def describe(self) -> str: ...

    def change(self, schema: Schema, item: dict[str, Any]) -> Change | None: ...


def unchanged(
    schema: Schema,
    item: Mapping[str, Any],
    version_field: str | None = None,
    depends_on: tuple[str, ...] | None = None,
) -> Condition:
    """The condition that the stored item is still the one read (and still exists): its version when
    the entity has one; else each attribute in ``depends_on`` as read (absent ones still absent); else
    every attribute read equal."""
    cond: Condition = Attr(schema.spec.pk).exists()
    if version_field is not None and item.get(version_field) is not None:
        return cond & Attr(version_field).eq(item[version_field])
    names = depends_on if depends_on is not None else tuple(item)
    for name in names:
        if name in schema.key_names:
            continue  # the key is the item's identity: it cannot change under us
        cond = cond & (Attr(name).eq(item[name]) if name in item else Attr(name).not_exists())
    return cond


def _derived_from(schema: Schema, cls: type[Entity], fields: Any, sets: Any = ()) -> tuple[str, ...]:
    """The stored attributes behind these entity fields (the TTL field is stored under the TTL attribute)."""
    m = cls.meta()
    out = [
        (schema.spec.ttl_attribute or f) if f == m.ttl_field else f for f in fields if f not in m.key_fields
    ]
    return tuple(dict.fromkeys([*out, *sets]))


def _template_fields(cls: type[Entity], indexes: Any) -> list[str]:
    m = cls.meta()
    return [f for index in indexes for f in m.index_fields(index)]


def belongs(schema: Schema, cls: type[Entity], item: Mapping[str, Any]) -> bool:
    """Whether a stored item is a ``cls``: its marker (when it has one) and its key patterns."""
    pk, sk = item.get(schema.spec.pk), item.get(schema.spec.sk)
    if not (isinstance(pk, str) and isinstance(sk, str)):
        return False
    marker = item.get(ENTITY_ATTRIBUTE)
    if marker is not None and marker != cls.meta().name:
        return False
    return cls.matches(pk, sk)


def _version(cls: type[Entity]) -> str | None:
    return cls.meta().version_field


def _index_attrs(schema: Schema, cls: type[Entity], indexes: tuple[str, ...] | None) -> list[str]:
    names = indexes if indexes is not None else tuple(cls.meta().indexes)
    out: list[str] = []
    for index in names:
        hash_attr, range_attr = schema.index_attrs[index]
        out += [hash_attr] + ([range_attr] if range_attr else [])
    return out


@dataclass(frozen=True)
class IndexKeys:
    """Write ``entity``'s index keys (all its ``__indexes__``, or ``indexes``) from its current templates
    on every item where they are missing or stale; only those attributes are touched."""

    entity: type[Entity]
    indexes: tuple[str, ...] | None = None

    def describe(self) -> str:
        which = ", ".join(self.indexes or tuple(self.entity.meta().indexes)) or "no index"
        return f"rewrite {self.entity.__name__}'s index keys ({which})"

    def change(self, schema: Schema, item: dict[str, Any]) -> Change | None:
        if not belongs(schema, self.entity, item):
            return None
        wanted = schema.entity_item(schema.from_item(self.entity, item))
        sets, removes = {}, []
        for attr in _index_attrs(schema, self.entity, self.indexes):
            if attr in wanted and item.get(attr) != wanted[attr]:
                sets[attr] = wanted[attr]
            elif attr not in wanted and attr in item:
                removes.append(attr)  # a sparse index: the item left it
        if not sets and not removes:
            return None
        indexes = self.indexes if self.indexes is not None else tuple(self.entity.meta().indexes)
        depends = _derived_from(
            schema, self.entity, _template_fields(self.entity, indexes), [*sets, *removes]
        )
        return Change(
            "update",
            item,
            sets=sets,
            removes=tuple(removes),
            version_field=_version(self.entity),
            depends_on=depends,
        )


@dataclass(frozen=True)
class AddDefault:
    """Store ``value`` as ``field`` on every item of ``entity`` that lacks it (index keys built from the
    field are written too)."""

    entity: type[Entity]
    field: str
    value: Any

    def describe(self) -> str:
        return f"add {self.entity.__name__}.{self.field} = {self.value!r} where absent"

    def change(self, schema: Schema, item: dict[str, Any]) -> Change | None:
        if not belongs(schema, self.entity, item) or self.field in item:
            return None
        entity = schema.from_item(self.entity, {**item, self.field: self.value})
        wanted = schema.entity_item(entity)
        sets = {self.field: wanted.get(self.field, self.value)}
        for attr in _index_attrs(schema, self.entity, None):
            if attr in wanted and item.get(attr) != wanted[attr]:
                sets[attr] = wanted[attr]
        fields = [self.field, *_template_fields(self.entity, self.entity.meta().indexes)]
        depends = _derived_from(schema, self.entity, fields, sets)
        return Change("update", item, sets=sets, version_field=_version(self.entity), depends_on=depends)


@dataclass(frozen=True)
class Transform:
    """``fn(old)`` for every item of ``entity``: the entity to store instead (same keys: replaced in
    place; other keys: moved atomically), the same object (no change), or None (deleted)."""

    entity: type[Entity]
    fn: Callable[[Any], Entity | None]
    label: str = ""

    def describe(self) -> str:
        return (
            self.label
            or f"transform {self.entity.__name__} with {getattr(self.fn, '__name__', 'a function')}"
        )

    def change(self, schema: Schema, item: dict[str, Any]) -> Change | None:
        if not belongs(schema, self.entity, item):
            return None
        old = schema.from_item(self.entity, item)
        new = self.fn(old)
        if new is None:
            return Change("delete", item, version_field=_version(self.entity))
        if new is old:
            return None
        new_item = schema.entity_item(new)
        pk, sk = schema.key_names
        if (new_item[pk], new_item[sk]) != (item[pk], item[sk]):
            return Change("rekey", item, new=new_item, version_field=_version(self.entity))
        if new_item == item:
            return None
        return Change("put", item, new=new_item, version_field=_version(self.entity))


def Rekey(old: type[Entity], new: type[Entity], convert: Callable[[Any], Entity] | None = None) -> Transform:
    """Move every ``old`` item to ``new``'s keys (``convert(old)``, by default the same field values
    validated as a ``new``): the new item is put and the old one deleted in one transaction."""

    def move(entity: Entity) -> Entity:
        if convert is not None:
            return convert(entity)
        return new.model_validate(entity.model_dump())

    return Transform(old, move, label=f"re-key {old.__name__} as {new.__name__}")


def DropEntity(entity: type[Entity]) -> Transform:
    """Delete every item of ``entity``."""
    return Transform(entity, lambda _: None, label=f"drop every {entity.__name__}")
