"""Insurance cover lever: the council insures volunteers, so liability fear stops blocking tasks.

Source: IPPR/PwC Capable Communities 2010 (liability worries stop gardening; "if someone
insured me"). Rule: from ``start_week`` a share ``coverage`` of residents (those who learn they
are covered when volunteering) are ``insured``; the decision rule's liability term is 0 for them
(mechanism 3). Cost: a premium per volunteer covered (residents who gave help this week) plus
the council's administration:

    weekly cost = helpers_this_week * premium_per_volunteer_year / 52 + admin_per_week
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.parameters import ASSUME, param
from coprod_sim.state.columns import StateColumn

if TYPE_CHECKING:
    from mesa import Model


#: the lever's column (present whether or not the lever is on: the decision reads it)
STATE = (
    StateColumn("insured", "bool", "bool", "covered by a council's volunteer insurance",
                start=False),
)  # fmt: skip


class InsuranceCover(Lever):
    name: ClassVar[str] = "insurance_cover"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = "IPPR/PwC Capable Communities 2010"
    payer: ClassVar[str] = "council_levers"  # the council insures volunteers

    coverage: float = param(
        1.0,
        unit="share of residents",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (a council-wide policy covers anyone volunteering); prior from half "
        "the residents knowing they are covered to all (" + ASSUME + ")",
        prior=(0.5, 1.0),
        doc="Share of residents who know they are covered when they volunteer.",
    )
    premium_per_volunteer_year: float = cost_param(
        "insurance_premium_volunteer_year", le=1000, doc="Premium per volunteer covered."
    )
    admin_per_week: float = cost_param(
        "insurance_admin_week", le=10_000, doc="Council administration of the policy."
    )

    def apply(self, model: Model) -> None:
        st = self.state(model)
        if getattr(st, "started", False):
            return
        st.started = True
        rng = model.rng_for("lever:insurance_cover")
        n = model.n_residents
        if self.coverage >= 1.0:
            model.pop.insured[:] = True
        else:
            model.pop.insured |= rng.random(n) < self.coverage

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """The policy covers newcomers as it covers everyone: the same ``coverage``."""
        if not getattr(self.state(model), "started", False):
            return
        if self.coverage >= 1.0:
            model.pop.insured[rows] = True
        else:
            u = model.rng_for("lever:insurance_cover").random(len(rows))
            model.pop.insured[rows] |= u < self.coverage

    def weekly_cost(self, model: Model) -> float:
        helpers = model.events.get("helpers", 0)
        return helpers * self.premium_per_volunteer_year / 52.0 + self.admin_per_week
