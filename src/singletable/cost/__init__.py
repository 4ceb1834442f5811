"""The cost planner: on-demand vs provisioned vs autoscaling vs reserved for one workload.

    from singletable.cost import load_workload, plan
    p = plan(load_workload("examples/workloads/steady-api.toml"))
    p.recommended.label, p.recommended.total

Capacity units come from :mod:`singletable.capacity` (the rules the data layer records with); prices
from ``pricing.json`` (every figure with its source and date) or a user's file of the same shape.
"""

from singletable.cost.planner import ModeCost, Plan, plan
from singletable.cost.pricing import PriceBook, RegionPricing, load_pricing
from singletable.cost.workload import (
    AccessPattern,
    Workload,
    WorkloadError,
    load_workload,
    parse_workload,
    workload_from_records,
)

__all__ = [
    "AccessPattern",
    "ModeCost",
    "Plan",
    "PriceBook",
    "RegionPricing",
    "Workload",
    "WorkloadError",
    "load_pricing",
    "load_workload",
    "parse_workload",
    "plan",
    "workload_from_records",
]
