"""Traffic shapes: the rate factor for every minute of the billing month, starting 00:00 UTC."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

from singletable.cost.workload import Traffic, WorkloadError

HOURS_PER_MONTH = 730
MINUTES_PER_MONTH = HOURS_PER_MONTH * 60
MINUTES_PER_DAY = 1440


def steady(minutes: int = MINUTES_PER_MONTH) -> list[float]:
    return [1.0] * minutes


def daily(
    peak: float, trough: float, peak_hour_utc: float = 14.0, minutes: int = MINUTES_PER_MONTH
) -> list[float]:
    """A cosine day: ``peak`` at ``peak_hour_utc``, ``trough`` twelve hours away."""
    amp = (peak - trough) / 2
    mid = (peak + trough) / 2
    # one value per minute of the day, then repeated
    day = [
        mid + amp * math.cos(2 * math.pi * ((m / 60.0) - peak_hour_utc) / 24.0)
        for m in range(MINUTES_PER_DAY)
    ]
    return [day[m % MINUTES_PER_DAY] for m in range(minutes)]


def read_csv_profile(path: str | Path, resolution: str | None = None) -> tuple[list[float], str]:
    """Read a profile: a header row, a time column (``minute``, ``hour`` or an ISO ``timestamp``)
    and a ``factor`` column (else the last column). Returns the values and the resolution."""
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise WorkloadError(
            f"{p}: cannot read the traffic CSV ({exc.strerror}) — fix: check traffic.csv"
        ) from None
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise WorkloadError(f"{p}: needs a header row and at least one data row — fix: add rows")
    header = [h.strip().lower() for h in rows[0]]
    col = header.index("factor") if "factor" in header else len(header) - 1
    values: list[float] = []
    for n, row in enumerate(rows[1:], start=2):
        try:
            v = float(row[col])
        except (ValueError, IndexError):
            raise WorkloadError(
                f"{p}:{n}: column {header[col]!r} is not a number — fix: put a rate factor there"
            ) from None
        if not math.isfinite(v):
            raise WorkloadError(
                f"{p}:{n}: factor {row[col].strip()!r} is not a finite number — fix: use 0 or more"
            )
        if v < 0:
            raise WorkloadError(f"{p}:{n}: factor {v} is negative — fix: use 0 or more")
        values.append(v)
    if resolution is None:
        first = header[0]
        if first.startswith("hour"):
            resolution = "hour"
        elif first.startswith("minute"):
            resolution = "minute"
        elif len(rows) >= 3:
            try:
                t0 = datetime.fromisoformat(rows[1][0].strip())
                t1 = datetime.fromisoformat(rows[2][0].strip())
            except ValueError:
                raise WorkloadError(
                    f"{p}: cannot tell minute from hour rows — fix: name the first column 'minute' or "
                    "'hour', or set traffic.resolution"
                ) from None
            resolution = "hour" if (t1 - t0).total_seconds() >= 3600 else "minute"
        else:
            resolution = "hour"
    return values, resolution


def csv_profile(values: list[float], resolution: str, minutes: int = MINUTES_PER_MONTH) -> list[float]:
    """Repeat a profile to fill the period; an hourly value holds for its 60 minutes."""
    step = 60 if resolution == "hour" else 1
    n = len(values)
    return [values[(m // step) % n] for m in range(minutes)]


def apply_bursts(factors: list[float], bursts: list[tuple[float, int, int, float]]) -> list[float]:
    """Multiply the factor by each burst's ``factor`` while it lasts (every, start, duration, factor)."""
    out = list(factors)
    minutes = len(out)
    for every_hours, start, duration, factor in bursts:
        period = max(1, round(every_hours * 60))
        t = start
        while t < minutes:
            for m in range(t, min(minutes, t + duration)):
                out[m] *= factor
            t += period
    return out


def minute_factors(
    traffic: Traffic, base_dir: str | Path = ".", minutes: int = MINUTES_PER_MONTH
) -> list[float]:
    """The factor for every minute of the period."""
    if traffic.shape == "steady":
        factors = steady(minutes)
    elif traffic.shape == "daily":
        factors = daily(traffic.peak, traffic.trough, traffic.peak_hour_utc, minutes)
    else:
        assert traffic.csv is not None
        path = Path(traffic.csv)
        if not path.is_absolute():
            path = Path(base_dir) / path
        values, resolution = read_csv_profile(path, traffic.resolution)
        factors = csv_profile(values, resolution, minutes)
    if traffic.bursts:
        factors = apply_bursts(
            factors, [(b.every_hours, b.start_minute, b.duration_minutes, b.factor) for b in traffic.bursts]
        )
    return factors
