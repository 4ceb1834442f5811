"""The query calls of an AsyncTable: query, collection, reverse and scan. Each returns an
:class:`~singletable.aio.query.AsyncQuery`, validated at once and read lazily with ``async for``
(``collection`` reads its one query and groups it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, overload

from singletable.aio.base import AsyncTableBase
from singletable.aio.query import AsyncQuery
from singletable.arguments import keyword_options
from singletable.expressions import Condition
from singletable.model import Entity
from singletable.query import Query, SortKey, check_reverse, collection_partition, entity_query
from singletable.results import Collection, Projected

__all__ = ["AsyncQueries"]

E = TypeVar("E", bound=Entity)


class AsyncQueries(AsyncTableBase):
    """query / collection / reverse / scan (see :class:`~singletable.table.Table`'s)."""

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
    ) -> AsyncQuery[E]: ...
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
    ) -> AsyncQuery[Projected[E]]: ...
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
    ) -> AsyncQuery[E] | AsyncQuery[Projected[E]]: ...
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
    ) -> AsyncQuery[Entity | dict[str, Any]]: ...
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
    ) -> AsyncQuery[dict[str, Any]]: ...
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
    ) -> AsyncQuery[Entity | dict[str, Any]]: ...

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
    ) -> AsyncQuery[Any]:
        """A lazy query, read with ``async for`` (see :meth:`Table.query`); validated here, at once."""
        q = entity_query(
            self,
            cls,
            options=keyword_options(AsyncQueries.query),
            fields=fields,
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
        )
        return AsyncQuery(q, self.transport)

    async def collection(
        self, cls: type[Entity], *, pattern: str | None = None, consistent: bool = False, **fields: Any
    ) -> Collection:
        """Everything in one entity's partition, in ONE query, grouped by entity class (see
        :meth:`Table.collection`)."""
        pk = collection_partition(cls, fields, keyword_options(AsyncQueries.collection))
        out = Collection()
        q = self.query(pk=pk, pattern=pattern or f"{cls.__name__} collection", consistent=consistent)
        async for item in q:
            out.add(item)
        return out

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
    ) -> AsyncQuery[E]: ...
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
    ) -> AsyncQuery[Projected[E]]: ...

    def reverse(
        self,
        cls: type[E],
        *,
        pattern: str | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **fields: Any,
    ) -> AsyncQuery[E] | AsyncQuery[Projected[E]]:
        """Items of ``cls`` whose SK is given, found through GSI1 (hash SK, range PK)."""
        check_reverse(cls, fields, keyword_options(AsyncQueries.reverse))
        return self.query(
            cls,
            index=self.schema.inverted_index(),
            pattern=pattern,
            projection=projection,
            limit=limit,
            cursor=cursor,
            **fields,
        )

    def scan(self, *, filter: Condition | None = None, pattern: str | None = "scan") -> AsyncQuery[Any]:
        """Every item of the table (costly: reads all of it)."""
        q = Query.build(self, None, scan=True, filter=filter, pattern=pattern, fields={})
        return AsyncQuery(q, self.transport)
