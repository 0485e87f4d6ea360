"""Right to time off: employed residents may ask their employer for paid time off to volunteer.

Rule (applied once, at ``start_of_week`` of ``start_week``): among employed residents who state
willingness for at least one activity, a share ``ask_share`` ask; each request is refused with
probability ``refusal_share`` (the right is to *ask*); those granted get ``hours_granted`` more
hours a week in ``pop.time_off``, which the decision rule counts as spare hours and fatigue
counts in a helper's tolerance. Time off is taken only in weeks one volunteers: the weekly
cost is ``min(time off, committed hours)`` summed over those granted, times ``wage_per_hour``
x (1 + ``employer_oncost``). Employers pay it (a private cost, not the council's).
Source: the cross-government "people powered services" agenda (right to ask for time off to
volunteer); sizes are assumptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import PrivateAttr

from coprod_sim.levers import Lever
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.arrays import not_in
from coprod_sim.state.columns import StateColumn

if TYPE_CHECKING:
    from mesa import Model


#: the lever's column (present whether or not the lever is on: free time reads it)
STATE = (
    StateColumn("time_off", "float32", "hours/week",
                "extra hours granted by an employer to volunteer", start=0.0),
)  # fmt: skip


class RightToTimeOff(Lever):
    """Employed residents may ask for paid time off to volunteer; some employers refuse."""

    name: ClassVar[str] = "right_to_time_off"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = "people powered services agenda (right to ask for time off)"
    payer: ClassVar[str] = "employers"  # employers pay the time off (a private cost)

    ask_share: float = param(
        0.3,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.15, 0.6),
        doc="Share of employed residents willing to volunteer who ask for time off.",
    )
    refusal_share: float = param(
        0.3,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (by analogy with refused flexible-working requests); " + HALF_TO_DOUBLE,
        prior=(0.15, 0.6),
        doc="Share of requests employers refuse.",
    )
    hours_granted: float = param(
        1.5,
        unit="hours/week",
        role="policy",
        ge=0,
        le=40,
        source=ASSUME + " (a 2015 proposal of 3 days a year is about 0.45 hours a week)",
        doc="Extra hours a week of paid time off each granted employee may use to volunteer.",
    )
    wage_per_hour: float = param(
        17.0,
        unit="GBP/hour",
        role="policy",
        ge=0,
        le=500,
        source="ONS ASHE 2023: median gross hourly pay about GBP 17 (rounded)",
        doc="Wage of an hour of time off.",
    )
    employer_oncost: float = param(
        0.2,
        unit="share of wage",
        role="policy",
        ge=0,
        le=2,
        source=ASSUME + " (employer National Insurance and pension)",
        doc="Employer's on-costs on top of the wage.",
    )

    _granted: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _done: bool = PrivateAttr(default=False)

    def setup(self, model: Model) -> None:
        self._granted = np.zeros(0, np.int64)
        self._done = False

    @property
    def granted(self) -> np.ndarray:
        """Residents whose employer granted time off."""
        return self._granted

    def apply(self, model: Model) -> None:
        if self._done:
            return
        self._done = True
        pop = model.pop
        rng = model.rng_for("lever:right_to_time_off")
        eligible = np.flatnonzero(pop.employed & (pop.willing != 0))
        u = rng.random((2, len(eligible)))
        self._granted = eligible[(u[0] < self.ask_share) & (u[1] >= self.refusal_share)]
        pop.time_off[self._granted] += np.float32(self.hours_granted)
        model.events["time_off_granted"] += len(self._granted)

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """A grant leaves with the resident: the newcomer in the row has none."""
        self._granted = self._granted[not_in(self._granted, rows, model.n_residents)]

    def weekly_cost(self, model: Model) -> float:
        g = self._granted
        if len(g) == 0:
            return 0.0
        used = np.minimum(model.pop.committed[g], self.hours_granted).sum()
        return float(used) * self.wage_per_hour * (1.0 + self.employer_oncost)
