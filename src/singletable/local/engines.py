"""The three local engines by name: moto (ours, the default), AWS's DynamoDB Local, and dynalite.

One place that knows how to start each over HTTP and what each lacks, for ``singletable local --engine``
and the pytest plugin's per-engine fixtures. What the engines do differently is in docs/engines.md.
"""

from __future__ import annotations

from typing import Literal, Protocol, get_args

from singletable.errors import EngineNotInstalledError, EngineStartError

__all__ = [
    "CAPABILITIES",
    "ENGINES",
    "FEATURES",
    "EngineName",
    "Feature",
    "HTTPEngine",
    "engine_available",
    "engine_features",
    "engine_supports",
    "start_engine",
]

EngineName = Literal["moto", "dynamodb-local", "dynalite"]
#: Every engine's name, moto (the default) first.
ENGINES: tuple[EngineName, ...] = get_args(EngineName)

#: The optional DynamoDB features singletable's TableSpec, data layer and tests use.
Feature = Literal[
    "pitr",
    "ttl",
    "transactions",
    "streams",
    "encryption",
    "deletion_protection",
    "return_values_on_condition_check_failure",
    "stream_latest_iterator",
    "ttl_deletion_records",
]
FEATURES: tuple[Feature, ...] = get_args(Feature)

#: THE table of engine capabilities (the one place): what each engine serves of ``FEATURES``. The pytest
#: plugin's ``requires_engine_feature`` skips, ``table_spec_for`` and ``singletable local`` read it; the
#: measured gaps behind it are in docs/engines.md (DynamoDB Local and dynalite answer
#: UnknownOperationException to UpdateContinuousBackups; dynalite also to UpdateTimeToLive and
#: TransactWriteItems, and it has no streams; both accept a KMS SSESpecification and describe the table
#: without it, so ``encryption`` here is "a KMS key at rest, as DescribeTable reports"; dynalite refuses
#: an UpdateTable that only turns deletion protection off, so a protected table cannot be dropped there;
#: dynalite ignores ReturnValuesOnConditionCheckFailure: a failed condition comes back without the item, so
#: ``ConditionFailedError.item`` is None and a version conflict cannot be told from a missing item;
#: ``stream_latest_iterator``: a LATEST shard iterator reads what is written after it (DynamoDB Local answers
#: TrimmedDataAccessException when it was taken on an empty shard); ``ttl_deletion_records``: an expired
#: item's deletion, on demand (``singletable.local.sweep_expired``), is a stream record marked as the TTL
#: service's (userIdentity), as DynamoDB's are: moto only, by our fill; DynamoDB Local deletes on its own
#: schedule and the sweep is a plain DeleteItem there).
CAPABILITIES: dict[EngineName, frozenset[Feature]] = {
    "moto": frozenset(FEATURES),
    "dynamodb-local": frozenset(
        {"ttl", "transactions", "streams", "deletion_protection", "return_values_on_condition_check_failure"}
    ),
    "dynalite": frozenset(),
}


class HTTPEngine(Protocol):
    """A started engine: its URL, and how to stop it."""

    @property
    def endpoint_url(self) -> str: ...

    def stop(self) -> None: ...


def engine_features(name: EngineName) -> frozenset[str]:
    """What ``name`` lacks of ``FEATURES`` (``pitr``, ``ttl``, ...), from ``CAPABILITIES``."""
    return frozenset(FEATURES) - CAPABILITIES[name]


def engine_supports(name: EngineName, feature: Feature) -> bool:
    """Whether engine ``name`` serves ``feature`` (``CAPABILITIES``)."""
    if feature not in FEATURES:
        raise ValueError(f"unknown engine feature {feature!r}; known: {', '.join(FEATURES)}")
    return feature in CAPABILITIES[name]


def engine_available(name: EngineName) -> str | None:
    """None when ``name`` can be started here, else why not (what to install)."""
    if name == "moto":
        try:
            import moto.server  # noqa: F401
        except ImportError:
            return "moto is not installed: pip install 'singletable[local]'"
        return None
    if name == "dynamodb-local":
        from singletable.local.dynamodb_local import INSTALL_HINT, find_dynamodb_local, find_java

        if find_java() is None:
            return (
                "java (17+) is not installed: DynamoDB Local runs on a JVM (Debian: openjdk-17-jre-headless)"
            )
        if find_dynamodb_local() is None:
            return f"DynamoDB Local is not installed: {INSTALL_HINT}"
        return None
    from singletable.local.dynalite import find_dynalite, find_node

    if find_node() is None:
        return "node is not installed: dynalite runs on Node.js (>= 18)"
    if find_dynalite() is None:
        return "dynalite is not installed: run scripts/install-dynalite.sh (needs node and npm)"
    return None


def start_engine(name: EngineName, *, port: int = 0, ttl_sweep_interval: float | None = None) -> HTTPEngine:
    """Start engine ``name`` on 127.0.0.1:``port`` (0: a free one); raises ST770 when it is not installed."""
    missing = engine_available(name)
    if missing is not None:
        raise EngineNotInstalledError(missing, hint=_hint(name))
    if name == "moto":
        from singletable.local.server import LocalServer

        return LocalServer(port=port, ttl_sweep_interval=ttl_sweep_interval).start()
    if name == "dynamodb-local":
        from singletable.local.dynamodb_local import DynamoDBLocalServer

        return DynamoDBLocalServer(port=port).start()
    from singletable.local.dynalite import DynaliteServer

    try:
        return DynaliteServer(port=port).start()
    except RuntimeError as exc:
        raise EngineStartError(str(exc)) from None


def _hint(name: str) -> str:
    if name == "moto":
        return "pip install 'singletable[local]'"
    script = "install-dynamodb-local.sh" if name == "dynamodb-local" else "install-dynalite.sh"
    return f"run scripts/{script} from a checkout of singletable, or use --engine moto"
