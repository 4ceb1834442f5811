"""DynamoDB Streams as DynamoDB writes them, filled in on top of moto 5.2 (installed by ``gaps.install()``).

Measured gaps, each filled here (tests/integration/test_stream_gaps.py proves every one):

1. In-process, botocore (>= 1.35) sends a ``dynamodbstreams`` client to the account-based endpoint
   ``<account>.streams-ddb.<region>.amazonaws.com``, which moto's mock does not route: DescribeStream
   answered 404 "Not yet implemented". The endpoint is added to moto's routes.
2. A put or an update that changes nothing wrote a MODIFY record; DynamoDB writes none ("if you perform a
   PutItem or UpdateItem operation that does not change any data in an item, DynamoDB Streams does not
   write a stream record").
3. An update that creates its item wrote two INSERT records, the first with the keys only; DynamoDB
   writes one, with the item the update left.
4. A write refused after moto had applied it (the item-size check of ``gaps``) left its records in the
   stream (and a REMOVE for the upserted item put back): records of writes that never happened.
5. A cancelled transaction: moto restores the tables from copies taken before it, so its records stayed
   in the stream readers held, while every later write went to the copy's stream, which no open shard
   iterator saw again (a tail went silent after the first cancelled transaction). The stream is now
   rolled back with the table, and stays the one object iterators hold.

6. Deletions by TTL: DynamoDB's records carry ``userIdentity`` ``{"Type": "Service", "PrincipalId":
   "dynamodb.amazonaws.com"}``; moto never expires items, and the deletes of our sweeper
   (:mod:`singletable.local.ttl`) looked like a user's. The sweeper marks its DeleteItem requests with the
   header :data:`TTL_HEADER`; their REMOVE records get DynamoDB's ``userIdentity``.

7. Turning a stream off (UpdateTable ``StreamEnabled: false``, what Terraform does when ``stream_enabled``
   goes to false) left moto's shard in place without a view type: every later write to the table failed
   (KeyError, HTTP 500), and so did DescribeStream. DynamoDB stops recording, and the disabled stream stays
   readable (24 hours): its status DISABLED, its shard closed (an EndingSequenceNumber; GetRecords at its
   end answers without NextShardIterator). So it is here. moto also refused to turn a stream on again
   once a table had had one ("Cannot enable stream"); DynamoDB refuses only while one is enabled, and
   a re-enabled stream is a new stream (a new label and ARN).

Records are written and read under the DynamoDB lock ``gaps`` serialises requests with, so a reader never
sees a record that a fill removes again.

Not filled (documented in docs/streams.md): one shard that never splits or closes; records kept for ever
(DynamoDB: 24 hours) and iterators that never expire (15 minutes); ``SizeBytes`` overestimated;
``awsRegion`` always ``us-east-1``.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

ACCOUNT_ENDPOINT = r"https?://(?:\d{12}\.)?streams-ddb\.(.+)\.amazonaws\.com"
#: The header the TTL sweeper marks its deletes with (only the local engine reads it).
TTL_HEADER = "X-Singletable-Ttl-Sweep"
#: As the Streams API writes it (a Lambda event has the same in camelCase: ``type``, ``principalId``).
TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}

_installed = False
_request = threading.local()  # what the request being handled on this thread is (a TTL delete or not)


def _shards(backend: Any) -> dict[str, tuple[Any, int]]:
    """Each streamed table's shard and its record count, by table name."""
    return {
        name: (table.stream_shard, len(table.stream_shard.items))
        for name, table in backend.tables.items()
        if table.stream_shard is not None
    }


def _truncate(before: dict[str, tuple[Any, int]]) -> None:
    for shard, count in before.values():
        del shard.items[count:]


def _skip_unchanged(original: Any) -> Any:
    def add(self: Any, old: Any, new: Any) -> None:
        if old is not None and new is not None and old.attrs == new.attrs:
            return
        original(self, old, new)
        if new is None and getattr(_request, "ttl", False) and self.items:
            self.items[-1].record["userIdentity"] = dict(TTL_IDENTITY)

    add.__wrapped__ = original  # type: ignore[attr-defined]
    return add


def _undo_on_error(original: Any) -> Any:
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = _shards(self)
        try:
            return original(self, *args, **kwargs)
        except BaseException:
            _truncate(before)
            raise

    write.__wrapped__ = original  # type: ignore[attr-defined]
    return write


def _one_record_per_update(original: Any) -> Any:
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        before = _shards(self)
        shard_count = before.get(table_name)
        old = None
        if shard_count is not None:
            table = self.get_table(table_name)
            try:
                hash_value, range_value = self.get_keys_value(table, key)
                old = copy.deepcopy(table.get_item(hash_value, range_value))
            except Exception:
                shard_count = None  # moto will refuse the key itself: nothing to rewrite
        try:
            item = original(self, table_name, key, *args, **kwargs)
        except BaseException:
            _truncate(before)
            raise
        if shard_count is not None and item is not None:
            shard, count = shard_count
            if len(shard.items) - count > 1:
                # The upsert's keys-only INSERT and the real one: one record, as DynamoDB writes.
                del shard.items[count:]
                shard.add(old, item)
        return item

    update_item.__wrapped__ = original  # type: ignore[attr-defined]
    return update_item


def _rollback_stream(original: Any) -> Any:
    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = _shards(self)
        try:
            return original(self, *args, **kwargs)
        except BaseException:
            # moto put back copies of the tables; keep the shard readers hold, as it was before.
            _truncate(before)
            for name, (shard, _) in before.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not None and table.stream_shard is not shard:
                    table.stream_shard = shard
                    shard.table = table
            raise

    transact_write_items.__wrapped__ = original  # type: ignore[attr-defined]
    return transact_write_items


def _ttl_aware(original: Any) -> Any:
    def delete_item(self: Any) -> Any:
        _request.ttl = str(self.headers.get(TTL_HEADER, "")) == "1"
        try:
            return original(self)
        finally:
            _request.ttl = False

    delete_item.__wrapped__ = original  # type: ignore[attr-defined]
    return delete_item


RETIRED = "singletable_retired_shards"  # on a moto Table: stream label -> the shard of a disabled stream


def _retiring(original: Any) -> Any:
    def set_stream_specification(self: Any, streams: Any) -> None:
        shard = getattr(self, "stream_shard", None)
        spec = getattr(self, "stream_specification", None) or {}
        label = getattr(self, "latest_stream_label", None)
        original(self, streams)
        if shard is not None and not (self.stream_specification or {}).get("StreamEnabled"):
            shard.view_type = spec.get("StreamViewType")
            shard.ending_sequence_number = shard.starting_sequence_number + len(shard.items) - 1
            self.__dict__.setdefault(RETIRED, {})[label] = shard
            self.stream_shard = None  # writes are no longer recorded

    set_stream_specification.__wrapped__ = original  # type: ignore[attr-defined]
    return set_stream_specification


def _reenable(original: Any) -> Any:
    def update_table_streams(self: Any, table: Any, stream_specification: dict[str, Any]) -> None:
        enabling = stream_specification.get("StreamEnabled") or stream_specification.get("StreamViewType")
        if enabling and table.stream_shard is None:
            table.set_stream_specification(stream_specification)  # off before: a new stream
            return
        original(self, table, stream_specification)

    update_table_streams.__wrapped__ = original  # type: ignore[attr-defined]
    return update_table_streams


def _retired(backend: Any, arn: str) -> tuple[Any, Any] | None:
    """(table, shard) of a disabled stream's ARN; None for the table's current stream."""
    table = backend.dynamodb.get_table(arn.split(":", 6)[5].split("/")[1])
    label = arn.rsplit("/stream/", 1)[-1]
    if table.stream_shard is not None and label == table.latest_stream_label:
        return None
    shard = table.__dict__.get(RETIRED, {}).get(label)
    if shard is None:
        from moto.dynamodb.exceptions import ResourceNotFoundException

        raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")
    return table, shard


def _describe_retired(original: Any) -> Any:
    def describe_stream(self: Any, arn: str) -> Any:
        found = _retired(self, arn)
        if found is None:
            return original(self, arn)
        table, shard = found
        desc = shard.to_json()
        desc["SequenceNumberRange"]["EndingSequenceNumber"] = str(shard.ending_sequence_number)
        return {
            "StreamArn": arn,
            "StreamLabel": arn.rsplit("/stream/", 1)[-1],
            "StreamStatus": "DISABLED",
            "StreamViewType": shard.view_type,
            "CreationRequestDateTime": shard.created_on,
            "TableName": table.name,
            "KeySchema": table.schema,
            "Shards": [desc],
        }

    describe_stream.__wrapped__ = original  # type: ignore[attr-defined]
    return describe_stream


def _iterator_on_retired(original: Any) -> Any:
    def get_shard_iterator(
        self: Any, arn: str, shard_id: str, shard_iterator_type: str, sequence_number: Any = None
    ) -> Any:
        found = _retired(self, arn)
        if found is None:
            return original(self, arn, shard_id, shard_iterator_type, sequence_number)
        from moto.dynamodbstreams.models import ShardIterator

        iterator = ShardIterator(self, found[1], shard_iterator_type, sequence_number)
        self.shard_iterators[iterator.arn] = iterator
        return iterator

    get_shard_iterator.__wrapped__ = original  # type: ignore[attr-defined]
    return get_shard_iterator


def _closed_at_end(original: Any) -> Any:
    def get(self: Any, limit: int = 1000) -> Any:
        result = original(self, limit)
        ending = getattr(self.stream_shard, "ending_sequence_number", None)
        if ending is not None:
            records = result.get("Records") or []
            after = int(records[-1]["dynamodb"]["SequenceNumber"]) + 1 if records else self.sequence_number
            if after > ending:
                result.pop("NextShardIterator", None)  # a closed shard read to its end
        return result

    get.__wrapped__ = original  # type: ignore[attr-defined]
    return get


def _locked(original: Any, lock: Any) -> Any:
    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    call_action.__wrapped__ = original  # type: ignore[attr-defined]
    return call_action


def install(lock: threading.RLock) -> None:
    """Fill the stream gaps (idempotent). ``lock`` is the one DynamoDB requests are serialised with."""
    global _installed
    if _installed:
        return
    from moto import backend_index
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard, Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams import urls
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    if ACCOUNT_ENDPOINT not in urls.url_bases:
        urls.url_bases.append(ACCOUNT_ENDPOINT)
        backend_index.backend_url_patterns.append(("dynamodbstreams", re.compile(ACCOUNT_ENDPOINT)))
    setattr(StreamShard, "add", _skip_unchanged(StreamShard.add))  # noqa: B010
    setattr(DynamoHandler, "delete_item", _ttl_aware(DynamoHandler.delete_item))  # noqa: B010
    setattr(Table, "set_stream_specification", _retiring(Table.set_stream_specification))  # noqa: B010
    setattr(DynamoDBBackend, "update_table_streams", _reenable(DynamoDBBackend.update_table_streams))  # noqa: B010
    setattr(  # noqa: B010
        DynamoDBStreamsBackend, "describe_stream", _describe_retired(DynamoDBStreamsBackend.describe_stream)
    )
    setattr(  # noqa: B010
        DynamoDBStreamsBackend,
        "get_shard_iterator",
        _iterator_on_retired(DynamoDBStreamsBackend.get_shard_iterator),
    )
    setattr(ShardIterator, "get", _closed_at_end(ShardIterator.get))  # noqa: B010
    for name in ("put_item", "delete_item"):
        setattr(DynamoDBBackend, name, _undo_on_error(getattr(DynamoDBBackend, name)))
    setattr(DynamoDBBackend, "update_item", _one_record_per_update(DynamoDBBackend.update_item))  # noqa: B010
    setattr(  # noqa: B010
        DynamoDBBackend, "transact_write_items", _rollback_stream(DynamoDBBackend.transact_write_items)
    )
    setattr(DynamoDBStreamsHandler, "call_action", _locked(DynamoDBStreamsHandler.call_action, lock))  # noqa: B010
    _installed = True
