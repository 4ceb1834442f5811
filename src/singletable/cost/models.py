"""The capacity models: on-demand, provisioned fixed at peak, provisioned with autoscaling, reserved.

Demand is a list of consumed units per second, one value per minute (the traffic is taken as
uniform within a minute). Provisioned capacity is simulated minute by minute with DynamoDB's
documented behaviour:

- burst capacity: up to ``burst_seconds`` (300) seconds of unused capacity is kept and spent when
  demand exceeds the provisioned rate; what it cannot cover is throttled;
- autoscaling (Application Auto Scaling target tracking, "Managing throughput capacity automatically
  with DynamoDB auto scaling"): the alarm fires when consumed capacity is above the target
  utilisation for 2 consecutive minutes (capacity rises to consumed / target), or more than 20 points
  below target for 15 consecutive minutes (capacity falls to the 15-minute peak / target); never
  outside min/max. The new capacity is usable only once the UpdateTable call that sets it completes,
  which takes minutes: ``scale_delay`` minutes after the alarm's minute ends (the planner's default
  is ``DEFAULT_SCALE_DELAY_MINUTES``; 0 applies it from the next minute). While one change is under way
  no other is made (a table being updated takes no second UpdateTable);
- decreases (developer guide, "Service, account, and table quotas", provisioned capacity decreases):
  "up to four times any time per day" (a UTC day), and "if there was no decrease in the past hour, an
  additional decrease is allowed", which brings the most in a day to 27.

Provisioned capacity is billed per hour at the highest level provisioned during that hour.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

_EPS = 1e-9


def ceil_units(x: float) -> int:
    return max(0, math.ceil(x - _EPS))


@dataclass
class Simulation:
    """Minute-by-minute provisioned capacity against demand."""

    capacity: list[int]
    served: list[float]
    throttled: list[float]  # units throttled in each minute (not per second)
    increases: list[int] = field(default_factory=list)  # minutes at which a raise took effect
    decreases: list[int] = field(default_factory=list)  # minutes at which a cut took effect

    @property
    def throttled_units(self) -> float:
        return sum(self.throttled)

    @property
    def throttled_minutes(self) -> int:
        return sum(1 for t in self.throttled if t > _EPS)

    def hourly_capacity(self) -> list[int]:
        """The capacity billed for each hour: the highest provisioned during it."""
        caps = self.capacity
        return [max(caps[h : h + 60]) for h in range(0, len(caps), 60)]


DEFAULT_SCALE_DELAY_MINUTES = 2
"""Minutes an autoscaling UpdateTable takes to complete (the developer guide says it takes minutes and
names no figure; 2 is a conservative reading for a small table, set ``provisioned.scale_delay_minutes``
to what you observe)."""
DECREASES_ANY_TIME = 4
DECREASES_PER_DAY = 27


def decrease_allowed(minute: int, decreases: Sequence[int]) -> bool:
    """May capacity be cut at ``minute``, given the earlier cuts (sorted minutes)?

    The developer guide's wording: four decreases at any time of a UTC day, and one more whenever there
    was none in the past hour (27 a day at most)."""
    day_start = (minute // 1440) * 1440
    today = [d for d in decreases if day_start <= d < minute]
    if len(today) >= DECREASES_PER_DAY:
        return False
    if len(today) < DECREASES_ANY_TIME:
        return True
    return minute - today[-1] >= 60


def simulate(
    demand: Sequence[float],
    *,
    initial: int,
    target: float | None = None,
    min_capacity: int = 1,
    max_capacity: int = 40_000,
    burst_seconds: int = 300,
    scale_delay: int = 0,
) -> Simulation:
    """Serve ``demand`` (units/s per minute) with provisioned capacity.

    ``target`` (a fraction, 0.2-0.9) turns autoscaling on; ``None`` keeps ``initial`` fixed.
    ``scale_delay``: the minutes an UpdateTable takes before its capacity is usable.
    """
    if scale_delay < 0:
        raise ValueError(f"scale_delay must be 0 or more minutes, got {scale_delay}")
    if target is not None and not 0.2 - _EPS <= target <= 0.9 + _EPS:
        raise ValueError(f"target utilisation must be between 0.2 and 0.9, got {target}")
    lo, hi = (min_capacity, max_capacity) if target is not None else (1, max(1, initial))
    cap = min(hi, max(lo, initial))
    bucket = float(cap * burst_seconds)
    capacity: list[int] = []
    served: list[float] = []
    throttled: list[float] = []
    increases: list[int] = []
    decreases: list[int] = []
    above = below = 0
    pending: tuple[int, int] | None = None  # (minute the change is usable, capacity)
    n = len(demand)
    for t in range(n):
        if pending is not None and pending[0] == t:
            if pending[1] > cap:
                increases.append(t)
            else:
                decreases.append(t)
                bucket = min(bucket, pending[1] * float(burst_seconds))
            cap, pending = pending[1], None
        d = max(0.0, demand[t])
        capacity.append(cap)
        avail = cap * 60.0
        need = d * 60.0
        if need <= avail:
            srv = d
            bucket = min(bucket + (avail - need), cap * float(burst_seconds))
            thr = 0.0
        else:
            extra = need - avail
            use = min(extra, bucket)
            bucket -= use
            thr = extra - use
            srv = (avail + use) / 60.0
        served.append(srv)
        throttled.append(thr)
        if target is None or t + 1 >= n or pending is not None:
            continue
        util = srv / cap
        above = above + 1 if util > target + _EPS else 0
        below = below + 1 if util < target - 0.2 - _EPS else 0
        usable = t + 1 + scale_delay
        if above >= 2:
            desired = min(hi, max(lo, ceil_units(srv / target)))
            if desired > cap and usable < n:
                pending = (usable, desired)
            above = below = 0
        elif below >= 15:
            window_peak = max(served[t - 14 : t + 1])
            desired = min(hi, max(lo, ceil_units(window_peak / target), 1))
            if desired < cap and usable < n and decrease_allowed(usable, decreases):
                pending = (usable, desired)
                above = below = 0
    return Simulation(capacity, served, throttled, increases, decreases)


def fixed_capacity(demand: Sequence[float], headroom: float) -> int:
    """Provisioned-at-peak: the highest minute's rate plus headroom, at least 1."""
    peak = max(demand, default=0.0)
    return max(1, ceil_units(peak * (1.0 + headroom)))


def on_demand_units(demand: Sequence[float]) -> float:
    """Request units billed on demand: every unit consumed, no more."""
    return sum(demand) * 60.0


def provisioned_unit_hours(hourly: Sequence[int]) -> float:
    return float(sum(hourly))


@dataclass(frozen=True)
class Reservation:
    """How many 100-unit blocks to reserve against an hourly capacity series, and what it costs."""

    blocks: int
    cost: float  # for the series' hours: blocks at the reserved rate plus the rest at list price
    unreserved_unit_hours: float


def best_reservation(hourly: Sequence[int], block_hourly: float, unit_hour: float) -> Reservation:
    """Choose the number of 100-unit blocks that minimises cost over the series.

    A block of 100 costs ``block_hourly`` every hour whether used or not; capacity above the reserved
    level costs ``unit_hour`` per unit-hour. Reserving the k-th block pays when capacity is at or above
    it for more than ``block_hourly / (100 * unit_hour)`` of the hours.
    """
    hours = len(hourly)
    caps = sorted(hourly)
    suffix = [0.0] * (hours + 1)  # suffix[i] = sum(caps[i:])
    for i in range(hours - 1, -1, -1):
        suffix[i] = suffix[i + 1] + caps[i]
    top = ceil_units((caps[-1] if caps else 0) / 100)
    best: Reservation | None = None
    for k in range(top + 1):
        level = 100 * k
        i = bisect.bisect_right(caps, level)  # hours above the reserved level
        excess = suffix[i] - level * (hours - i)
        cost = k * block_hourly * hours + excess * unit_hour
        if best is None or cost < best.cost - _EPS:
            best = Reservation(k, cost, excess)
    assert best is not None
    return best
