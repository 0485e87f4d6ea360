"""Mechanism 9 (money): unit costs with their sources, and the value of what a policy saves.

Every lever's ``weekly_cost`` is built from the unit costs below (its parameters default to
them, so a user can change a price per run). Where the source reports give no figure the value
is a stated assumption of the right order of magnitude for England around 2010, and says so.

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
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

ASSUME = "assumption"


@dataclass(frozen=True)
class UnitCost:
    value: float
    unit: str
    source: str


UNIT_COSTS: dict[str, UnitCost] = {
    "coordinator_hour": UnitCost(
        16.0,
        "GBP/hour",
        ASSUME + ": time bank coordinator on about GBP 24,000 a year plus 30% on-costs over "
        "about 1,950 paid hours (order of magnitude of UK coordinator posts around 2010)",
    ),
    "time_bank_overheads_week": UnitCost(
        60.0,
        "GBP/week",
        ASSUME + ": premises share, phone, database licence and members' expenses of one time bank",
    ),
    "insurance_premium_volunteer_year": UnitCost(
        5.0,
        "GBP/volunteer/year",
        ASSUME + ": group public liability and personal accident cover for volunteers is "
        "typically a few pounds per volunteer a year",
    ),
    "insurance_admin_week": UnitCost(
        20.0, "GBP/week", ASSUME + ": council officer time to run the policy"
    ),
    "training_place_resident": UnitCost(
        120.0,
        "GBP/place",
        ASSUME + ": one day of volunteer training (trainer, venue, materials) per person",
    ),
    "training_place_professional": UnitCost(
        250.0,
        "GBP/place",
        ASSUME + ": one day of co-production training per professional (fees only; staff "
        "time is valued separately at professional_hour_cost)",
    ),
    "community_organising_training": UnitCost(
        300.0,
        "GBP/professional",
        ASSUME + ": short course in community organising for frontline staff",
    ),
    "info_point_staff_hour": UnitCost(
        14.0,
        "GBP/hour",
        ASSUME + ": council officer on about GBP 21,000 a year plus on-costs",
    ),
    "info_point_running_week": UnitCost(
        100.0, "GBP/week", ASSUME + ": premises, leaflets and a web listing per point"
    ),
    "culture_change_staff_year": UnitCost(
        400.0,
        "GBP/professional/year",
        ASSUME + ": facilitation of workshops and reflective practice (Birmingham Policy "
        "Commission 2011 describes the new roles, not their price)",
    ),
    "vetting_admin_week": UnitCost(
        300.0,
        "GBP/week",
        ASSUME + ": extra processing staff for faster, portable checks (volunteer DBS checks "
        "carry no fee)",
    ),
    "credit_redeemed": UnitCost(
        2.0,
        "GBP/credit",
        ASSUME + ": cost to partner venues of one hour credit redeemed (Spice credits are "
        "often spent on spare capacity, so this is an upper figure)",
    ),
    "time_credits_admin_week": UnitCost(
        150.0, "GBP/week", ASSUME + ": running a time credit scheme across services"
    ),
}


def unit(name: str) -> float:
    """The default value of unit cost ``name``."""
    return UNIT_COSTS[name].value


def cost_param(name: str, *, le: float, doc: str) -> Any:
    """A lever's cost parameter whose default, unit and source are unit cost ``name``
    (declared once, in ``UNIT_COSTS``)."""
    from coprod_sim.parameters import param

    c = UNIT_COSTS[name]
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
