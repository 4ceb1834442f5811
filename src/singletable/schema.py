"""Schema: what a table knows without talking to it (spec, registered entities, ledger); no I/O.

Every operation's pure steps (:mod:`singletable.ops`, :mod:`singletable.query`, :mod:`singletable.batch`,
:mod:`singletable.transactions`) take a Schema: keys, items of entities, recognising stored items,
capacity by DynamoDB's rules and its records in the ledger. ``Table`` (and an async table) hold one and
add only a transport.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from singletable import capacity
from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.codec import Item, item_size, serialize
from singletable.errors import (
    ConditionFailedError,
    ItemNotFoundError,
    ReverseLookupNotDeclaredError,
    ValidationError,
)
from singletable.keys import KeyTemplate
from singletable.logs import logger
from singletable.model import ENTITY_ATTRIBUTE, Entity
from singletable.results import Projected
from singletable.spec import TableSpec

E = TypeVar("E", bound=Entity)

_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


class Schema:
    """One table's layout and entities, and the ledger its calls are recorded in."""

    def __init__(
        self,
        spec: TableSpec,
        *,
        entities: Iterable[type[Entity]] = (),
        ledger: CapacityLedger | None = None,
        hide_expired: bool = True,
    ) -> None:
        self.spec = spec
        self.ledger = ledger if ledger is not None else CapacityLedger()
        self.hide_expired = hide_expired
        self.key_names: tuple[str, str] = (spec.pk, spec.sk)
        self.entity_classes: dict[str, type[Entity]] = {}
        #: index name -> (hash attribute, range attribute)
        self.index_attrs = {i.name: (i.hash_key, i.range_key) for i in spec.indexes}
        # Stored attributes that are not entity fields (keys, index keys, marker, TTL), computed once.
        skip = {spec.pk, spec.sk, ENTITY_ATTRIBUTE, spec.ttl_attribute}
        for hash_attr, range_attr in self.index_attrs.values():
            skip.update((hash_attr, range_attr))
        self.skip_attrs: frozenset[str] = frozenset(a for a in skip if a)
        reverse = spec.reverse_index()
        #: the sparse GSI1 (None when GSI1 is inverted or absent): its (name, hash attr, range attr)
        self.sparse_reverse: tuple[str, str, str] | None = (
            (reverse[0].name, reverse[0].hash_key, reverse[0].range_key or "")
            if reverse is not None and reverse[1]
            else None
        )
        self.register(*entities)

    @property
    def name(self) -> str:
        return self.spec.name

    # -- entities -------------------------------------------------------------------------------------

    def register(self, *entities: type[Entity]) -> None:
        """Make entity classes known, so items are recognised and index keys are written."""
        for cls in entities:
            meta = cls.meta()
            for index in meta.indexes:
                idx = self.spec.index(index)
                if idx.hash_key in (self.spec.pk, self.spec.sk):
                    raise ValidationError(
                        f"{cls.__name__} declares keys for {index}, whose keys are the table's own {idx.hash_key}",
                        field=index,
                        hint=f"drop {index} from {cls.__name__}.__indexes__: it needs no extra attributes",
                    )
            if cls.__reverse__ and self.sparse_reverse and self.sparse_reverse[0] in meta.indexes:
                raise ValidationError(
                    f"{cls.__name__} sets __reverse__ and declares its own keys for {self.sparse_reverse[0]}",
                    field="__reverse__",
                    hint=f"keep one: __reverse__ = True (GSI1 keys are SK and PK) or __indexes__[{self.sparse_reverse[0]!r}]",
                )
            other = self.entity_classes.get(meta.name)
            if other is not None and other is not cls:
                raise ValidationError(
                    f"two entities are named {meta.name!r}: {other.__name__} and {cls.__name__}",
                    field="__entity__",
                    hint="set a distinct __entity__ on one of them",
                )
            self.entity_classes[meta.name] = cls

    def ensure(self, cls: type[Entity]) -> None:
        """Register ``cls`` unless it is registered already (a put of an unregistered entity does), and
        say so: until then the table's reads could not recognise its items (collections, scans)."""
        if self.entity_classes.get(cls.meta().name) is not cls:
            self.register(cls)
            logger.warning(
                "entity %s was not registered with table %r; registered on first write. Register it up front "
                "(Table(..., entities=[%s]) or table.register(%s)) so that reads before any write recognise it",
                cls.__name__,
                self.spec.name,
                cls.__name__,
                cls.__name__,
            )

    def recognise(self, item: Mapping[str, Any]) -> Entity | dict[str, Any]:
        """The entity a stored item (plain values) belongs to, or the item itself when it is not ours.

        The marker decides when present; an item without one (written by hand, as the seed's
        ``aws dynamodb put-item`` does) is matched by key patterns and taken only if exactly one matches.
        """
        marker = item.get(ENTITY_ATTRIBUTE)
        cls: type[Entity] | None
        if marker is not None:
            cls = self.entity_classes.get(marker) if isinstance(marker, str) else None
        else:
            cls = self.matching_class(item)
        if cls is None:
            return dict(item)
        # from_item inlined: this runs once for every item of every query page.
        spec = self.spec
        return cls.from_item(item, spec.pk, spec.sk, skip=self.skip_attrs, ttl_attr=spec.ttl_attribute)

    def recogniser(self, only: type[Entity] | None = None) -> Callable[[Mapping[str, Any]], Any]:
        """:meth:`recognise` for the items of many pages (one query): the same answers, each entity's
        :meth:`Entity.item_reader` made once, on the first item of that entity. With ``only``, what is
        not an ``only`` comes back as None (read and validated all the same, as recognise would)."""
        readers: dict[type[Entity], Callable[[Mapping[str, Any]], Entity]] = {}
        classes, spec, skip = self.entity_classes, self.spec, self.skip_attrs

        def recognise(item: Mapping[str, Any]) -> Any:
            marker = item.get(ENTITY_ATTRIBUTE)
            cls = (
                (classes.get(marker) if isinstance(marker, str) else None)
                if marker is not None
                else self.matching_class(item)
            )
            if cls is None:
                return dict(item) if only is None else None
            read = readers.get(cls)
            if read is None:
                read = readers[cls] = cls.item_reader(
                    spec.pk, spec.sk, skip=skip, ttl_attr=spec.ttl_attribute
                )
            value = read(item)
            return value if only is None or isinstance(value, only) else None

        return recognise

    def matching_class(self, item: Mapping[str, Any]) -> type[Entity] | None:
        """The one entity whose key patterns match an item without a marker (None: none, or several)."""
        pk, sk = item.get(self.spec.pk), item.get(self.spec.sk)
        if not (isinstance(pk, str) and isinstance(sk, str)):
            return None
        found = [c for c in self.entity_classes.values() if c.matches(pk, sk)]
        return found[0] if len(found) == 1 else None

    def from_item(self, cls: type[E], item: Mapping[str, Any]) -> E:
        """``item`` (plain values) as a ``cls``."""
        return cls.from_item(
            item, self.spec.pk, self.spec.sk, skip=self.skip_attrs, ttl_attr=self.spec.ttl_attribute
        )

    def is_expired(self, item: Mapping[str, Any], now: float | None = None) -> bool:
        """True when the item's TTL has passed (DynamoDB may take days to delete it; we hide it at once)."""
        attr = self.spec.ttl_attribute
        if not (self.hide_expired and attr):
            return False
        value = item.get(attr)
        # DynamoDB's TTL ignores anything but a Number of epoch seconds; so do we.
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            return False
        return float(value) < (time.time() if now is None else now)

    def entity_item(self, entity: Entity, *, validate: bool = True) -> dict[str, Any]:
        """The item (plain values) an entity is stored as: keys, index keys, marker, TTL."""
        item = entity.to_item(
            self.spec.pk,
            self.spec.sk,
            {i: self.index_attrs[i] for i in type(entity).meta().indexes},
            self.spec.ttl_attribute,
            validate=validate,
        )
        item.update(self.reverse_keys(type(entity), item[self.spec.pk], item[self.spec.sk]))
        return item

    def reverse_keys(self, cls: type[Entity], pk: str, sk: str) -> dict[str, str]:
        """The sparse GSI1's attributes of a ``cls`` item keyed (pk, sk): a copy of SK and PK when the
        table's GSI1 is sparse and ``cls`` declares ``__reverse__``, else none (put, update, batches,
        transactions and bulk loads all write items through here or :mod:`singletable.ops.update`)."""
        if self.sparse_reverse is None or not cls.__reverse__:
            return {}
        _, hash_attr, range_attr = self.sparse_reverse
        return {hash_attr: sk, range_attr: pk}

    def check_reverse(self, cls: type[Entity], index: str) -> None:
        """Refuse a reverse lookup of ``cls`` through a sparse GSI1 that does not hold it."""
        if self.sparse_reverse and index == self.sparse_reverse[0] and not cls.__reverse__:
            raise ReverseLookupNotDeclaredError(
                f"{index} of table {self.name!r} is sparse and {cls.__name__} does not write to it",
                field="__reverse__",
                hint=f"set __reverse__ = True on {cls.__name__} (items written before then need a rewrite), "
                'or make GSI1 inverted again (gsi1_key_mode = "inverted")',
            )

    def index_templates(self, cls: type[Entity]) -> dict[str, tuple[KeyTemplate, KeyTemplate | None]]:
        """The key templates each index holds ``cls``'s items under: the inverted GSI1 takes every item
        (hash SK, range PK), another index only an entity that declares its keys in ``__indexes__``."""
        meta = cls.meta()
        out: dict[str, tuple[KeyTemplate, KeyTemplate | None]] = {}
        sparse = self.sparse_reverse[0] if self.sparse_reverse else None
        for idx in self.spec.indexes:
            if (idx.hash_key == self.spec.sk and idx.range_key == self.spec.pk) or (
                idx.name == sparse and cls.__reverse__
            ):
                out[idx.name] = (meta.sk, meta.pk)
            elif idx.name in meta.indexes:
                out[idx.name] = meta.indexes[idx.name]
        return out

    def key(self, pk: str, sk: str) -> Item:
        """A key as AttributeValues."""
        return {self.spec.pk: {"S": pk}, self.spec.sk: {"S": sk}}

    def inverted_index(self) -> str:
        """The GSI of reverse lookups (GSI1): hash the table's SK and range its PK, or the sparse GSI1
        whose own attributes hold a copy of them."""
        reverse = self.spec.reverse_index()
        if reverse is not None:
            return reverse[0].name
        raise ValidationError(
            f"table {self.name!r} has no inverted index (hash {self.spec.sk}, range {self.spec.pk})",
            field="indexes",
            hint="add GSI1 to the TableSpec and the Terraform module",
        )

    # -- projections ----------------------------------------------------------------------------------

    def projection_attrs(self, cls: type[Entity], names: Sequence[str]) -> list[str]:
        """The attributes a projected read of ``names`` asks for: keys, marker and TTL attribute too (to
        tell our items and expired ones), and the TTL field under the attribute it is stored as."""
        spec, ttl_field = self.spec, cls.meta().ttl_field
        attrs = [spec.pk, spec.sk, ENTITY_ATTRIBUTE, *([spec.ttl_attribute] if spec.ttl_attribute else [])]
        attrs += [spec.ttl_attribute if n == ttl_field and spec.ttl_attribute else n for n in names]
        return list(dict.fromkeys(attrs))

    def projected(self, cls: type[E], names: Sequence[str], item: Mapping[str, Any]) -> Projected[E]:
        spec = self.spec
        return Projected.from_item(
            cls, item, names, pk_attr=spec.pk, sk_attr=spec.sk, ttl_attr=spec.ttl_attribute
        )

    def projector(
        self, cls: type[E], names: Sequence[str]
    ) -> Callable[[dict[str, Any]], Projected[E] | None]:
        """What turns each item of a projected entity query into a Projected (None: not a ``cls``)."""

        def project(item: dict[str, Any]) -> Projected[E] | None:
            marker = item.get(ENTITY_ATTRIBUTE)
            if marker is None:
                # No marker (written by hand): ours only when ``cls`` alone matches its keys, as recognise has it.
                pk, sk = item.get(self.spec.pk), item.get(self.spec.sk)
                if not (isinstance(pk, str) and isinstance(sk, str)):
                    return None
                if [c for c in self.entity_classes.values() if c.matches(pk, sk)] != [cls]:
                    return None
            elif marker != cls.meta().name:
                return None
            return self.projected(cls, names, item)

        return project

    # -- capacity -------------------------------------------------------------------------------------

    def write_units(self, item: Item, old: Item | None = None) -> float:
        """WCUs of writing ``item`` over ``old`` (the item it replaces; None when not known, as in a batch,
        where it is taken as absent): the larger image, plus each index the write changes (see
        :func:`capacity.item_write_units` for the rules and their sources)."""
        return capacity.item_write_units(old, item, self.spec.indexes, self.key_names)

    def delete_units(self, deleted: Item | None) -> float:
        """WCUs of a delete: the deleted item's size and each index it leaves; 1 when nothing was there."""
        return capacity.item_write_units(deleted, None, self.spec.indexes, self.key_names)

    def record_failed(
        self,
        operation: str,
        exc: ConditionFailedError | ItemNotFoundError,
        pattern: str | None,
        new_size: int = 0,
    ) -> None:
        """Record what a write whose condition failed consumed (DynamoDB bills it: capacity.failed_write_units).

        ``exc.item`` is the item there (ReturnValuesOnConditionCheckFailure=ALL_OLD), None when none was.
        """
        current = getattr(exc, "item", None)
        current_size = item_size(serialize(current)) if current else None
        write = capacity.failed_write_units(current_size, new_size)
        self.record(operation, {}, pattern, write=write, items=0, size=current_size or 0)

    def record(
        self,
        operation: str,
        resp: Mapping[str, Any],
        pattern: str | None,
        *,
        read: float = 0.0,
        write: float = 0.0,
        items: int = 0,
        size: int = 0,
        consistency: str | None = None,
        index: str | None = None,
    ) -> None:
        """One call's capacity in the ledger: ours by the size rules, and what the engine reported."""
        cc = resp.get("ConsumedCapacity") or {}
        if isinstance(cc, list):
            reported = sum(c.get("CapacityUnits", 0.0) for c in cc) if cc else None
        else:
            reported = cc.get("CapacityUnits")
        is_read = operation in _READS
        self.ledger.record(
            CapacityRecord(
                operation=operation,
                table=self.spec.name,
                pattern=pattern,
                index=index,
                read_units=read,
                write_units=write,
                reported_read_units=reported if is_read else None,
                reported_write_units=None if is_read else reported,
                items=items,
                bytes=size,
                consistency=consistency,
            )
        )
