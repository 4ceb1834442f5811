"""Change streams as typed entities: decoded records (``Change[Order]``), a router with Lambda's
partial-batch response, and a reader of the DynamoDB Streams API (sync and async)."""

from singletable.streams.aio import AsyncStreamReader
from singletable.streams.batch import BatchResponse, ItemFailure, ahandle_batch, handle_batch
from singletable.streams.emulate import Delivery, deliver, lambda_event
from singletable.streams.reader import ShardPlan, StartAt, StreamReader, streams_client
from singletable.streams.records import Change, ChangeKind, Decoder
from singletable.streams.router import Router

__all__ = [
    "AsyncStreamReader",
    "BatchResponse",
    "Change",
    "ChangeKind",
    "Decoder",
    "Delivery",
    "ItemFailure",
    "Router",
    "ShardPlan",
    "StartAt",
    "StreamReader",
    "ahandle_batch",
    "deliver",
    "handle_batch",
    "lambda_event",
    "streams_client",
]
