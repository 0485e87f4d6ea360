"""Mechanism 9 (money): unit costs with their sources, who pays, and what a policy is worth.

Every lever's ``weekly_cost`` is built from the unit costs below (its parameters default to
them, so a user can change a price per run). Where the source reports give no figure the value
is a stated assumption of the right order of magnitude for England around 2010, and says so.

Money is counted once, by who pays (``PAYERS``):

- ``council_services``: the frontline staff of the three services, paid for the hours they are
  employed whether busy or not: each week ``staff hours employed x professional_hour_cost`` by
  service, where the hours employed are the staff's direct-contact hours less any budget cut
  (``staff_paid_hours``). Hours they do not spend on needs are idle, available to redeploy;
  they are reported in hours, never as cash saved. (Public-safety staff are counted here too:
  the police's funding split between council tax precept and central grant is not modelled.)
- ``council_levers``, ``employers``, ``central_government``: each lever's ``weekly_cost``
  falls on the payer its class declares (``Lever.payer``, shown in the ODD's lever table).
- Volunteers' hours are valued separately (``volunteer_hour_value``) and never added to cash.

The public purse is the council and central government (``PUBLIC_PURSE``); ``summary.compare``
gives its net against the paired no-lever run. Crises averted are counted as crises and valued
at the nominal professional hours a crisis takes, beside the net and never added to it:

    crises averted value = sum over kinds (crises_baseline - crises_policy)
                             * hours * crisis_hours_multiplier * crisis_weeks
                             * professional_hour_cost
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

ASSUME = "assumption"

#: who pays: every cost item falls on exactly one of these
PAYERS: tuple[str, ...] = ("council_services", "council_levers", "employers", "central_government")
#: the payers whose money is public (``net_gbp`` is theirs)
PUBLIC_PURSE: tuple[str, ...] = ("council_services", "council_levers", "central_government")
#: the payer of the frontline staff of every service
STAFF_PAYER = "council_services"
#: the model's cost item for the staff of the services (``model.costs``)
PROFESSIONAL_STAFF = "professional_staff"
#: payer of a lever or cost function that does not declare one (``levers=`` in a notebook)
DEFAULT_LEVER_PAYER = "council_levers"


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
    "volunteer_hour_value": UnitCost(
        17.0,
        "GBP/hour",
        "ONS (2017) 'Changes in the value and division of unpaid volunteering in the UK' values "
        "an hour of volunteering at the median hourly wage; ONS ASHE 2023 median gross hourly "
        "pay about GBP 17 (rounded). Shown beside costs, never added to cash",
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


def payer_of(lever: object) -> str:
    """The payer of a lever's ``weekly_cost`` (its class's ``payer``; ``DEFAULT_LEVER_PAYER``
    for an object that declares none). Raises ValueError for a payer not in ``PAYERS``."""
    payer = getattr(lever, "payer", DEFAULT_LEVER_PAYER)
    if payer not in PAYERS:
        name = getattr(lever, "name", "") or getattr(lever, "__name__", type(lever).__name__)
        raise ValueError(f"lever {name!r}: payer {payer!r} is not one of {', '.join(PAYERS)}")
    return payer


def staff_paid_hours(model: CoproductionModel) -> np.ndarray:
    """Hours each service's staff are employed (and paid) this week: their direct-contact
    hours less the budget cut (``model.capacity_cut``). Staff time a lever diverts from cases
    (personal asks) is still paid, so it is not taken off here."""
    from coprod_sim.mechanisms import services

    staff = model.staff
    n_s = len(model.capacity_cut)
    return services.capacity(staff.service, staff.capacity, n_s, model.capacity_cut)


def staff_cost_week(model: CoproductionModel) -> float:
    """GBP the council pays its frontline staff this week (paid hours x hourly cost)."""
    return float(staff_paid_hours(model).sum()) * model.params.professional_hour_cost


def costs_by_payer(model: CoproductionModel) -> dict[str, float]:
    """Total cash over the run by payer (GBP): staff to ``STAFF_PAYER``, each costed lever's
    total to its declared payer. Every item of ``model.costs_total`` is counted exactly once."""
    from coprod_sim.levers import lever_name

    out = dict.fromkeys(PAYERS, 0.0)
    items = dict(model.costs_total)
    out[STAFF_PAYER] += float(items.pop(PROFESSIONAL_STAFF, 0.0))
    for lever in model.costed_levers:
        out[payer_of(lever)] += float(items.pop(lever_name(lever), 0.0))
    if any(v != 0 for v in items.values()):
        raise ValueError(
            f"cost items with no payer: {', '.join(sorted(items))}; every cost must be a "
            "lever's (with a payer) or the professional staff's"
        )
    return out


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


def value_of_crises(model: CoproductionModel) -> float:
    """GBP value of the run's crises at their nominal professional hours (a unit cost per
    crisis of each kind; the hours actually given to crises are fewer when capacity binds)."""
    hours = float(model.crises_by_kind.astype(np.float64) @ crisis_hours_by_kind(model))
    return hours * model.params.professional_hour_cost


def value_crises_averted(baseline: CoproductionModel, policy: CoproductionModel) -> float:
    """GBP value of the crises averted: crises by kind times their nominal value."""
    hours = float(crises_averted(baseline, policy) @ crisis_hours_by_kind(policy))
    return hours * policy.params.professional_hour_cost
