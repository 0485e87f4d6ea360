"""Budget cuts lever: professional capacity falls, the pressure the reports start from.

Source: IPPR/PwC Capable Communities 2010 (the 2010 Spending Review: an average cut of 19% over
four years in non-protected departments). Rule: from ``start_week`` the share of each service's
professional capacity cut (``model.capacity_cut``) ramps linearly to ``total_cut`` over
``ramp_years`` years and then stays there; early years can be protected.

Money: the lever has no cost of its own. The staff the council no longer employs are not paid,
so the cut shows once, as a lower ``cost_council_services_gbp`` (staff paid hours x
``professional_hour_cost``, ``analysis.costs.staff_paid_hours``): the public purse saves at most
the value of the capacity removed, ``sum over weeks and services (cut x staff hours) x
professional_hour_cost``. Hours used fall too, but that is not counted again. Crises the
smaller services do not take on in time go to an emergency response
(``needs.emergency_response``), paid by the NHS or the service, so the public purse's net
saving is the pay removed less those.

Hours: services book on average exactly the hours they have (``channels.fill_queue``), so the
cut removes about one hour given to needs per paid hour removed (1.00 at 2,000, 10,000 and
100,000 residents, ``benchmarks/size_free.py --budget-cut``; it was 1.13 at 2,000 when a need
too big for the hours left was skipped and small services left hours idle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.needs import SERVICE_INDEX, SERVICES
from coprod_sim.parameters import param

if TYPE_CHECKING:
    from mesa import Model


class BudgetCuts(Lever):
    name: ClassVar[str] = "budget_cuts"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = "IPPR/PwC Capable Communities 2010 (Spending Review 2010)"
    #: the cut lowers what the council pays its staff (no cost of its own)
    payer: ClassVar[str] = "council_services"

    total_cut: float = param(
        0.19,
        unit="share of capacity",
        role="policy",
        ge=0,
        le=1,
        source="IPPR/PwC Capable Communities 2010: 19% average cut over four years in "
        "non-protected departments",
        doc="Share of professional capacity cut once the ramp is complete.",
    )
    ramp_years: float = param(
        4.0,
        unit="years",
        role="policy",
        ge=0,
        le=50,
        source="IPPR/PwC Capable Communities 2010 (four years)",
        doc="Years over which the cut is phased in (0 = all at once).",
    )
    protect_early_years: bool = param(
        False,
        unit="-",
        role="policy",
        source="scenario choice (schools were protected in 2010; early years services were not)",
        doc="Leave early years capacity uncut.",
    )

    def cut_now(self, model: Model) -> np.ndarray:
        """Share of each service's capacity cut this week."""
        weeks = self.ramp_years * 52.0
        done = 1.0 if weeks <= 0 else min(1.0, (model.week - self.start_week + 1) / weeks)
        cut = np.full(len(SERVICES), self.total_cut * done)
        if self.protect_early_years:
            cut[SERVICE_INDEX["early_years"]] = 0.0
        return cut

    def apply(self, model: Model) -> None:
        model.capacity_cut[:] = np.maximum(model.capacity_cut, self.cut_now(model))
