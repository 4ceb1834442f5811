"""Query and Scan: sort-key conditions, collections, GSI1 reverse lookups, lazy pages, opaque cursors."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from singletable import capacity
from singletable.arguments import check_names, key_fields
from singletable.codec import Item, deserialize, items_size
from singletable.cursor import CursorBinding
from singletable.errors import ValidationError
from singletable.expressions import Condition, Placeholders, check_condition, render_projection
from singletable.model import Entity
from singletable.request import Request
from singletable.results import projection_fields
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transport import Send, Transport

T = TypeVar("T")


class Source(Protocol):
    """What a query is built against: a table's schema and spec (a Table or an AsyncTable)."""

    @property
    def schema(self) -> Schema: ...

    @property
    def spec(self) -> TableSpec: ...


@dataclass(frozen=True, slots=True)
class SortKey:
    """A sort-key condition: ``SortKey.begins_with("ORDER#")``, ``SortKey.between(a, b)``, ..."""

    op: str
    values: tuple[str, ...]

    @classmethod
    def eq(cls, value: str) -> SortKey:
        return cls("=", (value,))

    @classmethod
    def lt(cls, value: str) -> SortKey:
        return cls("<", (value,))

    @classmethod
    def lte(cls, value: str) -> SortKey:
        return cls("<=", (value,))

    @classmethod
    def gt(cls, value: str) -> SortKey:
        return cls(">", (value,))

    @classmethod
    def gte(cls, value: str) -> SortKey:
        return cls(">=", (value,))

    @classmethod
    def begins_with(cls, prefix: str) -> SortKey:
        return cls("begins_with", (prefix,))

    @classmethod
    def between(cls, low: str, high: str) -> SortKey:
        if low > high:
            raise ValidationError(
                f"between({low!r}, {high!r}) has its bounds the wrong way round",
                field="sk",
                hint="pass the lower bound first",
            )
        return cls("between", (low, high))

    def render(self, attr: str, ph: Placeholders) -> str:
        name = ph.name(attr)
        vals = [ph.value(v, attr) for v in self.values]
        if self.op == "begins_with":
            return f"begins_with({name}, {vals[0]})"
        if self.op == "between":
            return f"{name} BETWEEN {vals[0]} AND {vals[1]}"
        return f"{name} {self.op} {vals[0]}"

    def holds(self, value: str) -> bool:
        """Whether a sort-key value meets the condition (str order is DynamoDB's UTF-8 byte order)."""
        first = self.values[0]
        if self.op == "begins_with":
            return value.startswith(first)
        if self.op == "between":
            return first <= value <= self.values[1]
        ops: dict[str, Callable[[str, str], bool]] = {
            "=": str.__eq__,
            "<": str.__lt__,
            "<=": str.__le__,
            ">": str.__gt__,
            ">=": str.__ge__,
        }
        return ops[self.op](value, first)


@dataclass(slots=True)
class Page(Generic[T]):
    """One response page: its items, and the cursor to resume after its last item (None at the end)."""

    items: list[T]
    cursor: str | None


@dataclass(slots=True)
class Query(Generic[T]):
    """A lazy Query (or Scan). Iterate it for items; ``.pages()`` for pages; ``.request()`` for a dry run.

    After iteration stops (on ``limit`` or by ``break``), ``.cursor`` resumes right after the last item
    handed out, so no item is skipped or repeated across calls. A cursor resumes only the query that made
    it (see :mod:`singletable.cursor`); ``limit`` and ``page_size`` may change between calls.
    """

    table: Source
    params: dict[str, Any]
    entity: type[Entity] | None = None
    limit: int | None = None
    page_size: int | None = None
    pattern: str | None = None
    key_attrs: tuple[str, ...] = ()
    operation: str = "Query"
    raw_items: bool = False
    project: Callable[[dict[str, Any]], Any] | None = None  # an entity's projected query: item -> Projected
    cursor: str | None = None
    binding: CursorBinding | None = None
    _started: bool = field(default=False, repr=False)

    @classmethod
    def build(
        cls,
        table: Source,
        entity: type[Entity] | None,
        *,
        fields: Mapping[str, Any],
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
        scan: bool = False,
    ) -> Query[Any]:
        spec = table.spec
        for name, value in (("limit", limit), ("page_size", page_size)):
            if value is not None and value < 1:
                raise ValidationError(
                    f"{name} is {value}", field=name, hint=f"pass {name} >= 1, or leave it out"
                )
        if consistent and index is not None:
            raise ValidationError(
                "consistent reads are not possible on a global secondary index",
                field="consistent",
                hint="drop consistent=True, or query the table itself",
            )
        if entity is not None:
            check_condition(filter, entity, spec, what="filter")
        ph = Placeholders()
        params: dict[str, Any] = {"TableName": spec.name, "ReturnConsumedCapacity": "TOTAL"}
        key_attrs = [spec.pk, spec.sk]
        hash_key: tuple[str, str] | None = None
        range_key: tuple[str, SortKey] | None = None
        if scan:
            operation = "Scan"
        else:
            operation = "Query"
            if entity is not None and pk is None:
                index, hash_value, sk = _entity_key_condition(table, entity, index, sk, fields)
            elif pk is not None:
                hash_value = pk
            else:
                raise ValidationError(
                    "a query needs a partition",
                    field="pk",
                    hint='pass pk="USER#123" or an entity with its key fields',
                )
            hash_attr, range_attr = spec.key_names(index)
            hash_key = (hash_attr, hash_value)
            cond = f"{ph.name(hash_attr)} = {ph.value(hash_value, hash_attr)}"
            if sk is not None:
                if range_attr is None:
                    raise ValidationError(
                        f"index {index} has no sort key", field="sk", hint="drop the sk condition"
                    )
                range_key = (range_attr, sk)
                cond += f" AND {sk.render(range_attr, ph)}"
            params["KeyConditionExpression"] = cond
            params["ScanIndexForward"] = not reverse
            if index is not None:
                params["IndexName"] = index
                key_attrs += [a for a in (hash_attr, range_attr) if a and a not in key_attrs]
        if consistent:
            params["ConsistentRead"] = True
        if filter is not None:
            params["FilterExpression"] = filter.render(ph)
        if projection:
            params["ProjectionExpression"] = render_projection(
                list(dict.fromkeys([*key_attrs, *projection])), ph
            )
        ph.apply(params)
        q: Query[Any] = Query(
            table=table,
            params=params,
            entity=entity,
            limit=limit,
            page_size=page_size,
            pattern=pattern,
            key_attrs=tuple(key_attrs),
            operation=operation,
            raw_items=bool(projection),
            binding=CursorBinding.of(
                table=spec.name,
                operation=operation,
                index=index,
                hash_key=hash_key,
                range_key=range_key,
                entity=entity.meta().name if entity is not None else None,
                filter=filter,
                reverse=reverse and not scan,
            ),
        )
        if cursor is not None:
            q.params["ExclusiveStartKey"] = q._decode_cursor(cursor)
        return q

    def request(self) -> Request:
        """The first request this query would send (dry run)."""
        params = dict(self.params)
        n = self.next_limit(self.limit)
        if n is not None:
            params["Limit"] = n
        return Request(self.operation, params)

    def next_limit(self, remaining: int | None) -> int | None:
        """The ``Limit`` of the next page: what is left of ``limit`` (unless a filter drops items), or the
        page size, whichever is smaller."""
        sizes = [
            s for s in (remaining if "FilterExpression" not in self.params else None, self.page_size) if s
        ]
        return min(sizes) if sizes else None

    def pages(self) -> Iterator[Page[T]]:
        """Pages as DynamoDB returns them (expired and foreign items dropped), lazily."""
        transport = _sync_transport(self.table)
        pager = self.pager()
        while (step := pager.next_request()) is not None:
            resp = transport.send(step.request, key_names=step.key_names)
            page = pager.receive(resp)
            # Hold one page at a time while streaming: drop this answer before asking for the next.
            del resp
            yield page

    def pager(self) -> Pager[T]:
        """The sans-I/O pagination of this query (what :meth:`pages` drives); it can be started once."""
        if self._started:
            raise ValidationError(
                "this query was already iterated", hint="build a new query, or pass cursor=q.cursor to resume"
            )
        self._started = True
        return Pager(self, self.table.schema)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[T]:
        out: list[T] = []
        for page in self.pages():  # page by page: no generator step per item
            out += page.items
        return out

    def first(self) -> T | None:
        self.limit = 1 if self.limit is None else min(self.limit, 1)
        return next(iter(self), None)

    def encode_cursor(self, key: Item) -> str:
        """An opaque cursor resuming this query after ``key``."""
        return self._cursor_binding().encode(key)

    def _decode_cursor(self, cursor: str) -> Item:
        return self._cursor_binding().decode(cursor, self.key_attrs)

    def _cursor_binding(self) -> CursorBinding:
        if self.binding is None:
            # A Query made by hand, not by build(): bind its cursors to what its parameters say.
            p = self.params
            self.binding = CursorBinding.of(
                table=p.get("TableName", ""),
                operation=self.operation,
                index=p.get("IndexName"),
                entity=self.entity.meta().name if self.entity is not None else None,
                reverse=p.get("ScanIndexForward") is False,
            )
        return self.binding

    def converter(self, schema: Schema) -> Callable[[dict[str, Any]], Any]:
        """What turns each item of a page into what is handed out (``None``: drop it)."""
        if self.project is not None:
            return self.project
        if self.raw_items:
            return _same
        return schema.recogniser(self.entity)


class Pager(Generic[T]):
    """The pagination of one query, without I/O: ``next_request()`` gives the next page's request (None
    when done), ``receive(response)`` turns its answer into a :class:`Page`, records the capacity, and
    moves the query's cursor. A sync or async driver only sends in between."""

    __slots__ = ("convert", "done", "params", "query", "remaining", "schema", "ttl_attr")

    def __init__(self, query: Query[T], schema: Schema) -> None:
        self.query = query
        self.schema = schema
        self.params = dict(query.params)
        self.remaining = query.limit
        self.done = False
        # Looked up once, not per item: an item without the TTL attribute cannot have expired.
        self.ttl_attr = schema.spec.ttl_attribute if schema.hide_expired else None
        self.convert = query.converter(schema)

    def next_request(self) -> Send | None:
        if self.done:
            return None
        q = self.query
        n = q.next_limit(self.remaining)
        if n is not None:
            self.params["Limit"] = n
        return Send(Request(q.operation, self.params), key_names=q.key_attrs)

    def receive(self, resp: Mapping[str, Any]) -> Page[T]:
        q, schema = self.query, self.schema
        raw_items: list[Item] = resp.get("Items", [])
        _record(q, schema, resp, raw_items)
        remaining, ttl_attr, convert, is_expired = (
            self.remaining,
            self.ttl_attr,
            self.convert,
            schema.is_expired,
        )
        out: list[T] = []
        last_key: Item | None = None
        for raw in raw_items:
            if remaining is not None and remaining <= 0:
                break
            last_key = raw
            item = deserialize(raw)
            if ttl_attr is not None and ttl_attr in item and is_expired(item):
                continue
            value = convert(item)
            if value is None:
                continue
            out.append(value)
            if remaining is not None:
                remaining -= 1
        self.remaining = remaining
        exhausted = "LastEvaluatedKey" not in resp and (last_key is None or last_key is raw_items[-1])
        done = exhausted or (remaining is not None and remaining <= 0)
        if done and exhausted:
            q.cursor = None
        elif last_key is not None and (remaining is not None and remaining <= 0):
            q.cursor = q.encode_cursor({a: last_key[a] for a in q.key_attrs if a in last_key})
        else:
            lek = resp.get("LastEvaluatedKey")
            q.cursor = q.encode_cursor(lek) if lek is not None else None
        if done or "LastEvaluatedKey" not in resp:
            self.done = True
        else:
            self.params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return Page(out, q.cursor)


def entity_query(
    table: Source,
    cls: type[Entity] | None,
    *,
    options: Sequence[str],
    fields: Mapping[str, Any],
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
) -> Query[Any]:
    """The query of ``table.query(...)`` (sync or async): the keywords checked (``options`` named when
    one is unknown), an entity's projection mapped to attributes, then :meth:`Query.build`."""
    if cls is None:
        check_names("query(pk=...)", fields, (), options)
    else:
        meta = cls.meta()
        index_fields = [f for i in meta.indexes for f in sorted(meta.index_fields(i))]
        check_names(f"query({cls.__name__})", fields, [*key_fields(cls), *index_fields], options)
    project = None
    schema = table.schema
    if cls is not None and projection is not None:
        names = projection_fields(cls, projection)
        projection = schema.projection_attrs(cls, names)
        project = schema.projector(cls, names)
    q = Query.build(
        table,
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


def check_reverse(cls: type[Entity], fields: Mapping[str, Any], options: Sequence[str]) -> None:
    """Refuse a reverse lookup's unknown keywords (its fields are the entity's sort then partition key)."""
    meta = cls.meta()
    check_names(f"reverse({cls.__name__})", fields, (*meta.sk.fields, *meta.pk.fields), options)


def collection_partition(cls: type[Entity], fields: Mapping[str, Any], options: Sequence[str]) -> str:
    """The partition key of ``collection(cls, **fields)`` (the fields checked and validated)."""
    check_names(f"collection({cls.__name__})", fields, cls.meta().pk.fields, options)
    return cls.meta().pk.render(cls.validate_fields(fields))


def _record(q: Query[Any], schema: Schema, resp: Mapping[str, Any], raw_items: list[Item]) -> None:
    total = items_size(raw_items)
    count, scanned = resp.get("Count", len(raw_items)), resp.get("ScannedCount", len(raw_items))
    if scanned > count and count:
        # A filter dropped items we never saw; DynamoDB charges for them too. Estimate at the same mean size.
        total = int(total * scanned / count)
    consistency: capacity.Consistency = "strong" if q.params.get("ConsistentRead") else "eventual"
    schema.record(
        q.operation,
        resp,
        q.pattern,
        read=capacity.read_units(total, consistency),
        items=len(raw_items),
        size=total,
        consistency=consistency,
        index=q.params.get("IndexName"),
    )


def _same(item: dict[str, Any]) -> Any:
    return item


def _sync_transport(table: Source) -> Transport:
    transport: Transport | None = getattr(table, "transport", None)
    if transport is None or inspect.iscoroutinefunction(transport.send):
        raise ValidationError(
            "this query is read on an event loop", hint="use `async for item in q` and `await q.all()`"
        )
    return transport


def _entity_key_condition(
    table: Source, entity: type[Entity], index: str | None, sk: SortKey | None, fields: Mapping[str, Any]
) -> tuple[str | None, str, SortKey | None]:
    """Choose the index and key condition from the key fields given."""
    meta = entity.meta()
    unknown = sorted(set(fields) - set(entity.model_fields))
    if unknown:
        raise ValidationError(
            f"{entity.__name__} has no field(s) {unknown}",
            field=unknown[0],
            hint=f"use fields of {entity.__name__}",
        )
    # Rendered from validated values (n="07" is 7 for an int field), as put renders them; None stays
    # "not given" (a prefix query), as before.
    fields = entity.validate_fields({k: v for k, v in fields.items() if v is not None})
    inverted = table.schema.inverted_index()
    if index is None:
        if all(f in fields for f in meta.pk.fields):
            hash_t, range_t = meta.pk, meta.sk
        elif all(f in fields for f in meta.sk.fields) and not meta.sk.is_constant:
            table.schema.check_reverse(entity, inverted)
            index, hash_t, range_t = inverted, meta.sk, meta.pk
        else:
            raise ValidationError(
                f"a {entity.__name__} query needs {list(meta.pk.fields)} (its partition)"
                + (
                    f" or {list(meta.sk.fields)} (reverse lookup through {inverted})"
                    if meta.sk.fields
                    else ""
                ),
                field=(meta.pk.fields or ("pk",))[0],
                hint=f"pass {', '.join(f'{f}=...' for f in meta.pk.fields)}",
            )
    elif index == inverted and index not in meta.indexes:
        table.schema.check_reverse(entity, inverted)
        hash_t, range_t = meta.sk, meta.pk
    elif index in meta.indexes:
        hash_t, maybe_range = meta.indexes[index]
        if maybe_range is None:
            hash_value = hash_t.render(fields)
            return index, hash_value, sk
        range_t = maybe_range
    else:
        raise ValidationError(
            f"{entity.__name__} has no keys for index {index!r}",
            field="index",
            hint=f"use {inverted} or one of {sorted(meta.indexes)}",
        )
    missing = [f for f in hash_t.fields if f not in fields]
    if missing:
        raise ValidationError(
            f"the {entity.__name__} query on {index or 'the table'} needs {missing}",
            field=missing[0],
            hint=f"pass {', '.join(f'{f}=...' for f in missing)}",
        )
    hash_value = hash_t.render(fields)
    if sk is None:
        prefix, complete = range_t.render_prefix(fields)
        if complete:
            sk = SortKey.eq(prefix)
        elif prefix:
            sk = SortKey.begins_with(prefix)
    return index, hash_value, sk
