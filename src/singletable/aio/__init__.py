"""AsyncTable: :class:`~singletable.table.Table` on asyncio, with the same names, arguments, results and
errors; every call that talks to DynamoDB is awaited.

The same pure steps build and read each request (:mod:`singletable.ops`, :class:`~singletable.query.Pager`,
the batch and transaction exchanges); only the sending differs: ``await`` on an async transport
(:mod:`singletable.transport.aio` by default: aiohttp under botocore's credentials, SigV4 and retries).

>>> async with AsyncTable(TableSpec(), endpoint_url="http://127.0.0.1:8000", entities=[User]) as table:
...     await table.put(User(user_id="1", name="Ada", email="ada@example.com"))
...     async for order in table.query(UserOrder, user_id="1"):
...         ...

``dry_run=True`` needs no I/O, but the call is still a coroutine: ``await table.put(e, dry_run=True)``
returns the :class:`~singletable.request.Request` that would be sent, as ``Table.put`` does.

The parts, one job each: :mod:`~singletable.aio.table` (the table, its settings and transport),
:mod:`~singletable.aio.items` (get / put / update / delete), :mod:`~singletable.aio.queries` (query,
collection, reverse, scan) and :mod:`~singletable.aio.query` (the AsyncQuery they return),
:mod:`~singletable.aio.many` (batches, transactions, bulk load), :mod:`~singletable.aio.transact` (the
transaction builder and the entity-level helpers). Import them from here.
"""

from singletable.aio.query import AsyncQuery
from singletable.aio.table import AsyncTable
from singletable.aio.transact import AsyncTransactWrite, create_together, delete_partition

__all__ = ["AsyncQuery", "AsyncTable", "AsyncTransactWrite", "create_together", "delete_partition"]
