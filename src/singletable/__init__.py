"""singletable: DynamoDB single-table design, correct, cheap and fast."""

from singletable.aio import AsyncQuery, AsyncTable, AsyncTransactWrite
from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.client import make_client
from singletable.errors import (
    BatchIncompleteError,
    BatchReadIncompleteError,
    ConditionFailedError,
    CursorMismatchError,
    DuplicateKeyError,
    EmptySetError,
    EngineError,
    EngineUnreachableError,
    ItemNotFoundError,
    ItemTooLargeError,
    KeyFormatError,
    KeyTemplateError,
    LimitExceededError,
    NotProjectedError,
    PartialWriteError,
    ProjectionError,
    SingleTableError,
    TableMismatchError,
    TableNotFoundError,
    TransactionCanceledError,
    TransactionOutcomeUnknownError,
    UnknownArgumentError,
    ValidationError,
    VersionConflictError,
)
from singletable.expressions import Attr, Condition, Update
from singletable.keys import KeyTemplate
from singletable.model import Entity
from singletable.query import Page, Query, SortKey
from singletable.request import Request
from singletable.results import Collection, Projected
from singletable.spec import GSI1, Drift, IndexSpec, TableSpec
from singletable.table import Table

__all__ = [
    "GSI1",
    "AsyncQuery",
    "AsyncTable",
    "AsyncTransactWrite",
    "Attr",
    "BatchIncompleteError",
    "BatchReadIncompleteError",
    "CapacityLedger",
    "CapacityRecord",
    "Collection",
    "Condition",
    "ConditionFailedError",
    "CursorMismatchError",
    "Drift",
    "DuplicateKeyError",
    "EmptySetError",
    "EngineError",
    "EngineUnreachableError",
    "Entity",
    "IndexSpec",
    "ItemNotFoundError",
    "ItemTooLargeError",
    "KeyFormatError",
    "KeyTemplate",
    "KeyTemplateError",
    "LimitExceededError",
    "NotProjectedError",
    "Page",
    "PartialWriteError",
    "Projected",
    "ProjectionError",
    "Query",
    "Request",
    "SingleTableError",
    "SortKey",
    "Table",
    "TableMismatchError",
    "TableNotFoundError",
    "TableSpec",
    "TransactionCanceledError",
    "TransactionOutcomeUnknownError",
    "UnknownArgumentError",
    "Update",
    "ValidationError",
    "VersionConflictError",
    "make_client",
]
__version__ = "0.1.0"
