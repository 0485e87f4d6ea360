"""Training lever: courses raise volunteers' confidence and skills, and professionals' attitudes.

Source: IPPR/PwC Capable Communities 2010 (training, confidence and skills, safe intervention);
Birmingham Policy Commission 2011 (new roles of public servants). Rule, each week from
``start_week``:

- residents: Poisson(places_per_1000_year / 52 * N / 1000) places go to residents who are
  willing to do something and not yet trained (drawn at random); each trainee is marked
  ``trained`` (collective action reads it: training lowers the threshold to intervene), their
  confidence rises by ``confidence_gain`` of the gap to 1 (the model's ``trust_gain`` rule)
  and their fear of liability falls by ``liability_fear_cut`` of its level (safe practice).
- professionals: each untrained professional is trained with weekly chance
  ``staff_share_per_year / 52``; their attitude and its baseline move ``staff_attitude_gain`` of
  the way to 1 (mechanism 6, ``gatekeeping.shift``). The course takes ``staff_course_hours``
  of their time that week, taken from their service's capacity (``staff_time = "capacity"``:
  salaried time, so the queue gets fewer hours and the lever pays nothing for it).

    weekly cost = residents trained * cost_per_place + professionals trained * cost_per_staff_place
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever, staff_time
from coprod_sim.mechanisms import gatekeeping
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.mechanisms.trust import raise_towards_one
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import has_vacancies, n_present, present_rows

if TYPE_CHECKING:
    from mesa import Model


#: the lever's column (present whether or not the lever is on: thresholds read it)
STATE = (
    StateColumn("trained", "bool", "bool", "has done volunteer training", start=False),
)  # fmt: skip


class Training(Lever):
    name: ClassVar[str] = "training"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = (
        "IPPR/PwC Capable Communities 2010; University of Birmingham Policy Commission 2011"
    )
    payer: ClassVar[str] = "council_levers"  # council-funded training
    #: course hours come out of the services' capacity (salaried staff), not bought
    staff_time: ClassVar[str] = "capacity"

    places_per_1000_year: float = param(
        20.0,
        unit="places/1000 residents/year",
        role="policy",
        ge=0,
        le=1000,
        source=ASSUME,
        doc="Residents trained a year per 1000 residents.",
    )
    confidence_gain: float = param(
        0.3,
        unit="share of gap",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.15, 0.6),
        doc="Rise in a trainee's confidence, as a share of the gap to 1.",
    )
    liability_fear_cut: float = param(
        0.2,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.1, 0.4),
        doc="Fall in a trainee's fear of liability, as a share of its level.",
    )
    staff_share_per_year: float = param(
        0.25,
        unit="share of staff/year",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of frontline professionals trained in co-production each year.",
    )
    staff_attitude_gain: float = param(
        0.15,
        unit="share of gap",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (culture change and training shift attitudes slowly); " + HALF_TO_DOUBLE,
        prior=(0.075, 0.3),
        doc="Move of a trained professional's attitude (and baseline) towards 1.",
    )
    staff_course_hours: float = param(
        7.0,
        unit="hours",
        role="policy",
        ge=0,
        le=200,
        source=ASSUME + " (one day)",
        doc="Professional hours a course takes, taken from the service's capacity that week.",
    )
    cost_per_place: float = cost_param(
        "training_place_resident", le=10_000, doc="Cost of training one resident."
    )
    cost_per_staff_place: float = cost_param(
        "training_place_professional", le=10_000, doc="Course fee per professional."
    )

    def setup(self, model: Model) -> None:
        self.state(model).staff_trained = np.zeros(len(model.staff), bool)
        self.state(model).this_week = (0, 0)
        staff_time.setup_staff_time(model, self)

    def apply(self, model: Model) -> None:
        pop, n = model.pop, n_present(model)
        rng = model.rng_for("lever:training")
        k = rng.poisson(self.places_per_1000_year / 52.0 * n / 1000.0) if n else 0
        cand = rng.integers(0, max(n, 1), 3 * k) if k else np.zeros(0, np.int64)
        if has_vacancies(model):  # residents, not a growing town's vacant rows
            cand = present_rows(model)[cand]
        cand = cand[(pop.willing[cand] != 0) & ~pop.trained[cand]]
        _, first = np.unique(cand, return_index=True)
        who = cand[np.sort(first)][:k]
        pop.trained[who] = True
        raise_towards_one(pop.confidence, who, self.confidence_gain, model)  # trust_gain rule
        pop.fear_liab[who] *= 1.0 - self.liability_fear_cut
        done = self.state(model).staff_trained
        new = np.flatnonzero(~done & (rng.random(len(done)) < self.staff_share_per_year / 52.0))
        done[new] = True
        gatekeeping.shift(model, new, self.staff_attitude_gain, 1.0)
        n_s = len(model.service_capacity)
        hours = np.bincount(model.staff.service[new], minlength=n_s) * self.staff_course_hours
        staff_time.book_staff_time(model, self, hours)
        self.state(model).this_week = (len(who), len(new))
        model.events["trained_residents"] += len(who)
        model.events["trained_professionals"] += len(new)

    def weekly_cost(self, model: Model) -> float:
        res, staff = self.state(model).this_week
        fees = res * self.cost_per_place + staff * self.cost_per_staff_place
        return fees + staff_time.staff_time_cost(model, self)
