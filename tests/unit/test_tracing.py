"""OpenTelemetry spans (singletable.tracing) checked with the SDK's in-memory exporter."""

from __future__ import annotations

import json

import pytest

from singletable import Table
from singletable.seed import ENTITIES, User

otel = pytest.importorskip("opentelemetry.sdk.trace", reason="the [otel] extra is not installed")
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

from singletable.tracing import PATTERN_ATTRIBUTE, access_pattern, instrument  # noqa: E402


@pytest.fixture
def spans(singletable_table: Table) -> tuple[Table, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrument(singletable_table.client, tracer_provider=provider)
    singletable_table.register(*ENTITIES)
    return singletable_table, exporter


def test_a_call_is_one_client_span_with_the_dynamodb_conventions(
    spans: tuple[Table, InMemorySpanExporter],
) -> None:
    table, exporter = spans
    table.put(User(user_id="1", name="a", email="b@example.com"))
    with access_pattern("get profile"):
        table.get(User, user_id="1", consistent=True)
    put, get = exporter.get_finished_spans()
    assert put.name == "DynamoDB.PutItem" and get.name == "DynamoDB.GetItem"
    assert get.kind is SpanKind.CLIENT
    a = dict(get.attributes or {})
    assert a["db.system"] == "dynamodb" and a["rpc.system"] == "aws-api"
    assert a["rpc.service"] == "DynamoDB" and a["rpc.method"] == "GetItem"
    assert list(a["aws.dynamodb.table_names"]) == [table.name]
    assert a["aws.dynamodb.consistent_read"] is True
    assert json.loads(a["aws.dynamodb.consumed_capacity"][0])["TableName"] == table.name
    assert a[PATTERN_ATTRIBUTE] == "get profile" and PATTERN_ATTRIBUTE not in (put.attributes or {})
    assert a["http.response.status_code"] == 200


def test_a_refused_call_is_an_error_span(spans: tuple[Table, InMemorySpanExporter]) -> None:
    table, exporter = spans
    table.put(User(user_id="1", name="a", email="b@example.com"))
    with pytest.raises(Exception):  # noqa: B017 - the catalogued ConditionFailedError
        table.put(User(user_id="1", name="a", email="b@example.com"), create_only=True)
    span = exporter.get_finished_spans()[-1]
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "ConditionalCheckFailedException"


def test_index_and_batches_name_their_tables(spans: tuple[Table, InMemorySpanExporter]) -> None:
    table, exporter = spans
    table.batch_write(puts=[User(user_id=str(i), name="a", email="b@example.com") for i in range(3)])
    table.query(pk="PROFILE", index="GSI1").all()
    batch, query = exporter.get_finished_spans()[-2:]
    assert list((batch.attributes or {})["aws.dynamodb.table_names"]) == [table.name]
    assert (query.attributes or {})["aws.dynamodb.index_name"] == "GSI1"
