"""singletable: DynamoDB single-table design, correct, cheap and fast."""

from singletable.capacity import CapacityLedger, CapacityRecord
from singletable.client import make_client

__all__ = ["CapacityLedger", "CapacityRecord", "make_client"]
__version__ = "0.1.0"
