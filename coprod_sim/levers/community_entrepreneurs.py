"""Community entrepreneurs: connectors who bridge neighbourhoods and link families to help.

Rule (at ``after_channels``, so connectors work on needs no channel met this week):
``per_10000`` entrepreneurs per 10,000 residents (at least one when > 0) are placed in the most
deprived neighbourhoods first (one each, wrapping round when there are more entrepreneurs than
neighbourhoods). Each knows ``contacts`` residents willing to volunteer drawn from the whole
town (the bridges between neighbourhoods that local networks lack) and works with a caseload of
up to ``caseload`` families (survey_targets ``entrepreneur_caseload``):

1. a family stays on the caseload ``case_weeks`` weeks; free places are filled at random from
   residents of the neighbourhood with an open need;
2. families on the caseload become aware of local opportunities (``pop.aware``) and are asked
   personally to take part (``pop.last_asked_week`` where the population has it);
3. each open need of a caseload family that volunteers may meet (not professional-only, not a
   crisis) is put to ``asks_per_need`` of the entrepreneur's contacts as a personal ask; each
   decides with the model's decision rule, trusting the family as much as
   ``vouch_trust`` (the connector vouches for them); one helper per need, one need per helper.
   Matches are recorded as formal help through the ``referral`` channel: the connector is an
   organisation referring the family's need to a volunteer it knows (so the lever can raise
   formal participation; a referred need a volunteer later lets down counts as a referral
   let-down, as a professional's does).

Weekly cost: entrepreneurs x ``annual_salary`` x (1 + ``employer_oncost``) / 52.
Source: Young Foundation 2009 (community entrepreneurs, North and South Tyneside pilot, about
20 families each); salary and effect sizes are assumptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import PrivateAttr

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.awareness import make_aware
from coprod_sim.mechanisms.channels import decide, first_unique
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, UNMET
from coprod_sim.parameters import ASSUME, HALF_TO_TOP, param
from coprod_sim.state.arrays import not_in, order_within, random_keys, unique_ints
from coprod_sim.state.occupancy import n_present

if TYPE_CHECKING:
    from mesa import Model

#: a connector refers a family's need to a volunteer: formal help (outcomes.deliver)
REFERRAL = CHANNEL_INDEX["referral"]


class CommunityEntrepreneurs(Lever):
    """Paid connectors who bridge neighbourhoods and link families' needs to helpers."""

    name: ClassVar[str] = "community_entrepreneurs"
    point: ClassVar[str] = "after_channels"
    source: ClassVar[str] = "Young Foundation 2009 (community entrepreneurs)"
    payer: ClassVar[str] = "council_levers"  # commissioned by the council

    per_10000: float = param(
        2.0,
        unit="entrepreneurs per 10,000 residents",
        role="policy",
        ge=0,
        le=100,
        source=ASSUME,
        doc="Community entrepreneurs employed per 10,000 residents (at least one when > 0).",
    )
    caseload: int = param(
        20,
        unit="families",
        role="policy",
        ge=1,
        le=100,
        source="survey_targets entrepreneur_caseload (Young Foundation 2009: up to 20)",
        doc="Families one entrepreneur works with at a time.",
    )
    case_weeks: int = param(
        26,
        unit="weeks",
        role="policy",
        ge=1,
        le=520,
        source=ASSUME,
        doc="Weeks a family stays on a caseload.",
    )
    contacts: int = param(
        60,
        unit="residents",
        role="policy",
        ge=1,
        le=1000,
        source=ASSUME,
        doc="Residents across town willing to volunteer whom each entrepreneur knows.",
    )
    asks_per_need: int = param(
        3,
        unit="asks/need/week",
        role="policy",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Contacts an entrepreneur asks each week for one open need of a caseload family.",
    )
    vouch_trust: float = param(
        0.7,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_TOP,
        prior=(0.35, 1.0),
        doc="Trust a contact places in a family the entrepreneur vouches for.",
    )
    annual_salary: float = param(
        28_000.0,
        unit="GBP/year",
        role="policy",
        ge=0,
        le=500_000,
        source=ASSUME + " (community development worker pay, order of magnitude)",
        doc="Salary of one community entrepreneur.",
    )
    employer_oncost: float = param(
        0.3,
        unit="share of salary",
        role="policy",
        ge=0,
        le=2,
        source=ASSUME + " (employer pension and National Insurance)",
        doc="Employer's on-costs on top of the salary.",
    )

    _hood: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _contacts: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros((0, 0), np.int64))
    _members: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _since: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _ever: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, bool))
    _linked: int = PrivateAttr(default=0)
    _per_hood: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _rank: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))

    def setup(self, model: Model) -> None:
        n_ent = 0
        if self.per_10000 > 0:
            n_ent = max(1, int(round(self.per_10000 * n_present(model) / 10_000)))
        order = np.argsort(-model.nb.deprivation, kind="stable")
        self._hood = order[np.arange(n_ent) % max(len(order), 1)].astype(np.int64)
        # fixed for the run: entrepreneurs per neighbourhood, and the first one's rank in each
        n_nb = len(model.nb.start)
        self._per_hood = np.bincount(self._hood, minlength=n_nb)
        self._rank = np.full(n_nb, -1, np.int64)
        hoods, first = np.unique(self._hood, return_index=True)
        self._rank[hoods] = first
        self._contacts = np.zeros((n_ent, 0), np.int64)
        self._members = np.zeros(0, np.int64)
        self._since = np.zeros(0, np.int64)
        self._ever = np.zeros(model.n_residents, bool)
        self._linked = 0

    @property
    def n_entrepreneurs(self) -> int:
        return len(self._hood)

    @property
    def served(self) -> np.ndarray:
        """Neighbourhoods with at least one entrepreneur."""
        return unique_ints(self._hood)

    @property
    def members(self) -> np.ndarray:
        """Residents on a caseload now."""
        return self._members

    @property
    def ever_members(self) -> np.ndarray:
        """Bool per resident: ever on a caseload."""
        return self._ever

    @property
    def linked(self) -> int:
        """Needs met through entrepreneurs' links so far."""
        return self._linked

    def apply(self, model: Model) -> None:
        n_ent = len(self._hood)
        if n_ent == 0 or model.n_residents == 0:
            return
        pop, needs, kinds, nb = model.pop, model.needs, model.kinds, model.nb
        rng = model.rng_for("lever:community_entrepreneurs")
        if self._contacts.shape[1] == 0:
            pool = np.flatnonzero(pop.willing != 0)
            if len(pool) == 0:
                return
            self._contacts = pool[rng.integers(0, len(pool), (n_ent, self.contacts))]

        # 1. caseload turnover and refill from families with open needs in served areas
        stay = self._since > model.week - self.case_weeks
        self._members, self._since = self._members[stay], self._since[stay]
        n_nb = len(nb.start)
        per_hood = self._per_hood
        open_rows = np.flatnonzero((needs.channel == UNMET) & (needs.owner >= 0))
        owners = needs.owner[open_rows].astype(np.int64)
        in_case = np.zeros(model.n_residents, bool)
        in_case[self._members] = True
        # only neighbourhoods with free caseload places take families (most weeks, few have)
        free = per_hood * self.caseload - np.bincount(pop.nbhd[self._members], minlength=n_nb)
        owners = unique_ints(owners[(free[pop.nbhd[owners]] > 0) & ~in_case[owners]])
        if len(owners):
            hood = pop.nbhd[owners].astype(np.int64)
            o = order_within(hood, random_keys(rng, len(owners)))
            owners, hood = owners[o], hood[o]
            first = np.searchsorted(hood, hood)  # first position of each hood's run
            take = (np.arange(len(owners)) - first) < free[hood]
            new = owners[take]
            self._members = np.concatenate([self._members, new])
            self._since = np.concatenate([self._since, np.full(len(new), model.week)])
            in_case[new] = True
        m = self._members
        self._ever[m] = True

        # 2. awareness and being asked
        make_aware(model, m)
        pop.last_asked_week[m] = model.week

        # 3. link caseload families' open needs to contacts across town
        rows = open_rows[in_case[needs.owner[open_rows]]]
        k = needs.kind[rows]
        rows = rows[
            ~kinds.professional_only[k] & ~needs.crisis[rows] & (needs.channel[rows] == UNMET)
        ]
        if len(rows) == 0:
            return
        r = np.repeat(rows, self.asks_per_need)
        h = pop.nbhd[needs.owner[r]].astype(np.int64)
        # an entrepreneur of the family's neighbourhood: ranks r_h, r_h + H, r_h + 2H, ...
        rank = self._rank
        n_here = per_hood[h]
        span = min(n_ent, n_nb)
        ent = rank[h] + span * (rng.random(len(r)) * n_here).astype(np.int64)
        cand = self._contacts[ent, rng.integers(0, self.contacts, len(r))]
        trust = np.full(len(r), self.vouch_trust, np.float32)
        yes = decide(model, r, cand, trust, np.ones(len(r), bool), rng)
        match = first_unique(r[yes], cand[yes], rng)
        model.assign(match, REFERRAL)
        self._linked += len(match.rows)
        model.events["entrepreneur_links"] += len(match.rows)

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """A family that moves away leaves the caseload (its place is free for another)."""
        stay = not_in(self._members, rows, model.n_residents)
        self._members, self._since = self._members[stay], self._since[stay]
        self._ever[rows] = False

    def weekly_cost(self, model: Model) -> float:
        return len(self._hood) * self.annual_salary * (1.0 + self.employer_oncost) / 52.0
