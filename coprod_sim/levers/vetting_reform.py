"""Vetting reform lever: shorter checks, and checks held through work made portable.

Sources: IPPR/PwC Capable Communities 2010 and Young Foundation 2009 (checks take weeks and put
would-be volunteers off; a check should travel with the person). Red tape (mechanism 7) in the
model: a resident who says yes to a task that needs a check starts one and waits
``vetting_weeks``, giving up with weekly chance ``vetting_give_up``. Rule, from ``start_week``:

- shorter checks: after the model's weekly vetting step, anyone still waiting who has waited
  ``check_weeks`` weeks is cleared (so fewer weeks of the give-up hazard);
- portable checks: in the start week, a share ``portable_share`` of employed residents without a
  volunteer check (those holding one through their work) become vetted;
- a second chance: in the start week, a share ``retry_share`` of those who gave up waiting for
  a check under the old rules may try again (status back to not vetted: the next yes to a
  vetted task starts a check, now a short one).

    weekly cost = admin_per_week
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.population import GAVE_UP, NOT_VETTED, VETTED, VETTING

if TYPE_CHECKING:
    from mesa import Model


class VettingReform(Lever):
    name: ClassVar[str] = "vetting_reform"
    point: ClassVar[str] = "before_channels"
    source: ClassVar[str] = "IPPR/PwC Capable Communities 2010; Young Foundation 2009"
    payer: ClassVar[str] = "central_government"  # vetting (DBS) is run by central government

    check_weeks: int = param(
        2,
        unit="weeks",
        role="policy",
        ge=0,
        le=52,
        source=ASSUME,
        doc="Weeks a check takes after reform (no effect if not shorter than vetting_weeks).",
    )
    portable_share: float = param(
        0.15,
        unit="share of employed",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME
        + " (workers checked for their jobs: care, schools, health); "
        + HALF_TO_DOUBLE,
        prior=(0.075, 0.3),
        doc="Share of employed residents without a check whose work check becomes portable.",
    )
    retry_share: float = param(
        0.5,
        unit="share of those who gave up",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (issue 24: without it residents who gave up on the old checks never"
        " come back, and the reform reaches only newcomers to vetted roles)"
        + "; "
        + HALF_TO_DOUBLE,
        prior=(0.25, 1.0),
        doc="Share of residents who gave up waiting for a check who try again once checks are "
        "quick.",
    )
    admin_per_week: float = cost_param(
        "vetting_admin_week", le=100_000, doc="Extra processing cost of faster, portable checks."
    )

    def apply(self, model: Model) -> None:
        pop = model.pop
        st = self.state(model)
        if not getattr(st, "started", False):
            st.started = True
            rng = model.rng_for("lever:vetting_reform")
            port = (
                (pop.vet_status == NOT_VETTED)
                & pop.employed
                & (rng.random(model.n_residents) < self.portable_share)
            )
            pop.vet_status[port] = VETTED
            model.events["vetting_portable"] += int(port.sum())
            retry = (pop.vet_status == GAVE_UP) & (rng.random(model.n_residents) < self.retry_share)
            pop.vet_status[retry] = NOT_VETTED
            model.events["vetting_retry"] += int(retry.sum())
        waiting = np.flatnonzero(pop.vet_status == VETTING)
        done = waiting[pop.vet_wait[waiting] >= self.check_weeks]
        pop.vet_status[done] = VETTED
        model.events["vetting_cleared"] += len(done)

    def weekly_cost(self, model: Model) -> float:
        return self.admin_per_week
