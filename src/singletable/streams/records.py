"""Stream records (from a Lambda event or from GetRecords) decoded into typed changes; no I/O.

A record of an entity the table knows becomes a ``Change[Order]`` whose ``old`` and ``new`` are ``Order``
objects; any other record (a foreign item, an item that no longer validates, a KEYS_ONLY record whose keys
match no entity) comes through as a ``Change`` with plain dicts and ``entity`` None: never dropped.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from singletable.codec import deserialize
from singletable.errors import SingleTableError, StreamRecordError
from singletable.model import Entity
from singletable.schema import Schema

T = TypeVar("T")
ChangeKind = Literal["insert", "modify", "remove"]
KINDS: tuple[ChangeKind, ...] = ("insert", "modify", "remove")
_EVENT_KINDS: dict[str, ChangeKind] = {"INSERT": "insert", "MODIFY": "modify", "REMOVE": "remove"}
#: What DynamoDB's TTL deletions carry as ``userIdentity`` (a user's delete carries none).
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


@dataclass(frozen=True, slots=True)
class Change(Generic[T]):
    """One change of one item: ``Change[Order]`` has ``old``/``new`` as ``Order`` (or None).

    ``old`` is None for an insert and whenever the stream carries no old image (KEYS_ONLY, NEW_IMAGE);
    ``new`` is None for a remove and without a new image (KEYS_ONLY, OLD_IMAGE). ``entity`` is the entity
    class (recognised from an image, else from the key patterns), None for items that are not ours.
    """

    kind: ChangeKind
    entity: type[Entity] | None
    keys: dict[str, Any]
    """The item's key attributes, plain values (``{"PK": "USER#1", "SK": "PROFILE"}``)."""
    old: T | None
    new: T | None
    sequence_number: str
    approximate_time: dt.datetime
    event_id: str = ""
    view_type: str | None = None
    by_ttl: bool = False
    """True for a deletion by DynamoDB's TTL (``userIdentity`` principal ``dynamodb.amazonaws.com``)."""
    event_source_arn: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def image(self) -> T | None:
        """The newest image there is: ``new``, else ``old``."""
        return self.new if self.new is not None else self.old

    @property
    def entity_name(self) -> str | None:
        return self.entity.meta().name if self.entity is not None else None


def sequence_number(record: Mapping[str, Any]) -> str:
    """A record's SequenceNumber (what Lambda's ``batchItemFailures`` name a record by)."""
    body = record.get("dynamodb")
    seq = body.get("SequenceNumber") if isinstance(body, Mapping) else None
    if not isinstance(seq, str) or not seq:
        raise StreamRecordError(
            f"stream record {record.get('eventID', '?')!r} has no dynamodb.SequenceNumber",
            field="dynamodb.SequenceNumber",
        )
    return seq


def _time(value: Any) -> dt.datetime:
    # Lambda events and the wire carry epoch seconds; botocore hands GetRecords' value over as a datetime.
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    return dt.datetime.fromtimestamp(0, tz=dt.UTC)


def _bytes(av: Mapping[str, Any]) -> Any:
    """An AttributeValue with Binary as bytes: a Lambda event's JSON carries it base64-encoded."""
    if "B" in av and isinstance(av["B"], str):
        return {"B": base64.b64decode(av["B"])}
    if "BS" in av:
        return {"BS": [base64.b64decode(b) if isinstance(b, str) else b for b in av["BS"]]}
    if "M" in av:
        return {"M": {k: _bytes(v) for k, v in av["M"].items()}}
    if "L" in av:
        return {"L": [_bytes(v) for v in av["L"]]}
    return av


def plain(image: Mapping[str, Any]) -> dict[str, Any]:
    """A stream image (AttributeValues, from botocore or from a Lambda event's JSON) as plain values."""
    return deserialize({k: _bytes(v) for k, v in image.items()})


class Decoder:
    """Turns raw stream records into :class:`Change` objects with one table's :class:`Schema`."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def entity_of(self, keys: Mapping[str, Any]) -> type[Entity] | None:
        """The entity class whose key patterns alone match ``keys`` (for records without images)."""
        pk, sk = keys.get(self.schema.spec.pk), keys.get(self.schema.spec.sk)
        if not (isinstance(pk, str) and isinstance(sk, str)):
            return None
        matches = [c for c in self.schema.entity_classes.values() if c.matches(pk, sk)]
        return matches[0] if len(matches) == 1 else None

    def _image(self, image: Mapping[str, Any] | None) -> Any:
        if image is None:
            return None
        try:
            return self.schema.recognise(image)
        except SingleTableError:
            # An item of ours that no longer validates (an older shape): keep it, as stored.
            return dict(image)

    def decode(self, record: Mapping[str, Any]) -> Change[Any]:
        """One record as a Change. Raises :class:`StreamRecordError` only for a record that is not a
        DynamoDB stream record at all (no SequenceNumber or eventName)."""
        seq = sequence_number(record)
        kind = _EVENT_KINDS.get(str(record.get("eventName")))
        if kind is None:
            raise StreamRecordError(
                f"stream record {seq} has eventName {record.get('eventName')!r}",
                field="eventName",
                hint="pass DynamoDB stream records (INSERT, MODIFY or REMOVE)",
            )
        body: Mapping[str, Any] = record["dynamodb"]
        keys = plain(body.get("Keys") or {})
        old_raw = body.get("OldImage")
        new_raw = body.get("NewImage")
        old_plain = plain(old_raw) if old_raw else None
        new_plain = plain(new_raw) if new_raw else None
        old, new = self._image(old_plain), self._image(new_plain)
        entity = next((type(x) for x in (new, old) if isinstance(x, Entity)), None)
        if entity is None and old_plain is None and new_plain is None:
            entity = self.entity_of(keys)
        identity = record.get("userIdentity") or {}
        return Change(
            kind=kind,
            entity=entity,
            keys=keys,
            old=old,
            new=new,
            sequence_number=seq,
            approximate_time=_time(body.get("ApproximateCreationDateTime")),
            event_id=str(record.get("eventID", "")),
            view_type=body.get("StreamViewType"),
            # Lambda's events spell it principalId, the Streams API PrincipalId.
            by_ttl=isinstance(identity, Mapping)
            and TTL_PRINCIPAL in (identity.get("principalId"), identity.get("PrincipalId")),
            event_source_arn=record.get("eventSourceARN"),
            raw=record,
        )

    def decode_event(self, event: Mapping[str, Any]) -> list[Change[Any]]:
        """Every record of a Lambda event (``{"Records": [...]}``), in order."""
        return [self.decode(r) for r in event.get("Records") or []]
