"""The operations' pure steps: build the request (validation, keys, expressions, codec, size checks: what
``dry_run`` returns) and read the response (items to entities, capacity to the ledger, failures to the
catalogue). No I/O here: :class:`~singletable.table.Table` and :class:`~singletable.aio.AsyncTable` send
what these build through their transports.

One module per single-item operation (get, put, update, delete); pagination lives in
:mod:`singletable.query` (:class:`~singletable.query.Pager`), batch retries in :mod:`singletable.batch`
and transaction retries in :mod:`singletable.transactions`, as exchanges (:mod:`singletable.transport`).
"""
