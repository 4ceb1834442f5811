"""The seed's entities on a table whose GSI1 is sparse (the module's ``gsi1_key_mode = "sparse"``):
only ``UserOrder`` (``__reverse__ = True``) writes GSI1's keys. For ``singletable lint --app``."""

from singletable.schema import Schema
from singletable.seed import ENTITIES
from singletable.spec import SPARSE_GSI1, TableSpec

schema = Schema(TableSpec(indexes=(SPARSE_GSI1,)), entities=ENTITIES)
