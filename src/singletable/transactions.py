"""Transactions: write (put / update / delete / condition check, up to 100 actions) and get.

    tx = table.transact_write()
    tx.put(order, create_only=True)
    tx.put(edge, create_only=True)
    tx.update(User, Update().increment("orders"), user_id="123")
    result = tx.commit()

Every transaction carries a ``ClientRequestToken`` (a uuid made when the builder is made, or one you
pass), sent again on every retry, botocore's and ours: DynamoDB applies a token once and answers a
repeat with success, so a transaction whose answer was lost (the connection reset after the engine
applied it) is not applied twice. Bad input is caught before anything is sent: more than 100 actions,
two actions on one key, items over 400 KB or 4 MB in all, conditions naming attributes the entity
does not store. A cancelled transaction raises :class:`TransactionCanceledError` naming each failing
action (index, kind, entity and key) and why. A commit whose asyncio task is cancelled while its request
may have reached DynamoDB, or whose retries run out after an attempt that may have been applied (a
dropped connection, a read timeout, a 5xx), reports :class:`~singletable.errors.TransactionOutcomeUnknownError`
(the token, and the builder to commit again: the same token, so applied at most once), sync or async.

Capacity: DynamoDB charges transactional writes and reads double (2 WCU per started KB, 2 RCU per
started 4 KB); index writes are standard writes. TransactWriteItems returns no item, so a put is charged
as a new item, and updates, deletes and condition checks by what is sent (at least one unit). A cancelled
attempt (a failed condition, a TransactionConflict) is recorded too, by ``capacity.cancelled_transaction_units``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, overload

from typing_extensions import deprecated

from singletable import capacity
from singletable.arguments import check_names
from singletable.batch import (
    Backoff,
    check_key,
    is_transient,
    may_have_applied,
    prepare_writes,
    write_exchange,
)
from singletable.codec import Item, deserialize, item_size, serialize
from singletable.errors import (
    DuplicateKeyError,
    ItemTooLargeError,
    LimitExceededError,
    TransactionCanceledError,
    TransactionOutcomeUnknownError,
    ValidationError,
)
from singletable.expressions import Attr, Condition, Placeholders, Update, all_of, check_condition
from singletable.model import Entity, update_args
from singletable.ops import update as update_op
from singletable.request import Request
from singletable.results import Projected, refuse_partial
from singletable.schema import Schema
from singletable.transport import Abandoned, Exchange, Send, Sleep, drive

if TYPE_CHECKING:
    from singletable.table import Table

MAX_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024

#: Cancellation reasons worth a retry with the same token: nothing was wrong with the transaction.
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})

KeyLike = tuple[type[Entity], Mapping[str, Any]] | tuple[str, str]


@dataclass(frozen=True, slots=True)
class Action:
    """One action of a transaction, as it will be sent."""

    kind: str  # put | update | delete | condition_check
    key: tuple[str, str]
    entity: str | None  # the entity's class name, None for plain items
    body: dict[str, Any]  # {"Put": {...}} etc., one entry of TransactItems
    size: int  # bytes counted for capacity and the 4 MB limit
    condition: str | None  # readable condition text
    versioned: bool = False
    index_writes: int = 0  # indexes the written item lands in (each a standard write)
    units: float | None = None  # WCUs by the capacity rules when known at build time (puts)

    def describe(self) -> str:
        what = f"{self.entity} " if self.entity else ""
        return f"{self.kind} {what}{self.key[0]}/{self.key[1]}"

    @property
    def write_units(self) -> float:
        if self.units is not None:
            return self.units
        units = capacity.write_units(self.size, transactional=True)
        return units + self.index_writes * capacity.write_units(self.size)


@dataclass(slots=True)
class TransactResult:
    """What a committed transaction did. ``entities`` holds, per action, the entity as written (with its
    next version for versioned puts and updates are not read back, so ``None`` there)."""

    token: str
    actions: int
    attempts: int
    write_units: float
    reported_units: float
    entities: list[Entity | None] = field(default_factory=list)


class TransactBuilder:
    """The actions of one TransactWriteItems call, without I/O: put / update / delete / condition_check
    add them (each checked at once), :meth:`request` is the dry run, :meth:`commit_exchange` the commit.
    :class:`TransactWrite` sends it; :class:`singletable.aio.AsyncTransactWrite` awaits it."""

    def __init__(
        self,
        schema: Schema,
        *,
        token: str | None = None,
        pattern: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        if token is not None and not 1 <= len(token) <= 36:
            raise ValidationError(
                f"ClientRequestToken must be 1 to 36 characters, got {len(token)}",
                field="token",
                hint="pass a uuid4 string, or none to have one made",
            )
        self.schema = schema
        self.token = token or str(uuid.uuid4())
        self.pattern = pattern
        self.backoff = backoff or Backoff(deadline=30.0)
        self.actions: list[Action] = []
        self._written: list[Entity | None] = []
        self._keys: dict[tuple[str, str], int] = {}
        self.committed: TransactResult | None = None

    def __len__(self) -> int:
        return len(self.actions)

    # -- actions --------------------------------------------------------------------------------------

    def put(
        self,
        target: Entity | Mapping[str, Any],
        *,
        create_only: bool = False,
        condition: Condition | None = None,
    ) -> Self:
        """Put an entity (versioned entities: only over the version read, and written with the next one)
        or a plain item (Python values holding the table's keys)."""
        schema = self.schema
        refuse_partial(target, f"transaction action #{len(self.actions)} (put)")
        conds: list[Condition] = []
        versioned = False
        written: Entity | None = None
        if isinstance(target, Entity):
            cls = type(target)
            meta = cls.meta()
            schema.ensure(cls)
            if condition is not None:
                check_condition(condition, cls, schema.spec)
                conds.append(condition)
            if create_only:
                conds.append(Attr(schema.spec.pk).not_exists())
            # Validated again as a whole, as Table.put does: a bad value assigned after construction is refused.
            written = target.validated()
            if meta.version_field:
                versioned = True
                current = getattr(written, meta.version_field) or 0
                conds.append(
                    Attr(schema.spec.pk).not_exists()
                    if current == 0
                    else Attr(meta.version_field).eq(current)
                )
                written = written.model_copy(update={meta.version_field: current + 1})
            item = schema.entity_item(written, validate=False)
            entity_name: str | None = cls.__name__
        else:
            item = dict(target)
            if condition is not None:
                conds.append(condition)
            if create_only:
                conds.append(Attr(schema.spec.pk).not_exists())
            entity_name = None
        n = len(self.actions)
        key = check_key(schema, item.get(schema.spec.pk), item.get(schema.spec.sk), f"action #{n} (put)")
        av = serialize(item)
        size = item_size(av)
        if size > capacity.MAX_ITEM_BYTES:
            raise ItemTooLargeError(
                f"action #{n} (put {key[0]}/{key[1]}) is {size:,} bytes, over DynamoDB's "
                f"{capacity.MAX_ITEM_BYTES:,}-byte limit",
                field=schema.spec.pk,
            )
        body: dict[str, Any] = {"TableName": schema.name, "Item": av}
        cond = all_of(*conds)
        text = self._condition(body, cond)
        indexes = sum(1 for h, r in schema.index_attrs.values() if h in item and (r is None or r in item))
        # TransactWriteItems returns no old image: the put is charged as a new item (base doubled, each
        # index entry a standard write; capacity.item_write_units).
        units = capacity.item_write_units(
            None, av, schema.spec.indexes, (schema.spec.pk, schema.spec.sk), transactional=True
        )
        action = Action("put", key, entity_name, {"Put": body}, size, text, versioned, indexes, units)
        self._add(action, written)
        return self

    @overload
    def update(
        self,
        cls: type[Entity],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
        **key: Any,
    ) -> Self: ...
    @overload
    @deprecated("pass the key as keyword fields: tx.update(Repo, changes, repo_id=...)")
    def update(
        self,
        cls: type[Entity],
        key: Mapping[str, Any],
        changes: Update | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = ...,
        upsert: bool = ...,
        expected_version: int | None = ...,
    ) -> Self: ...

    def update(
        self,
        cls: type[Entity],
        changes: Update | Mapping[str, Any],
        legacy_changes: Update | Mapping[str, Any] | None = None,
        /,
        *,
        condition: Condition | None = None,
        upsert: bool = False,
        expected_version: int | None = None,
        **key: Any,
    ) -> Self:
        """Update one entity, as :meth:`Table.update` does (changes positional, key fields as keywords:
        ``tx.update(User, {"name": "Jane"}, user_id="123")``): values typed, index keys rewritten, version
        checked (``expected_version``; 0: no version stored yet, so with ``upsert`` a missing item is
        created at version 1) or bumped. Without ``upsert`` the item must exist."""
        key_fields, changes = update_args(cls, key, changes, legacy_changes, "tx.update")
        schema = self.schema
        schema.ensure(cls)
        if condition is not None:
            check_condition(condition, cls, schema.spec)
        request, cond = update_op.build(schema, cls, key_fields, changes, condition, upsert, expected_version)
        self._add_update(request, cond, cls.__name__, expected_version is not None)
        return self

    def update_item(
        self, pk: str, sk: str, update: Update, *, condition: Condition | None = None, upsert: bool = False
    ) -> Self:
        """Update one plain item by its key values (no typing, no index rewriting)."""
        request, cond = update_op.build_item(self.schema, pk, sk, update, condition, upsert)
        self._add_update(request, cond, None, False)
        return self

    def _add_update(
        self, request: Request, cond: Condition | None, entity: str | None, versioned: bool
    ) -> None:
        schema = self.schema
        params = request.params
        body = {
            k: v
            for k, v in params.items()
            if k
            in (
                "TableName",
                "Key",
                "UpdateExpression",
                "ConditionExpression",
                "ExpressionAttributeNames",
                "ExpressionAttributeValues",
                "ReturnValuesOnConditionCheckFailure",
            )
        }
        key_av: Item = params["Key"]
        key = check_key(
            schema, key_av[schema.spec.pk]["S"], key_av[schema.spec.sk]["S"], f"action #{len(self.actions)}"
        )
        values = params.get("ExpressionAttributeValues", {})
        size = item_size(key_av) + item_size(values)
        text = cond.describe() if cond is not None else None
        self._add(Action("update", key, entity, {"Update": body}, size, text, versioned), None)

    def delete(
        self,
        target: Entity | Projected[Any] | type[Entity] | tuple[str, str],
        *,
        condition: Condition | None = None,
        **key: Any,
    ) -> Self:
        """Delete an entity (an instance, or a class plus key fields) or a raw ``(pk, sk)``."""
        key_pair, entity = self._target(target, condition, key)
        body: dict[str, Any] = {"TableName": self.schema.name, "Key": self.schema.key(*key_pair)}
        text = self._condition(body, condition)
        self._add(Action("delete", key_pair, entity, {"Delete": body}, item_size(body["Key"]), text), None)
        return self

    def condition_check(
        self,
        target: Entity | Projected[Any] | type[Entity] | tuple[str, str],
        condition: Condition,
        **key: Any,
    ) -> Self:
        """Make the transaction depend on ``condition`` holding for another item (which is not written)."""
        if not isinstance(condition, Condition):
            raise ValidationError(
                "condition_check needs a condition", hint="pass Attr(...).exists() or similar"
            )
        key_pair, entity = self._target(target, condition, key)
        body: dict[str, Any] = {"TableName": self.schema.name, "Key": self.schema.key(*key_pair)}
        text = self._condition(body, condition)
        action = Action(
            "condition_check", key_pair, entity, {"ConditionCheck": body}, item_size(body["Key"]), text
        )
        self._add(action, None)
        return self

    def _target(
        self,
        target: Entity | Projected[Any] | type[Entity] | tuple[str, str],
        condition: Condition | None,
        key: Mapping[str, Any],
    ) -> tuple[tuple[str, str], str | None]:
        n = len(self.actions)
        if isinstance(target, Entity | Projected):
            cls: type[Entity] | None = type(target) if isinstance(target, Entity) else target.entity
            check_names(f"action #{n} on a {type(target).__name__}", key, ())
            pair = target.key()
        elif isinstance(target, type) and issubclass(target, Entity):
            cls = target
            check_names(
                f"action #{n} ({target.__name__})", key, (*target.meta().pk.fields, *target.meta().sk.fields)
            )
            pair = target.key_for(**key)
        elif isinstance(target, tuple) and len(target) == 2:
            cls = None
            pair = target
        else:
            raise ValidationError(
                f"action #{n}: {type(target).__name__} is not an entity, an entity class or a (pk, sk) pair",
                field="target",
                hint='pass an entity, Order plus order_id="456", or ("ORDER#456", "METADATA")',
            )
        if cls is not None and condition is not None:
            check_condition(condition, cls, self.schema.spec)
        return check_key(self.schema, pair[0], pair[1], f"action #{n}"), cls.__name__ if cls else None

    def _condition(self, body: dict[str, Any], condition: Condition | None) -> str | None:
        if condition is None:
            return None
        ph = Placeholders()
        body["ConditionExpression"] = condition.render(ph)
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        ph.apply(body)
        return condition.describe()

    def _add(self, action: Action, written: Entity | None) -> None:
        if self.committed is not None:
            raise ValidationError(
                "this transaction was already committed", hint="start a new one with table.transact_write()"
            )
        n = len(self.actions)
        if n >= MAX_ACTIONS:
            raise LimitExceededError(
                f"a transaction holds at most {MAX_ACTIONS} actions; action #{n} ({action.describe()}) is one too many",
                field="actions",
                hint="split the work into several transactions, or use batch_write when atomicity is not needed",
            )
        first = self._keys.get(action.key)
        if first is not None:
            raise DuplicateKeyError(
                f"actions #{first} ({self.actions[first].describe()}) and #{n} ({action.describe()}) touch the same "
                "item; DynamoDB allows one action per item in a transaction",
                field="key",
                hint="merge the two actions into one (a put, or one update with both changes)",
            )
        total = sum(a.size for a in self.actions) + action.size
        if total > MAX_TRANSACTION_BYTES:
            raise LimitExceededError(
                f"the transaction would be {total:,} bytes with action #{n}, over DynamoDB's "
                f"{MAX_TRANSACTION_BYTES:,}-byte limit",
                field="actions",
                hint="split it into several transactions",
            )
        self._keys[action.key] = n
        self.actions.append(action)
        self._written.append(written)

    # -- sending --------------------------------------------------------------------------------------

    def request(self) -> Request:
        """The TransactWriteItems request as it would be sent (the dry run)."""
        if not self.actions:
            raise ValidationError(
                "the transaction has no actions", hint="add put/update/delete/condition_check"
            )
        return Request(
            "TransactWriteItems",
            {
                "TransactItems": [a.body for a in self.actions],
                "ClientRequestToken": self.token,
                "ReturnConsumedCapacity": "TOTAL",
            },
        )

    def commit_exchange(self) -> Exchange[TransactResult]:
        """The commit without I/O (what :meth:`commit` drives): the request, resent with the same token
        while retryable, then the capacity recorded and the result kept."""
        request = self.request()
        try:
            resp, attempts = yield from retry_exchange(
                self.schema, request, self.actions, self.backoff, self.pattern
            )
        except TransactionOutcomeUnknownError as unknown:  # the caller gets this builder, to commit again
            raise TransactionOutcomeUnknownError(
                unknown.message, token=unknown.token, sent_at=unknown.sent_at, transaction=self
            ) from unknown.__cause__  # the last attempt's error, when retries ran out
        units = sum(a.write_units for a in self.actions)
        self.schema.record(
            "TransactWriteItems",
            resp,
            self.pattern,
            write=units,
            items=len(self.actions),
            size=sum(a.size for a in self.actions),
            consistency="transactional",
        )
        self.committed = TransactResult(
            token=self.token,
            actions=len(self.actions),
            attempts=attempts,
            write_units=units,
            reported_units=_reported(resp),
            entities=list(self._written),
        )
        return self.committed


class TransactWrite(TransactBuilder):
    """A builder for one TransactWriteItems call. Use ``commit()``, or ``with`` (commits on a clean exit)."""

    def __init__(
        self,
        table: Table,
        *,
        token: str | None = None,
        pattern: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(table.schema, token=token, pattern=pattern, backoff=backoff)
        self.table = table

    def commit(self) -> TransactResult:
        """Send the transaction; retried with the same token on transient errors and conflicts. Again
        after a :class:`~singletable.errors.TransactionOutcomeUnknownError`: the same token, so applied
        at most once (within DynamoDB's 10-minute window)."""
        if self.committed is not None:
            return self.committed
        return drive(self.commit_exchange(), self.table.transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and self.actions:
            self.commit()


def retry_exchange(
    schema: Schema, request: Request, actions: Sequence[Action], backoff: Backoff, pattern: str | None = None
) -> Exchange[tuple[dict[str, Any], int]]:
    """Send a transaction (write or get) until it is answered: the same request (the same token) again on
    transient errors and retryable cancellations, with backoff; returns the answer and the attempts."""
    retry = backoff.start()
    attempts = 0
    sent_at = 0.0
    # Whether an earlier attempt may have been applied: an answer that is neither success nor a refusal
    # (a dropped connection, a 5xx) leaves it open; a cancellation closes it (had the token been
    # applied, the engine would have answered the repeat with success).
    uncertain = False
    while True:
        attempts += 1
        sent_at = sent_at or time.time()
        try:
            resp = yield Send(request, schema.key_names)
            assert resp is not None
            return resp, attempts
        except Abandoned:  # cancelled while the request was on its way: it may have been applied
            raise outcome_unknown(request, sent_at) from None
        except TransactionCanceledError as exc:
            uncertain = False
            # A cancelled attempt (a failed condition, a TransactionConflict, ...) consumed capacity too:
            # recorded once per attempt, retries included (capacity.cancelled_transaction_units).
            schema.record(
                "TransactWriteItems",
                {},
                pattern,
                write=capacity.cancelled_transaction_units(a.size for a in actions),
                items=0,
                size=sum(a.size for a in actions),
                consistency="transactional",
            )
            codes = {r.get("Code") for r in exc.reasons} - {"None", None}
            delay = retry.delay() if codes and codes <= RETRYABLE_REASONS else None
            if delay is None:
                raise cancelled(exc, actions) from None
        except Exception as exc:
            uncertain = uncertain or may_have_applied(exc)
            delay = retry.delay() if is_transient(exc) else None
            if delay is None:
                if uncertain and request.operation == "TransactWriteItems":
                    raise outcome_unknown(request, sent_at, exc) from exc
                raise
        try:
            yield Sleep(delay)
        except Abandoned:  # cancelled during the backoff: only an uncertain attempt leaves anything to say
            if uncertain:
                raise outcome_unknown(request, sent_at) from None
            raise


def outcome_unknown(request: Request, sent_at: float, last: BaseException | None = None) -> BaseException:
    """What a transaction that may have been applied reports when it stops unanswered: cancelled (``last``
    None) or out of retries (``last`` the final attempt's error). A write's report; a read has nothing to
    report, so it is simply abandoned."""
    if request.operation != "TransactWriteItems":
        return Abandoned()
    token = request.params["ClientRequestToken"]
    if last is None:
        why = "was cancelled while its request may have reached DynamoDB"
    else:
        why = f"ran out of retries after an attempt that may have reached DynamoDB (last: {last})"
    return TransactionOutcomeUnknownError(
        f"transaction {token} {why}: applied whole or not at all, unknown which",
        token=token,
        sent_at=sent_at,
    )


def cancelled(exc: TransactionCanceledError, actions: Sequence[Action]) -> TransactionCanceledError:
    """The engine's cancellation turned into one error naming each failing action and why.

    ``reasons`` gets one dict per action: ``index``, ``kind``, ``entity``, ``key``, ``code``, ``message``,
    ``condition`` (readable), ``item`` (the current item, plain values, when the engine returned it) and
    ``version_conflict`` (a versioned action whose condition failed).
    """
    reasons: list[dict[str, Any]] = []
    failures: list[str] = []
    raw_reasons = list(exc.reasons) + [{}] * max(0, len(actions) - len(exc.reasons))
    for n, (action, raw) in enumerate(zip(actions, raw_reasons, strict=False)):
        code = raw.get("Code") or "None"
        item = deserialize(raw["Item"]) if raw.get("Item") else None
        conflict = action.versioned and code == "ConditionalCheckFailed"
        reason = {
            "index": n,
            "kind": action.kind,
            "entity": action.entity,
            "key": action.key,
            "code": code,
            "message": raw.get("Message") or "",
            "condition": action.condition,
            "item": item,
            "version_conflict": conflict,
        }
        reasons.append(reason)
        if code == "None":
            continue
        why = code
        if code == "ConditionalCheckFailed":
            why = "version conflict: the item changed since it was read" if conflict else "condition failed"
            if action.condition:
                why += f" ({action.condition})"
            if item is None:
                why += "; no item there"
        elif raw.get("Message"):
            why += f": {raw['Message']}"
        failures.append(f"action #{n} ({action.describe()}): {why}")
    if not failures:
        failures.append(exc.message)
    message = f"transaction of {len(actions)} actions cancelled, nothing applied: " + "; ".join(failures)
    return TransactionCanceledError(message, reasons=reasons)


def _reported(resp: Mapping[str, Any]) -> float:
    cc = resp.get("ConsumedCapacity") or []
    if isinstance(cc, Mapping):
        cc = [cc]
    return float(sum(c.get("CapacityUnits", 0.0) for c in cc))


# -- reads ----------------------------------------------------------------------------------------------


def transact_get(
    table: Table, keys: Sequence[KeyLike], *, pattern: str | None = None, backoff: Backoff | None = None
) -> list[Any]:
    """Read up to 100 items as one consistent snapshot; the result lines up with ``keys``.

    A key is ``(EntityClass, {"user_id": "123"})`` or a raw ``("USER#123", "PROFILE")``; ``None`` where
    there is nothing (or nothing of that entity, or an expired item).
    """
    return drive(read_exchange(table.schema, keys, pattern=pattern, backoff=backoff), table.transport)


def read_exchange(
    schema: Schema, keys: Sequence[KeyLike], *, pattern: str | None = None, backoff: Backoff | None = None
) -> Exchange[list[Any]]:
    """:func:`transact_get` without I/O: the TransactGetItems, retried while retryable, then read."""
    if not keys:
        return []
    request, classes = build_get(schema, keys)
    actions = [
        Action("get", p, c.__name__ if c else None, {}, 0, None)
        for p, c in zip(get_pairs(request, schema), classes, strict=True)
    ]
    resp, _ = yield from retry_exchange(schema, request, actions, backoff or Backoff(deadline=30.0))
    return read_get(schema, classes, resp, pattern)


def build_get(schema: Schema, keys: Sequence[KeyLike]) -> tuple[Request, list[type[Entity] | None]]:
    """The TransactGetItems of ``keys`` (checked: at most 100, each once), and the class asked for each."""
    if len(keys) > MAX_ACTIONS:
        raise LimitExceededError(
            f"a transactional read holds at most {MAX_ACTIONS} keys, got {len(keys)}",
            field="keys",
            hint="split the keys, or use batch_get when one snapshot is not needed",
        )
    pairs: list[tuple[str, str]] = []
    classes: list[type[Entity] | None] = []
    seen: dict[tuple[str, str], int] = {}
    for n, k in enumerate(keys):
        if isinstance(k[0], type) and issubclass(k[0], Entity):
            cls: type[Entity] | None = k[0]
            assert cls is not None
            fields_ = k[1]
            if not isinstance(fields_, Mapping):
                raise ValidationError(f"key #{n}: {cls.__name__} needs a mapping of key fields", field="keys")
            check_names(
                f"transact_get key #{n} ({cls.__name__})",
                fields_,
                (*cls.meta().pk.fields, *cls.meta().sk.fields),
            )
            pair = check_key(schema, *cls.key_for(**fields_), f"key #{n}")
        else:
            cls = None
            pair = check_key(schema, k[0], k[1], f"key #{n}")
        if pair in seen:
            raise DuplicateKeyError(
                f"keys #{seen[pair]} and #{n} are both {pair[0]}/{pair[1]}; DynamoDB allows one read per item in "
                "a transaction",
                field="keys",
                hint="ask for each item once",
            )
        seen[pair] = n
        pairs.append(pair)
        classes.append(cls)
    request = Request(
        "TransactGetItems",
        {
            "TransactItems": [{"Get": {"TableName": schema.name, "Key": schema.key(*p)}} for p in pairs],
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    return request, classes


def get_pairs(request: Request, schema: Schema) -> list[tuple[str, str]]:
    """The (pk, sk) of each read of a TransactGetItems request."""
    pk, sk = schema.key_names
    return [(g["Get"]["Key"][pk]["S"], g["Get"]["Key"][sk]["S"]) for g in request.params["TransactItems"]]


def read_get(
    schema: Schema, classes: Sequence[type[Entity] | None], resp: Mapping[str, Any], pattern: str | None
) -> list[Any]:
    """The items of a TransactGetItems answer, lined up with the keys (None where nothing, nothing of
    the class asked for, or an expired item), its capacity recorded."""
    responses = resp.get("Responses", [])
    out: list[Any] = []
    sizes: list[int] = []
    for cls, entry in zip(classes, responses, strict=False):
        raw = entry.get("Item") if entry else None
        sizes.append(item_size(raw) if raw else 0)
        value: Any = None
        if raw:
            plain = deserialize(raw)
            if not schema.is_expired(plain):
                value = schema.recognise(plain)
                if cls is not None and not isinstance(value, cls):
                    value = None
        out.append(value)
    out.extend([None] * (len(classes) - len(out)))
    schema.record(
        "TransactGetItems",
        resp,
        pattern,
        read=sum(capacity.read_units(s, "transactional") for s in sizes),
        items=sum(1 for s in sizes if s),
        size=sum(sizes),
        consistency="transactional",
    )
    return out


# -- entity-level helpers ----------------------------------------------------------------------------


def create_together(
    table: Table, *entities: Entity, token: str | None = None, pattern: str | None = None
) -> TransactResult:
    """Create several entities atomically: all of them (none existed) or none (one did)."""
    tx = TransactWrite(table, token=token, pattern=pattern)
    return drive(together_exchange(tx, entities), table.transport)


def together_exchange(tx: TransactBuilder, entities: Sequence[Entity]) -> Exchange[TransactResult]:
    """:func:`create_together` without I/O: each entity a create-only put of ``tx``, then its commit."""
    for entity in entities:
        tx.put(entity, create_only=True)
    return (yield from tx.commit_exchange())


def delete_partition(
    table: Table,
    cls: type[Entity],
    *,
    pattern: str | None = None,
    backoff: Backoff | None = None,
    **fields: Any,
) -> int:
    """Delete everything in one entity's partition (its item and every edge); returns how many items.

    Up to 100 items go in one transaction: all or nothing. More are deleted with batch writes, the
    entity's own item (``cls``'s key) last, so that an interrupted delete leaves the root in place and
    running it again finishes the job.
    """
    return drive(partition_delete_exchange(table.schema, cls, fields, pattern, backoff), table.transport)


def partition_delete_exchange(
    schema: Schema,
    cls: type[Entity],
    fields: Mapping[str, Any],
    pattern: str | None,
    backoff: Backoff | None,
) -> Exchange[int]:
    """:func:`delete_partition` without I/O."""
    check_names(f"delete_partition({cls.__name__})", fields, (*cls.meta().pk.fields, *cls.meta().sk.fields))
    pk = cls.meta().pk.render(cls.validate_fields(fields))
    root = cls.key_for(**fields) if set(cls.meta().sk.fields) <= set(fields) else None
    keys = yield from partition_keys(schema, pk, pattern)
    if not keys:
        return 0
    if len(keys) <= MAX_ACTIONS:
        tx = TransactBuilder(schema, pattern=pattern or f"delete {cls.__name__}", backoff=backoff)
        for key in keys:
            tx.delete(key)
        yield from tx.commit_exchange()
        return len(keys)
    edges = [k for k in keys if k != root]
    what = pattern or f"delete {cls.__name__}"
    yield from write_exchange(schema, prepare_writes(schema, (), edges), backoff, what)
    if root in keys:
        yield from write_exchange(schema, prepare_writes(schema, (), [root]), backoff, what)
    return len(keys)


def partition_keys(schema: Schema, pk: str, pattern: str | None) -> Exchange[list[tuple[str, str]]]:
    """Every (pk, sk) in the partition ``pk``: a strongly consistent, keys-only query, page by page."""
    keys: list[tuple[str, str]] = []
    pk_name, sk_name = schema.key_names
    request: dict[str, Any] = {
        "TableName": schema.name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": pk_name, "#sk": sk_name},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ProjectionExpression": "#pk, #sk",
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "TOTAL",
    }
    while True:
        resp = yield Send(Request("Query", dict(request)), schema.key_names)
        assert resp is not None
        rows = resp.get("Items", [])
        keys.extend((r[pk_name]["S"], r[sk_name]["S"]) for r in rows)
        sizes = [item_size(r) for r in rows]
        schema.record(
            "Query",
            resp,
            pattern or "partition keys",
            read=capacity.query_read_units(sizes, "strong"),
            items=len(rows),
            size=sum(sizes),
            consistency="strong",
        )
        last = resp.get("LastEvaluatedKey")
        if not last:
            return keys
        request["ExclusiveStartKey"] = last
