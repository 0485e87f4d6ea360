"""Mechanism 9 (money): unit costs with their sources, and the value of what a policy saves.

Every lever's ``weekly_cost`` is built from the unit costs of ``coprod_sim/data/unit_costs.toml``
(``UNIT_COSTS``; its parameters default to them, so a user can change a price per run). Where the
source reports give no figure the value is a stated assumption of the right order of magnitude
for England around 2010, and says so.

The value of a policy against a baseline run of the same town and seed is computed once, by
``summary.compare`` (professional hours saved, their value, lever costs, the net). This module
adds the nominal value of crises averted, shown beside the net and not added to it:

    crises averted value = sum over kinds (crises_baseline - crises_policy)
                             * hours * crisis_hours_multiplier * crisis_weeks
                             * professional_hour_cost

(the nominal professional hours a crisis takes; ``summary.compare`` also gives the crisis
hours actually spent, which are fewer when capacity binds and crises wait).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from coprod_sim.data import UNIT_COSTS_FILE, DataFileError, Entry, load_entries

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


@dataclass(frozen=True)
class UnitCost:
    value: float
    unit: str
    source: str


class UnitCostEntry(Entry):
    """One ``[[cost]]`` of ``unit_costs.toml``: the schema it is validated against."""

    name: str = Field(min_length=1, description="name levers ask for (`cost_param(name)`)")
    value: float = Field(ge=0, description="price in GBP per the entry's unit")
    unit: str = Field(pattern=r"^GBP/\S", description="GBP per something, e.g. GBP/hour")
    source: str = Field(min_length=1, description="source, or a stated assumption")


def load_unit_costs(root: Path | None = None) -> dict[str, UnitCost]:
    """The unit costs of ``unit_costs.toml`` (in the package, or in folder ``root``), by name."""
    return {
        e.name: UnitCost(e.value, e.unit, e.source)
        for e in load_entries(UNIT_COSTS_FILE, "cost", UnitCostEntry, units_table=False, root=root)
    }


#: every unit cost with its unit and source (from ``coprod_sim/data/unit_costs.toml``)
UNIT_COSTS: dict[str, UnitCost] = load_unit_costs()


def unit(name: str) -> float:
    """The default value of unit cost ``name``."""
    return _get(name).value


def _get(name: str) -> UnitCost:
    try:
        return UNIT_COSTS[name]
    except KeyError:
        raise KeyError(
            f"unit cost {name!r} is not in {UNIT_COSTS_FILE}; known: {', '.join(UNIT_COSTS)}"
        ) from None


def cost_param(name: str, *, le: float, doc: str) -> Any:
    """A lever's cost parameter whose default, unit and source are unit cost ``name``
    (declared once, in ``unit_costs.toml``); a default above ``le`` is a DataFileError."""
    from coprod_sim.parameters import param

    c = _get(name)
    if c.value > le:
        raise DataFileError(
            f"{UNIT_COSTS_FILE}: cost {name!r}: field 'value' = {c.value!r} is above the "
            f"largest value its lever parameter allows ({le:g}); allowed [0, {le:g}]"
        )
    return param(c.value, unit=c.unit, role="policy", ge=0, le=le, source=c.source, doc=doc)


def crisis_hours_by_kind(model: CoproductionModel) -> np.ndarray:
    """Professional hours one crisis of each kind takes (the model's own charging rule)."""
    k = model.kinds
    return (
        k.hours.astype(np.float64)
        * model.params.crisis_hours_multiplier
        * k.crisis_weeks.astype(np.float64)
    )


def crises_averted(baseline: CoproductionModel, policy: CoproductionModel) -> np.ndarray:
    """Crises the policy run avoided, by kind (negative where it had more)."""
    return (baseline.crises_by_kind - policy.crises_by_kind).astype(np.float64)


def value_crises_averted(baseline: CoproductionModel, policy: CoproductionModel) -> float:
    """GBP value of the crises averted: crisis hours times the professional hour cost."""
    hours = float(crises_averted(baseline, policy) @ crisis_hours_by_kind(policy))
    return hours * policy.params.professional_hour_cost
