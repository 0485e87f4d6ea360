"""Mechanism 7, red tape: vetting checks before roles that need them.

A resident who says yes to a task that needs a check (``NeedKind.vetting``) and holds none
starts one instead of helping (``channels.decide``); the check takes ``vetting_weeks`` weeks,
and each week of waiting a share ``vetting_give_up`` of those waiting give up for good (the
"red tape" barrier). The vetting-reform lever shortens the wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.population import GAVE_UP, VETTED, VETTING

if TYPE_CHECKING:
    from mesa import Model


#: the column red tape owns (the check's status is drawn at set-up: ``population.STATE``)
STATE = (
    StateColumn("vet_wait", "int16", "weeks", "weeks waited for the current check", start=0),
)  # fmt: skip


class RedTapeParams(Strict):
    """Mechanism 7: vetting checks."""

    vetted_share: float = param(
        0.33,
        unit="share",
        role="world",
        prior=(0.05, 0.6),
        ge=0,
        le=1,
        source=(
            "hand-tuned to 0.3 before issue 25; "
            + ASSUME
            + " (residents already holding a check through work)"
            + " (calibrated: prior uniform [0.05, 0.6]: from few checks to most working adults"
            " holding one)"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Share of residents holding a valid vetting (DBS) check at the start.",
    )
    vetting_weeks: int = param(
        8,
        unit="weeks",
        role="world",
        ge=0,
        le=52,
        source="Capable Communities 2010 and Young Foundation 2009 (checks take weeks); "
        "length assumed",
        doc="Weeks a vetting check takes.",
    )
    vetting_give_up: float = param(
        0.06,
        unit="1/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (would-be volunteers give up while waiting, Capable Communities 2010)",
        doc="Weekly chance a resident waiting for a check gives up.",
    )


def vetting(model: Model) -> None:
    """Checks in progress advance a week; some of those waiting give up; finished ones clear."""
    pop, p = model.pop, model.params
    waiting = (pop.vet_status == VETTING).nonzero()[0]
    if len(waiting) == 0:
        return
    pop.vet_wait[waiting] += 1
    give_up = model.rng_for("vetting").random(len(waiting)) < p.vetting_give_up
    pop.vet_status[waiting[give_up]] = GAVE_UP
    model.events["vetting_gave_up"] += np.count_nonzero(give_up)
    still = waiting[~give_up]
    done = still[pop.vet_wait[still] >= p.vetting_weeks]
    pop.vet_status[done] = VETTED
    model.events["vetting_cleared"] += len(done)
