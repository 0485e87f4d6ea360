"""Time bank lever: a coordinator matches requests to members town-wide; members earn credits.

Sources: IPPR/PwC Capable Communities 2010; Young Foundation 2009 (Spice time credits, Fureai
Kippu). The rules (joining, matching, credits, bounded commitments) are in
``coprod_sim.mechanisms.timebank``; this lever holds their parameters and the cost.

Size: a single time bank reports members in the hundreds (Leith Time Bank, over a decade old:
"over 200 members", Edinburgh Reporter 27 Feb 2024), not a third of a town. Membership is
therefore capped by the coordinator's hours (``members_per_coordinator_hour``, 210 members for
30 hours); before the cap, one coordinator enrolled 31-34% of the demo town's 2,000 adults in
five years (618-680 members, seeds 1-4), and the same share of any town, since joining scaled
with the town, not with the coordinator. With the cap the demo's bank is full (210) by year 5
and meets 1,037-1,149 needs in five years (1,433-1,532 before).

    weekly cost = coordinator_hours * coordinator_hour_cost + overheads_per_week
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from coprod_sim.levers import Lever
from coprod_sim.mechanisms import timebank
from coprod_sim.mechanisms.costs import cost_param
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, HALF_TO_TOP, param
from coprod_sim.state.arrays import not_in

if TYPE_CHECKING:
    from mesa import Model


class TimeBank(Lever):
    """A time bank with one coordinator's hours, open to the whole town."""

    name: ClassVar[str] = "time_bank"
    point: ClassVar[str] = "before_channels"
    source: ClassVar[str] = (
        "IPPR/PwC Capable Communities 2010; Young Foundation 2009 (Spice, Fureai Kippu)"
    )
    payer: ClassVar[str] = "council_levers"  # a council-funded time bank

    coordinator_hours: float = param(
        30.0,
        unit="hours/week",
        role="policy",
        ge=0,
        le=400,
        source=ASSUME + " (one coordinator, most of a full-time post)",
        doc="Coordinator hours a week, split between outreach and matching.",
    )
    outreach_share: float = param(
        0.2,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of coordinator hours spent asking residents to join.",
    )
    asks_per_hour: float = param(
        4.0,
        unit="residents/hour",
        role="policy",
        ge=0,
        le=60,
        source=ASSUME,
        doc="Residents the coordinator asks personally per hour of outreach.",
    )
    ask_join_prob: float = param(
        0.15,
        unit="probability",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.075, 0.3),
        doc="Chance a willing resident asked by the coordinator joins.",
    )
    join_rate: float = param(
        0.0005,
        unit="1/week per resident",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.00025, 0.001),
        doc="Weekly chance a resident comes across the bank; the aware (or asked) and willing "
        "join.",
    )
    members_per_coordinator_hour: float = param(
        7.0,
        unit="members per weekly coordinator hour",
        role="policy",
        ge=0,
        le=100,
        source="Leith Time Bank (Edinburgh), running for over a decade with one host charity, "
        "has 'over 200 members' (Edinburgh Reporter, 27 Feb 2024, on the Westminster Hall "
        "debate on timebanking); 7 x 30 coordinator hours = 210 members is assumed to be what "
        "one coordinator in most of a full-time post keeps",
        doc="Members a coordinator can register, brief and keep in touch with per weekly hour: "
        "the bank takes no new members beyond coordinator_hours x this (without it, one "
        "coordinator enrolled 31-34% of the demo town's adults in five years).",
    )
    match_hours: float = param(
        0.5,
        unit="coordinator hours/request",
        role="policy",
        gt=0,
        le=20,
        source=ASSUME,
        doc="Coordinator time to handle one request (find and brief members).",
    )
    candidates_per_request: int = param(
        3,
        unit="members/request",
        role="policy",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Members the coordinator asks for each request.",
    )
    member_hours_cap: float = param(
        4.0,
        unit="hours/week",
        role="policy",
        ge=0,
        le=40,
        source=ASSUME + " (members 'dip in and out', Capable Communities 2010)",
        doc="A member is not asked if their committed hours plus the task would exceed this.",
    )
    member_trust: float = param(
        0.6,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_TOP,
        prior=(0.3, 1.0),
        doc="Trust a member places in a fellow member the coordinator vouches for.",
    )
    non_member_share: float = param(
        0.5,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (agency referrals to time banks)",
        doc="Share of non-members' open needs passed to the bank each week.",
    )
    credits_per_hour: float = param(
        1.0,
        unit="credits/hour",
        role="policy",
        ge=0,
        le=10,
        source="Young Foundation 2009 (one hour given, one credit)",
        doc="Credits a member earns per hour given through the bank.",
    )
    member_reward: float = param(
        0.5,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.25, 1.0),
        doc="Reward and recognition a member expects (the decision rule's reward term).",
    )
    confidence_gain: float = param(
        0.0044,
        unit="share of gap/week",
        role="policy",
        ge=0,
        le=1,
        source="fitted to timebank_confidence: 0.66 (share of time bank volunteers reporting "
        "improved self-confidence, Young Foundation 2009 citing University of Wales 2009), "
        "2026-12-06, experiments/lever_fits.py (Darlington 0.1 after its burn-in, 3 years, "
        "seeds 1-4; the 0.05 rise a volunteer notices, checks.CONFIDENCE_STEP, is an "
        "assumption); prior from about a year of weekly giving to two weeks before a member at "
        "confidence 0.5 gains 0.05 (" + ASSUME + ")",
        prior=(0.002, 0.05),
        doc="Rise in a member's confidence for each week they give help through the bank.",
    )
    coordinator_hour_cost: float = cost_param(
        "coordinator_hour", le=500, doc="Full cost of one coordinator hour."
    )
    overheads_per_week: float = cost_param(
        "time_bank_overheads_week", le=100_000, doc="Running costs besides the coordinator."
    )

    #: after the channels, the week's hours through the bank are paid in credits
    also: ClassVar[dict[str, str]] = {"after_channels": "settle"}

    def setup(self, model: Model) -> None:
        timebank.install(model, timebank.TimeBankChannel(self))

    def state(self, model: Model) -> timebank.TimeBankState:
        """The bank's members, matches and credits in ``model`` (``mechanisms.timebank``)."""
        return timebank.state(model)

    def settle(self, model: Model) -> None:
        """Credits earned and spent for the week's hours through the bank."""
        timebank.settle(model, self)

    def apply(self, model: Model) -> None:
        timebank.join(model, self, model.rng_for("lever:time_bank"))

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """A member who leaves leaves the bank (a place for a new member); the newcomer in the
        row is not a member (``pop.tb_member`` is reset with the row) and joins by the rule."""
        st = self.state(model)
        st.members = st.members[not_in(st.members, rows, model.n_residents)]
        st.confidence_raised[rows] = False

    def weekly_cost(self, model: Model) -> float:
        return self.coordinator_hours * self.coordinator_hour_cost + self.overheads_per_week
