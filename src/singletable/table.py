"""Table: get / put / update / delete of entities (and of plain items), each with a dry-run form.

Every call asks for consumed capacity and records it in the ledger, with the units DynamoDB's size rules
give (moto's own figures are fixed whatever the size, so both are kept).
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from pydantic import TypeAdapter
from typing_extensions import deprecated

from singletable import capacity
from singletable.afterimage import apply_update, can_apply
from singletable.arguments import check_names
from singletable.batch import Backoff, BatchResult, batch_get, batch_write
from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.client import RetryMode, make_client
from singletable.codec import Item, deserialize, item_size, serialize
from singletable.errors import (
    ConditionFailedError,
    ItemNotFoundError,
    ItemTooLargeError,
    ValidationError,
    VersionConflictError,
)
from singletable.expressions import Attr, Condition, Placeholders, Update, all_of, render_projection
from singletable.expressions.check import check_condition
from singletable.model import ENTITY_ATTRIBUTE, Entity, epoch_seconds, render_index_keys, update_args
from singletable.query import Query, SortKey
from singletable.request import Request, send
from singletable.results import Collection, Projected, projection_fields, refuse_partial
from singletable.spec import TableSpec

if TYPE_CHECKING:
    from singletable.bulk import BulkReport
    from singletable.transactions import TransactWrite

E = TypeVar("E", bound=Entity)
logger = logging.getLogger("singletable")


class Table:
    """One DynamoDB table holding many entities.

    >>> table = Table(TableSpec(), endpoint_url="http://127.0.0.1:8000", entities=[User, Order, UserOrder])

    With no ``client`` and no ``endpoint_url`` it talks to AWS through boto3's credential chain
    (``profile="dynamodb-svc"`` picks a profile). ``retry_mode`` (botocore's ``standard`` or ``adaptive``,
    which also rate-limits the client when throttled) and ``max_attempts`` (first try included) set the
    client's own retries of throttling, 5xx and connection errors; batches and transactions retry on top.
    """

    def __init__(
        self,
        spec: TableSpec | str | None = None,
        *,
        client: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        entities: Iterable[type[Entity]] = (),
        ledger: CapacityLedger | None = None,
        hide_expired: bool = True,
        retry_mode: RetryMode = "standard",
        max_attempts: int = 10,
    ) -> None:
        self.spec = spec if isinstance(spec, TableSpec) else TableSpec(name=spec) if spec else TableSpec()
        self.client = client or make_client(
            endpoint_url=endpoint_url,
            region=region,
            profile=profile,
            retry_mode=retry_mode,
            max_attempts=max_attempts,
        )
        self.ledger = ledger if ledger is not None else CapacityLedger()
        self.hide_expired = hide_expired
        self._entities: dict[str, type[Entity]] = {}
        self._index_attrs = {i.name: (i.hash_key, i.range_key) for i in self.spec.indexes}
        # Stored attributes that are not entity fields (keys, index keys, marker, TTL), computed once.
        skip = {self.spec.pk, self.spec.sk, ENTITY_ATTRIBUTE, self.spec.ttl_attribute}
        for hash_attr, range_attr in self._index_attrs.values():
            skip.update((hash_attr, range_attr))
        self._skip_attrs: frozenset[str] = frozenset(a for a in skip if a)
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
            other = self._entities.get(meta.name)
            if other is not None and other is not cls:
                raise ValidationError(
                    f"two entities are named {meta.name!r}: {other.__name__} and {cls.__name__}",
                    field="__entity__",
                    hint="set a distinct __entity__ on one of them",
                )
            self._entities[meta.name] = cls

    @property
    def entities(self) -> tuple[type[Entity], ...]:
        return tuple(self._entities.values())

    def recognise(self, item: Mapping[str, Any]) -> Entity | dict[str, Any]:
        """The entity a stored item (plain values) belongs to, or the item itself when it is not ours.

        The marker decides when present; an item without one (written by hand, as the seed's
        ``aws dynamodb put-item`` does) is matched by key patterns and taken only if exactly one matches.
        """
        marker = item.get(ENTITY_ATTRIBUTE)
        cls: type[Entity] | None
        if marker is not None:
            cls = self._entities.get(marker) if isinstance(marker, str) else None
        else:
            pk, sk = item.get(self.spec.pk), item.get(self.spec.sk)
            found = [
                c
                for c in self._entities.values()
                if isinstance(pk, str) and isinstance(sk, str) and c.matches(pk, sk)
            ]
            cls = found[0] if len(found) == 1 else None
        if cls is None:
            return dict(item)
        # _from_item inlined: this runs once for every item of every query page.
        spec = self.spec
        return cls.from_item(item, spec.pk, spec.sk, skip=self._skip_attrs, ttl_attr=spec.ttl_attribute)

    def _from_item(self, cls: type[E], item: Mapping[str, Any]) -> E:
        return cls.from_item(
            item, self.spec.pk, self.spec.sk, skip=self._skip_attrs, ttl_attr=self.spec.ttl_attribute
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

    def _entity_item(self, entity: Entity, *, validate: bool = True) -> dict[str, Any]:
        return entity.to_item(
            self.spec.pk,
            self.spec.sk,
            self._entity_index_attrs(type(entity)),
            self.spec.ttl_attribute,
            validate=validate,
        )

    def _entity_index_attrs(self, cls: type[Entity]) -> dict[str, tuple[str, str | None]]:
        return {i: self._index_attrs[i] for i in cls.meta().indexes}

    def _key(self, pk: str, sk: str) -> Item:
        return {self.spec.pk: {"S": pk}, self.spec.sk: {"S": sk}}

    # -- put ------------------------------------------------------------------------------------------

    @overload
    def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
    ) -> E: ...
    @overload
    def put(
        self,
        entity: E,
        *,
        create_only: bool = ...,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
    ) -> Request: ...

    def put(
        self,
        entity: E,
        *,
        create_only: bool = False,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> E | Request:
        """Write an entity (replacing any item with its key unless ``create_only``); returns it as written.

        The entity is validated again first, so a field assigned a bad value after construction is refused
        with a ValidationError naming it. With a version field, the write succeeds only if the stored
        version equals the entity's, and the returned entity carries the next version.
        """
        refuse_partial(entity, "put")
        cls = type(entity)
        meta = cls.meta()
        if self._entities.get(meta.name) is not cls:
            self.register(cls)
        conds: list[Condition] = []
        if condition is not None:
            check_condition(condition, cls, self.spec)
            conds.append(condition)
        if create_only:
            conds.append(Attr(self.spec.pk).not_exists())
        # Validated again as a whole: a field assigned after construction (or model_construct) is checked.
        new_entity = entity.validated()
        version: tuple[str, int] | None = None
        if meta.version_field:
            current = getattr(new_entity, meta.version_field) or 0
            version = (meta.version_field, current)
            if current == 0:
                conds.append(Attr(self.spec.pk).not_exists())
            else:
                conds.append(Attr(meta.version_field).eq(current))
            new_entity = new_entity.model_copy(update={meta.version_field: current + 1})
        item = self._entity_item(new_entity, validate=False)
        request, size = self._put_request(item, all_of(*conds))
        if dry_run:
            return request
        self._send_put(request, size, pattern, conds, version)
        return new_entity

    def put_item(
        self,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> Request | None:
        """Write a plain item (Python values; it must hold the table's key attributes)."""
        for attr in (self.spec.pk, self.spec.sk):
            if not isinstance(item.get(attr), str) or not item.get(attr):
                raise ValidationError(
                    f"item has no string {attr!r}", field=attr, hint=f'add "{attr}": "..." to the item'
                )
        request, size = self._put_request(dict(item), condition)
        if dry_run:
            return request
        self._send_put(request, size, pattern, [condition] if condition is not None else [], None)
        return None

    def _put_request(self, item: dict[str, Any], condition: Condition | None) -> tuple[Request, int]:
        av = serialize(item)
        size = item_size(av)
        if size > capacity.MAX_ITEM_BYTES:
            raise ItemTooLargeError(
                f"item {item.get(self.spec.pk)!r}/{item.get(self.spec.sk)!r} is {size:,} bytes, over DynamoDB's "
                f"{capacity.MAX_ITEM_BYTES:,}-byte limit",
                field=self.spec.pk,
            )
        # ALL_OLD: the replaced item, for the capacity rules (max of old and new, index changes).
        params: dict[str, Any] = {
            "TableName": self.name,
            "Item": av,
            "ReturnValues": "ALL_OLD",
            "ReturnConsumedCapacity": "TOTAL",
        }
        if condition is not None:
            ph = Placeholders()
            params["ConditionExpression"] = condition.render(ph)
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            ph.apply(params)
        return Request("PutItem", params), size

    def _send_put(
        self,
        request: Request,
        size: int,
        pattern: str | None,
        conds: Sequence[Condition],
        version: tuple[str, int] | None,
    ) -> None:
        def text() -> str:
            return " AND ".join(c.describe() for c in conds)

        try:
            resp = send(self.client, request, condition_text=text, key_names=(self.spec.pk, self.spec.sk))
        except ConditionFailedError as exc:
            if not _applied_before(exc, request.params["Item"]):
                self._record_failed("PutItem", exc, pattern, size)
                if version is not None and _is_version_conflict(exc, *version):
                    raise _version_conflict(exc) from None
                raise
            # An earlier attempt applied and its answer was lost (a reset after the engine wrote): the
            # item holds exactly what we wrote, so the put is done; failing it would report a lost write.
            logger.debug("PutItem %s: retried after an applied attempt; item is as written", exc.message)
            resp = {}
        self._record(
            "PutItem",
            resp,
            pattern,
            write=self._write_units(request.params["Item"], size, resp.get("Attributes")),
            items=1,
            size=size,
        )

    # -- get ------------------------------------------------------------------------------------------

    @overload
    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E | None: ...
    @overload
    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str],
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> Projected[E] | None: ...
    @overload
    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | Projected[E] | Request | None: ...

    def get(
        self,
        cls: type[E],
        *,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> E | Projected[E] | Request | None:
        """Read one entity by its key fields: ``table.get(User, user_id="123")``.

        Returns ``None`` when there is no item, when the item there belongs to another entity, or when
        its TTL has passed. With ``projection=["field", ...]`` only those fields (and the key) are read,
        and the answer is a read-only :class:`Projected` (never an entity that could be put back whole).
        """
        check_names(f"get({cls.__name__})", key, _key_fields(cls), _options(Table.get))
        pk, sk = cls.key_for(**key)
        names = projection_fields(cls, projection) if projection is not None else None
        proj = self._projection_attrs(cls, names) if names is not None else None
        request = self._get_request(pk, sk, consistent, proj)
        if dry_run:
            return request
        raw = self._send_get(request, pattern)
        if raw is None:
            return None
        marker = raw.get(ENTITY_ATTRIBUTE)
        if marker is not None and marker != cls.meta().name:
            return None
        if names is not None:
            return self._projected(cls, names, raw)
        return self._from_item(cls, raw)

    def _projection_attrs(self, cls: type[Entity], names: Sequence[str]) -> list[str]:
        """The attributes a projected read of ``names`` asks for: keys, marker and TTL attribute too (to
        tell our items and expired ones), and the TTL field under the attribute it is stored as."""
        spec, ttl_field = self.spec, cls.meta().ttl_field
        attrs = [spec.pk, spec.sk, ENTITY_ATTRIBUTE, *([spec.ttl_attribute] if spec.ttl_attribute else [])]
        attrs += [spec.ttl_attribute if n == ttl_field and spec.ttl_attribute else n for n in names]
        return list(dict.fromkeys(attrs))

    def _projected(self, cls: type[E], names: Sequence[str], item: Mapping[str, Any]) -> Projected[E]:
        spec = self.spec
        return Projected.from_item(
            cls, item, names, pk_attr=spec.pk, sk_attr=spec.sk, ttl_attr=spec.ttl_attribute
        )

    def _projector(
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
                if [c for c in self._entities.values() if c.matches(pk, sk)] != [cls]:
                    return None
            elif marker != cls.meta().name:
                return None
            return self._projected(cls, names, item)

        return project

    def get_item(
        self,
        pk: str,
        sk: str,
        *,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | Request | None:
        """Read one plain item by its key values (expired items hidden)."""
        request = self._get_request(pk, sk, consistent, list(projection) if projection else None)
        if dry_run:
            return request
        return self._send_get(request, pattern)

    def _get_request(self, pk: str, sk: str, consistent: bool, projection: list[str] | None) -> Request:
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": self._key(pk, sk),
            "ConsistentRead": consistent,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if projection:
            ph = Placeholders()
            params["ProjectionExpression"] = render_projection(projection, ph)
            ph.apply(params)
        return Request("GetItem", params)

    def _send_get(self, request: Request, pattern: str | None) -> dict[str, Any] | None:
        resp = send(self.client, request, key_names=(self.spec.pk, self.spec.sk))
        raw = resp.get("Item")
        size = item_size(raw) if raw else 0
        consistency: capacity.Consistency = "strong" if request.params["ConsistentRead"] else "eventual"
        self._record(
            "GetItem",
            resp,
            pattern,
            read=capacity.read_units(size, consistency),
            items=1 if raw else 0,
            size=size,
            consistency=consistency,
        )
        if not raw:
            return None
        item = deserialize(raw)
        return None if self.is_expired(item) else item

    # -- update ---------------------------------------------------------------------------------------

    @overload
    def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = ...,
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E: ...
    @overload
    def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = ...,
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    @deprecated("pass the key as keyword fields: table.update(Repo, changes, repo_id=...)")
    def update(
        self,
        cls: type[E],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
    ) -> E: ...
    @overload
    @deprecated("pass the key as keyword fields: table.update(Repo, changes, repo_id=...)")
    def update(
        self,
        cls: type[E],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
    ) -> Request: ...

    def update(
        self,
        cls: type[E],
        changes: Update | Mapping[str, Any] | None = None,
        legacy_changes: Update | Mapping[str, Any] | None = None,
        /,
        *,
        condition: Condition | None = None,
        upsert: bool = False,
        expected_version: int | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> E | Request:
        """Change some attributes of one entity, found by its key fields, and return it as stored afterwards:
        ``table.update(User, {"name": "Jane"}, user_id="123")``.

        ``changes`` (positional) is a mapping (SET, ``None`` means REMOVE) or an :class:`Update` (SET,
        REMOVE, ADD, DELETE, append, increment, if_not_exists); the key fields are keywords, as for get
        and delete. Values are validated against the entity's field types. Any extra-index key built from
        a changed field is rewritten in the same request, so index keys never go stale. Without ``upsert``
        a missing item raises ItemNotFoundError. The old form ``update(User, {"user_id": "123"}, changes)``
        still works and warns (DeprecationWarning).
        """
        key_fields, changes = update_args(cls, key, changes, legacy_changes, "table.update")
        meta = cls.meta()
        check_condition(condition, cls, self.spec)
        request, condition = self._entity_update_request(
            cls, key_fields, changes, condition, upsert, expected_version
        )
        if dry_run:
            return request
        try:
            raw = self._send_update(request, condition, pattern)
        except ConditionFailedError as exc:
            if (
                expected_version is not None
                and meta.version_field
                and _is_version_conflict(exc, meta.version_field, expected_version)
            ):
                raise _version_conflict(exc) from None
            raise
        return self._from_item(cls, deserialize(raw))

    def update_item(
        self,
        pk: str,
        sk: str,
        update: Update,
        *,
        condition: Condition | None = None,
        upsert: bool = False,
        pattern: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any] | Request:
        """Update one plain item by key values; returns it as stored afterwards."""
        touched = sorted(update.top_level_names() & {self.spec.pk, self.spec.sk})
        if touched:
            raise ValidationError(
                f"{touched[0]} is part of the key and cannot be updated",
                field=touched[0],
                hint="put the item under its new key and delete the old one",
            )
        request, condition = self._update_request(pk, sk, update, condition, upsert)
        if dry_run:
            return request
        return deserialize(self._send_update(request, condition, pattern))

    def _entity_update_request(
        self,
        cls: type[Entity],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any] | None,
        condition: Condition | None,
        upsert: bool,
        expected_version: int | None,
    ) -> tuple[Request, Condition | None]:
        """The UpdateItem of an entity (typed values, fresh index keys, version, marker): the one builder
        shared by ``update`` and transactions."""
        meta = cls.meta()
        check_names(f"update({cls.__name__}) key", key, _key_fields(cls))
        pk, sk = cls.key_for(**key)
        update = changes if isinstance(changes, Update) else Update().set(dict(changes or {}))
        update = self._typed_update(cls, update, cls.validate_fields(key))
        if meta.version_field:
            if expected_version is not None:
                condition = all_of(condition, Attr(meta.version_field).eq(expected_version))
                update.set({meta.version_field: expected_version + 1})
            else:
                update.increment(meta.version_field)
        update.set({ENTITY_ATTRIBUTE: meta.name})
        return self._update_request(pk, sk, update, condition, upsert)

    def _update_request(
        self, pk: str, sk: str, update: Update, condition: Condition | None, upsert: bool
    ) -> tuple[Request, Condition | None]:
        if not upsert:
            condition = all_of(Attr(self.spec.pk).exists(), condition)
        ph = Placeholders()
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": self._key(pk, sk),
            "UpdateExpression": update.render(ph),
            # ALL_OLD where the after image can be computed from it (afterimage): both images, one request.
            "ReturnValues": "ALL_OLD" if can_apply(update) else "ALL_NEW",
            "ReturnConsumedCapacity": "TOTAL",
        }
        if condition is not None:
            params["ConditionExpression"] = condition.render(ph)
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        ph.apply(params)
        return UpdateRequest("UpdateItem", params, update=update), condition

    def _send_update(self, request: Request, condition: Condition | None, pattern: str | None) -> Item:
        try:
            resp = send(
                self.client,
                request,
                condition_text=condition.describe if condition is not None else None,
                key_names=(self.spec.pk, self.spec.sk),
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            self._record_failed("UpdateItem", exc, pattern)
            raise
        returned: Item | None = resp.get("Attributes")
        before: Item | None = None
        after: Item | None = returned
        if isinstance(request, UpdateRequest) and request.params.get("ReturnValues") == "ALL_OLD":
            # The item before, as stored; the item after, by applying the update's actions to it.
            before = returned
            after = apply_update(returned, request.params["Key"], request.update)
            assert after is not None  # ALL_OLD is asked only for an update it applies (can_apply)
        # Under ALL_NEW the before image is unknown: the after image is charged, each index as entered.
        raw = after or {}
        size = item_size(raw)
        write = self._write_units(raw, size, before)
        self._record("UpdateItem", resp, pattern, write=write, items=1, size=size)
        return raw

    def _typed_update(self, cls: type[Entity], update: Update, key: Mapping[str, Any]) -> Update:
        """Validate values against field types, map TTL, and rewrite derived index keys."""
        meta = cls.meta()
        fields = cls.model_fields
        out = Update()
        set_values: dict[str, Any] = {}
        removed: set[str] = set()
        for action in update.actions:
            top = action.path.split(".")[0].split("[")[0]
            if top in meta.key_fields:
                raise ValidationError(
                    f"{cls.__name__}.{top} is part of the key and cannot be updated",
                    field=top,
                    hint="delete the item and put a new one with the new key (a transaction keeps it atomic)",
                )
            if top not in fields and top not in self._skip_attrs:
                raise ValidationError(
                    f"{cls.__name__} has no field {top!r}",
                    field=top,
                    hint=f"use one of {sorted(set(fields) - meta.key_fields)}",
                )
            value = action.value
            if top in fields and action.path == top and action.kind in ("set", "set_if_not_exists"):
                typed, value = _coerce(cls, top, value)
                if isinstance(value, set | frozenset) and not value:
                    # DynamoDB has no empty set: it is stored as absence (and read back as an empty set),
                    # so SET becomes REMOVE, and if_not_exists of nothing is nothing to do.
                    if action.kind == "set":
                        removed.add(top)
                        out.remove(action.path)
                    continue
                set_values[top] = typed
            if action.kind == "remove" and action.path == top:
                removed.add(top)
            path = action.path
            if top == meta.ttl_field and self.spec.ttl_attribute:
                path = self.spec.ttl_attribute + action.path[len(top) :]
                if action.kind in ("set", "set_if_not_exists"):
                    value = epoch_seconds(value, top)
            out.actions.append(type(action)(action.kind, path, value))
        touched = update.top_level_names()
        # Index keys from validated values (field validators included), as put renders them.
        known = {**key, **set_values}
        for index, (hash_t, range_t) in meta.indexes.items():
            used = meta.index_fields(index)
            if not used & touched:
                continue
            hash_attr, range_attr = self._index_attrs[index]
            if used & removed:
                out.remove(*(a for a in (hash_attr, range_attr) if a))
                continue
            missing = sorted(f for f in used if known.get(f) is None)
            if missing:
                raise ValidationError(
                    f"this update changes {sorted(used & touched)}, which {index}'s key is built from, "
                    f"but not {missing}",
                    field=missing[0],
                    hint=f"pass {', '.join(missing)} in the same update (SET to its current value) so {index} "
                    "is rewritten, or use put",
                )
            rendered = render_index_keys(hash_t, range_t, known)
            assert rendered is not None
            out.set({hash_attr: rendered[0]})
            if range_attr and rendered[1] is not None:
                out.set({range_attr: rendered[1]})
        return out

    # -- delete ---------------------------------------------------------------------------------------

    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[False] = ...,
        **key: Any,
    ) -> E | dict[str, Any] | None: ...
    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: Literal[True],
        **key: Any,
    ) -> Request: ...
    @overload
    def delete(
        self,
        target: E | Projected[E] | type[E],
        *,
        condition: Condition | None = ...,
        pattern: str | None = ...,
        dry_run: bool = ...,
        **key: Any,
    ) -> E | dict[str, Any] | Request | None: ...

    def delete(
        self,
        target: Entity | Projected[Any] | type[Entity],
        *,
        condition: Condition | None = None,
        pattern: str | None = None,
        dry_run: bool = False,
        **key: Any,
    ) -> Entity | dict[str, Any] | Request | None:
        """Delete an entity (an instance, a projected read, or a class plus key fields); returns what was
        there: as the entity, or as the plain item when it was not one (another entity's, or foreign)."""
        cls: type[Entity]
        if isinstance(target, Entity | Projected):
            cls = type(target) if isinstance(target, Entity) else target.entity
            check_names(f"delete() of a {cls.__name__}", key, ())
            pk, sk = target.key()
        else:
            cls = target
            check_names(f"delete({cls.__name__})", key, _key_fields(cls), _options(Table.delete))
            pk, sk = target.key_for(**key)
        check_condition(condition, cls, self.spec)
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": self._key(pk, sk),
            "ReturnValues": "ALL_OLD",
            "ReturnConsumedCapacity": "TOTAL",
        }
        if condition is not None:
            ph = Placeholders()
            params["ConditionExpression"] = condition.render(ph)
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            ph.apply(params)
        request = Request("DeleteItem", params)
        if dry_run:
            return request
        try:
            resp = send(
                self.client,
                request,
                condition_text=condition.describe if condition is not None else None,
                key_names=(self.spec.pk, self.spec.sk),
            )
        except (ConditionFailedError, ItemNotFoundError) as exc:
            self._record_failed("DeleteItem", exc, pattern)
            raise
        raw = resp.get("Attributes")
        size = item_size(raw) if raw else 0
        self._record(
            "DeleteItem", resp, pattern, write=self._delete_units(raw), items=1 if raw else 0, size=size
        )
        if not raw:
            return None
        old = self.recognise(deserialize(raw))
        return old if isinstance(old, cls) else deserialize(raw)

    def delete_item(self, pk: str, sk: str, *, pattern: str | None = None) -> dict[str, Any] | None:
        """Delete one plain item by key values; returns what was there."""
        request = Request(
            "DeleteItem",
            {
                "TableName": self.name,
                "Key": self._key(pk, sk),
                "ReturnValues": "ALL_OLD",
                "ReturnConsumedCapacity": "TOTAL",
            },
        )
        resp = send(self.client, request, key_names=(self.spec.pk, self.spec.sk))
        raw = resp.get("Attributes")
        size = item_size(raw) if raw else 0
        self._record(
            "DeleteItem", resp, pattern, write=self._delete_units(raw), items=1 if raw else 0, size=size
        )
        return deserialize(raw) if raw else None

    # -- query ----------------------------------------------------------------------------------------

    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> Query[E]: ...
    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str],
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> Query[Projected[E]]: ...
    @overload
    def query(
        self,
        cls: type[E],
        *,
        pk: str | None = ...,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
        **fields: Any,
    ) -> Query[E] | Query[Projected[E]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> Query[Entity | dict[str, Any]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str],
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> Query[dict[str, Any]]: ...
    @overload
    def query(
        self,
        cls: None = ...,
        *,
        pk: str,
        index: str | None = ...,
        sk: SortKey | None = ...,
        filter: Condition | None = ...,
        limit: int | None = ...,
        page_size: int | None = ...,
        reverse: bool = ...,
        consistent: bool = ...,
        projection: Sequence[str] | None = ...,
        cursor: str | None = ...,
        pattern: str | None = ...,
    ) -> Query[Entity | dict[str, Any]]: ...

    def query(
        self,
        cls: type[E] | None = None,
        *,
        pk: str | None = None,
        index: str | None = None,
        sk: SortKey | None = None,
        filter: Condition | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        reverse: bool = False,
        consistent: bool = False,
        projection: Sequence[str] | None = None,
        cursor: str | None = None,
        pattern: str | None = None,
        **fields: Any,
    ) -> Query[Any]:
        """A lazy Query. Either a raw partition (``pk="USER#123"``) or an entity plus key fields.

        ``table.query(UserOrder, user_id="123")`` reads the user's partition with ``begins_with(SK,
        "ORDER#")``; ``table.query(UserOrder, order_id="456")`` has no PK fields but all SK fields, so it
        reads GSI1 (hash SK, range PK): the reverse lookup. With ``projection`` an entity query yields
        :class:`Projected` items, as ``get`` does; a raw query yields the items as stored (dicts).
        """
        if cls is None:
            check_names("query(pk=...)", fields, (), _options(Table.query))
        else:
            meta = cls.meta()
            index_fields = [f for i in meta.indexes for f in sorted(meta.index_fields(i))]
            check_names(
                f"query({cls.__name__})", fields, [*_key_fields(cls), *index_fields], _options(Table.query)
            )
        project = None
        if cls is not None and projection is not None:
            names = projection_fields(cls, projection)
            projection = self._projection_attrs(cls, names)
            project = self._projector(cls, names)
        q = Query.build(
            self,
            cls,
            pk=pk,
            index=index,
            sk=sk,
            filter=filter,
            limit=limit,
            page_size=page_size,
            reverse=reverse,
            consistent=consistent,
            projection=projection,
            cursor=cursor,
            pattern=pattern,
            fields=fields,
        )
        q.project = project
        return q

    def collection(
        self, cls: type[Entity], *, pattern: str | None = None, consistent: bool = False, **fields: Any
    ) -> Collection:
        """Everything in one entity's partition, in ONE query, grouped by entity class.

        ``table.collection(User, user_id="123")`` -> ``{User: [profile], UserOrder: [edges...]}`` (a
        :class:`Collection`: ``coll[UserOrder]`` is a ``list[UserOrder]``, ``[]`` when there is none).
        Items that are not ours are grouped under the key ``"foreign"``.
        """
        check_names(f"collection({cls.__name__})", fields, cls.meta().pk.fields, _options(Table.collection))
        pk = cls.meta().pk.render(cls.validate_fields(fields))
        out: dict[type[Entity] | str, list[Any]] = {}
        for item in self.query(pk=pk, pattern=pattern or f"{cls.__name__} collection", consistent=consistent):
            group: type[Entity] | str = type(item) if isinstance(item, Entity) else "foreign"
            out.setdefault(group, []).append(item)
        return Collection(out)

    @overload
    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = ...,
        projection: None = ...,
        limit: int | None = ...,
        cursor: str | None = ...,
        **fields: Any,
    ) -> Query[E]: ...
    @overload
    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = ...,
        projection: Sequence[str],
        limit: int | None = ...,
        cursor: str | None = ...,
        **fields: Any,
    ) -> Query[Projected[E]]: ...

    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **fields: Any,
    ) -> Query[E] | Query[Projected[E]]:
        """Items of ``cls`` whose SK is given, found through GSI1 (hash SK, range PK)."""
        meta = cls.meta()
        check_names(
            f"reverse({cls.__name__})", fields, (*meta.sk.fields, *meta.pk.fields), _options(Table.reverse)
        )
        return self.query(
            cls,
            index=self._inverted_index(),
            pattern=pattern,
            projection=projection,
            limit=limit,
            cursor=cursor,
            **fields,
        )

    def _inverted_index(self) -> str:
        for idx in self.spec.indexes:
            if idx.hash_key == self.spec.sk and idx.range_key == self.spec.pk:
                return idx.name
        raise ValidationError(
            f"table {self.name!r} has no inverted index (hash {self.spec.sk}, range {self.spec.pk})",
            field="indexes",
            hint="add GSI1 to the TableSpec and the Terraform module",
        )

    def scan(self, *, filter: Condition | None = None, pattern: str | None = "scan") -> Query[Any]:
        """Every item of the table (costly: reads all of it)."""
        return Query.build(self, None, scan=True, filter=filter, pattern=pattern, fields={})

    # -- many items -----------------------------------------------------------------------------------

    def batch_write(
        self,
        puts: Iterable[Entity | Mapping[str, Any]] = (),
        deletes: Iterable[Entity | Projected[Any] | tuple[str, str]] = (),
        *,
        backoff: Backoff | None = None,
        pattern: str | None = None,
    ) -> BatchResult:
        """Put and delete any number of items; see :func:`singletable.batch.batch_write`."""
        return batch_write(self, puts, deletes, backoff=backoff, pattern=pattern)

    @overload
    def batch_get(
        self,
        keys: Sequence[tuple[type[E], Mapping[str, Any]]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[E | None]: ...
    @overload
    def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = ...,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    def batch_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        consistent: bool = False,
        pattern: str | None = None,
    ) -> list[Any]:
        """Read any number of items, in input order; see :func:`singletable.batch.batch_get`."""
        return batch_get(self, keys, consistent=consistent, pattern=pattern)

    def transact_write(
        self, *, token: str | None = None, pattern: str | None = None, backoff: Backoff | None = None
    ) -> TransactWrite:
        """A transaction builder (put / update / delete / condition_check, then ``commit()`` or ``with``);
        see :class:`singletable.transactions.TransactWrite`."""
        from singletable.transactions import TransactWrite

        return TransactWrite(self, token=token, pattern=pattern, backoff=backoff)

    @overload
    def transact_get(
        self, keys: Sequence[tuple[type[E], Mapping[str, Any]]], *, pattern: str | None = ...
    ) -> list[E | None]: ...
    @overload
    def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = ...,
    ) -> list[Entity | dict[str, Any] | None]: ...

    def transact_get(
        self,
        keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
        *,
        pattern: str | None = None,
    ) -> list[Any]:
        """Up to 100 items as one snapshot, in input order; see :func:`singletable.transactions.transact_get`."""
        from singletable.transactions import transact_get

        return transact_get(self, keys, pattern=pattern)

    def bulk_load(self, source: str | os.PathLike[str], **options: Any) -> BulkReport:
        """Load a JSONL file with a thread pool of batch writes; see :func:`singletable.bulk.bulk_load`."""
        from singletable.bulk import bulk_load

        return bulk_load(self, source, **options)

    # -- capacity -------------------------------------------------------------------------------------

    def _write_units(self, item: Item, size: int, old: Item | None = None) -> float:
        """WCUs of writing ``item`` (of ``size`` bytes) over ``old`` (the item it replaces; None when not
        known, as in a batch, where it is taken as absent): the larger image, plus each index the write
        changes (see :func:`capacity.item_write_units` for the rules and their sources)."""
        del size  # measured again with the old image; kept for batch.py's call
        return capacity.item_write_units(old, item, self.spec.indexes, (self.spec.pk, self.spec.sk))

    def _delete_units(self, deleted: Item | None) -> float:
        """WCUs of a delete: the deleted item's size and each index it leaves; 1 when nothing was there."""
        return capacity.item_write_units(deleted, None, self.spec.indexes, (self.spec.pk, self.spec.sk))

    def _record_failed(
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
        self._record(operation, {}, pattern, write=write, items=0, size=current_size or 0)

    def _record(
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
        cc = resp.get("ConsumedCapacity") or {}
        if isinstance(cc, list):
            reported = sum(c.get("CapacityUnits", 0.0) for c in cc) if cc else None
        else:
            reported = cc.get("CapacityUnits")
        is_read = operation in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")
        self.ledger.record(
            CapacityRecord(
                operation=operation,
                table=self.name,
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


def _key_fields(cls: type[Entity]) -> tuple[str, ...]:
    meta = cls.meta()
    return (*meta.pk.fields, *meta.sk.fields)


@lru_cache(maxsize=32)
def _options(method: Callable[..., Any]) -> tuple[str, ...]:
    """A call's keyword options, named in the message when an unknown keyword is refused."""
    params = inspect.signature(method).parameters.values()
    return tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)


@dataclass(frozen=True, slots=True)
class UpdateRequest(Request):
    """An UpdateItem request that keeps its :class:`Update`, so the after image can be computed from ALL_OLD."""

    update: Update = field(default_factory=Update, compare=False, repr=False)


def _applied_before(exc: ConditionFailedError, item: Item) -> bool:
    """Whether a conditional put failed only because its own earlier attempt had applied: the client
    retried, and the stored item is exactly the one sent (a conditional put is otherwise not idempotent)."""
    return exc.retried and exc.item is not None and exc.item == deserialize(item)


def _is_version_conflict(exc: ConditionFailedError, field: str, expected: int) -> bool:
    """Whether the stored item's version (``exc.item``, the item as it was) is not the one expected.

    Any other failed condition (the caller's own, or create_only) stays a plain ConditionFailedError.
    """
    if expected == 0:
        return exc.item is not None
    return exc.item is None or exc.item.get(field) != expected


def _version_conflict(exc: ConditionFailedError) -> VersionConflictError:
    return VersionConflictError(
        f"version conflict: the item changed since it was read ({exc.message})",
        condition=exc.condition,
        item=exc.item,
    )


@lru_cache(maxsize=1024)
def _adapter(cls: type[Entity], field: str) -> TypeAdapter[Any]:
    return TypeAdapter(cls.model_fields[field].annotation or Any)


def _coerce(cls: type[Entity], field: str, value: Any) -> tuple[Any, Any]:
    """The value validated as the field (field validators included, as on put) and its stored form."""
    typed = cls.validate_fields({field: value})[field]
    return typed, _adapter(cls, field).dump_python(typed, mode="python")
