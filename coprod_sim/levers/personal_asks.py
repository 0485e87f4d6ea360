"""Personal asks lever: professionals trained in community organising ask residents directly.

Source: IPPR/PwC Capable Communities 2010 (most people "had never been asked"; community
organising). Rule, each week from ``start_week`` after the channels:

1. professional j makes Poisson(asks_per_professional * e_j) asks, with e_j the engagement of
   mechanism 6 (``gatekeeping.engagement`` with threshold ``attitude_min``): sceptical staff do
   not ask. Each ask goes to a random resident of the professional's neighbourhood, who becomes
   aware, is recorded as asked, and counts as asked personally on open calls for
   ``ask_weeks`` weeks (``pop.asked_until``).
2. the professional asks for something concrete: ``offers_per_ask`` random open needs in that
   neighbourhood that a volunteer may meet (of any service: organisers connect people to local
   needs). The resident considers each with the decision rule (asked, trusting the person as
   they trust services) and takes at most one; a resident's need also needs its owner to accept
   a stranger (``trust.accept_probability``). Needs taken up are recorded as met by the open
   call channel (a service's call, made in person).
3. the asks take ``minutes_per_ask`` of professional time, taken from the next week's case
   capacity of the service (``staff_time = "capacity"``: asking is part of the salaried job,
   so the queue gets fewer hours and the lever pays nothing for them; the hours are reported
   as ``professional_hours_on_levers``, never as hours freed).

    weekly cost = staff * training_cost_per_professional once, in the start week
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever, staff_time
from coprod_sim.mechanisms import gatekeeping
from coprod_sim.mechanisms.channels import Match, decide, first_unique, owner_accepts
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, SERVICES, UNMET
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import has_vacancies, someone_in
from coprod_sim.state.population import LONG_AGO

if TYPE_CHECKING:
    from mesa import Model

OPEN_CALL = CHANNEL_INDEX["open_call"]


#: the lever's column (present whether or not the lever is on)
STATE = (
    StateColumn("asked_until", "int32", "week",
                "a professional's personal ask holds until this week", start=LONG_AGO),
)  # fmt: skip


class PersonalAsks(Lever):
    name: ClassVar[str] = "personal_asks"
    point: ClassVar[str] = "after_channels"
    source: ClassVar[str] = "IPPR/PwC Capable Communities 2010"
    #: the council trains its staff
    payer: ClassVar[str] = "council_levers"
    #: ask hours come out of the services' capacity (salaried staff), not bought
    staff_time: ClassVar[str] = "capacity"

    asks_per_professional: float = param(
        5.0,
        unit="asks/professional/week",
        role="policy",
        ge=0,
        le=100,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(2.5, 10.0),
        doc="Residents a fully engaged professional asks personally each week.",
    )
    attitude_min: float = param(
        0.3,
        unit="0-1",
        role="policy",
        ge=0,
        le=0.99,
        source=ASSUME + " (trained staff ask unless sceptical); " + HALF_TO_DOUBLE,
        prior=(0.15, 0.6),
        doc="Attitude below which a professional makes no asks (engagement threshold).",
    )
    ask_weeks: int = param(
        8,
        unit="weeks",
        role="policy",
        ge=1,
        le=520,
        source=ASSUME,
        doc="Weeks an ask holds: the resident counts as asked on open calls meanwhile.",
    )
    offers_per_ask: int = param(
        3,
        unit="needs/ask",
        role="policy",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Open needs of the neighbourhood a professional puts to each resident asked.",
    )
    minutes_per_ask: float = param(
        20.0,
        unit="minutes",
        role="policy",
        ge=0,
        le=600,
        source=ASSUME,
        doc="Professional time one ask takes.",
    )
    training_cost_per_professional: float = cost_param(
        "community_organising_training",
        le=10_000,
        doc="One-off community organising course per professional, paid in the start week.",
    )

    def setup(self, model: Model) -> None:
        staff_time.setup_staff_time(model, self)

    def apply(self, model: Model) -> None:
        staff, pop, nb, n, k = model.staff, model.pop, model.nb, model.needs, model.kinds
        rng = model.rng_for("lever:personal_asks")
        e = gatekeeping.engagement(staff.attitude, self.attitude_min)
        asks = rng.poisson(self.asks_per_professional * e)
        prof = np.repeat(np.arange(len(staff)), asks)
        hours = np.bincount(staff.service[prof], minlength=len(SERVICES)) * (
            self.minutes_per_ask / 60.0
        )
        staff_time.book_staff_time(model, self, hours)
        if len(prof) == 0 or model.n_residents == 0:
            return
        b = staff.nbhd[prof]
        if has_vacancies(model):  # a present resident of the neighbourhood
            who = someone_in(model, b, rng)
            who = who[who >= 0]
        else:
            who = nb.start[b] + (rng.random(len(prof)) * nb.size[b]).astype(np.int64)
        pop.asked_until[who] = model.week + self.ask_weeks
        pop.aware[who] = True
        pop.last_asked_week[who] = model.week
        model.events["personal_asks"] += len(who)
        # a concrete ask: open needs in that neighbourhood a volunteer may meet
        open_rows = np.flatnonzero(n.channel == UNMET)
        kind_ok = (k.activity >= 0) & ~k.professional_only
        open_rows = open_rows[kind_ok[n.kind[open_rows]] & ~n.crisis[open_rows]]
        if len(open_rows) == 0:
            return
        key = n.nbhd[open_rows]
        if len(nb.start) < 32_768:  # 16-bit keys sort by radix sort: fast for big towns
            key = key.astype(np.int16)
        o = np.argsort(key, kind="stable")
        open_rows, key = open_rows[o], key[o]
        who = np.repeat(who, self.offers_per_ask)
        want = np.repeat(b, self.offers_per_ask)
        lo = np.searchsorted(key, want)
        cnt = np.searchsorted(key, want, side="right") - lo
        has = cnt > 0
        if not has.any():
            return
        who, lo, cnt = who[has], lo[has], cnt[has]
        rows = open_rows[lo + (rng.random(len(who)) * cnt).astype(np.int64)]
        yes = decide(model, rows, who, pop.trust_svc[who], np.ones(len(who), bool), rng)
        stranger = np.ones(len(rows), bool)  # the asked resident is a stranger to an owner
        ok = owner_accepts(model, rows, who, yes, stranger, rng, count=False)
        m: Match = first_unique(rows[ok], who[ok], rng)
        model.assign(m, OPEN_CALL)
        model.events["personal_asks_taken_up"] += len(m.rows)

    def weekly_cost(self, model: Model) -> float:
        cost = staff_time.staff_time_cost(model, self)
        if model.week == self.start_week:
            cost += len(model.staff) * self.training_cost_per_professional
        return cost
