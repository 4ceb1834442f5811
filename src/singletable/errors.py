"""One catalogue of errors. Each has a stable code, a message that names what is wrong, and a hint.

``str(error)`` is one line: ``[ST102] <message>. Fix: <hint>`` so a CLI can print it as is.
"""

from __future__ import annotations

from typing import Any


class SingleTableError(Exception):
    """Base of every error singletable raises."""

    code = "ST000"
    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        # A blank hint prints no "Fix:" at all: an empty fix is worse than none.
        hint = self.hint.strip() if self.hint else ""
        if not hint:
            return f"[{self.code}] {self.message}"
        # A message ending in a sentence of its own (an engine's "... was exceeded.") gets no second period.
        return f"[{self.code}] {self.message.rstrip().rstrip('.')}. Fix: {hint}"


class ValidationError(SingleTableError, ValueError):
    """Bad input, found before anything is sent. ``field`` names the culprit."""

    code = "ST100"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        self.field = field
        super().__init__(message, hint=hint)


class KeyTemplateError(ValidationError):
    """A key template is malformed, or a value cannot be placed in it."""

    code = "ST101"


class KeyFormatError(KeyTemplateError):
    """A key field's value does not fit the format spec of its placeholder (``{number:06d}``, ...)."""

    code = "ST105"


class ItemTooLargeError(ValidationError):
    """An item exceeds DynamoDB's 400 KB limit."""

    code = "ST102"
    default_hint = "keep items under 400 KB: move large blobs to S3 and store their key"


class CursorMismatchError(ValidationError):
    """A cursor that this query did not make: from another query (``parts`` names what differs: table,
    index, partition, direction, ...), damaged, or from an older singletable."""

    code = "ST115"
    default_hint = (
        "pass the .cursor of the same query unchanged (same table, index, partition, sort-key condition, "
        "entity, filter and direction; limit and page_size may change), or start again without a cursor"
    )

    def __init__(self, message: str, *, parts: tuple[str, ...] = (), hint: str | None = None) -> None:
        self.parts = parts
        super().__init__(message, field="cursor", hint=hint)


class ItemNotFoundError(SingleTableError, LookupError):
    """A read or write needed an item that does not exist."""

    code = "ST200"


class ConditionFailedError(SingleTableError):
    """A condition expression was false. ``condition`` is its readable text, ``item`` the current item;
    ``retried`` is True when the client had sent the request before (an earlier attempt may have applied)."""

    code = "ST201"

    def __init__(
        self,
        message: str,
        *,
        condition: str | None = None,
        item: dict[str, Any] | None = None,
        retried: bool = False,
    ) -> None:
        self.condition = condition
        self.item = item
        self.retried = retried
        super().__init__(
            message, hint="re-read the item and retry, or relax the condition if it is too strict"
        )


class VersionConflictError(ConditionFailedError):
    """An optimistic-locking write found a newer version than the one it read."""

    code = "ST202"


class TableNotFoundError(SingleTableError):
    """The table does not exist at the endpoint."""

    code = "ST300"


class TableMismatchError(SingleTableError):
    """The live table differs from the spec (keys, indexes, TTL, ...). ``drifts`` lists each difference."""

    code = "ST301"

    def __init__(self, message: str, *, drifts: list[Any]) -> None:
        self.drifts = drifts
        super().__init__(message, hint="apply the Terraform module or run TableSpec.create(); see each drift")


class DuplicateKeyError(ValidationError):
    """The same key appears twice in one batch or transaction."""

    code = "ST103"
    default_hint = "DynamoDB rejects a batch that touches one key twice: merge or drop the duplicates"


class LimitExceededError(ValidationError):
    """A request would exceed one of DynamoDB's documented limits."""

    code = "ST104"


class EngineUnreachableError(SingleTableError):
    """No connection could be opened to the endpoint (nothing listening, unknown host, no route).
    ``endpoint`` is the URL tried."""

    code = "ST310"

    def __init__(self, message: str, *, endpoint: str, hint: str | None = None) -> None:
        self.endpoint = endpoint
        super().__init__(message, hint=hint)


class DeletionProtectedError(SingleTableError):
    """A table with deletion protection on was asked to be deleted."""

    code = "ST320"


class TableExistsError(SingleTableError):
    """A table to be created exists already."""

    code = "ST321"


class PortInUseError(ValidationError):
    """The local engine's port is taken by another process."""

    code = "ST322"


class MissingExtraError(ValidationError):
    """A feature needs an optional dependency that is not installed; the hint names the extra."""

    code = "ST323"


class TransactionCanceledError(SingleTableError):
    """A transaction was cancelled. ``reasons`` holds one entry per action, in order."""

    code = "ST400"

    def __init__(self, message: str, *, reasons: list[dict[str, Any]]) -> None:
        self.reasons = reasons
        super().__init__(message, hint="no action of the transaction was applied; fix the failing action")


class BatchIncompleteError(SingleTableError):
    """A batch gave up before every item was processed. ``unprocessed`` holds exactly what was not."""

    code = "ST500"

    def __init__(self, message: str, *, unprocessed: list[Any]) -> None:
        self.unprocessed = unprocessed
        super().__init__(message, hint="retry the items in .unprocessed; nothing else is missing")


class EngineError(SingleTableError):
    """The engine rejected a request for a reason not covered above (its code and message kept)."""

    code = "ST900"

    def __init__(self, message: str, *, aws_code: str, hint: str | None = None) -> None:
        self.aws_code = aws_code
        super().__init__(message, hint=hint)


class NotProjectedError(SingleTableError, AttributeError):
    """A field of a projected read was not read (an AttributeError too, so ``hasattr`` says False)."""

    code = "ST110"

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        self.field = field
        super().__init__(message, hint=hint)


class PartialWriteError(ValidationError):
    """A projected (partial) read was given to a write that stores whole items."""

    code = "ST111"
    default_hint = "read the whole item (no projection) and put that, or change the fields with update()"


class UnknownArgumentError(ValidationError):
    """A call got a keyword it does not take (a misspelt key field or option)."""

    code = "ST112"


class EmptySetError(ValidationError):
    """An empty set nested inside a map or list, which DynamoDB cannot store and nothing could restore."""

    code = "ST113"


class ProjectionError(ValidationError):
    """A projection names something the entity does not store as an attribute of its own."""

    code = "ST114"


class AsyncExtraMissingError(SingleTableError):
    """The async transport was asked for without its HTTP library (aiohttp) installed."""

    code = "ST610"
    default_hint = "install the async extra: pip install 'singletable[async]'"


class TransportClosedError(SingleTableError):
    """A request was given to an async transport after ``close()``."""

    code = "ST611"
    default_hint = "create a new AsyncTransport, or send before closing it (async with ... as transport)"


class TransportLoopError(SingleTableError):
    """An async transport was used from an event loop other than the one it first ran on (its
    connection pool belongs to that loop)."""

    code = "ST612"
    default_hint = "create one AsyncTransport per event loop (inside the coroutine that runs it)"


class TransferStalledError(SingleTableError):
    """A call of a long transfer (export, import) kept failing transiently (throttling, 5xx, dropped
    connections) until its deadline. ``cause`` names the last fault (an AWS error code or a class)."""

    code = "ST510"

    def __init__(self, message: str, *, cause: str, hint: str | None = None) -> None:
        self.cause = cause
        super().__init__(message, hint=hint)


class ImportShortfallError(SingleTableError):
    """An import's final check read back fewer items (or other contents) than it wrote: the table was
    recreated, items were deleted or overwritten meanwhile. ``missing`` and ``different`` list keys."""

    code = "ST511"

    def __init__(
        self,
        message: str,
        *,
        missing: list[tuple[str, str]] | None = None,
        different: list[tuple[str, str]] | None = None,
        hint: str | None = None,
    ) -> None:
        self.missing = missing or []
        self.different = different or []
        super().__init__(message, hint=hint)


class UiExtraMissingError(MissingExtraError):
    """``singletable ui`` was run without its web packages (starlette, jinja2, uvicorn)."""

    code = "ST740"
    default_hint = "install the ui extra: pip install 'singletable[ui]'"


class UiAppError(ValidationError):
    """``--app module:attr`` does not name an importable Table or a sequence of Entity classes."""

    code = "ST741"


class UiInputError(ValidationError):
    """A form of ``singletable ui`` was filled in wrongly (a key field, a JSON item, a changed key)."""

    code = "ST742"


class UiReadOnlyError(SingleTableError):
    """A write was asked of ``singletable ui`` started without ``--write``."""

    code = "ST743"
    default_hint = "restart it with singletable ui --write to edit and delete items"


class BatchReadIncompleteError(BatchIncompleteError):
    """A batch get stopped before every key was read: it gave up (deadline, a non-transient error) or its
    task was cancelled. Nothing read is lost: ``results`` lines up with the keys asked for, as
    ``batch_get``'s answer would (None where there is nothing, and at the positions not read);
    ``unread`` lists those positions and ``unprocessed`` their keys as the caller gave them, in input
    order, so that ``batch_get(err.unprocessed)`` reads exactly the rest."""

    code = "ST120"

    def __init__(
        self, message: str, *, unprocessed: list[Any], results: list[Any], unread: list[int]
    ) -> None:
        self.results = results
        self.unread = unread
        super().__init__(message, unprocessed=unprocessed)


class TransactionOutcomeUnknownError(SingleTableError):
    """A transaction's task was cancelled while its request may have reached DynamoDB, or its retries ran
    out after an attempt that may have been applied (a dropped connection, a read timeout, a 5xx; the
    last error is the ``__cause__``): it was applied whole or not at all, and which is unknown. ``token`` is its ClientRequestToken and ``transaction`` the
    builder: committing it again (``tx.commit()``, the same actions and token) within DynamoDB's
    10-minute window applies it at most once. ``sent_at`` is when it was first sent (``time.time()``)."""

    code = "ST121"
    default_hint = (
        "commit the same transaction again (err.transaction.commit(): the same token) within 10 minutes of "
        "its first send: DynamoDB applies a token once and answers a repeat with success"
    )

    def __init__(self, message: str, *, token: str, sent_at: float, transaction: Any = None) -> None:
        self.token = token
        self.sent_at = sent_at
        #: The builder (TransactWrite or AsyncTransactWrite) to commit again.
        self.transaction = transaction
        super().__init__(message)


# -- design lint, sparse GSI1, cost per access pattern (ST750-ST769) ---------------------------------------


class AppReferenceError(ValidationError):
    """``--app module:attr`` names nothing importable, or something that is not a table (a Table,
    AsyncTable or Schema, or a function without arguments returning one)."""

    code = "ST755"
    default_hint = (
        "pass --app package.module:table (or path/to/file.py:table) naming a Table, AsyncTable or Schema"
    )


class ReverseLookupNotDeclaredError(ValidationError):
    """A reverse lookup (GSI1) of an entity that the sparse GSI1 does not hold: only entities declaring
    ``__reverse__ = True`` write GSI1's keys when the module's ``gsi1_key_mode = "sparse"``."""

    code = "ST756"


class RatesFileError(ValidationError):
    """A rates file (``singletable cost --rates``) is unreadable or states an impossible rate."""

    code = "ST760"
    default_hint = 'write [patterns."<pattern>"] tables with reads_per_s / writes_per_s >= 0 (finite numbers)'


class StreamRecordError(ValidationError):
    """Something given as a DynamoDB stream record is not one (no ``dynamodb.SequenceNumber``, an
    ``eventName`` other than INSERT, MODIFY or REMOVE)."""

    code = "ST720"
    default_hint = "pass the records of a DynamoDB stream: a Lambda event's Records, or GetRecords' Records"


class StreamNotEnabledError(SingleTableError):
    """A table's stream was asked for, and the table has none."""

    code = "ST721"
    default_hint = (
        "turn the stream on: stream_enabled = true in the Terraform module (stream_view_type "
        "NEW_AND_OLD_IMAGES), or TableSpec(stream_view_type='NEW_AND_OLD_IMAGES') for a local table"
    )


class ChangeKindError(ValidationError):
    """A router was given a change kind other than insert, modify or remove."""

    code = "ST722"
    default_hint = 'use "insert", "modify" or "remove" (or none: every kind)'


class StreamViewTypeError(ValidationError):
    """A stream view type other than DynamoDB's four."""

    code = "ST723"
    default_hint = "use KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES (the module's stream_view_type)"


class WriteOutcomeUnknownError(EngineError):
    """A put, update or delete of one item ran out of retries without an answer that settles it (a
    dropped connection, a read timeout, a 5xx): it was applied or not, and which is unknown. The last
    error is the ``__cause__``; ``aws_code`` is the engine's code for a 5xx, empty otherwise."""

    code = "ST125"
    default_hint = (
        "read the item to see whether it was written; a put or delete of the same item can simply be sent "
        "again, an update that increments or appends only after that read (it would apply twice)"
    )


class EngineNotInstalledError(SingleTableError):
    """A local engine other than moto (DynamoDB Local, dynalite) or what runs it (java, node) is missing."""

    code = "ST770"


class EngineOptionError(ValidationError):
    """An option that the chosen local engine does not support (``--data`` on DynamoDB Local, ...)."""

    code = "ST771"


class EngineStartError(SingleTableError):
    """A local engine's process did not come up (exited, or did not answer in time)."""

    code = "ST772"
    default_hint = "run it by hand to see its output, or pick another port"


class MigrationError(SingleTableError):
    """A migration could not be loaded, planned or run (the message names the migration)."""

    code = "ST700"


class MigrationSourceError(MigrationError, ValidationError):
    """The migrations folder or one of its modules is malformed (bad name, duplicate number, no ``up``)."""

    code = "ST701"


class MigrationChecksumError(MigrationError):
    """A migration recorded as applied was edited since (its file's checksum differs from the ledger's)."""

    code = "ST702"
    default_hint = "restore the applied migration's file and put the change in a new, higher-numbered one"


class MigrationLockedError(MigrationError):
    """Another runner holds the table's migration lock (``owner`` and ``expires_at`` name it)."""

    code = "ST703"

    def __init__(self, message: str, *, owner: str, expires_at: float, hint: str | None = None) -> None:
        self.owner = owner
        self.expires_at = expires_at
        super().__init__(message, hint=hint)


class MigrationLockLostError(MigrationError):
    """This runner's lease on the migration lock lapsed or was taken over: it stopped writing."""

    code = "ST704"
    default_hint = (
        "run again: the run resumes from its checkpoints (lengthen lease_seconds if renewals are late)"
    )


class MigrationIrreversibleError(MigrationError):
    """``down`` was asked of a migration that defines none."""

    code = "ST705"
    default_hint = "write a new migration that undoes it, or define down in the migration's module"


class MigrationVerifyError(MigrationError):
    """``verify`` found items a completed migration should have changed and did not."""

    code = "ST706"

    def __init__(self, message: str, *, pending: int, hint: str | None = None) -> None:
        self.pending = pending
        super().__init__(message, hint=hint)


class MigrationStalledError(MigrationError):
    """A backfill write kept racing live traffic or kept being throttled until its deadline."""

    code = "ST707"
    default_hint = "run again later (it resumes from the checkpoints), or lower the live write rate"


class UpgradeError(ValidationError):
    """A stored item's schema version has no upgrade path to the entity's current version."""

    code = "ST708"


class EngineFeatureMissingError(ValidationError):
    """The engine at the endpoint does not implement a table setting the spec asks for: point-in-time
    recovery on DynamoDB Local and dynalite, TTL on dynalite (they answer UnknownOperationException,
    which AWS never does). ``field`` names the setting."""

    code = "ST773"


class RetrySettingError(ValidationError):
    """A retry setting out of range: ``max_attempts`` counts every try, the first included (as
    ``AWS_MAX_ATTEMPTS`` does), so it is at least 1."""

    code = "ST116"
    default_hint = "pass max_attempts=1 for no retries, or more to retry throttling and network errors"
