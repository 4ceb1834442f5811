"""Codec: Python <-> DynamoDB JSON round trips of one ~1.6 KB nested item.

Ours (``singletable.codec.serialize`` + ``deserialize``: the C accelerator when built, else Python; the
pure-Python functions ``py_serialize`` + ``py_deserialize`` are measured too) against boto3's ``TypeSerializer`` +
``TypeDeserializer`` and against PynamoDB's ``Model.serialize()`` + ``Model.from_raw_data()`` on an
equivalent PynamoDB model (raw maps and lists, a number set, a string set), all on the same item.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.models import Model

from bench._common import Result, Row, best_per_call, sample_item
from singletable.codec import ACCELERATED, deserialize, item_size, py_deserialize, py_serialize, serialize


class PynamoOrder(Model):
    """The sample item as a PynamoDB model (never saved: only its codec runs)."""

    class Meta:
        table_name = "bench"
        region = "us-east-1"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    type_ = UnicodeAttribute(attr_name="_type")
    order_id = UnicodeAttribute()
    status = UnicodeAttribute()
    total = NumberAttribute()
    items_count = NumberAttribute()
    created_at = UnicodeAttribute()
    customer = MapAttribute[str, Any]()
    lines = ListAttribute[Any]()
    tags = UnicodeSetAttribute()
    notes = UnicodeAttribute()
    discount = NumberAttribute()
    paid = BooleanAttribute()
    coupon = UnicodeAttribute(null=True)
    history = ListAttribute[Any]()
    weight_kg = NumberAttribute()


def _floats(value: Any) -> Any:
    # PynamoDB's numbers are floats (its raw maps refuse Decimal): the nearest it has to our item.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def _pynamo_instance(item: dict[str, Any]) -> PynamoOrder:
    return PynamoOrder(**{("type_" if k == "_type" else k): _floats(v) for k, v in item.items()})


def run(number: int = 2000, repeat: int = 5) -> Result:
    item = sample_item()
    ser, deser = TypeSerializer(), TypeDeserializer()
    boto_av = {k: ser.serialize(v) for k, v in item.items() if v is not None}
    ours_av = serialize(item)
    size = item_size(ours_av)

    # Correctness first: the same wire form, and a round trip gives the item back.
    plain = {k: v for k, v in item.items() if v is not None}
    same_wire = {k: deser.deserialize(v) for k, v in ours_av.items()} == {
        k: deser.deserialize(v) for k, v in boto_av.items()
    }  # (string sets compared as sets: boto3 keeps a set's iteration order, we sort)
    ours_back = deserialize(ours_av)
    boto_back = {k: deser.deserialize(v) for k, v in boto_av.items()}
    model = _pynamo_instance(item)
    pyn_back = PynamoOrder.from_raw_data(model.serialize())

    def ours() -> Any:
        return deserialize(serialize(item))

    def ours_python() -> Any:
        return py_deserialize(py_serialize(item))

    def boto() -> Any:
        av = {k: ser.serialize(v) for k, v in item.items() if v is not None}
        return {k: deser.deserialize(v) for k, v in av.items()}

    def pynamo() -> Any:
        return PynamoOrder.from_raw_data(model.serialize())

    times = best_per_call(
        {"ours": ours, "python": ours_python, "boto3": boto, "pynamodb": pynamo},
        number,
        repeat,
        numbers={"pynamodb": max(1, number // 4)},
    )
    t_ours, t_py, t_boto, t_pyn = times["ours"], times["python"], times["boto3"], times["pynamodb"]
    us = 1e6
    how = "C accelerator" if ACCELERATED else "pure Python: the C accelerator is not built"
    rows = [
        Row(
            "codec",
            f"round trip of a {size:,}-byte item ({how})",
            t_ours * us,
            "boto3 TypeSerializer+TypeDeserializer",
            t_boto * us,
            "us",
            t_boto / t_ours,
            "≥ 5x",
            t_boto / t_ours >= 5,
        ),
        Row(
            "codec",
            f"round trip of a {size:,}-byte item ({how})",
            t_ours * us,
            "PynamoDB serialize+from_raw_data",
            t_pyn * us,
            "us",
            t_pyn / t_ours,
        ),
        Row(
            "codec",
            f"round trip of a {size:,}-byte item (ours in pure Python, no C)",
            t_py * us,
            "boto3 TypeSerializer+TypeDeserializer",
            t_boto * us,
            "us",
            t_boto / t_py,
        ),
    ]
    facts = {
        "size": size,
        "attributes": len(item),
        "same_wire_form": same_wire,
        "ours_equal": ours_back == plain,
        "python_equal": py_deserialize(py_serialize(item)) == ours_back,
        "accelerated": ACCELERATED,
        "boto_equal": boto_back == plain,
        "pynamo_attributes": len(pyn_back.attribute_values),
        "us": {"ours": t_ours * us, "ours_python": t_py * us, "boto3": t_boto * us, "pynamodb": t_pyn * us},
    }
    return Result(rows, facts)
