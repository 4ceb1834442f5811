"""Entities: pydantic v2 models that declare their key templates.

    class User(Entity):
        __pk__ = "USER#{user_id}"
        __sk__ = "PROFILE"
        user_id: str
        name: str
        email: str

Stored as the seed stores it: ``{PK: USER#123, SK: PROFILE, name, email}`` plus an entity marker
(``_type``) so that foreign items in a shared partition are never mistaken for ours. Key fields live in
the keys only and are parsed back on read; items written by hand without a marker are recognised by
their key patterns.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import functools
import types
import typing
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar, Self

import pydantic
from pydantic import BaseModel, ConfigDict
from pydantic_core import SchemaValidator

from singletable.errors import KeyTemplateError, UnknownArgumentError, ValidationError
from singletable.keys import KeyTemplate
from singletable.upgrades import SCHEMA_VERSION_ATTRIBUTE, UpgradeStep, upgrade

ENTITY_ATTRIBUTE = "_type"
_META: dict[type, EntityMeta] = {}
#: Distinct partition keys an item reader keeps parsed (a query reads one; a scan many).
_PK_CACHE = 256
_UNPARSED: Any = object()


@dataclass(frozen=True, slots=True)
class EntityMeta:
    """What the table needs to know about an entity class, computed once per class."""

    name: str
    pk: KeyTemplate
    sk: KeyTemplate
    indexes: dict[str, tuple[KeyTemplate, KeyTemplate | None]]
    key_fields: frozenset[str]
    ttl_field: str | None
    version_field: str | None

    def index_fields(self, index: str) -> frozenset[str]:
        hash_t, range_t = self.indexes[index]
        return frozenset(hash_t.fields) | frozenset(range_t.fields if range_t else ())


class Entity(BaseModel):
    """Base of every entity. Subclasses set ``__pk__`` and ``__sk__`` (and optionally the rest)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    __entity__: ClassVar[str | None] = None
    """The marker stored in ``_type`` (default: the class name)."""
    __pk__: ClassVar[str]
    __sk__: ClassVar[str]
    __indexes__: ClassVar[Mapping[str, tuple[str, str | None]]] = {}
    """Template-derived keys of extra GSIs: ``{"GSI2": ("EMAIL#{email}", "USER#{user_id}")}``."""
    __reverse__: ClassVar[bool] = False
    """Reverse lookup by SK (``table.reverse``) under a sparse GSI1 (``spec.SPARSE_GSI1``, the module's
    ``gsi1_key_mode = "sparse"``): only such entities write GSI1's keys. An inverted GSI1 holds every item."""
    __ttl__: ClassVar[str | None] = None
    """A field (datetime or epoch seconds) written to the table's TTL attribute."""
    __version_field__: ClassVar[str | None] = None
    """An int field used for optimistic locking: a stale write raises VersionConflictError."""
    __schema_version__: ClassVar[int | None] = None
    """The version of this entity's stored shape; older items are upgraded on read (see upgrades.py)."""
    __upgrades__: ClassVar[Mapping[int, UpgradeStep]] = {}
    """``{from_version: fn(fields) -> fields}``, one step per version below ``__schema_version__``."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if hasattr(cls, "__pk__") or hasattr(cls, "__sk__"):
            _META[cls] = _build_meta(cls)

    @classmethod
    def meta(cls) -> EntityMeta:
        m = _META.get(cls)
        if m is None:
            raise KeyTemplateError(
                f"entity {cls.__name__} declares no keys",
                hint='set __pk__ = "USER#{user_id}" and __sk__ = "PROFILE" on the class',
            )
        return m

    @classmethod
    def entity_name(cls) -> str:
        return cls.meta().name

    # -- keys -----------------------------------------------------------------------------------------

    @classmethod
    def validate_fields(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` run through their fields' types, constraints and field validators, as construction
        would (model validators, which need the whole entity, are not run). Every key is rendered from
        values that went through here, so ``get(n="07")`` finds what ``put(Entity(n="07"))`` wrote."""
        validator = _fields_validator(cls, frozenset(values))  # refuses unknown names
        try:
            validated: dict[str, Any] = validator.validate_python(values)[0]
        except pydantic.ValidationError as exc:
            raise validation_error(cls, exc) from None
        return validated

    @classmethod
    def key_for(cls, **fields: Any) -> tuple[str, str]:
        """The (PK, SK) values for these key fields, e.g. ``User.key_for(user_id="123")``; the values are
        validated as the entity's fields first (``"07"`` for an int field is 7)."""
        m = cls.meta()
        extra = fields.keys() - m.key_fields
        if extra:
            raise ValidationError(
                f"{cls.__name__} key has no field {min(extra)!r}",
                field=min(extra),
                hint=f"pass only the key fields {sorted(m.key_fields)}",
            )
        missing = [f for f in (*m.pk.fields, *m.sk.fields) if f not in fields]
        if missing:
            raise KeyTemplateError(
                f"{cls.__name__} key needs {missing}",
                field=missing[0],
                hint=f"pass {', '.join(f'{f}=...' for f in missing)}",
            )
        values = cls.validate_fields(fields)
        return m.pk.render(values), m.sk.render(values)

    def key(self) -> tuple[str, str]:
        """This entity's (PK, SK), from its key fields validated again (they may have been reassigned)."""
        m = self.meta()
        return type(self).key_for(**{f: self.__dict__.get(f) for f in m.key_fields})

    def validated(self) -> Self:
        """This entity validated again as a whole: what is written, whatever was assigned since it was
        built (``repo.stars = "many"``) or if it was made with ``model_construct``. Field validators run
        again, so they must be idempotent (as with pydantic's ``revalidate_instances="always"``)."""
        cls = type(self)
        try:
            return cls.__pydantic_validator__.validate_python(self.__dict__)  # type: ignore[no-any-return]
        except pydantic.ValidationError as exc:
            raise validation_error(cls, exc, where="the entity written") from None

    @classmethod
    def matches(cls, pk: str, sk: str) -> bool:
        m = cls.meta()
        return m.pk.matches(pk) and m.sk.matches(sk)

    # -- item <-> entity ------------------------------------------------------------------------------

    def to_item(
        self,
        pk_attr: str = "PK",
        sk_attr: str = "SK",
        index_attrs: Mapping[str, tuple[str, str | None]] = {},
        ttl_attr: str | None = None,
        *,
        validate: bool = True,
    ) -> dict[str, Any]:
        """The stored form (Python values; the codec makes AttributeValues of them), from the entity
        validated again unless ``validate=False`` says the caller has just done so (see ``validated``)."""
        m = self.meta()
        entity = self.validated() if validate else self
        data = entity.model_dump(mode="python", exclude_none=True)
        # Keys from the validated values, not the dump (a serializer may change them): get() and query()
        # render the same values, so they find what is written.
        values = entity.__dict__
        pk, sk = m.pk.render(values), m.sk.render(values)
        item: dict[str, Any] = {pk_attr: pk, sk_attr: sk, ENTITY_ATTRIBUTE: m.name}
        if self.__schema_version__ is not None:
            item[SCHEMA_VERSION_ATTRIBUTE] = self.__schema_version__
        for name, value in data.items():
            if name in m.key_fields:
                continue
            if name == m.ttl_field:
                if ttl_attr:
                    item[ttl_attr] = epoch_seconds(value, name)
                continue
            item[name] = value
        for index, (hash_t, range_t) in m.indexes.items():
            attrs = index_attrs.get(index)
            if attrs is None:
                continue
            rendered = render_index_keys(hash_t, range_t, values)
            if rendered is not None:
                item[attrs[0]] = rendered[0]
                if attrs[1] and rendered[1] is not None:
                    item[attrs[1]] = rendered[1]
        return item

    @classmethod
    def from_item(
        cls,
        item: Mapping[str, Any],
        pk_attr: str = "PK",
        sk_attr: str = "SK",
        skip: frozenset[str] = frozenset(),
        ttl_attr: str | None = None,
    ) -> Self:
        """An entity from a stored item (plain Python values), key fields parsed from the keys."""
        m = cls.meta()
        data = {k: v for k, v in item.items() if k not in skip}
        pk, sk = item.get(pk_attr), item.get(sk_attr)
        if isinstance(pk, str):
            data.update(m.pk.parse(pk) or {})
        if isinstance(sk, str):
            data.update(m.sk.parse(sk) or {})
        if m.ttl_field and ttl_attr and ttl_attr in item:
            data[m.ttl_field] = item[ttl_attr]
        if cls.__schema_version__ is not None:
            # An older item is upgraded before validation: only the result must satisfy the model.
            data = upgrade(cls.__name__, data, cls.__schema_version__, cls.__upgrades__)
        for name in empty_set_fields(cls):
            data.setdefault(name, set())  # stored as absent: DynamoDB has no empty set
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as exc:
            raise validation_error(cls, exc, where=f"item {pk!r}/{sk!r}") from None

    @classmethod
    def item_reader(
        cls,
        pk_attr: str = "PK",
        sk_attr: str = "SK",
        skip: frozenset[str] = frozenset(),
        ttl_attr: str | None = None,
    ) -> collections.abc.Callable[[Mapping[str, Any]], Self]:
        """:meth:`from_item` for many items (a query's pages): the same result and the same validation,
        with the per-class work (meta, empty-set fields) done once, and each distinct partition key parsed
        once (every item of a collection shares its PK; the parsed values are strings, ints and datetimes,
        which nothing mutates). The cache lives as long as the reader, one query, and is bounded."""
        m = cls.meta()
        parse_pk, parse_sk = m.pk.parse, m.sk.parse
        ttl_field, ttl_key = (m.ttl_field, ttl_attr) if ttl_attr else (None, "")
        empty_sets = tuple(empty_set_fields(cls))
        # pydantic's model_validate only forwards to the validator (the same validation, as validated()
        # calls it); an entity that overrides model_validate keeps its override.
        plain = getattr(cls.model_validate, "__func__", None) is BaseModel.model_validate.__func__  # type: ignore[attr-defined]
        validate = cls.__pydantic_validator__.validate_python if plain else cls.model_validate
        pks: dict[str, dict[str, Any] | None] = {}
        # Attributes to skip that validation would ignore anyway need not be filtered out (a copy is
        # cheaper than a filtered copy, for every item).
        filtered = bool(skip) and not _ignores(cls, skip)

        def read(item: Mapping[str, Any]) -> Any:  # a Self (mypy takes no Self in a nested function)
            data = {k: v for k, v in item.items() if k not in skip} if filtered else dict(item)
            pk, sk = item.get(pk_attr), item.get(sk_attr)
            if isinstance(pk, str):
                parsed = pks.get(pk, _UNPARSED)
                if parsed is _UNPARSED:
                    if len(pks) >= _PK_CACHE:
                        pks.clear()
                    parsed = pks[pk] = parse_pk(pk)
                if parsed:
                    data.update(parsed)
            if isinstance(sk, str):
                data.update(parse_sk(sk) or {})
            if ttl_field and ttl_key in item:
                data[ttl_field] = item[ttl_key]
            for name in empty_sets:
                data.setdefault(name, set())  # stored as absent: DynamoDB has no empty set
            try:
                return validate(data)
            except pydantic.ValidationError as exc:
                raise validation_error(cls, exc, where=f"item {pk!r}/{sk!r}") from None

        return read

    @classmethod
    def build(cls, **values: Any) -> Self:
        """Construct with errors turned into singletable's ValidationError (field and fix named)."""
        try:
            return cls.model_validate(values)
        except pydantic.ValidationError as exc:
            raise validation_error(cls, exc) from None


def _ignores(cls: type[BaseModel], attrs: frozenset[str]) -> bool:
    """Whether validating ``cls`` from a dict ignores the keys ``attrs`` as if they were absent: extra
    keys ignored, none of them a field's name or alias, no model validator that sees the whole dict."""
    if cls.model_config.get("extra", "ignore") != "ignore" or cls.__pydantic_decorators__.model_validators:
        return False
    names: set[str] = set()
    for name, info in cls.model_fields.items():
        names.add(name)
        if info.alias is not None:
            names.add(info.alias)
        if isinstance(info.validation_alias, str):
            names.add(info.validation_alias)
        elif info.validation_alias is not None:  # AliasPath / AliasChoices: not worth unfolding
            return False
    return not (names & attrs)


def update_args(
    cls: type[Entity],
    key: Mapping[str, Any],
    changes: Any,
    legacy_changes: Any,
    where: str,
) -> tuple[Mapping[str, Any], Any]:
    """The (key fields, changes) of an update called either way: ``update(Cls, changes, **key)`` or the
    deprecated ``update(Cls, key_dict, changes)``, which warns. A keyword that is not a key field is
    refused, naming where changes go, so a change can never be mistaken for part of the key."""
    key_fields = cls.meta().key_fields
    keywords = ", ".join(f"{f}=..." for f in sorted(key_fields))
    if legacy_changes is not None:
        if key or not isinstance(changes, Mapping):
            raise ValidationError(
                f"{where}({cls.__name__}, ...) got three positional arguments",
                field="key",
                hint=f"pass the changes, then the key as keywords: {where}({cls.__name__}, changes, {keywords})",
            )
        warnings.warn(
            f"{where}({cls.__name__}, key_dict, changes) is deprecated: pass the key as keywords, "
            f"{where}({cls.__name__}, changes, {keywords})",
            DeprecationWarning,
            stacklevel=3,
        )
        return changes, legacy_changes
    extra = sorted(key.keys() - key_fields)
    if extra:
        raise UnknownArgumentError(
            f"{where}({cls.__name__}, ...): {extra[0]!r} is not a key field of {cls.__name__}",
            field=extra[0],
            hint=f"the key fields are {sorted(key_fields)}; changes go in the mapping or Update after the "
            f"class: {where}({cls.__name__}, {{{extra[0]!r}: ...}}, {keywords})",
        )
    return key, changes


def render_index_keys(
    hash_t: KeyTemplate, range_t: KeyTemplate | None, values: Mapping[str, Any]
) -> tuple[str, str | None] | None:
    """Index key values, or None when a field is absent (a sparse index leaves the item out)."""
    needed = hash_t.fields + (range_t.fields if range_t else ())
    if any(values.get(f) is None for f in needed):
        return None
    return hash_t.render(values), (range_t.render(values) if range_t else None)


def epoch_seconds(value: Any, field: str) -> int:
    """A TTL value as whole epoch seconds (what DynamoDB's TTL reads)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(
                f"TTL field {field!r} is a naive datetime",
                field=field,
                hint="give it a timezone, e.g. datetime.now(UTC)",
            )
        return int(value.timestamp())
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return int(value)
    raise ValidationError(
        f"TTL field {field!r} has type {type(value).__name__}",
        field=field,
        hint="use an aware datetime or epoch seconds (int)",
    )


def validation_error(cls: type[BaseModel], exc: pydantic.ValidationError, where: str = "") -> ValidationError:
    """pydantic's error as one line naming the field and what it wants."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or cls.__name__
    n = exc.error_count()
    more = f" (and {n - 1} more)" if n > 1 else ""
    place = f" in {where}" if where else ""
    return ValidationError(
        f"{cls.__name__}.{field}{place}: {first['msg']}{more}",
        field=field,
        hint=f"pass a valid {field!r} (got {first.get('input')!r})",
    )


@functools.cache
def empty_set_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The set-typed fields that come back as an empty set when absent from a stored item.

    DynamoDB cannot store an empty set, so writes leave one out (``codec.serialize``); reading it back
    restores it for a required field and for one whose default is a set. A field that defaults to
    None stays None: absence cannot tell an empty set from None there.
    """
    out = set()
    for name, info in cls.model_fields.items():
        if not _is_set_type(info.annotation):
            continue
        if info.is_required() or isinstance(info.get_default(call_default_factory=True), set | frozenset):
            out.add(name)
    return frozenset(out)


def _is_set_type(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    if origin in (typing.Union, types.UnionType):
        return any(_is_set_type(a) for a in typing.get_args(annotation) if a is not type(None))
    return isinstance(origin, type) and issubclass(origin, collections.abc.Set)


@lru_cache(maxsize=1024)
def _fields_validator(cls: type[Entity], names: frozenset[str]) -> SchemaValidator:
    """A validator of just these fields of ``cls`` (their core schemas, field validators included), built
    once per class and set of names: 0.4 µs a call where a per-call model_construct + validate_assignment
    took 3 µs and also ran the model validators on a half-empty entity. Unknown names are refused here,
    so the check costs nothing once a set of names was seen."""
    unknown = sorted(names - set(cls.model_fields))
    if unknown:
        raise ValidationError(
            f"{cls.__name__} has no field {unknown[0]!r}",
            field=unknown[0],
            hint=f"use fields of {cls.__name__}: {sorted(cls.model_fields)}",
        )
    schema: Any = cls.__pydantic_core_schema__
    definitions: list[Any] = []
    if schema["type"] == "definitions":
        definitions, schema = schema["definitions"], schema["schema"]
    config = None
    while schema["type"] != "model-fields":
        kind = schema["type"]
        if kind == "definition-ref":
            schema = next(d for d in definitions if d.get("ref") == schema["schema_ref"])
        elif kind == "model":
            config, schema = schema.get("config"), schema["schema"]
        elif kind in ("function-after", "function-before", "function-wrap"):
            schema = schema["schema"]  # a model validator: skipped, it needs the whole entity
        else:
            raise TypeError(f"{cls.__name__}: unexpected core schema {kind!r}")
    schema = {**schema, "fields": {k: v for k, v in schema["fields"].items() if k in names}}
    if definitions:
        schema = {"type": "definitions", "schema": schema, "definitions": definitions}
    return SchemaValidator(schema, config)


def _build_meta(cls: type[Entity]) -> EntityMeta:
    name = cls.__dict__.get("__entity__") or cls.__name__
    for attr in ("__pk__", "__sk__"):
        if not isinstance(getattr(cls, attr, None), str):
            raise KeyTemplateError(
                f"entity {cls.__name__} sets no {attr}", hint=f'set {attr} = "..." on {cls.__name__}'
            )
    pk, sk = KeyTemplate(cls.__pk__), KeyTemplate(cls.__sk__)
    fields = set(cls.model_fields)
    indexes: dict[str, tuple[KeyTemplate, KeyTemplate | None]] = {}
    for index, (h, r) in cls.__indexes__.items():
        indexes[index] = (KeyTemplate(h), KeyTemplate(r) if r else None)
    templates = [("__pk__", pk), ("__sk__", sk)] + [
        (f"__indexes__[{i!r}]", t) for i, ts in indexes.items() for t in ts if t is not None
    ]
    for where, template in templates:
        for f in template.fields:
            if f not in fields:
                raise KeyTemplateError(
                    f"{cls.__name__}.{where} uses {{{f}}}, which is not a field of {cls.__name__}",
                    field=f,
                    hint=f"declare `{f}: str` on {cls.__name__} or fix the template",
                )
    for where, template in templates:
        for f, fmt in template.formats.items():
            # A plain class that cannot be the spec's type is a mistake to catch now, not on the first put.
            ann = cls.model_fields[f].annotation
            if isinstance(ann, type) and (not issubclass(ann, fmt.types) or ann is bool):
                raise KeyTemplateError(
                    f"{cls.__name__}.{where} formats {{{f}:{fmt.spec}}}, but {f} is {ann.__name__}",
                    field=f,
                    hint=f"declare {f}: {fmt.types[0].__name__} on {cls.__name__}, or drop :{fmt.spec}",
                )
    key_fields = frozenset(pk.fields) | frozenset(sk.fields)
    optional: tuple[tuple[str, str | None], ...] = (
        ("__ttl__", cls.__ttl__),
        ("__version_field__", cls.__version_field__),
    )
    for attr, named in optional:
        if named is not None and named not in fields:
            raise ValidationError(
                f"{cls.__name__}.{attr} names {named!r}, which is not a field",
                field=named,
                hint=f"declare {named!r} on {cls.__name__}",
            )
        if named is not None and named in key_fields:
            raise ValidationError(
                f"{cls.__name__}.{attr} names key field {named!r}", field=named, hint="use a non-key field"
            )
    return EntityMeta(
        name=name,
        pk=pk,
        sk=sk,
        indexes=indexes,
        key_fields=key_fields,
        ttl_field=cls.__ttl__,
        version_field=cls.__version_field__,
    )
