"""singletable: DynamoDB single-table design, correct, cheap and fast."""

from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.client import make_client
from singletable.errors import (
    BatchIncompleteError,
    ConditionFailedError,
    DuplicateKeyError,
    EngineError,
    ItemNotFoundError,
    ItemTooLargeError,
    KeyFormatError,
    KeyTemplateError,
    LimitExceededError,
    SingleTableError,
    TableMismatchError,
    TableNotFoundError,
    TransactionCanceledError,
    ValidationError,
    VersionConflictError,
)
from singletable.expressions import Attr, Condition, Update
from singletable.keys import KeyTemplate
from singletable.model import Entity
from singletable.query import Page, Query, SortKey
from singletable.request import Request
from singletable.spec import GSI1, Drift, IndexSpec, TableSpec
from singletable.table import Table

__all__ = [
    "GSI1",
    "Attr",
    "BatchIncompleteError",
    "CapacityLedger",
    "CapacityRecord",
    "Condition",
    "ConditionFailedError",
    "Drift",
    "DuplicateKeyError",
    "EngineError",
    "Entity",
    "IndexSpec",
    "ItemNotFoundError",
    "ItemTooLargeError",
    "KeyFormatError",
    "KeyTemplate",
    "KeyTemplateError",
    "LimitExceededError",
    "Page",
    "Query",
    "Request",
    "SingleTableError",
    "SortKey",
    "Table",
    "TableMismatchError",
    "TableNotFoundError",
    "TableSpec",
    "TransactionCanceledError",
    "Update",
    "ValidationError",
    "VersionConflictError",
    "make_client",
]
__version__ = "0.1.0"
