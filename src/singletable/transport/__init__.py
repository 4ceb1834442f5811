"""Transports: what sends a :class:`~singletable.request.Request` and brings its answer back.

- :mod:`singletable.transport.aio`: the async transport (aiohttp under botocore's credentials, SigV4
  signer and retry rules); needs the ``async`` extra;
- :mod:`singletable.transport.retry`: botocore's retry rules without its event system (no I/O).
"""
