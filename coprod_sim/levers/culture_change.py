"""Professional culture change lever: attitudes to co-production, referral and information sharing.

Sources: IPPR/PwC Capable Communities 2010 ("professional territory", fear of falling
standards); University of Birmingham Policy Commission 2011 (new roles: storyteller, weaver,
architect, navigator). Rule, each week from ``start_week`` (mechanism 6): every professional's
attitude and its baseline move ``weekly_shift`` of the way up towards ``target_attitude``
(``gatekeeping.shift``; never down), and information sharing between agencies moves the same
share of the way up to ``info_sharing``. Services' modes follow their staff's mean attitude.
Each week every professional spends ``staff_hours_per_year / 52`` hours in the programme,
taken from their service's capacity (``staff_time = "capacity"``: workshops in salaried time,
so the queue gets fewer hours and the lever pays nothing for them).

    weekly cost = staff * cost_per_staff_year / 52
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever, staff_time
from coprod_sim.mechanisms import gatekeeping
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param

if TYPE_CHECKING:
    from mesa import Model


class CultureChange(Lever):
    name: ClassVar[str] = "culture_change"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = (
        "IPPR/PwC Capable Communities 2010; University of Birmingham Policy Commission 2011"
    )
    payer: ClassVar[str] = "council_levers"  # the council runs the programme
    #: workshop hours come out of the services' capacity (salaried staff), not bought
    staff_time: ClassVar[str] = "capacity"

    weekly_shift: float = param(
        0.01,
        unit="share of gap/week",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (attitudes shift slowly); " + HALF_TO_DOUBLE,
        prior=(0.005, 0.02),
        doc="Share of the way to the target attitude covered each week.",
    )
    target_attitude: float = param(
        0.8,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; prior from moderately to fully enabling (" + ASSUME + ")",
        prior=(0.6, 1.0),
        doc="Attitude the programme aims at (enabling).",
    )
    info_sharing: float = param(
        0.9,
        unit="share of cases",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Information sharing between agencies the programme aims at.",
    )
    cost_per_staff_year: float = cost_param(
        "culture_change_staff_year", le=100_000, doc="Facilitation cost per professional a year."
    )
    staff_hours_per_year: float = param(
        14.0,
        unit="hours/professional/year",
        role="policy",
        ge=0,
        le=500,
        source=ASSUME + " (two days of workshops a year)",
        doc="Professional time in the programme, taken from the services' capacity.",
    )

    def setup(self, model: Model) -> None:
        staff_time.setup_staff_time(model, self)

    def apply(self, model: Model) -> None:
        gatekeeping.shift(model, slice(None), self.weekly_shift, self.target_attitude)
        st = gatekeeping.state(model)
        st.info_sharing += self.weekly_shift * max(self.info_sharing - st.info_sharing, 0.0)
        staff = np.bincount(model.staff.service, minlength=len(model.service_capacity))
        staff_time.book_staff_time(model, self, staff * self.staff_hours_per_year / 52.0)

    def weekly_cost(self, model: Model) -> float:
        fees = len(model.staff) * self.cost_per_staff_year / 52.0
        return fees + staff_time.staff_time_cost(model, self)
