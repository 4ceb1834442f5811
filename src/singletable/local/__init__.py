"""The local engine: moto in-process or over HTTP on loopback, with TTL sweeping and Terraform gaps filled."""

from singletable.local.dynalite import DynaliteServer, find_dynalite
from singletable.local.engine import InProcessEngine
from singletable.local.faults import FaultProxy, FaultProxyProcess, FaultRates
from singletable.local.server import LocalServer
from singletable.local.ttl import TTLSweeper, sweep_expired

__all__ = [
    "DynaliteServer",
    "FaultProxy",
    "FaultProxyProcess",
    "FaultRates",
    "InProcessEngine",
    "LocalServer",
    "TTLSweeper",
    "find_dynalite",
    "sweep_expired",
]
