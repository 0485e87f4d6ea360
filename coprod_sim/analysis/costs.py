"""What a policy is worth: the run's cash by payer and the value of crises averted.

The unit costs, payers and how staff time is counted are declared in
``coprod_sim.mechanisms.costs`` (mechanism 9, money, with its sources); the staff-time books of
the levers in ``coprod_sim.levers.staff_time``; the hours the services' staff are paid in
``coprod_sim.mechanisms.services``. Their names are importable from here too, so an analysis
needs one module: ``from coprod_sim.analysis import costs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.levers import lever_name
from coprod_sim.levers.staff_time import (
    StaffTimeBook,
    book_staff_time,
    lever_staff_hours,
    setup_staff_time,
    staff_time_cost,
)
from coprod_sim.mechanisms.costs import (
    DEFAULT_LEVER_PAYER,
    EMERGENCY_ITEM,
    PAYERS,
    PROFESSIONAL_STAFF,
    PUBLIC_PURSE,
    STAFF_PAYER,
    STAFF_TIME,
    UNIT_COSTS,
    UnitCost,
    UnitCostEntry,
    cost_param,
    crisis_hours_by_kind,
    load_unit_costs,
    payer_of,
    staff_time_of,
    unit,
)
from coprod_sim.mechanisms.services import EMERGENCY_PAYER, staff_cost_week, staff_paid_hours

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

__all__ = [
    "DEFAULT_LEVER_PAYER",
    "EMERGENCY_ITEM",
    "PAYERS",
    "PROFESSIONAL_STAFF",
    "PUBLIC_PURSE",
    "STAFF_PAYER",
    "STAFF_TIME",
    "UNIT_COSTS",
    "StaffTimeBook",
    "UnitCost",
    "UnitCostEntry",
    "book_staff_time",
    "cost_param",
    "costs_by_payer",
    "crises_averted",
    "crisis_hours_by_kind",
    "lever_staff_hours",
    "load_unit_costs",
    "payer_of",
    "setup_staff_time",
    "staff_cost_week",
    "staff_paid_hours",
    "staff_time_cost",
    "staff_time_of",
    "unit",
    "value_crises_averted",
    "value_of_crises",
]


def costs_by_payer(model: CoproductionModel) -> dict[str, float]:
    """Total cash over the run by payer (GBP): staff to ``STAFF_PAYER``, each costed lever's
    total to its declared payer. Every item of ``model.costs_total`` is counted exactly once."""
    out = dict.fromkeys(PAYERS, 0.0)
    items = dict(model.costs_total)
    out[STAFF_PAYER] += float(items.pop(PROFESSIONAL_STAFF, 0.0))
    for lever in model.costed_levers:
        out[payer_of(lever)] += float(items.pop(lever_name(lever), 0.0))
    for service, payer in EMERGENCY_PAYER.items():
        out[payer] += float(items.pop(EMERGENCY_ITEM + service, 0.0))
    if any(v != 0 for v in items.values()):
        raise ValueError(
            f"cost items with no payer: {', '.join(sorted(items))}; every cost must be a "
            "lever's (with a payer) or the professional staff's"
        )
    return out


def crises_averted(baseline: CoproductionModel, policy: CoproductionModel) -> np.ndarray:
    """Crises the policy run avoided, by kind (negative where it had more)."""
    return (baseline.crises_by_kind - policy.crises_by_kind).astype(np.float64)


def value_of_crises(model: CoproductionModel) -> float:
    """GBP value of the run's crises at their nominal professional hours (a unit cost per
    crisis of each kind; the hours actually given to crises are fewer when capacity binds)."""
    hours = float(model.crises_by_kind.astype(np.float64) @ crisis_hours_by_kind(model))
    return hours * model.params.professional_hour_cost


def value_crises_averted(baseline: CoproductionModel, policy: CoproductionModel) -> float:
    """GBP value of the crises averted: crises by kind times their nominal value."""
    hours = float(crises_averted(baseline, policy) @ crisis_hours_by_kind(policy))
    return hours * policy.params.professional_hour_cost
