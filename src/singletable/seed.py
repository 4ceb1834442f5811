"""The seed's entities and items (a user profile, an order, the user -> order edge) and its two
transactions, ``create_order`` and ``delete_user``: the demo's domain, kept out of the generic layer.

{PK: USER#123,  SK: PROFILE,   name, email}
{PK: ORDER#456, SK: METADATA,  user_id: USER#123, total: 99.99}
{PK: USER#123,  SK: ORDER#456, order_date: 2023-02-15}
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from singletable.model import Entity
from singletable.transactions import create_together, delete_partition

if TYPE_CHECKING:
    from singletable.table import Table


class User(Entity):
    """A user's profile."""

    __pk__ = "USER#{user_id}"
    __sk__ = "PROFILE"

    user_id: str
    name: str
    email: str


class Order(Entity):
    """An order. ``user_id`` holds the owner's partition key as the seed stores it (``USER#123``)."""

    __pk__ = "ORDER#{order_id}"
    __sk__ = "METADATA"

    order_id: str
    user_id: str
    total: Decimal


class UserOrder(Entity):
    """The edge in the user's partition: one per order, so a user and all orders are one Query."""

    __pk__ = "USER#{user_id}"
    __sk__ = "ORDER#{order_id}"
    __reverse__ = True  # "who placed ORDER#456": under a sparse GSI1 only the edges are written there

    user_id: str
    order_id: str
    order_date: dt.date
    total: Decimal | None = None


ENTITIES: tuple[type[Entity], ...] = (User, Order, UserOrder)

SEED_USER = User(user_id="123", name="John Doe", email="john@example.com")
SEED_ORDER = Order(order_id="456", user_id="USER#123", total=Decimal("99.99"))
SEED_EDGE = UserOrder(user_id="123", order_id="456", order_date=dt.date(2023, 2, 15))


def create_order(
    table: Table,
    order: Order,
    order_date: dt.date,
    *,
    token: str | None = None,
) -> tuple[Order, UserOrder]:
    """Create an order and its ``USER#<id> / ORDER#<id>`` edge together, or neither.

    ``order.user_id`` is the owner's partition key as the seed stores it (``USER#123``). Both puts are
    create-only, so an order that exists already cancels the transaction (nothing is overwritten), and
    a retry with the same ``token`` is applied once.
    """
    owner = order.user_id.removeprefix("USER#")
    edge = UserOrder(user_id=owner, order_id=order.order_id, order_date=order_date, total=order.total)
    create_together(table, order, edge, token=token, pattern="create order")
    return order, edge


def delete_user(table: Table, user_id: str) -> int:
    """Delete a user's profile and every edge in the user's partition (orders' own items stay)."""
    return delete_partition(table, User, user_id=user_id, pattern="delete user")
