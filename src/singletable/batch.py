"""Batch get and batch write that lose nothing.

Requests are chunked to DynamoDB's limits (25 writes / 16 MB, 100 keys / 16 MB); whatever DynamoDB
hands back as unprocessed is retried with exponential backoff and full jitter until done or until the
deadline, and then an error carries exactly the items that were not processed.

Two layers of retry, on purpose:

- botocore's own (``retry_mode`` / ``max_attempts``, every try counted, of
  :func:`singletable.client.make_client`) retries
  one HTTP request on throttling, 5xx and connection errors;
- this module retries what botocore cannot see as an error (``UnprocessedItems`` / ``UnprocessedKeys``,
  a 200 answer) and, when botocore has given up on a transient error (attempts or its retry quota
  exhausted), the whole chunk again. Both are safe: a batch put or delete applied twice leaves the
  same item, and keys are unique within one call.

The backoff adapts: a round that makes progress lowers the delay, a round that makes none raises it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from singletable import capacity, logs
from singletable.arguments import check_names
from singletable.codec import Item, deserialize, item_size, serialize
from singletable.errors import (
    BatchIncompleteError,
    BatchReadIncompleteError,
    DuplicateKeyError,
    EngineError,
    EngineUnreachableError,
    ItemTooLargeError,
    LimitExceededError,
    SingleTableError,
    ValidationError,
    WriteOutcomeUnknownError,
)
from singletable.model import Entity
from singletable.request import Request
from singletable.results import Projected, refuse_partial
from singletable.schema import Schema
from singletable.spec import TableSpec
from singletable.transport import Abandoned, Exchange, Send, Sleep, drive

if TYPE_CHECKING:
    from singletable.table import Table


class HasSpec(Protocol):
    """Anything that knows the table's spec: a Table or its Schema."""

    @property
    def spec(self) -> TableSpec: ...


MAX_WRITE_ITEMS = 25
MAX_GET_KEYS = 100
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024

#: Error codes that mean "try again later": nothing was wrong with the request itself.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionInProgressException",
    }
)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` is worth retrying as is: throttling, a 5xx, or a connection error."""
    if isinstance(exc, ConnectionError | HTTPClientError | WriteOutcomeUnknownError):
        return True
    cause = exc if isinstance(exc, ClientError) else exc.__cause__
    if isinstance(exc, EngineError) and exc.aws_code in TRANSIENT_CODES:
        return True
    if isinstance(cause, ClientError):
        code = cause.response.get("Error", {}).get("Code", "")
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_CODES or int(status or 0) >= 500
    return False


#: Errors that say the engine refused the request before applying it (throttled).
REFUSED_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


def may_have_applied(exc: BaseException) -> bool:
    """Whether the attempt that ended in ``exc`` may have been applied by the engine.

    No: a refusal the engine answered (a throttle, a validation or other 4xx error translated into the
    catalogue) or a connection that could not be opened. Yes: a dropped connection or a read timeout
    (the request may have arrived), a 5xx, ``TransactionInProgressException`` (the same token is being
    applied), anything unrecognised, and any answer the transport reached after retries of its own
    (``RetryAttempts``): what those hidden attempts met is not known here.
    """
    if isinstance(exc, EngineUnreachableError):
        return False
    if isinstance(exc, WriteOutcomeUnknownError):
        return True
    if isinstance(exc, SingleTableError) and not isinstance(exc, EngineError):
        return False  # the engine answered with a 4xx the catalogue names: nothing applied
    if not isinstance(exc, EngineError):
        return True  # botocore's ConnectionClosedError, ReadTimeoutError, ...: it may have arrived
    meta: Mapping[str, Any] = {}
    if isinstance(exc.__cause__, ClientError):
        meta = exc.__cause__.response.get("ResponseMetadata") or {}
    if meta.get("RetryAttempts"):
        return True
    if exc.aws_code == "TransactionInProgressException" or int(meta.get("HTTPStatusCode") or 0) >= 500:
        return True
    return exc.aws_code in TRANSIENT_CODES - REFUSED_CODES  # 5xx codes met without a status


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with full jitter (AWS Architecture Blog), bounded by a deadline.

    ``base`` is the first ceiling, doubled per attempt up to ``cap``; ``deadline`` bounds one call
    (seconds from its start).
    """

    base: float = 0.05
    cap: float = 5.0
    deadline: float = 120.0

    def delays(self) -> Iterator[float]:
        attempt = 0
        while True:
            yield random.uniform(0, min(self.cap, self.base * 2**attempt))
            attempt += 1

    def start(self) -> Retry:
        """A retry state for one call: the deadline starts now."""
        return Retry(self)


class Retry:
    """The state of one call's retries: an attempt level that rises on failure and falls on progress."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self.level = 0
        self.stop_at = time.monotonic() + backoff.deadline
        self.waited = 0.0

    def progress(self) -> None:
        """A round got something done: lower the delay a step."""
        self.level = max(0, self.level - 1)

    def delay(self) -> float | None:
        """The next full-jitter delay (the level raised, the wait counted), for the caller to sleep; None
        once past the deadline. Sans-I/O: a sync driver sleeps it with ``time.sleep``, an async one awaits."""
        remaining = self.stop_at - time.monotonic()
        if remaining <= 0:
            return None
        b = self.backoff
        delay = min(remaining, random.uniform(0, min(b.cap, b.base * 2 ** min(self.level, 30))))
        self.level += 1
        self.waited += delay
        return delay

    def wait(self) -> bool:
        """Sleep a full-jitter delay and raise the level; False (without sleeping) once past the deadline."""
        delay = self.delay()
        if delay is None:
            return False
        time.sleep(delay)
        return True


@dataclass(slots=True)
class BatchResult:
    """What a batch did: items processed, requests sent, and how the retries went.

    ``retries`` counts rounds that re-sent unprocessed items, ``errors`` transient errors that botocore
    gave up on and this module retried, ``unprocessed`` items or keys DynamoDB handed back (each
    counted every time it came back).
    """

    processed: int = 0
    round_trips: int = 0
    retries: int = 0
    errors: int = 0
    unprocessed: int = 0
    write_units: float = 0.0
    read_units: float = 0.0
    reported_units: float = 0.0
    waited: float = 0.0

    def add(self, other: BatchResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class Write(NamedTuple):
    """One prepared write (a NamedTuple: built once per item, so it must be cheap to make)."""

    source: Any  # what the caller passed: an Entity, a plain item, or a delete key
    request: dict[str, Any]  # {"PutRequest": {...}} or {"DeleteRequest": {...}}
    key: tuple[Any, ...]
    size: int
    units: float  # WCUs by the size rules, computed once here, not per round


def batch_write(
    table: Table,
    puts: Iterable[Entity | Mapping[str, Any]] = (),
    deletes: Iterable[Entity | Projected[Any] | tuple[str, str]] = (),
    *,
    backoff: Backoff | None = None,
    pattern: str | None = None,
) -> BatchResult:
    """Write and delete many items.

    Every item is checked (keys present and within DynamoDB's key-size limits, item under 400 KB, no
    key twice) before anything is sent. On giving up (the deadline passed, or a non-transient error)
    raises :class:`BatchIncompleteError` whose ``unprocessed`` holds the caller's objects that were
    not acknowledged, in input order; everything else was written. (After a connection error the
    items of the chunk in flight may or may not have been written: they are listed, since writing
    them again is harmless.)
    """
    schema = table.schema
    return drive(
        write_exchange(schema, prepare_writes(schema, puts, deletes), backoff, pattern), table.transport
    )


def write_exchange(
    schema: Schema, writes: list[Write], backoff: Backoff | None, pattern: str | None
) -> Exchange[BatchResult]:
    """Send prepared writes in chunks until every one is acknowledged (sans-I/O: yields the requests and
    the backoff sleeps, receives the answers); see :func:`batch_write`."""
    retry = (backoff or Backoff()).start()
    result = BatchResult()
    pending: list[Write] = writes
    key_names = schema.key_names
    name = schema.name

    def incomplete(
        message: str, left: list[Write], cause: BaseException | None = None
    ) -> BatchIncompleteError:
        result.waited = retry.waited
        order = {w.key: n for n, w in enumerate(writes)}
        left = sorted(left, key=lambda w: order[w.key])
        err = BatchIncompleteError(message, unprocessed=[w.source for w in left])
        err.__cause__ = cause
        return err

    # Not yet acknowledged, besides ``pending``: the chunk in flight, or what came back unprocessed.
    in_flight: list[Write] = []
    ambiguous = False  # an attempt of an unacknowledged write may have been applied
    try:
        while pending:
            chunk, pending = _take_chunk(pending)
            in_flight = chunk
            request = Request(
                "BatchWriteItem",
                {"RequestItems": {name: [w.request for w in chunk]}, "ReturnConsumedCapacity": "TOTAL"},
            )
            try:
                resp = yield Send(request, key_names)
            except Exception as exc:
                left = chunk + pending
                # A chunk whose answer was lost (a dropped connection, a 5xx) may have been written: say
                # "not acknowledged", not "not written" (writing them again is harmless: puts and deletes).
                ambiguous = ambiguous or may_have_applied(exc)
                missing = "not acknowledged (some may have been written)" if ambiguous else "not written"
                if not is_transient(exc):
                    raise incomplete(
                        f"batch write stopped after {result.processed} items, {len(left)} {missing}: {exc}",
                        left,
                        exc,
                    ) from exc
                result.errors += 1
                delay = retry.delay()
                if delay is None:
                    raise incomplete(
                        f"batch write gave up after {retry.backoff.deadline:g} s with {len(left)} items {missing} "
                        f"(last error: {exc})",
                        left,
                        exc,
                    ) from exc
                yield Sleep(delay)
                pending = left
                continue
            assert resp is not None
            result.round_trips += 1
            unprocessed = resp.get("UnprocessedItems", {}).get(name, [])
            if unprocessed:  # the common case has none: only then map the answer back to our writes
                by_key = {w.key: w for w in chunk}
                returned = [by_key[_request_key(schema, r)] for r in unprocessed]
                returned_keys = {w.key for w in returned}
                done = [w for w in chunk if w.key not in returned_keys]
            else:
                returned, done = [], chunk
            in_flight = returned
            units = sum(w.units for w in done)
            result.processed += len(done)
            result.write_units += units
            result.reported_units += _reported(resp)
            if done:
                schema.record(
                    "BatchWriteItem",
                    resp,
                    pattern,
                    write=units,
                    items=len(done),
                    size=sum(w.size for w in done),
                )
                retry.progress()
            if returned:
                result.unprocessed += len(returned)
                logs.unprocessed("BatchWriteItem", name, len(returned), len(chunk), result.retries + 1)
                delay = retry.delay()
                if delay is None:
                    raise incomplete(
                        f"batch write gave up after {retry.backoff.deadline:g} s with {len(returned) + len(pending)} "
                        "items unprocessed (DynamoDB kept returning them: the table is throttled)",
                        returned + pending,
                    )
                yield Sleep(delay)
                result.retries += 1
                pending = returned + pending
    except Abandoned:  # the task was cancelled: report what is not acknowledged, the rest is written
        left = in_flight + pending
        raise incomplete(
            f"batch write cancelled after {result.processed} items; {len(left)} not acknowledged "
            "(each either written whole or not at all)",
            left,
        ) from None
    result.waited = retry.waited
    return result


def _reported(resp: Mapping[str, Any]) -> float:
    cc = resp.get("ConsumedCapacity") or []
    if isinstance(cc, Mapping):
        cc = [cc]
    return float(sum(c.get("CapacityUnits", 0.0) for c in cc))


def check_key(table: HasSpec, pk: Any, sk: Any, where: str) -> tuple[str, str]:
    """The key as (pk, sk), or a ValidationError naming ``where`` when it is missing or too long."""
    spec = table.spec
    for attr, value, limit in ((spec.pk, pk, MAX_PARTITION_KEY_BYTES), (spec.sk, sk, MAX_SORT_KEY_BYTES)):
        if not isinstance(value, str) or not value:
            raise ValidationError(
                f"{where} has no string {attr!r}", field=attr, hint=f'add "{attr}": "..." to it'
            )
        size = len(value.encode("utf-8"))
        if size > limit:
            raise LimitExceededError(
                f"{where}: {attr} is {size:,} bytes, over DynamoDB's {limit:,}-byte limit for that key",
                field=attr,
                hint="shorten the key (hash long values and keep them in a non-key attribute)",
            )
    return pk, sk


def prepare_writes(
    schema: Schema,
    puts: Iterable[Entity | Mapping[str, Any]],
    deletes: Iterable[Entity | Projected[Any] | tuple[str, str]],
) -> list[Write]:
    """Every write checked (keys, sizes, no key twice) and encoded, before anything is sent."""
    spec = schema.spec
    pk_name, sk_name = spec.pk, spec.sk
    writes: list[Write] = []
    seen: dict[tuple[Any, ...], int] = {}  # key -> position in writes, for the duplicate message
    for n, obj in enumerate(puts):
        refuse_partial(obj, f"batch_write item #{n}")
        item: Mapping[str, Any] = schema.entity_item(obj) if isinstance(obj, Entity) else obj
        pk, sk = item.get(pk_name), item.get(sk_name)
        # The usual key (a non-empty str of at most limit/4 characters: 4 UTF-8 bytes per character at
        # most) surely fits without encoding it; anything else gets check_key's full check and message.
        # The "item #n" text is built only then, not once per item.
        if not (
            type(pk) is str
            and type(sk) is str
            and 0 < len(pk) <= MAX_PARTITION_KEY_BYTES // 4
            and 0 < len(sk) <= MAX_SORT_KEY_BYTES // 4
        ):
            check_key(schema, pk, sk, f"item #{n}")
        key = (pk, sk)
        av = serialize(item)
        size = item_size(av)
        if size > capacity.MAX_ITEM_BYTES:
            raise ItemTooLargeError(
                f"item #{n} ({key[0]!r}/{key[1]!r}) is {size:,} bytes, over DynamoDB's "
                f"{capacity.MAX_ITEM_BYTES:,}-byte limit",
                field=spec.pk,
            )
        if key in seen:
            raise _duplicate(key, seen[key], len(writes), f"item #{n}")
        seen[key] = len(writes)
        writes.append(Write(obj, {"PutRequest": {"Item": av}}, key, size, schema.write_units(av)))
    n_puts = len(writes)
    for n, target in enumerate(deletes):
        if isinstance(target, Entity | Projected):
            pk, sk = target.key()
        elif isinstance(target, tuple) and len(target) == 2:
            pk, sk = target
        else:
            raise ValidationError(
                f"delete #{n} is {type(target).__name__}, not an entity or a (pk, sk) pair",
                field="deletes",
                hint='pass entities or ("USER#123", "PROFILE") pairs',
            )
        key = check_key(schema, pk, sk, f"delete #{n}")
        if key in seen:
            raise _duplicate(key, seen[key], n_puts, f"delete #{n}")
        seen[key] = len(writes)
        # BatchWriteItem returns no old image: the deleted item's size is unknown, so the minimum (1 WCU,
        # what a delete of a missing item costs) is recorded, a lower bound (see Schema.delete_units).
        writes.append(
            Write(target, {"DeleteRequest": {"Key": schema.key(pk, sk)}}, key, 0, schema.delete_units(None))
        )
    return writes


def _duplicate(key: tuple[Any, ...], first: int, puts: int, where: str) -> DuplicateKeyError:
    """The error for ``key`` seen again at ``where``; ``first`` is the position of its first write."""
    earlier = f"item #{first}" if first < puts else f"delete #{first - puts}"
    return DuplicateKeyError(
        f"key {key[0]!r}/{key[1]!r} appears twice in one batch ({earlier} and {where})", field="key"
    )


def _take_chunk(pending: list[Write]) -> tuple[list[Write], list[Write]]:
    chunk: list[Write] = []
    total = 0
    for w in pending:
        if len(chunk) == MAX_WRITE_ITEMS or (chunk and total + w.size > MAX_REQUEST_BYTES):
            break
        chunk.append(w)
        total += w.size
    return chunk, pending[len(chunk) :]


def _request_key(schema: Schema, request: Mapping[str, Any]) -> tuple[Any, ...]:
    body = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key")
    return (body[schema.spec.pk]["S"], body[schema.spec.sk]["S"])


def batch_get(
    table: Table,
    keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
    *,
    consistent: bool = False,
    backoff: Backoff | None = None,
    pattern: str | None = None,
) -> list[Any]:
    """Read many items; the result lines up with ``keys`` (``None`` where nothing, or nothing of ours, is).

    A key is ``(EntityClass, {"user_id": "123"})`` or a raw ``("USER#123", "PROFILE")``. Keys asked for
    twice are read once. On giving up raises :class:`~singletable.errors.BatchReadIncompleteError` (a
    :class:`BatchIncompleteError`): its ``results`` hold what was read, lined up with ``keys``, its
    ``unprocessed`` the keys not read (as given, in input order) and ``unread`` their positions.
    """
    return drive(read_exchange(table.schema, keys, consistent, backoff, pattern), table.transport)


def read_exchange(
    schema: Schema,
    keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]],
    consistent: bool = False,
    backoff: Backoff | None = None,
    pattern: str | None = None,
) -> Exchange[list[Any]]:
    """:func:`batch_get` without I/O: the keys checked, read in chunks (:func:`get_exchange`), lined up.

    Stopped before the end (given up, or its task cancelled), it raises
    :class:`~singletable.errors.BatchReadIncompleteError` carrying what was read, lined up, and the
    caller's keys not read."""
    wanted, classes = prepare_gets(schema, keys)
    found: dict[tuple[str, str], Item] = {}
    try:
        yield from get_exchange(schema, wanted, consistent, backoff, pattern, found=found)
    except BatchIncompleteError as stop:
        left = set(stop.unprocessed)
        unread = [n for n, key in enumerate(wanted) if key in left]
        raise BatchReadIncompleteError(
            f"{stop.message}; {len(wanted) - len(unread)} of {len(wanted)} keys read (in .results)",
            unprocessed=[keys[n] for n in unread],
            results=read_gets(schema, wanted, classes, found),
            unread=unread,
        ) from stop.__cause__
    return read_gets(schema, wanted, classes, found)


def prepare_gets(
    schema: Schema, keys: Sequence[tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[type[Entity] | None]]:
    """Each key checked and rendered as (pk, sk), with the entity class asked for (None for a raw key)."""
    wanted: list[tuple[str, str]] = []
    classes: list[type[Entity] | None] = []
    for n, k in enumerate(keys):
        if isinstance(k[0], type) and issubclass(k[0], Entity):
            cls, fields = k[0], k[1]
            if not isinstance(fields, Mapping):
                raise ValidationError(
                    f"key #{n}: {cls.__name__} needs a mapping of key fields",
                    field="keys",
                    hint=f'pass ({cls.__name__}, {{"field": "value"}})',
                )
            check_names(
                f"batch_get key #{n} ({cls.__name__})", fields, (*cls.meta().pk.fields, *cls.meta().sk.fields)
            )
            wanted.append(check_key(schema, *cls.key_for(**fields), f"key #{n}"))
            classes.append(cls)
        else:
            wanted.append(check_key(schema, k[0], k[1], f"key #{n}"))
            classes.append(None)
    return wanted, classes


def get_exchange(
    schema: Schema,
    wanted: Sequence[tuple[str, str]],
    consistent: bool = False,
    backoff: Backoff | None = None,
    pattern: str | None = None,
    *,
    found: dict[tuple[str, str], Item] | None = None,
) -> Exchange[dict[tuple[str, str], Item]]:
    """Read the keys in chunks of 100 until every one is answered (sans-I/O, as :func:`write_exchange`);
    returns the items found, by key, gathered in ``found`` when given (so that a caller keeps what was
    read when this stops). Stopped, it raises :class:`BatchIncompleteError` with the keys not answered:
    given up, or cancelled (:class:`~singletable.transport.Abandoned`: the chunk in flight is unread)."""
    spec = schema.spec
    found = {} if found is None else found
    retry = (backoff or Backoff()).start()
    pending = list(dict.fromkeys(wanted))
    consistency: capacity.Consistency = "strong" if consistent else "eventual"
    # Not answered yet, besides ``pending``: the chunk in flight, or what is to be asked for again.
    unanswered: list[tuple[str, str]] = []
    try:
        while pending:
            chunk, pending = pending[:MAX_GET_KEYS], pending[MAX_GET_KEYS:]
            unanswered = chunk
            request = Request(
                "BatchGetItem",
                {
                    "RequestItems": {
                        spec.name: {
                            "Keys": [schema.key(pk, sk) for pk, sk in chunk],
                            "ConsistentRead": consistent,
                        }
                    },
                    "ReturnConsumedCapacity": "TOTAL",
                },
            )
            try:
                resp = yield Send(request, schema.key_names)
            except Exception as exc:
                delay = retry.delay() if is_transient(exc) else None
                if delay is None:
                    raise BatchIncompleteError(
                        f"batch get stopped with {len(chunk) + len(pending)} keys unread: {exc}",
                        unprocessed=chunk + pending,
                    ) from exc
                yield Sleep(delay)
                pending = chunk + pending
                continue
            assert resp is not None
            items = resp.get("Responses", {}).get(spec.name, [])
            for raw in items:
                found[(raw[spec.pk]["S"], raw[spec.sk]["S"])] = raw
            sizes = [item_size(r) for r in items]
            schema.record(
                "BatchGetItem",
                resp,
                pattern,
                read=capacity.batch_read_units(sizes, consistency) if sizes else 0.0,
                items=len(items),
                size=sum(sizes),
                consistency=consistency,
            )
            unanswered = []
            left = resp.get("UnprocessedKeys", {}).get(spec.name, {}).get("Keys", [])
            if len(left) < len(chunk):
                retry.progress()
            if left:
                again = [(k[spec.pk]["S"], k[spec.sk]["S"]) for k in left]
                logs.unprocessed("BatchGetItem", spec.name, len(left), len(chunk), retry.level + 1)
                delay = retry.delay()
                if delay is None:
                    raise BatchIncompleteError(
                        f"batch get gave up with {len(again) + len(pending)} keys unread",
                        unprocessed=again + pending,
                    )
                unanswered = again
                yield Sleep(delay)
                pending = again + pending
    except Abandoned:  # the task was cancelled: what was read is in ``found``; say what was not
        unread = unanswered + pending
        raise BatchIncompleteError(
            f"batch get cancelled with {len(unread)} keys unread", unprocessed=unread
        ) from None
    return found


def read_gets(
    schema: Schema,
    wanted: Sequence[tuple[str, str]],
    classes: Sequence[type[Entity] | None],
    found: Mapping[tuple[str, str], Item],
) -> list[Any]:
    """The items read, lined up with the keys asked for: entities (of the class asked for) or plain
    items; None where there is nothing, nothing of that class, or an expired item."""
    out: list[Any] = []
    for key, want in zip(wanted, classes, strict=True):
        raw = found.get(key)
        value: Any = None
        if raw is not None:
            plain = deserialize(raw)
            if not schema.is_expired(plain):
                value = schema.recognise(plain)
                if want is not None and not isinstance(value, want):
                    value = None
        out.append(value)
    return out
