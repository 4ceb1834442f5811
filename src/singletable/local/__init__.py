"""The local engine: moto in-process or over HTTP on loopback, with TTL sweeping and Terraform gaps filled."""

from singletable.local.engine import InProcessEngine
from singletable.local.server import LocalServer
from singletable.local.ttl import TTLSweeper, sweep_expired

__all__ = ["InProcessEngine", "LocalServer", "TTLSweeper", "sweep_expired"]
