"""Reading a table's stream through the DynamoDB Streams API (DescribeStream, GetShardIterator, GetRecords).

A stream is a set of shards. A shard closes when it splits (or after about four hours) and its children
carry on; a child's records follow its parent's, so a parent is read to its end (GetRecords answers with
no NextShardIterator) before its children start. :class:`ShardPlan` keeps that bookkeeping without I/O;
:class:`StreamReader` drives it with a ``dynamodbstreams`` client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from singletable.client import LOCAL_REGION
from singletable.errors import StreamNotEnabledError
from singletable.logs import logger
from singletable.streams.records import Change, Decoder
from singletable.streams.router import HasSchema

StartAt = Literal["trim_horizon", "latest"]


@dataclass(slots=True)
class ShardState:
    """Where reading one shard stands."""

    shard_id: str
    parent_id: str | None
    closed: bool
    start: str = "TRIM_HORIZON"
    iterator: str | None = None
    last_sequence: str | None = None
    done: bool = False


class ShardPlan:
    """Which shards to read now and from where (no I/O).

    ``start="latest"``: the shards open at the first description start at LATEST and the closed ones are
    skipped (they hold only the past); shards that appear later start at TRIM_HORIZON (all they hold is
    new). ``start="trim_horizon"``: every shard from its oldest record, parents before children.
    """

    def __init__(self, start: StartAt = "trim_horizon") -> None:
        self.start = start
        self.shards: dict[str, ShardState] = {}
        self._described = False

    def update(self, shards: Sequence[Mapping[str, Any]]) -> None:
        """Take DescribeStream's ``Shards`` (every page of them)."""
        first = not self._described
        self._described = True
        for desc in shards:
            closed = "EndingSequenceNumber" in (desc.get("SequenceNumberRange") or {})
            known = self.shards.get(desc["ShardId"])
            if known is not None:
                known.closed = closed
                continue
            state = ShardState(desc["ShardId"], desc.get("ParentShardId"), closed)
            if first and self.start == "latest":
                if closed:
                    state.done = True
                else:
                    state.start = "LATEST"
            self.shards[state.shard_id] = state

    def ready(self) -> list[ShardState]:
        """Shards to read now: not finished, and their parent finished (or gone from the stream: trimmed)."""
        out = []
        for s in self.shards.values():
            parent = self.shards.get(s.parent_id) if s.parent_id else None
            if not s.done and (parent is None or parent.done):
                out.append(s)
        return out

    @staticmethod
    def iterator_args(shard: ShardState) -> dict[str, str]:
        """GetShardIterator's arguments for ``shard``: after the last record read, else its start."""
        if shard.last_sequence is not None:
            return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_sequence}
        return {"ShardIteratorType": shard.start}

    @staticmethod
    def advance(shard: ShardState, records: Sequence[Mapping[str, Any]], next_iterator: str | None) -> bool:
        """Record a GetRecords answer; True when the shard has ended (closed and read to its end)."""
        if records:
            shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
        shard.iterator = next_iterator
        if next_iterator is None:
            shard.done = True
        return shard.done


def streams_client(
    *, endpoint_url: str | None = None, region: str | None = None, profile: str | None = None
) -> Any:
    """A ``dynamodbstreams`` client: AWS through boto3's credential chain, or an endpoint such as the local
    engine's (which takes any credentials)."""
    session = boto3.session.Session(profile_name=profile)
    region_name = region or session.region_name or (LOCAL_REGION if endpoint_url else None)
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    if endpoint_url and session.get_credentials() is None:
        return session.client(
            "dynamodbstreams",
            endpoint_url=endpoint_url,
            region_name=region_name,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
    return session.client(
        "dynamodbstreams", endpoint_url=endpoint_url, region_name=region_name, config=config
    )


def _client_for(table: Any) -> Any:
    """A streams client on the same endpoint and region as the table: a Table's botocore client, or an
    AsyncTable's HTTP transport."""
    client = getattr(table, "client", None)
    if client is not None:
        endpoint: str | None = client.meta.endpoint_url
        region: str | None = client.meta.region_name
    else:
        transport = getattr(table, "transport", None)
        endpoint, region = getattr(transport, "endpoint_url", None), getattr(transport, "region", None)
    host = urlsplit(endpoint or "").hostname or ""
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        endpoint = None  # AWS itself: botocore picks the streams endpoint
    return streams_client(endpoint_url=endpoint, region=region)


class StreamReader:
    """Follows a table's stream: typed changes (``poll``, ``follow``) or raw records (``poll_records``).

    ``table`` is a Table or an AsyncTable (its endpoint and region are used), or anything with a
    ``schema`` given ``client``, a ``dynamodbstreams`` client. Order holds per item and so per partition key; records of
    different shards interleave.
    """

    def __init__(
        self,
        table: HasSchema,
        *,
        start: StartAt = "trim_horizon",
        client: Any = None,
        stream_arn: str | None = None,
        poll_interval: float = 1.0,
        describe_interval: float = 10.0,
        limit: int = 1000,
    ) -> None:
        self.decoder = Decoder(table.schema)
        self.client = client if client is not None else _client_for(table)
        self.plan = ShardPlan(start)
        self.poll_interval = poll_interval
        self.describe_interval = describe_interval
        self.limit = limit
        self._arn = stream_arn
        self._next_describe = 0.0

    @property
    def stream_arn(self) -> str:
        """The table's latest stream (ListStreams); :class:`StreamNotEnabledError` when it has none."""
        if self._arn is None:
            name = self.decoder.schema.spec.name
            streams = self.client.list_streams(TableName=name).get("Streams") or []
            if not streams:
                raise StreamNotEnabledError(f"table {name!r} has no stream")
            self._arn = max(streams, key=lambda s: str(s.get("StreamLabel", "")))["StreamArn"]
        return self._arn

    def describe(self) -> None:
        """Read the stream's shards (every page) into the plan."""
        shards: list[Mapping[str, Any]] = []
        args: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            desc = self.client.describe_stream(**args)["StreamDescription"]
            shards.extend(desc.get("Shards") or [])
            last = desc.get("LastEvaluatedShardId")
            if not last:
                break
            args["ExclusiveStartShardId"] = last
        self.plan.update(shards)
        self._next_describe = time.monotonic() + self.describe_interval

    def _read(self, shard: ShardState) -> list[Mapping[str, Any]]:
        if shard.iterator is None:
            shard.iterator = self.client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard.shard_id, **self.plan.iterator_args(shard)
            )["ShardIterator"]
        try:
            answer = self.client.get_records(ShardIterator=shard.iterator, Limit=self.limit)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ExpiredIteratorException":  # 15 minutes old: take a new one where we were
                shard.iterator = None
                return []
            if code == "TrimmedDataAccessException":
                logger.warning("stream shard %s: records past the 24 h retention were lost", shard.shard_id)
                shard.iterator, shard.last_sequence, shard.start = None, None, "TRIM_HORIZON"
                return []
            raise
        records: list[Mapping[str, Any]] = answer.get("Records") or []
        if self.plan.advance(shard, records, answer.get("NextShardIterator")):
            self._next_describe = 0.0  # a shard ended: its children are to be found
        return records

    def poll_records(self) -> list[Mapping[str, Any]]:
        """One GetRecords on every shard that is ready; the records, shard by shard."""
        if time.monotonic() >= self._next_describe:
            self.describe()
        out: list[Mapping[str, Any]] = []
        for shard in self.plan.ready():
            out.extend(self._read(shard))
        return out

    def poll(self) -> list[Change[Any]]:
        """:meth:`poll_records`, decoded."""
        return [self.decoder.decode(r) for r in self.poll_records()]

    def read_available(self, max_polls: int = 100) -> list[Change[Any]]:
        """Poll until a poll brings nothing (what the stream holds now, on the local engine)."""
        out: list[Change[Any]] = []
        for _ in range(max_polls):
            got = self.poll()
            if not got:
                break
            out.extend(got)
        return out

    def follow(self, *, idle_timeout: float | None = None) -> Iterator[Change[Any]]:
        """Changes as they come, for ever (or until ``idle_timeout`` seconds pass without one)."""
        idle_since = time.monotonic()
        while True:
            changes = self.poll()
            yield from changes
            now = time.monotonic()
            if changes:
                idle_since = now
                continue
            if idle_timeout is not None and now - idle_since >= idle_timeout:
                return
            time.sleep(self.poll_interval)
