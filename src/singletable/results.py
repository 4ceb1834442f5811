"""What reads hand back besides whole entities: ``Projected[E]`` (a projected read) and ``Collection``
(one partition's items grouped by entity class)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Generic, NoReturn, TypeVar, cast, overload

import pydantic
from pydantic import TypeAdapter

from singletable.errors import NotProjectedError, PartialWriteError, ProjectionError, ValidationError
from singletable.model import Entity, empty_set_fields

E = TypeVar("E", bound=Entity)
T = TypeVar("T")


class Projected(Generic[E]):
    """A projected read of an ``E``: its key fields and the fields asked for, typed as ``E`` types them.

    Read-only and not an entity, on purpose: the fields it did not read are unknown, so a write that
    stores whole items (``put``, ``batch_write``, a transaction's ``put``) refuses it with
    :class:`PartialWriteError`; change stored fields with ``update()``. Reading a field that was not read
    raises :class:`NotProjectedError` (an ``AttributeError``, so ``hasattr`` is False) instead of
    handing out a default that was never stored.

    >>> p = table.get(Repo, owner="a", name="b", projection=["star_count"])
    >>> p.star_count, p.fields, p.to_dict()
    >>> p.value(lambda r: r.star_count)  # the same, typed ``int`` for mypy
    """

    __slots__ = ("_entity", "_values")
    _entity: type[E]
    _values: dict[str, Any]

    def __init__(self, entity: type[E], values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_entity", entity)
        object.__setattr__(self, "_values", dict(values))

    @classmethod
    def from_item(
        cls,
        entity: type[E],
        item: Mapping[str, Any],
        fields: Sequence[str],
        *,
        pk_attr: str,
        sk_attr: str,
        ttl_attr: str | None,
    ) -> Projected[E]:
        """The projection of a stored item (plain values): key fields parsed from the keys, each value
        validated by its field's type, an absent set field restored as an empty set (as a full read does)."""
        meta = entity.meta()
        raw: dict[str, Any] = {}
        pk, sk = item.get(pk_attr), item.get(sk_attr)
        if isinstance(pk, str):
            raw.update(meta.pk.parse(pk) or {})
        if isinstance(sk, str):
            raw.update(meta.sk.parse(sk) or {})
        restore = empty_set_fields(entity)
        for name in fields:
            attr = ttl_attr if name == meta.ttl_field and ttl_attr else name
            if attr in item:
                raw[name] = item[attr]
            elif name in restore:
                raw[name] = set()
        values: dict[str, Any] = {}
        for name, info in entity.model_fields.items():
            if name in raw:
                values[name] = _validate(entity, name, raw[name], f"item {pk!r}/{sk!r}")
            elif name in fields:
                # Stored as absent: what a full read would give, its default, or the same refusal.
                if info.is_required():
                    raise ValidationError(
                        f"{entity.__name__}.{name} in item {pk!r}/{sk!r}: Field required",
                        field=name,
                        hint=f"store a {name!r} in the item (it is required)",
                    )
                values[name] = info.get_default(call_default_factory=True)
        return cls(entity, values)

    @property
    def entity(self) -> type[E]:
        """The entity class this is a projection of."""
        return self._entity

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields read (key fields and projected ones), in the entity's field order."""
        return tuple(self._values)

    def to_dict(self) -> dict[str, Any]:
        """The fields read, as a new dict."""
        return dict(self._values)

    def value(self, read: Callable[[E], T]) -> T:
        """Typed access: ``p.value(lambda r: r.star_count)`` is an ``int`` to mypy when ``star_count: int``."""
        return read(cast(E, self))

    def key(self) -> tuple[str, str]:
        """The (PK, SK) values of the item read."""
        meta = self._entity.meta()
        return self._entity.key_for(**{f: self._values[f] for f in (*meta.pk.fields, *meta.sk.fields)})

    def __getattr__(self, name: str) -> Any:
        # Only called when ordinary lookup fails, i.e. for field names.
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        entity = object.__getattribute__(self, "_entity")
        if name in entity.model_fields:
            raise NotProjectedError(
                f"{entity.__name__}.{name} was not read: this projection holds only {list(values)}",
                field=name,
                hint=f"add {name!r} to projection=[...], or read the whole item (no projection)",
            )
        raise AttributeError(f"Projected[{entity.__name__}] has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise PartialWriteError(
            f"Projected[{self._entity.__name__}] is read-only (setting {name!r})",
            field=name,
            hint=f"change the stored item with table.update({self._entity.__name__}, ...)",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild through __init__ (attribute assignment is refused).
        return (Projected, (self._entity, self._values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Projected):
            return NotImplemented
        return self._entity is other._entity and self._values == other._values

    __hash__ = None  # type: ignore[assignment]  # equal by value, and the values may be unhashable

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Projected[{self._entity.__name__}]({inner})"


def refuse_partial(obj: object, where: str) -> None:
    """Raise :class:`PartialWriteError` when a whole-item write is given a projected read."""
    if isinstance(obj, Projected):
        raise PartialWriteError(
            f"{where}: {obj!r} is a projected read, and storing it would erase the fields it did not read"
        )


def projection_fields(entity: type[Entity], projection: Sequence[str]) -> tuple[str, ...]:
    """The projected field names, checked: whole non-key fields of ``entity``, at least one."""
    meta = entity.meta()
    readable = [f for f in entity.model_fields if f not in meta.key_fields]
    if isinstance(projection, str) or not projection:
        raise ProjectionError(
            f"projection={projection!r} names no field of {entity.__name__}",
            field="projection",
            hint=f"pass a list of field names, some of {readable}, or no projection to read the whole item",
        )
    for name in projection:
        if name in meta.key_fields:
            raise ProjectionError(
                f"{entity.__name__}.{name} is a key field: it lives in the item's keys and is always read",
                field=name,
                hint=f"leave {name!r} out of the projection; project some of {readable}",
            )
        if name not in entity.model_fields:
            raise ProjectionError(
                f"{entity.__name__} has no field {name!r} to project (a projection names whole fields)",
                field=name,
                hint=f"project some of {readable}",
            )
    return tuple(dict.fromkeys(projection))


@functools.lru_cache(maxsize=1024)
def _adapter(entity: type[Entity], name: str) -> TypeAdapter[Any]:
    info = entity.model_fields[name]
    # The field's constraints (Field(ge=0), ...) ride in its metadata: validate with them.
    hint: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation or Any
    return TypeAdapter(hint)


def _validate(entity: type[Entity], name: str, value: Any, where: str) -> Any:
    try:
        return _adapter(entity, name).validate_python(value)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            f"{entity.__name__}.{name} in {where}: {exc.errors()[0]['msg']}",
            field=name,
            hint=f"store a valid {name!r} (got {value!r})",
        ) from None


class Collection(Mapping[type[Entity] | str, list[Any]]):
    """One partition's items grouped by entity class; items that are not ours under ``"foreign"``.

    ``coll[Repo]`` is a ``list[Repo]`` to type checkers, and ``[]`` when the partition holds no Repo
    (``Repo in coll`` says whether it holds any). It compares equal to a dict with the same groups.
    """

    __slots__ = ("_groups",)

    def __init__(self, groups: Mapping[type[Entity] | str, list[Any]] | None = None) -> None:
        self._groups: dict[type[Entity] | str, list[Any]] = dict(groups or {})

    def add(self, item: Entity | dict[str, Any]) -> None:
        """File one item of the partition: under its entity class, or under ``"foreign"``."""
        group: type[Entity] | str = type(item) if isinstance(item, Entity) else "foreign"
        self._groups.setdefault(group, []).append(item)

    @overload
    def __getitem__(self, key: type[E]) -> list[E]: ...
    @overload
    def __getitem__(self, key: str) -> list[dict[str, Any]]: ...
    def __getitem__(self, key: type[Entity] | str) -> list[Any]:
        found = self._groups.get(key)
        if found is not None:
            return found
        if key == "foreign" or (isinstance(key, type) and issubclass(key, Entity)):
            return []
        raise KeyError(key)

    @overload  # type: ignore[override]
    def get(self, key: type[E], /) -> list[E] | None: ...
    @overload
    def get(self, key: type[E], default: T, /) -> list[E] | T: ...
    @overload
    def get(self, key: str, /) -> list[dict[str, Any]] | None: ...
    @overload
    def get(self, key: str, default: T, /) -> list[dict[str, Any]] | T: ...
    def get(self, key: type[Entity] | str, default: Any = None, /) -> Any:
        """The group, or ``default`` when the partition holds none (as ``dict.get``)."""
        return self._groups.get(key, default)

    @property
    def foreign(self) -> list[dict[str, Any]]:
        """Items of the partition that are not of a registered entity, as stored."""
        return self["foreign"]

    def __contains__(self, key: object) -> bool:
        return key in self._groups

    def __iter__(self) -> Iterator[type[Entity] | str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def __repr__(self) -> str:
        inner = ", ".join(f"{getattr(k, '__name__', k)}: {v!r}" for k, v in self._groups.items())
        return f"Collection({{{inner}}})"
