"""The table, its entities and sample items as a NoSQL Workbench data model (its JSON format, version 3.0).

Each entity becomes a facet (its key templates as the key aliases, its other fields as attributes), GSI1
and any extra index become global secondary indexes, and the sample items (as stored, DynamoDB-typed)
become the table's data, so a team can review the design in AWS's tool (Data modeler, then Import).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from singletable.model import Entity
from singletable.spec import TableSpec

VERSION = "3.0"
ENTITY_ATTRIBUTE = "_type"


def attribute_type(annotation: Any) -> str:
    """The DynamoDB type a field of this annotation is stored as (S, N, B, BOOL, L, M, SS, NS, BS)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return attribute_type(kinds[0]) if kinds else "S"
    if origin is typing.Annotated:
        return attribute_type(typing.get_args(annotation)[0])
    if origin in (set, frozenset):
        (inner,) = typing.get_args(annotation) or (str,)
        return {"N": "NS", "B": "BS"}.get(attribute_type(inner), "SS")
    if origin in (list, tuple):
        return "L"
    if origin in (dict, Mapping):
        return "M"
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "BOOL"
        if issubclass(annotation, int | float | Decimal):
            return "N"
        if issubclass(annotation, bytes | bytearray):
            return "B"
        if issubclass(annotation, BaseModel | dict):
            return "M"
        if issubclass(annotation, list | tuple):
            return "L"
        if issubclass(annotation, str | dt.date | dt.datetime | dt.time):
            return "S"
    return "S"


def _key(name: str, kind: str = "S") -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": kind}


def data_model(
    spec: TableSpec,
    entities: Sequence[type[Entity]],
    items: Iterable[Mapping[str, Any]] = (),
    *,
    name: str | None = None,
    description: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The Workbench model: ``items`` are stored items in DynamoDB JSON (``{"PK": {"S": ...}, ...}``)."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%b %d, %Y, %I:%M %p")
    attributes: dict[str, str] = {ENTITY_ATTRIBUTE: "S"}
    facets = []
    data = [dict(item) for item in items]
    for entity in entities:
        meta = entity.meta()
        fields = [f for f in entity.model_fields if f not in meta.key_fields]
        for f in fields:
            attributes.setdefault(f, attribute_type(entity.model_fields[f].annotation))
        if meta.ttl_field and spec.ttl_attribute:
            attributes[spec.ttl_attribute] = "N"
        mine = [i for i in data if i.get(ENTITY_ATTRIBUTE, {}).get("S") == meta.name]
        facets.append(
            {
                "FacetName": meta.name,
                "KeyAttributeAlias": {
                    "PartitionKeyAlias": meta.pk.template,
                    "SortKeyAlias": meta.sk.template,
                },
                "TableData": mine,
                "NonKeyAttributes": [ENTITY_ATTRIBUTE, *fields],
            }
        )
    key_names = {spec.pk, spec.sk}
    for idx in spec.indexes:
        key_names |= {idx.hash_key, *([idx.range_key] if idx.range_key else [])}
    gsis = []
    for idx in spec.indexes:
        keys: dict[str, Any] = {"PartitionKey": _key(idx.hash_key)}
        if idx.range_key:
            keys["SortKey"] = _key(idx.range_key)
        projection: dict[str, Any] = {"ProjectionType": idx.projection}
        if idx.projection == "INCLUDE":
            projection["NonKeyAttributes"] = list(idx.non_key_attributes)
        gsis.append({"IndexName": idx.name, "KeyAttributes": keys, "Projection": projection})
    table: dict[str, Any] = {
        "TableName": spec.name,
        "KeyAttributes": {"PartitionKey": _key(spec.pk), "SortKey": _key(spec.sk)},
        "NonKeyAttributes": [_key(n, k) for n, k in attributes.items() if n not in key_names]
        + [_key(n) for n in sorted(key_names - {spec.pk, spec.sk})],
        "TableFacets": facets,
        "GlobalSecondaryIndexes": gsis,
        "TableData": data,
        "DataAccess": {"MySql": {}},
        "BillingMode": spec.billing_mode,
    }
    if spec.billing_mode == "PROVISIONED":
        table["ProvisionedCapacitySettings"] = {
            "ProvisionedThroughput": {
                "ReadCapacityUnits": spec.read_capacity,
                "WriteCapacityUnits": spec.write_capacity,
            }
        }
    return {
        "ModelName": name or spec.name,
        "ModelMetadata": {
            "Author": "singletable",
            "DateCreated": stamp,
            "DateLastModified": stamp,
            "Description": description
            or f"{spec.name}: {len(entities)} entities in one table (generated by singletable)",
            "AWSService": "Amazon DynamoDB",
            "Version": VERSION,
        },
        "DataModel": [table],
    }
