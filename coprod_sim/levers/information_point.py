"""Information point lever: a staffed local point that makes residents aware of opportunities.

Source: IPPR/PwC Capable Communities 2010 (people do not know what they could do locally;
awareness of local opportunities). Rule: each week from ``start_week``,
Poisson(points * reach_per_point * N) residents drawn at random visit or hear of a point and
become ``aware`` (the decision rule's "unaware" penalty no longer applies to them on open calls)
and count as having had contact with an opportunity this week (awareness fades only after
``awareness_memory_weeks`` weeks without contact: ``mechanisms.awareness``).

    weekly cost = points * (staff_hours_per_point * staff_hour_cost + running_cost_per_point)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.awareness import make_aware
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.occupancy import has_vacancies, n_present, present_rows

if TYPE_CHECKING:
    from mesa import Model


class InformationPoint(Lever):
    name: ClassVar[str] = "information_point"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = "IPPR/PwC Capable Communities 2010"
    payer: ClassVar[str] = "council_levers"  # council-run points

    points: int = param(
        1,
        unit="points",
        role="policy",
        ge=0,
        le=500,
        source="scenario choice",
        doc="Information points open in the town.",
    )
    reach_per_point: float = param(
        0.002,
        unit="share of residents/week",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.001, 0.004),
        doc="Share of the town's residents one point reaches each week.",
    )
    staff_hours_per_point: float = param(
        20.0,
        unit="hours/week",
        role="policy",
        ge=0,
        le=200,
        source=ASSUME,
        doc="Staff hours a week at each point.",
    )
    staff_hour_cost: float = cost_param(
        "info_point_staff_hour", le=500, doc="Full cost of one staff hour at a point."
    )
    running_cost_per_point: float = cost_param(
        "info_point_running_week", le=100_000, doc="Premises and materials per point."
    )

    def apply(self, model: Model) -> None:
        n = n_present(model)
        if n == 0:
            return
        rng = model.rng_for("lever:information_point")
        m = rng.poisson(self.points * self.reach_per_point * n)
        who = rng.integers(0, n, m)
        if has_vacancies(model):  # residents, not a growing town's vacant rows
            who = present_rows(model)[who]
        model.events["info_point_new_aware"] += make_aware(model, who)

    def weekly_cost(self, model: Model) -> float:
        return self.points * (
            self.staff_hours_per_point * self.staff_hour_cost + self.running_cost_per_point
        )
