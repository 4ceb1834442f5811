"""DynamoDB list prices, loaded from a data file where every figure names its source and date.

The bundled file is ``pricing.json`` next to this module; users pass their own (same shape) with
``singletable cost --pricing FILE``. Derived figures (per-unit prices, the on-demand/provisioned
break-even utilisation) are computed here from the file, never hard-coded.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TableClass = Literal["standard", "standard_ia"]

BUNDLED = Path(__file__).with_name("pricing.json")
SECONDS_PER_HOUR = 3600


class Figure(BaseModel):
    """One price with where it comes from and the date it is valid from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float = Field(ge=0)
    source: str = Field(min_length=1)
    date: str = Field(min_length=1)
    note: str = ""


class ReservedTerm(BaseModel):
    """Reserved capacity for one term, sold in blocks of 100 units: an upfront fee plus an hourly rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: int = Field(ge=1)
    wcu_100_upfront: Figure
    wcu_100_hourly: Figure
    rcu_100_upfront: Figure
    rcu_100_hourly: Figure

    def block_hourly(self, unit: Literal["read", "write"]) -> float:
        """Effective cost of one 100-unit block per hour, the upfront fee spread over the term."""
        term_hours = self.years * 365 * 24
        if unit == "write":
            return self.wcu_100_upfront.value / term_hours + self.wcu_100_hourly.value
        return self.rcu_100_upfront.value / term_hours + self.rcu_100_hourly.value


class RegionPricing(BaseModel):
    """The price list of one region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_demand_write_per_million: Figure
    on_demand_read_per_million: Figure
    provisioned_wcu_hour: Figure
    provisioned_rcu_hour: Figure
    storage_gb_month: Figure
    storage_free_gb: Figure
    ia_request_factor: Figure
    ia_storage_gb_month: Figure
    pitr_gb_month: Figure
    reserved: dict[str, ReservedTerm] = Field(default_factory=dict)
    # Optional in a user's file: a workload that needs one of them says which is missing.
    free_tier_wcu: Figure | None = None
    free_tier_rcu: Figure | None = None
    replicated_write_per_million: Figure | None = None
    replicated_wcu_hour: Figure | None = None
    backup_gb_month: Figure | None = None
    stream_read_per_100k: Figure | None = None
    stream_free_reads: Figure | None = None
    note: str = ""

    def figure(self, name: str) -> Figure:
        """An optional figure, or a KeyError naming it (the CLI prints it with the fix)."""
        value = getattr(self, name, None)
        if not isinstance(value, Figure):
            raise KeyError(
                f"the price list has no {name!r} — fix: add it to your --pricing file (see the bundled one)"
            )
        return value

    # -- derived, per table class ---------------------------------------------------------------
    def _factor(self, table_class: TableClass) -> float:
        return self.ia_request_factor.value if table_class == "standard_ia" else 1.0

    def wru(self, table_class: TableClass = "standard") -> float:
        """Dollars per on-demand write request unit."""
        return self.on_demand_write_per_million.value / 1e6 * self._factor(table_class)

    def rru(self, table_class: TableClass = "standard") -> float:
        """Dollars per on-demand read request unit."""
        return self.on_demand_read_per_million.value / 1e6 * self._factor(table_class)

    def wcu_hour(self, table_class: TableClass = "standard") -> float:
        return self.provisioned_wcu_hour.value * self._factor(table_class)

    def rcu_hour(self, table_class: TableClass = "standard") -> float:
        return self.provisioned_rcu_hour.value * self._factor(table_class)

    def storage_month(self, gb: float, table_class: TableClass = "standard") -> float:
        """Monthly storage bill for ``gb`` average GB (the free tier applies to Standard only)."""
        if table_class == "standard_ia":
            return max(0.0, gb) * self.ia_storage_gb_month.value
        return max(0.0, gb - self.storage_free_gb.value) * self.storage_gb_month.value

    def break_even_utilisation(self, unit: Literal["read", "write"] = "write") -> float:
        """Average utilisation of provisioned capacity above which provisioned beats on-demand.

        One provisioned unit for an hour costs ``unit_hour``; the same unit fully used serves 3,600
        request units, which on demand would cost ``3600 * request_price``. Provisioned wins when the
        fraction actually used exceeds the ratio (the table class factor cancels out).
        """
        unit_hour, request = (
            (self.wcu_hour(), self.wru()) if unit == "write" else (self.rcu_hour(), self.rru())
        )
        if request <= 0:
            return math.inf  # free requests: provisioned never wins
        return unit_hour / (SECONDS_PER_HOUR * request)


class PriceBook(BaseModel):
    """All regions of one pricing file."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    currency: str = "USD"
    hours_per_month: Figure
    regions: dict[str, RegionPricing]

    def region(self, name: str) -> RegionPricing:
        try:
            return self.regions[name]
        except KeyError:
            raise KeyError(
                f"no prices for region {name!r}; known: {', '.join(sorted(self.regions))} "
                "(pass --pricing FILE with that region)"
            ) from None


def load_pricing(path: str | Path | None = None) -> PriceBook:
    """The bundled price list, or a user's file of the same shape (raises pydantic's ValidationError)."""
    if path is None:
        return _bundled()
    with Path(path).open(encoding="utf-8") as fh:
        data = json.load(fh)
    return PriceBook.model_validate(data)


@functools.cache
def _bundled() -> PriceBook:
    with BUNDLED.open(encoding="utf-8") as fh:
        return PriceBook.model_validate(json.load(fh))
