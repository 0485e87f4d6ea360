"""Mechanism 9 (money): unit costs with their sources, who pays, and what a policy is worth.

This module declares the money (unit costs, payers, how staff time is counted) for the model,
the levers and the analysis; the staff-time books a lever keeps are in
``coprod_sim.levers.staff_time``, the run totals by payer and the value of crises averted in
``coprod_sim.analysis.costs``.

Every lever's ``weekly_cost`` is built from the unit costs of ``coprod_sim/data/unit_costs.toml``
(``UNIT_COSTS``; its parameters default to them, so a user can change a price per run). Where the
source reports give no figure the value is a stated assumption of the right order of magnitude
for England around 2010, and says so.

Money is counted once, by who pays (``PAYERS``):

- ``council_services``: the frontline staff of the three services, paid for the hours they are
  employed whether busy or not: each week ``staff hours employed x professional_hour_cost`` by
  service, where the hours employed are the staff's direct-contact hours less any budget cut
  (``staff_paid_hours``). Hours they do not spend on needs are idle, available to redeploy;
  they are reported in hours, never as cash saved. (Public-safety staff are counted here too:
  the police's funding split between council tax precept and central grant is not modelled.)
- ``council_levers``, ``employers``, ``central_government``: each lever's ``weekly_cost``
  falls on the payer its class declares (``Lever.payer``, shown in the ODD's lever table).
- ``nhs`` and ``council_services``: emergency responses to crises the services did not take on
  in time (``needs.emergency_response``), on the payer ``services.EMERGENCY_PAYER`` names.
- Volunteers' hours are valued separately (``volunteer_hour_value``) and never added to cash.

Staff time a lever uses (asks, workshops, courses) is counted once, in one of two ways its
class declares (``staff_time``, one of ``STAFF_TIME``; shown in the ODD's lever table):

- ``capacity``: the hours come out of the services' capacity (``model.service_capacity`` at
  the next ``before_channels``, so fewer hours for the queue). The staff are salaried, so the
  lever pays nothing for them; the hours are reported as ``professional_hours_on_levers``,
  neither idle nor freed.
- ``bought``: the lever buys the hours (cover at ``professional_hour_cost``, in its
  ``weekly_cost``); the services keep their capacity.

A lever books its hours with ``levers.staff_time.book_staff_time`` and adds ``staff_time_cost``
to its cost.

The public purse is the council and central government (``PUBLIC_PURSE``); ``summary.compare``
gives its net against the paired no-lever run. Crises averted are counted as crises and valued
at the nominal professional hours a crisis takes, beside the net and never added to it:

    crises averted value = sum over kinds (crises_baseline - crises_policy)
                             * hours * crisis_hours_multiplier * crisis_weeks
                             * professional_hour_cost
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from coprod_sim.data import UNIT_COSTS_FILE, DataFileError, Entry, load_entries
from coprod_sim.parameters import param

if TYPE_CHECKING:
    from mesa import Model

#: who pays: every cost item falls on exactly one of these
PAYERS: tuple[str, ...] = (
    "council_services", "council_levers", "employers", "central_government", "nhs",
)  # fmt: skip
#: the payers whose money is public (``net_gbp`` is theirs)
PUBLIC_PURSE: tuple[str, ...] = ("council_services", "council_levers", "central_government", "nhs")
#: cost items of emergency responses to crises that waited too long (``needs.emergency_response``),
#: ``emergency_<service>``, each on the payer ``services.EMERGENCY_PAYER`` names
EMERGENCY_ITEM = "emergency_"
#: the payer of the frontline staff of every service
STAFF_PAYER = "council_services"
#: the model's cost item for the staff of the services (``model.costs``)
PROFESSIONAL_STAFF = "professional_staff"
#: payer of a lever or cost function that does not declare one (``levers=`` in a notebook)
DEFAULT_LEVER_PAYER = "council_levers"
#: how a lever's use of the services' staff time is counted (its class's ``staff_time``)
STAFF_TIME: dict[str, str] = {
    "none": "uses no staff time of the services",
    "capacity": "taken from the services' capacity (salaried: no cash)",
    "bought": "extra hours bought at professional_hour_cost (capacity kept)",
}


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
    c = _get(name)
    if c.value > le:
        raise DataFileError(
            f"{UNIT_COSTS_FILE}: cost {name!r}: field 'value' = {c.value!r} is above the "
            f"largest value its lever parameter allows ({le:g}); allowed [0, {le:g}]"
        )
    return param(c.value, unit=c.unit, role="policy", ge=0, le=le, source=c.source, doc=doc)


def payer_of(lever: object) -> str:
    """The payer of a lever's ``weekly_cost`` (its class's ``payer``; ``DEFAULT_LEVER_PAYER``
    for an object that declares none). Raises ValueError for a payer not in ``PAYERS``."""
    payer = getattr(lever, "payer", DEFAULT_LEVER_PAYER)
    if payer not in PAYERS:
        name = getattr(lever, "name", "") or getattr(lever, "__name__", type(lever).__name__)
        raise ValueError(f"lever {name!r}: payer {payer!r} is not one of {', '.join(PAYERS)}")
    return payer


def staff_time_of(lever: object) -> str:
    """How ``lever`` counts the services' staff time it uses (``STAFF_TIME``; "none" if it
    declares nothing). Raises ValueError for a mode not in ``STAFF_TIME``."""
    mode = getattr(lever, "staff_time", "none")
    if mode not in STAFF_TIME:
        name = getattr(lever, "name", "") or type(lever).__name__
        raise ValueError(
            f"lever {name!r}: staff_time {mode!r} is not one of {', '.join(STAFF_TIME)}"
        )
    return mode


def crisis_hours_by_kind(model: Model) -> np.ndarray:
    """Professional hours one crisis of each kind takes (the model's own charging rule)."""
    k = model.kinds
    return (
        k.hours.astype(np.float64)
        * model.params.crisis_hours_multiplier
        * k.crisis_weeks.astype(np.float64)
    )
