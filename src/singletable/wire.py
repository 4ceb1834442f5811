"""The lean wire path: DynamoDB data-plane calls without botocore's shape walks.

botocore spends most of a call walking its model: it validates every parameter, serialises the request
by walking each AttributeValue against the input shape, and parses the response by walking each
AttributeValue of each item against the output shape, only to produce the same dicts that
``json.dumps`` / ``json.loads`` do (DynamoDB JSON *is* AttributeValues; only ``B``/``BS`` differ, being
base64 on the wire). Our own layer validates and our codec produces and consumes AttributeValues, so
for the operations the :class:`~singletable.table.Table` sends, this module:

- builds the request itself: ``json.dumps`` of the parameters (bytes base64-encoded), with the
  ``X-Amz-Target`` / ``Content-Type`` headers botocore's JSON serialiser sets;
- sends it the way ``BaseClient._make_api_call`` does, with everything else of botocore kept: the
  ``provide-client-params`` / ``before-parameter-build`` / ``before-call`` / ``after-call`` events
  (idempotency tokens, stubbers, tracing headers), endpoint-ruleset resolution, the user agent, request
  checksums and compression, and ``Endpoint.make_request``, so the credential chain, SigV4 signing
  (``request-created``), ``before-send`` (moto's in-process mock, canned responses), retries
  (``needs-retry``: legacy, standard and adaptive modes, the retry quota) all run as usual;
- passes ``make_request`` a copy of the operation model whose output shape is ``None``: that is the
  narrowest per-request hook botocore has for its parser (``Endpoint._do_get_response`` parses with
  ``operation_model.output_shape``), so the parser only fills ``ResponseMetadata``. Error responses are
  parsed by botocore itself exactly as usual (the error code, message and the modeled error fields such
  as ``Item`` of ``ConditionalCheckFailedException`` or ``CancellationReasons`` come from the service
  model's error shapes, not the output shape), and raised as the same ``ClientError`` subclasses;
- parses a successful body with ``json.loads``, base64-decoding ``B``/``BS`` only when the body can hold
  one, keeping only the output shape's top-level members (as botocore does).

Only requests sent through :func:`plan_for` take this path: the client itself is not changed, so
``client.get_item(...)`` called directly behaves exactly as before. Anything the path cannot vouch for
falls back to the normal ``getattr(client, method)(**params)``: a client that is not a botocore
DynamoDB JSON client, a botocore without the pieces used here, an instrumented ``_make_api_call``
(tracing libraries wrap it), or an operation whose model has something unexpected.

Note: request parameters are sent as given, so a ``B`` value must be ``bytes`` (botocore would also
accept a ``str`` and encode it); our codec only produces ``bytes``.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import threading
import types
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

try:
    from botocore.auth import resolve_auth_scheme_preference
    from botocore.awsrequest import prepare_request_dict
    from botocore.client import BaseClient
    from botocore.compress import maybe_compress_request
    from botocore.context import start_as_current_context
    from botocore.history import get_global_history_recorder
    from botocore.hooks import first_non_none_response
    from botocore.httpchecksum import apply_request_checksum, resolve_checksum_context
except ImportError:  # pragma: no cover - a botocore without these: every call takes the normal path
    AVAILABLE = False
else:
    AVAILABLE = True

#: The operations the Table sends, the only ones the lean path serves.
OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
)

#: Set to False to send everything through the client's normal methods.
ENABLED = True

# A body can hold a B or BS value only if it has that key: "B" or "BS", or either written with a \u
# escape ("\u0042", "B\u0053"). Two literal searches, much cheaper than one alternation or a walk.
_BLOB_KEY = re.compile(rb'"B(?:S?"|\\u)')
_ESCAPED_B = b"\\u0042"

_history = get_global_history_recorder() if AVAILABLE else None


class _Unsupported(Exception):
    """The model has something the lean parser does not handle: that operation takes the normal path."""


Decoder = Callable[[Any], Any]


def _b64(value: Any) -> bytes:
    # What botocore's default blob parser does.
    return base64.b64decode(bytes(value, "utf-8"))


def _decode_av(av: Any) -> Any:
    """Base64-decode the B/BS values of one AttributeValue, nested ones included (in place)."""
    if "M" in av:
        for v in av["M"].values():
            _decode_av(v)
    elif "L" in av:
        for v in av["L"]:
            _decode_av(v)
    elif "B" in av:
        av["B"] = _b64(av["B"])
    elif "BS" in av:
        av["BS"] = [_b64(v) for v in av["BS"]]
    return av


def _is_attribute_value(shape: Any) -> bool:
    if shape.type_name != "structure" or shape.name != "AttributeValue":
        return False
    members = shape.members
    return (
        members.get("B") is not None
        and members["B"].type_name == "blob"
        and members["BS"].type_name == "list"
        and members["BS"].member.type_name == "blob"
        and members["M"].type_name == "map"
        and members["M"].value.name == "AttributeValue"
        and members["L"].type_name == "list"
        and members["L"].member.name == "AttributeValue"
    )


def _compile(shape: Any, seen: frozenset[str] = frozenset()) -> Decoder | None:
    """A function that turns json.loads' value for ``shape`` into botocore's (None: nothing to do)."""
    if _is_attribute_value(shape):
        return _decode_av
    kind = shape.type_name
    if kind in ("string", "integer", "long", "boolean", "double", "float"):
        return None
    if kind == "blob":
        return _b64
    if shape.name in seen:
        raise _Unsupported(f"recursive shape {shape.name}")
    seen = seen | {shape.name}
    if kind == "structure":
        if getattr(shape, "is_document_type", False) or getattr(shape, "is_tagged_union", False):
            raise _Unsupported(f"{shape.name} is a document or union")
        subs: list[tuple[str, Decoder]] = []
        for name, member in shape.members.items():
            fn = _compile(member, seen)
            if fn is not None:
                subs.append((member.serialization.get("name", name), fn))
        if not subs:
            return None

        def structure(value: Any) -> Any:
            for key, fn in subs:
                v = value.get(key)
                if v is not None:
                    value[key] = fn(v)
            return value

        return structure
    if kind == "list":
        member_fn = _compile(shape.member, seen)
        if member_fn is None:
            return None

        def list_(value: Any) -> Any:
            return [member_fn(v) for v in value]

        return list_
    if kind == "map":
        if _compile(shape.key, seen) is not None:
            raise _Unsupported(f"{shape.name} has non-string keys")
        value_fn = _compile(shape.value, seen)
        if value_fn is None:
            return None

        def map_(value: Any) -> Any:
            for k, v in value.items():
                value[k] = value_fn(v)
            return value

        return map_
    raise _Unsupported(f"{shape.name} is a {kind}")


def _encode_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_dumps = json.JSONEncoder(default=_encode_default).encode


@dataclass(frozen=True)
class OperationPlan:
    """How one operation goes over the lean path on one kind of client (no reference to a client)."""

    name: str
    model: Any  # botocore OperationModel, the real one (events and handlers see it)
    lean_model: Any  # the same with no output shape: botocore's parser only fills ResponseMetadata
    method: str
    target: str
    content_type: str
    members: frozenset[str]  # the output shape's top-level members
    decode: Decoder | None
    provide_params_event: str
    before_build_event: str
    before_call_event: str
    after_call_event: str
    after_call_error_event: str

    def send(self, client: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """``client.<operation>(**params)``, lean. Raises what botocore raises."""
        with start_as_current_context():
            return self._send(client, dict(params))

    def _send(self, client: Any, api_params: dict[str, Any]) -> dict[str, Any]:
        # Mirrors BaseClient._make_api_call (botocore 1.3x-1.4x), with the serializer and parser swapped.
        op = self.model
        meta = client.meta
        events = meta.events
        config = meta.config
        _history.record(  # type: ignore[union-attr]
            "API_CALL", {"service": "dynamodb", "operation": self.name, "params": api_params}
        )
        if op.auth and getattr(config, "auth_scheme_preference", None):
            auth_type = resolve_auth_scheme_preference(config.auth_scheme_preference.split(","), op.auth)
        else:
            auth_type = op.resolved_auth_type
        context: dict[str, Any] = {
            "client_region": meta.region_name,
            "client_config": config,
            "has_streaming_input": False,
            "auth_type": auth_type,
            "unsigned_payload": op.unsigned_payload,
            "auth_options": meta.service_model.metadata.get("auth"),
        }
        responses = events.emit(self.provide_params_event, params=api_params, model=op, context=context)
        api_params = first_non_none_response(responses, default=api_params)
        events.emit(self.before_build_event, params=api_params, model=op, context=context)
        endpoint_url, headers, properties = client._resolve_endpoint_ruleset(op, api_params, context)
        if properties:
            context["endpoint_properties"] = properties
        request_dict: dict[str, Any] = {
            "url_path": "/",
            "query_string": "",
            "method": self.method,
            "headers": {"X-Amz-Target": self.target, "Content-Type": self.content_type},
            "body": _dumps(api_params).encode("utf-8"),
        }
        if headers:
            request_dict["headers"].update(headers)
        prepare_request_dict(
            request_dict,
            endpoint_url=endpoint_url,
            user_agent=client._user_agent_creator.to_string(),
            context=context,
        )
        resolve_checksum_context(request_dict, op, api_params)
        _, event_response = events.emit_until_response(
            self.before_call_event,
            model=op,
            params=request_dict,
            request_signer=client._request_signer,
            context=context,
        )
        if event_response is not None:
            # A handler answered (botocore's Stubber, for one): its response is already parsed.
            http, parsed = event_response
        else:
            maybe_compress_request(config, request_dict, op)
            apply_request_checksum(request_dict)
            try:
                http, parsed = client._endpoint.make_request(self.lean_model, request_dict)
            except Exception as exc:
                events.emit(self.after_call_error_event, exception=exc, context=context)
                raise
            if http.status_code < 300:
                parsed = self.parse(http.content, parsed)
        events.emit(self.after_call_event, http_response=http, parsed=parsed, model=op, context=context)
        if http.status_code >= 300:
            code = context.get("error_code_override") or parsed.get("Error", {}).get("Code")
            raise client.exceptions.from_code(code)(parsed, self.name)
        result: dict[str, Any] = parsed
        return result

    def parse(self, body: bytes, parsed: dict[str, Any]) -> dict[str, Any]:
        """A successful response: the body as botocore would parse it, plus ``parsed`` (its metadata)."""
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}  # botocore: an unparseable body gives no members either
        if not isinstance(data, dict):
            data = {}
        members = self.members
        if not data.keys() <= members or None in data.values():
            data = {k: v for k, v in data.items() if k in members and v is not None}
        if self.decode is not None and (_BLOB_KEY.search(body) or _ESCAPED_B in body):
            self.decode(data)
        data.update(parsed)
        return data


def _plan(service_model: Any, name: str) -> OperationPlan | None:
    try:
        op = service_model.operation_model(name)
        metadata = op.metadata
        if op.has_streaming_input or op.has_event_stream_input or (op.endpoint or {}).get("hostPrefix"):
            return None
        output = op.output_shape
        if output is None or output.type_name != "structure":
            return None
        decode = _compile(output)
        lean = copy.copy(op)
        vars(lean)["output_shape"] = None
        if lean.output_shape is not None or lean.name != name or lean.service_model is not service_model:
            return None
        if lean.has_streaming_output or lean.has_event_stream_output:
            return None
        service_id = service_model.service_id.hyphenize()
        return OperationPlan(
            name=name,
            model=op,
            lean_model=lean,
            method=op.http.get("method", "POST"),
            target=f"{metadata['targetPrefix']}.{name}",
            content_type=f"application/x-amz-json-{metadata['jsonVersion']}",
            members=frozenset(m.serialization.get("name", k) for k, m in output.members.items()),
            decode=decode,
            provide_params_event=f"provide-client-params.{service_id}.{name}",
            before_build_event=f"before-parameter-build.{service_id}.{name}",
            before_call_event=f"before-call.{service_id}.{name}",
            after_call_event=f"after-call.{service_id}.{name}",
            after_call_error_event=f"after-call-error.{service_id}.{name}",
        )
    except (_Unsupported, AttributeError, KeyError, TypeError):
        return None


def _stock_make_api_call(cls: type) -> bool:
    """``_make_api_call`` is botocore's own (not wrapped by a tracer or replaced by a mock)."""
    fn = getattr(cls, "_make_api_call", None)
    if type(fn) is not types.FunctionType:
        return False
    # botocore's is a functools.wraps wrapper (with_current_context) defined in botocore itself.
    package = os.path.basename(os.path.dirname(fn.__code__.co_filename))
    return package == "botocore" and fn.__qualname__ == "BaseClient._make_api_call"


def _capable(client: Any) -> bool:
    """Whether ``client`` is a botocore DynamoDB JSON client with every piece the lean path uses."""
    if not AVAILABLE or not isinstance(client, BaseClient):
        return False
    try:
        service_model = client.meta.service_model
        protocol = getattr(service_model, "resolved_protocol", None) or service_model.protocol
        return (
            service_model.service_name == "dynamodb"
            and protocol == "json"
            and not getattr(service_model, "is_query_compatible", False)
            and _stock_make_api_call(type(client))
            and callable(getattr(client, "_resolve_endpoint_ruleset", None))
            and callable(getattr(getattr(client, "_endpoint", None), "make_request", None))
            and callable(getattr(getattr(client, "_user_agent_creator", None), "to_string", None))
            and hasattr(client, "_request_signer")
            # A property building the exception classes on first use: check it is there, not build it.
            and isinstance(getattr(type(client), "exceptions", None), property)
        )
    except AttributeError:
        return False


# Per client: None if the lean path cannot serve it, else its plans so far (None: that operation can't).
_cache: weakref.WeakKeyDictionary[Any, dict[str, OperationPlan | None] | None] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def plan_for(client: Any, operation: str) -> OperationPlan | None:
    """The lean plan for ``operation`` on ``client``, or None to use ``client``'s normal method.

    Whether the client qualifies is decided once per client; each operation's plan is made on its
    first use.
    """
    if not ENABLED:
        return None
    try:
        plans = _cache[client]
    except KeyError:
        plans = {} if _capable(client) else None
        with _cache_lock:
            _cache[client] = plans
    except TypeError:  # not weak-referenceable or not hashable: not a botocore client
        return None
    if plans is None:
        return None
    try:
        return plans[operation]
    except KeyError:
        plan = _plan(client.meta.service_model, operation) if operation in OPERATIONS else None
        plans[operation] = plan
        return plan
