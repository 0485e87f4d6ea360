"""The same weekly rules written agent by agent, the way a Mesa tutorial would; and the race.

``AgentLoopModel`` is a ``mesa.Model`` whose residents and services are ``mesa.Agent``s with
their state as Python attributes, run by ``model.agents.shuffle_do("step")`` and a few more
stages; neighbours are looked up in a networkx graph (``G.neighbors``) and needs are Python
objects in lists. It copies its initial state (population, ties and tie trust, staff, kinds of
need, scenario parameters) from an array model ``CoproductionModel`` built with the same
arguments, so both start from the same town and follow the same rules; only the code (and so
the random draws) differ, and outcomes agree in distribution
(``tests/test_baseline_agreement.py`` checks it).

The week, in the array model's order (``CoproductionModel.step``'s docstring):

1. services refresh capacity and mode (``Service.refresh``);
2. ``agents.shuffle_do("step")``: each resident's needs arise, the commitments it helps with
   grow or are dropped, fatigue, vetting; each service's volunteer roles arise;
3. the model applies let-downs and burnouts (fear spreads to each burnt-out resident's ties);
4. channels: ``residents.shuffle_do("ask_for_help")`` (informal, with ties of ties), then
   ``services.shuffle_do("call_for_volunteers")`` (open calls), then ``services.do("treat")``
   (professional, from capacity). Offers are collected and matched one helper per need and one
   need per helper in random order of offers, as ``channels.first_unique`` does;
5. ``agents.do("wait")``: open needs age, escalate into crises, lapse; late owners lose trust;
6. ``agents.do("account")``: helpers log hours and weeks; needs end; awareness
   (``model.awareness``: formal helpers are aware and tell a tie, awareness without contact
   fades); then ``agents.do("settle")``: good experiences raise trust, trust and fear relax;
7. at the end of a 52-week year, participation classes; the DataCollector records the week.

Where the array model applies an update once per resident however many rows name them
("repeated indices apply once", ``coprod_sim.mechanisms.trust``), this code uses sets or flags
to do the same. Not reproduced: the yearly barrier analysis (an outcome report, not a weekly rule),
levers (the comparison runs without levers), population turnover (off in both, ``INERT``) and
the yearly per-resident records (the array model's are detached in ``array_model``).

Benchmark (both models side by side in one process, ``--reps`` runs of each, interleaved; the
LAST line is ``speedup: X``, the array model's resident-weeks per second over the agent
loop's, fastest run against fastest run; the line before gives the ratio of the medians):

    python benchmarks/baseline_agent_loop.py --residents 10000
    python benchmarks/baseline_agent_loop.py --residents 100000 --baseline-weeks 13 --reps 2
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coprod_sim import CoproductionModel  # noqa: E402
from coprod_sim.mechanisms import awareness  # noqa: E402
from coprod_sim.mechanisms.decision import TYPICAL_GROWTH  # noqa: E402
from coprod_sim.mechanisms.needs import CHANNELS, SERVICES  # noqa: E402
from coprod_sim.mechanisms.outcomes import WEEKS_PER_MONTH, WEEKS_PER_YEAR  # noqa: E402
from coprod_sim.mechanisms.services import mode_thresholds  # noqa: E402
from coprod_sim.outputs.reporters import model_reporters  # noqa: E402
from coprod_sim.state.network import to_networkx  # noqa: E402
from coprod_sim.state.population import GAVE_UP, NOT_VETTED, RETIRED, VETTED, VETTING  # noqa: E402

# the model's own constants are imported above (weeks per year and month, the example window,
# skips of the professional queue), so both implementations use the same values
UNMET, INFORMAL, OPEN_CALL, PROFESSIONAL = None, "informal", "open_call", "professional"

#: Mechanisms other engineers add to the array model, switched off (rates 0) so both models
#: implement the same rules. Read from coprod_sim/parameters.py, sections "professional
#: gatekeeping" and "collective action". Names missing from the Scenario raise an error.
INERT: dict[str, float | bool] = {
    "attitude_experience_gain": 0.0,  # mechanism 6: attitudes do not learn from referrals
    "attitude_experience_loss": 0.0,
    "attitude_relaxation": 0.0,  # ... nor drift back: attitudes (and modes) stay fixed
    "referral_rate": 0.0,  # the referral channel refers nothing
    "incident_rate": 0.0,  # mechanism 8: no anti-social incidents, so no collective action
    "population_turnover": False,  # mechanism 11: nobody ages, dies or moves (not written here)
    "group_ask_rate": 0.0,  # mechanism 13: no local groups (not written here)
}


def array_model(n_residents: int, seed: int, **params) -> CoproductionModel:
    """The array model with the mechanisms this baseline does not write switched off."""
    from coprod_sim.scenario import Scenario

    missing = [k for k in INERT if k not in Scenario.model_fields]
    if missing:
        raise KeyError(f"INERT names not in Scenario any more: {missing}; update this file")
    # both models start from the same drawn town: the agent loop has no burn-in, so the race
    # times equal weeks from week 0 of that town (the array model's burn-in is timed apart)
    params = {"burn_in_years": 0, **INERT, **params}
    # sessions (``needs.session_hours``) are not written here either: every kind meets weekly
    from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS

    weekly = [k.model_copy(update={"every_weeks": 1}) for k in DEFAULT_NEED_KINDS]
    params.setdefault("need_kinds", weekly)
    model = CoproductionModel(n_residents=n_residents, rng=seed, **params)
    # the agent loop keeps no yearly per-resident records, so neither does the array model in
    # the race (Mesa agent reporters over every resident up to 10,000: about 0.19 s CPU a year
    # at 10,000 residents, twice the array model's 52 weeks without them; 2026-12-07)
    model.agent_datacollector = None
    return model


def _time_burn_in(n: int, seed: int) -> tuple[int, float]:
    """(weeks, seconds) of the array model's default burn-in on this town: what a user's
    ``CoproductionModel(...)`` adds before week 0, reported beside the race, never in it."""
    from coprod_sim.scenario import Scenario

    years = Scenario.model_fields["burn_in_years"].default
    t0 = time.perf_counter()
    array_model(n, seed, burn_in_years=0)
    t_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    array_model(n, seed, burn_in_years=years)
    return years * WEEKS_PER_YEAR, time.perf_counter() - t0 - t_plain


def help_probability(
    w,
    spare: float,
    task_hours: float,
    trust_person: float,
    trust_place: float,
    confidence: float,
    fear_commit: float,
    growth: float,
    fear_liab: float,
    risk: float,
    insured: bool,
    asked: bool,
    aware: bool,
    reward: float,
    example: float,
    fatigue: float,
    block: bool = True,
) -> float:
    """``mechanisms.decision.help_probability`` for one eligible (resident, task) pair, as
    scalar Python; ``w`` is the Scenario (weights by their parameter names). ``block=False``:
    a neighbour's own request, which runs with the liability block off
    (``decision.ask_weights``)."""
    if block and not insured and fear_liab * risk > w.liability_block:
        return 0.0
    ratio = max(spare, 1e-3) / max(task_hours, 1e-3)
    z = (
        w.help_intercept
        + w.weight_time * min(math.log(ratio), 1.0)
        + w.weight_trust * (0.5 * trust_person + 0.5 * trust_place - 0.5)
        + w.weight_confidence * (confidence - 0.5)
        - w.weight_commitment_fear * fear_commit * growth / TYPICAL_GROWTH
        - w.weight_liability_fear * fear_liab * risk * (not insured)
        + w.weight_asked * asked
        - w.weight_unaware * (not aware)
        + w.weight_reward * reward
        + w.weight_example * example
        - w.weight_fatigue * fatigue
    )
    return 1.0 / (1.0 + math.exp(-z))


class Kind:
    """One kind of need, as plain attributes (copied from ``model.kinds``)."""

    def __init__(self, kinds, i: int) -> None:
        self.index = i
        self.name = kinds.names[i]
        self.service = int(kinds.service[i])
        self.activity = int(kinds.activity[i])
        self.by_service = bool(kinds.by_service[i])
        self.hours = float(kinds.hours[i])
        self.end_hazard = float(kinds.end_hazard[i])
        self.risk = float(kinds.risk[i])
        self.vetting = bool(kinds.vetting[i])
        self.professional_only = bool(kinds.professional_only[i])
        self.growth = float(kinds.growth[i])
        self.growth_cap = float(kinds.growth_cap[i])
        self.crisis_hazard = float(kinds.crisis_hazard[i])
        self.crisis_onset = int(kinds.crisis_onset[i])
        self.crisis_weeks = int(kinds.crisis_weeks[i])
        self.max_wait = int(kinds.max_wait[i])
        self.rate = [float(r) for r in kinds.rate[i]]  # per resident-week, by age group


class Need:
    """A need (or a service's volunteer role) waiting or being met."""

    def __init__(self, kind: Kind, owner: Resident | None, nbhd: int) -> None:
        self.kind = kind
        self.owner = owner  # None: a service's volunteer role
        self.nbhd = nbhd
        self.hours = kind.hours
        self.base_hours = kind.hours
        self.waited = 0
        self.channel = UNMET
        self.helper: Resident | None = None  # None with channel professional: staff
        self.tie: int | None = None  # the helper, when asked along the owner's own tie
        self.crisis = False
        self.crisis_left = 0
        self.crisis_wait = 0  # weeks waited as a crisis
        self.done = False
        self.lapsed = False


class Resident(mesa.Agent):
    """A resident with its state as attributes, copied from one row of the array model."""

    def __init__(self, model: AgentLoopModel, idx: int, row: dict) -> None:
        super().__init__(model)
        self.idx = idx
        self.__dict__.update(row)
        self.own_needs: list[Need] = []
        self.helping: list[Need] = []
        self.busy = False
        self.burnt = False
        self.tie_trust: dict[int, float] = {}
        # good experiences this week (applied once each, as the array model does)
        self.good_as_owner = self.good_as_helper = False
        self.good_service = self.good_role = False
        self.good_ties: set[int] = set()

    # ---- stage 2: this resident's own week before the channels
    def step(self) -> None:
        m, p = self.model, self.model.p
        rand = m.rand
        # needs arise
        boost = m.need_boost[self.nbhd]
        for kind in m.resident_kinds[self.age]:
            if rand() < kind.rate[self.age] * boost:
                need = Need(kind, self, self.nbhd)
                self.own_needs.append(need)
                m.services_list[kind.service].needs.append(need)
                m.events["needs_arisen"] += 1
        # commitments grow; some are dropped
        if self.helping:
            for need in list(self.helping):
                if need.channel not in m.bounded_channels:
                    k = need.kind
                    need.hours = min(need.hours * (1.0 + k.growth), need.base_hours * k.growth_cap)
                if rand() < p.dropout_hazard:
                    m.events["dropouts"] += 1
                    m.reopen(need, m.let_down_drop)
        self.committed = sum(n.hours for n in self.helping) if self.helping else 0.0
        # fatigue and burnout
        if self.committed > 0 or self.fatigue > 0:
            tol = max(
                (self.free_hours + self.time_off)
                * p.tolerance_share
                * (1.0 - p.fear_tolerance_effect * self.fear_commit),
                1e-3,
            )
            over = self.committed / tol - 1.0
            if over > 0:
                self.fatigue = self.fatigue + p.fatigue_rate * over
            else:
                self.fatigue = max(self.fatigue - p.fatigue_recovery, 0.0)
            if self.fatigue >= 1.0:
                m.burnt.append(self)
        # vetting checks progress
        if self.vet_status == VETTING:
            self.vet_wait += 1
            if rand() < p.vetting_give_up:
                self.vet_status = GAVE_UP
                m.events["vetting_gave_up"] += 1
            elif self.vet_wait >= p.vetting_weeks:
                self.vet_status = VETTED
                m.events["vetting_cleared"] += 1

    # ---- the decision to help (mechanism 3), as a scalar formula
    def decides_to_help(self, need: Need, trust_person: float, asked: bool, formal: bool) -> bool:
        m, p = self.model, self.model.p
        k = need.kind
        if asked and formal:  # a service asked personally (not a neighbour asking a favour)
            self.last_asked_week = m.week
            self.aware = True  # the ask tells them of the opportunity
        if k.activity < 0 or self is need.owner or self.busy:
            return False
        if self.recovering_until > m.week or not (self.willing >> k.activity) & 1:
            return False
        spare = self.free_hours + self.time_off - self.committed
        if spare < p.min_free_hours:
            return False
        ties = list(m.G.neighbors(self.idx))
        recent = sum(1 for j in ties if m.week - m.residents[j].last_help_week <= m.p.example_weeks)
        example = recent / len(ties) if ties else 0.0
        prob = help_probability(
            p,
            spare,
            need.hours,
            trust_person,
            self.trust_nbr,
            self.confidence,
            self.fear_commit,
            k.growth,
            self.fear_liab,
            k.risk,
            self.insured,
            asked,
            self.aware or not formal,  # a neighbour's request needs no awareness
            self.reward,
            example,
            self.fatigue,
            block=formal,
        )
        yes = m.rand() < prob
        if yes and k.vetting and self.vet_status != VETTED:
            if self.vet_status == NOT_VETTED:  # says yes, but must be vetted first
                self.vet_status = VETTING
                self.vet_wait = 0
                m.events["vetting_started"] += 1
            return False
        return yes

    # ---- stage 4a: the informal channel
    def ask_for_help(self) -> None:
        m, p = self.model, self.model.p
        rand = m.rand
        ties = None
        for need in self.own_needs:
            if need.channel is not UNMET or need.crisis or need.kind.professional_only:
                continue
            if ties is None:
                ties = list(m.G.neighbors(self.idx))
            for _ in range(p.asks_per_need):
                if not ties:
                    continue
                cand = m.random.choice(ties)
                trust_person = self.tie_trust[cand]
                stranger = False
                if rand() < p.share_asks_two_hop:
                    their_ties = list(m.G.neighbors(cand))
                    if their_ties:
                        c2 = m.random.choice(their_ties)
                        if c2 != self.idx:  # a tie of a tie: a stranger vouched for
                            trust_person *= m.residents[cand].tie_trust[c2]
                            cand, stranger = c2, True
                helper = m.residents[cand]
                if not helper.decides_to_help(need, trust_person, asked=True, formal=False):
                    continue
                if stranger:
                    accept = p.stranger_accept_base + p.stranger_accept_trust * self.trust_nbr
                    accept -= p.stranger_distrust_old * (self.age == RETIRED)
                    if rand() >= min(max(accept, 0.0), 1.0):
                        m.events["refused_stranger"] += 1
                        continue
                m.offers.append((rand(), need, helper, None if stranger else cand))

    # ---- stage 5: waiting needs age, escalate, lapse
    def wait(self) -> None:
        late = self.model.wait_needs(self.own_needs)
        if late:
            self.trust_svc -= self.model.p.service_trust_loss * self.trust_svc

    # ---- stage 6a: hours given; the needs one owns may end
    def account(self) -> None:
        m = self.model
        if self.helping:
            h = sum(n.hours for n in self.helping)
            self.hours_year += h
            self.hours_given += h
            self.weeks_year += 1
            if self.last_help_week // WEEKS_PER_MONTH != m.week // WEEKS_PER_MONTH:
                self.months_year += 1
            self.last_help_week = m.week
            self.helped_ever = True
            m.events["helpers"] += 1
        m.end_needs(self.own_needs)

    # ---- stage 6b: good experiences; trust and fear relax
    def settle(self) -> None:
        m, p = self.model, self.model.p
        if self.own_needs:
            self.own_needs = [n for n in self.own_needs if not (n.done or n.lapsed)]
        if self.helping:
            self.helping = [n for n in self.helping if not n.done]
        if self.good_as_owner:
            self.trust_nbr += p.trust_gain * (1.0 - self.trust_nbr)
        if self.good_as_helper:
            self.trust_nbr += p.trust_gain * (1.0 - self.trust_nbr)
        if self.good_ties:
            for j in self.good_ties:
                self.tie_trust[j] += p.trust_gain * (1.0 - self.tie_trust[j])
            self.good_ties = set()
        if self.good_service:
            self.trust_svc += p.service_trust_gain * (1.0 - self.trust_svc)
        if self.good_role:
            self.trust_svc += p.service_trust_gain * (1.0 - self.trust_svc)
        self.good_as_owner = self.good_as_helper = self.good_service = self.good_role = False
        self.trust_nbr += p.trust_relaxation * (m.trust_base[self.nbhd] - self.trust_nbr)
        self.fear_commit += p.fear_relaxation * (self.fear_commit_base - self.fear_commit)


class Service(mesa.Agent):
    """A public service: its staff's capacity and attitude, its volunteer roles and its queue."""

    def __init__(self, model: AgentLoopModel, idx: int, staff: list[tuple[float, float]]):
        super().__init__(model)
        self.idx = idx
        self.name = SERVICES[idx]
        self.staff = staff  # (capacity hours, attitude) per professional
        self.needs: list[Need] = []  # every live need of this service (queue and met)
        self.roles: list[Need] = []  # volunteer roles it owns
        self.capacity = 0.0
        self.mode = 0

    def refresh(self) -> None:
        self.capacity = sum(c for c, _ in self.staff)
        att = sum(a for _, a in self.staff) / max(len(self.staff), 1)
        self.mode = sum(att >= t for t in mode_thresholds(self.model.p))

    def step(self) -> None:
        m = self.model
        for kind in m.role_kinds[self.idx]:
            for _ in range(int(m.rng.poisson(kind.rate[0] * m.p.need_rate_scale * m.n))):
                place = m.residents[m.random.randrange(m.n)].nbhd
                need = Need(kind, None, place)
                self.roles.append(need)
                self.needs.append(need)
                m.events["needs_arisen"] += 1

    def call_for_volunteers(self) -> None:
        m, p = self.model, self.model.p
        if self.mode < 1:  # traditional provision makes no open calls
            return
        for need in self.roles:
            if need.channel is not UNMET:
                continue
            members = m.members[need.nbhd]
            for _ in range(p.asks_per_need):
                cand = m.random.choice(members)
                asked = cand.asked_until > m.week  # asked personally by a professional
                if cand.decides_to_help(need, cand.trust_svc, asked=asked, formal=True):
                    m.offers.append((m.rand(), need, cand, None))

    def treat(self) -> None:
        """Professional delivery: crises first, then professional-only, then the rest; within
        each, the fewest weeks left before the need lapses (a crisis: before it goes to an
        emergency response) first. The first need too big for the hours left is taken with
        probability left / its hours (its shortfall booked ahead), and the service takes
        nothing more this week; crises still waiting are taken by handing back ongoing
        non-crisis cases (community-meetable first, random within) that free their hours."""
        m, p = self.model, self.model.p
        left = self.capacity - sum(n.hours for n in self.needs if n.channel == PROFESSIONAL)
        queue = []
        for n in self.needs:
            if n.channel is not UNMET or n.owner is None:
                continue
            if self.mode == 3 and not n.kind.professional_only and not n.crisis:
                continue  # a self-organised service leaves these to the community
            if n.crisis:
                weeks_left = p.crisis_max_wait_weeks - n.crisis_wait
            else:
                weeks_left = n.kind.max_wait - n.waited
            within = 9_999 - min(max(weeks_left, 0), 9_999)
            prio = (2 if n.crisis else int(n.kind.professional_only)) * 10_000 + within
            queue.append((-prio, m.rand(), n))
        queue.sort(key=lambda t: (t[0], t[1]))
        left = max(left, 0.0)
        waiting = []
        stopped = False
        for _, _, n in queue:
            if not stopped and n.hours <= left:
                left -= n.hours
                m.assign(n, PROFESSIONAL, None, None)
            elif not stopped:
                stopped = True
                if left > 0 and m.rand() * n.hours < left:
                    m.assign(n, PROFESSIONAL, None, None)
                    left = 0.0
                elif n.crisis:
                    waiting.append(n)
            elif n.crisis:
                waiting.append(n)
        if waiting and p.crises_preempt:
            ongoing = [n for n in self.needs if n.channel == PROFESSIONAL and not n.crisis]
            ongoing.sort(key=lambda n: (n.kind.professional_only, m.rand()))
            need = sum(n.hours for n in waiting) - left
            freed = 0.0
            for n in ongoing:
                if freed >= need - 1e-9:
                    break
                n.channel = UNMET  # handed back to the queue, no let-down
                n.hours, n.waited = n.base_hours, 0
                freed += n.hours
            got, total = freed + left, 0.0
            for n in waiting:
                total += n.hours
                if total <= got + 1e-9:
                    m.assign(n, PROFESSIONAL, None, None)

    def wait(self) -> None:
        self.model.wait_needs(self.roles)

    def account(self) -> None:
        self.model.end_needs(self.roles)

    def settle(self) -> None:
        self.roles = [n for n in self.roles if not (n.done or n.lapsed)]
        self.needs = [n for n in self.needs if not (n.done or n.lapsed)]


class AgentLoopModel(mesa.Model):
    """The co-production week written agent by agent; state copied from ``source``."""

    def __init__(self, source: CoproductionModel, rng: int | None = None) -> None:
        super().__init__(rng=source.seed + 7_919 if rng is None else rng)
        self.rand = self.random.random
        p = self.p = source.params
        self.week = source.week
        pop, n = source.pop, source.n_residents
        self.n = n
        # the graph users see: networkx, built from the array model's ties
        self.G = to_networkx(source.graph, pop.nbhd, source.tie_trust)
        self.kinds = [Kind(source.kinds, i) for i in range(len(source.kinds.names))]
        self.resident_kinds = [
            [k for k in self.kinds if not k.by_service and k.rate[g] > 0] for g in range(3)
        ]
        self.role_kinds = [
            [k for k in self.kinds if k.by_service and k.service == s] for s in range(len(SERVICES))
        ]
        dep = source.nb.deprivation.tolist()
        self.need_boost = [p.need_rate_scale * (1.0 + p.deprivation_need_effect * d) for d in dep]
        self.trust_base = source.nb.trust_base.tolist()

        cols = {
            name: getattr(pop, name).tolist()
            for name in (
                "age nbhd free_hours time_off willing fear_commit_base trust_nbr trust_svc "
                "confidence fear_commit fear_liab aware last_asked_week committed fatigue "
                "recovering_until hours_given hours_year weeks_year months_year helped_ever "
                "last_help_week vet_status vet_wait reward insured asked_until "
                "last_year_class last_formal_week"
            ).split()
        }
        cols["aware_contact_week"] = awareness.contact_weeks(pop).tolist()
        names = list(cols)
        self.residents = [
            Resident(self, i, dict(zip(names, vals, strict=True)))
            for i, vals in enumerate(zip(*cols.values(), strict=True))
        ]
        # directed trust on ties, as each resident holds it
        indptr = source.graph.indptr.tolist()
        indices = source.graph.indices.tolist()
        trust = source.tie_trust.tolist()
        for i, r in enumerate(self.residents):
            a, b = indptr[i], indptr[i + 1]
            r.tie_trust = dict(zip(indices[a:b], trust[a:b], strict=True))
        self.members = [[] for _ in range(len(source.nb.start))]
        for r in self.residents:
            self.members[r.nbhd].append(r)
        st = source.staff
        self.services_list = [
            Service(
                self,
                s,
                [
                    (float(c), float(a))
                    for c, a, sv in zip(st.capacity, st.attitude, st.service, strict=True)
                    if sv == s
                ],
            )
            for s in range(len(SERVICES))
        ]
        self.res_set = self.agents_by_type[Resident]
        self.svc_set = self.agents_by_type[Service]
        self.bounded_channels: set[str] = set()
        self.events: Counter[str] = Counter()
        self.offers: list[tuple] = []
        self.burnt: list[Resident] = []
        self.let_down_drop: tuple[set, set, list] = (set(), set(), [0])
        self.stats: dict[str, float] = {}
        self.met_total = Counter()
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters())

    # ------------------------------------------------------------------ shared rules
    def reopen(self, need: Need, let_down: tuple[set, set, list]) -> None:
        """The helper leaves: the need goes back to the queue; its owner feels let down."""
        owners, ties, count = let_down
        if need.owner is not None:
            owners.add(need.owner)
            count[0] += 1
        if need.tie is not None:
            ties.add((need.owner, need.tie))
        helper = need.helper
        helper.helping.remove(need)
        need.helper, need.channel, need.tie = None, UNMET, None
        need.hours, need.waited = need.base_hours, 0

    def apply_let_down(self, let_down: tuple[set, set, list]) -> None:
        owners, ties, count = let_down
        loss = self.p.trust_loss
        for r in owners:  # once per owner, however many helpers left them
            r.trust_nbr -= loss * r.trust_nbr
        for owner, j in ties:
            owner.tie_trust[j] -= loss * owner.tie_trust[j]
        self.events["let_down"] += count[0]
        owners.clear()
        ties.clear()
        count[0] = 0

    def burn_out(self) -> None:
        p = self.p
        self.events["burnouts"] += len(self.burnt)
        if not self.burnt:
            return
        let_down: tuple[set, set, list] = (set(), set(), [0])
        for r in self.burnt:
            for need in list(r.helping):
                self.reopen(need, let_down)
            r.committed = 0.0
        self.apply_let_down(let_down)
        seen_by = set()
        for r in self.burnt:
            r.fatigue = 0.0
            r.recovering_until = self.week + p.burnout_recovery_weeks
            r.fear_commit += p.burnout_fear_self * (1.0 - r.fear_commit)
            seen_by.update(self.G.neighbors(r.idx))
        for j in seen_by:  # fear spreads to the ties of those who burn out
            t = self.residents[j]
            t.fear_commit += p.burnout_fear_contagion * (1.0 - t.fear_commit)
        self.burnt = []

    def match_offers(self, channel: str) -> None:
        """One helper per need, one need per helper, in random order of offers."""
        best: dict[int, tuple] = {}
        for offer in self.offers:
            b = best.get(id(offer[1]))
            if b is None or offer[0] < b[0]:
                best[id(offer[1])] = offer
        won: dict[int, tuple] = {}
        for offer in best.values():
            b = won.get(id(offer[2]))
            if b is None or offer[0] < b[0]:
                won[id(offer[2])] = offer
        for _, need, helper, tie in won.values():
            self.assign(need, channel, helper, tie)
        self.offers = []

    def assign(self, need: Need, channel: str, helper: Resident | None, tie: int | None) -> None:
        need.channel, need.helper, need.tie = channel, helper, tie
        if helper is not None:
            helper.busy = True
            helper.helping.append(need)
            helper.committed += need.hours
        self.events[f"met_{channel}"] += 1
        self.met_total[(need.kind.name, channel)] += 1

    def wait_needs(self, needs: list[Need]) -> bool:
        """Age open needs; returns whether any waits past the service standard."""
        p, rand, late = self.p, self.rand, False
        for n in needs:
            if n.channel is not UNMET:
                continue
            n.waited += 1
            if n.crisis:
                n.crisis_wait += 1
            k = n.kind
            if (
                not n.crisis
                and k.crisis_hazard > 0
                and n.waited >= k.crisis_onset
                and rand() < k.crisis_hazard
            ):
                n.crisis = True
                n.hours = n.base_hours = n.base_hours * p.crisis_hours_multiplier
                n.crisis_left = k.crisis_weeks
                n.crisis_wait = 0
                self.events["crises"] += 1
            if n.waited > p.service_standard_weeks:
                late = True
            if not n.crisis and n.waited >= k.max_wait:
                n.lapsed = True
                self.events["lapsed"] += 1
            elif n.crisis and n.crisis_wait >= p.crisis_max_wait_weeks:
                n.lapsed = True  # met by an emergency response: it leaves the queue
                self.events["emergency_responses"] += 1
            else:
                self.events["open_needs"] += 1
                self.events["waited_total"] += n.waited
        return late

    def end_needs(self, needs: list[Need]) -> None:
        """Needs being met may end this week; good experiences are flagged."""
        rand = self.rand
        for n in needs:
            if n.channel is UNMET:
                continue
            self.week_hours[n.channel] += n.hours
            if n.crisis:
                n.crisis_left -= 1
                ends = n.crisis_left <= 0
            else:
                ends = rand() < n.kind.end_hazard
            if not ends:
                continue
            n.done = True
            self.events["needs_done"] += 1
            owner, helper = n.owner, n.helper
            if helper is not None:
                helper.good_as_helper = True
                if owner is not None:
                    owner.good_as_owner = True
                else:
                    helper.good_role = True
                if n.tie is not None:
                    owner.good_ties.add(n.tie)
            elif owner is not None:
                owner.good_service = True

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        self.events = Counter()
        self.week_hours = Counter()
        for s in self.services_list:
            s.refresh()
        self.agents.shuffle_do("step")
        self.apply_let_down(self.let_down_drop)
        self.burn_out()
        for r in self.residents:
            r.busy = False
        self.res_set.shuffle_do("ask_for_help")
        self.match_offers(INFORMAL)
        self.svc_set.shuffle_do("call_for_volunteers")
        self.match_offers(OPEN_CALL)
        self.svc_set.do("treat")
        self.agents.do("wait")
        self.agents.do("account")
        self.awareness()
        self.agents.do("settle")
        self.week += 1
        if self.week % WEEKS_PER_YEAR == 0:
            self.close_year()
        self.record_week()
        self.datacollector.collect(self)

    def awareness(self) -> None:
        """``mechanisms.awareness.weekly``: this week's formal helpers are aware and tell a
        tie with chance ``awareness_word_of_mouth``; awareness without contact fades."""
        p, rand, week = self.p, self.rand, self.week
        for r in self.residents:
            if any(n.channel == OPEN_CALL for n in r.helping):
                r.last_formal_week = week
                r.aware = True
                if rand() < p.awareness_word_of_mouth:
                    ties = list(self.G.neighbors(r.idx))
                    if ties:
                        t = self.residents[ties[int(rand() * len(ties))]]
                        t.aware = True
                        t.aware_contact_week = week
        since = week - p.awareness_memory_weeks
        for r in self.residents:
            contact = max(r.last_asked_week, r.last_formal_week, r.aware_contact_week)
            if r.aware and contact <= since and rand() < p.awareness_fade:
                r.aware = False

    def close_year(self) -> None:
        p = self.p
        for r in self.residents:
            w = r.weeks_year
            r.last_year_class = (
                0
                if w >= p.weekly_min_weeks
                else 1
                if r.months_year >= p.monthly_min_months
                else 2
                if w >= 1
                else 3
                if r.helped_ever
                else 4
            )
            r.weeks_year = r.months_year = 0
            r.hours_year = 0.0

    def record_week(self) -> None:
        e, res, n = self.events, self.residents, max(self.n, 1)
        st = {
            "week": self.week,
            "helping_share": e["helpers"] / n,
            "volunteer_hours": self.week_hours[INFORMAL] + self.week_hours[OPEN_CALL],
            "needs_arisen": e["needs_arisen"],
            "needs_lapsed": e["lapsed"],
            "open_needs": e["open_needs"],
            "mean_wait_weeks": e["waited_total"] / max(e["open_needs"], 1),
            "crises": e["crises"],
            "burnouts": e["burnouts"],
            "dropouts": e["dropouts"],
            "vetting_waiting": sum(r.vet_status == VETTING for r in res),
            "vetting_gave_up": e["vetting_gave_up"],
            "professional_hours": self.week_hours[PROFESSIONAL],
            "professional_capacity": sum(s.capacity for s in self.services_list),
            "trust_neighbours": sum(r.trust_nbr for r in res) / n,
            "trust_services": sum(r.trust_svc for r in res) / n,
            "fear_of_commitment": sum(r.fear_commit for r in res) / n,
        }
        for c in CHANNELS:
            st[f"met_{c}"] = e[f"met_{c}"]
            st[f"hours_{c}"] = self.week_hours[c]
        st["cost_professional_staff"] = st["professional_hours"] * self.p.professional_hour_cost
        st["cost_total"] = st["cost_professional_staff"]
        self.stats = st


# ---------------------------------------------------------------------- outcomes and race
#: outcomes compared between the two implementations (weekly means over the run, or the end)
WEEKLY_OUTCOMES = (
    "helping_share",
    "volunteer_hours",
    "met_informal",
    "met_open_call",
    "met_professional",
    "needs_lapsed",
    "crises",
    "burnouts",
    "dropouts",
    "open_needs",
)
FINAL_OUTCOMES = ("trust_neighbours", "trust_services", "fear_of_commitment")


def outcomes(model: mesa.Model) -> dict[str, float]:
    df = model.datacollector.get_model_vars_dataframe()
    out = {k: float(df[k].mean()) for k in WEEKLY_OUTCOMES}
    out.update({f"final_{k}": float(df[k].iloc[-1]) for k in FINAL_OUTCOMES})
    return out


def _time_array(n: int, seed: int, weeks: int) -> tuple[float, float, dict[str, float]]:
    t0 = time.perf_counter()
    arr = array_model(n, seed)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(weeks):
        arr.step()
    return t_build, time.perf_counter() - t0, outcomes(arr)


def _time_loop(n: int, seed: int, weeks: int) -> tuple[float, float, dict[str, float]]:
    t0 = time.perf_counter()
    loop = AgentLoopModel(array_model(n, seed))
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(weeks):
        loop.step()
    return t_build, time.perf_counter() - t0, outcomes(loop)


def race(n: int, weeks: int, baseline_weeks: int, seed: int = 1, reps: int = 3) -> dict[str, float]:
    """Time each model's weeks (builds reported separately), ``reps`` times each, interleaved.

    A small untimed run of each first takes the one-time costs of the process (loading the
    array model's compiled passes, imports) out of the timed runs, as timeit and pyperf do.
    Each repetition runs the array model, then the agent loop, each built afresh from the same
    seed (the same town); the agent loop copies its state from a second array model. The
    array model runs first in each pair, before the agent loop's objects exist (a heap of
    Python objects slows everything else in the process), and memory is collected between
    runs. The speedup is the ratio of the fastest runs (timeit's convention: on this shared
    host, other load only ever adds time), and the ratio of the medians is reported beside it.
    """
    # warm-up, untimed: one-time costs of a process (the array model's compiled passes are
    # loaded from numba's cache on first use, ~100-150 ms; lazy imports) are not resident-weeks
    t0 = time.perf_counter()
    _time_array(min(n, 500), seed, 2)
    _time_loop(min(n, 500), seed, 2)
    warmup_s = time.perf_counter() - t0
    gc.collect()
    arr_runs, loop_runs = [], []
    a_out = l_out = None
    for _ in range(reps):
        arr_runs.append(_time_array(n, seed, weeks))
        a_out = arr_runs[-1][2]
        gc.collect()
        loop_runs.append(_time_loop(n, seed, baseline_weeks))
        l_out = loop_runs[-1][2]
        gc.collect()
    t_arr = [r[1] for r in arr_runs]
    t_loop = [r[1] for r in loop_runs]
    burn_weeks, burn_s = _time_burn_in(n, seed)
    rate = {
        "array_rate": n * weeks / min(t_arr),
        "loop_rate": n * baseline_weeks / min(t_loop),
        "array_rate_median": n * weeks / statistics.median(t_arr),
        "loop_rate_median": n * baseline_weeks / statistics.median(t_loop),
    }
    return {
        "residents": n,
        "reps": reps,
        "array_weeks": weeks,
        "loop_weeks": baseline_weeks,
        "warmup_s": warmup_s,
        "burn_in_weeks": burn_weeks,
        "burn_in_s": burn_s,
        "array_build_s": min(r[0] for r in arr_runs),
        "loop_build_s": min(r[0] for r in loop_runs),
        "array_s": t_arr,
        "loop_s": t_loop,
        **rate,
        "speedup": rate["array_rate"] / rate["loop_rate"],
        "speedup_median": rate["array_rate_median"] / rate["loop_rate_median"],
        "array_helping_share": a_out["helping_share"],
        "loop_helping_share": l_out["helping_share"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=52, help="weeks for the array model")
    ap.add_argument(
        "--baseline-weeks", type=int, default=None, help="weeks for the agent loop (default: same)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--reps", type=int, default=3, help="runs of each model, interleaved (default 3)"
    )
    args = ap.parse_args(argv)
    for name in ("residents", "weeks", "reps"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}: {getattr(args, name)} is not allowed; give a whole number >= 1")
    bw = args.baseline_weeks or args.weeks
    r = race(args.residents, args.weeks, bw, args.seed, args.reps)

    def runs(ts: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in ts)

    print(
        f"residents: {r['residents']:,}  (seed {args.seed}; DataCollector on in both; "
        f"untimed warm-up of both on {min(r['residents'], 500)} residents: {r['warmup_s']:.2f} s)"
    )
    print(
        f"array model's burn-in (not in the race; both models race from the same drawn town): "
        f"{r['burn_in_weeks']} weeks in {r['burn_in_s']:.2f} s"
    )
    print(
        f"array model: build {r['array_build_s']:.2f} s; {r['array_weeks']} weeks in "
        f"{runs(r['array_s'])} s; fastest {r['array_rate'] / 1e6:.2f} M resident-weeks/s"
    )
    print(
        f"agent loop:  build {r['loop_build_s']:.2f} s (array town + copy + networkx); "
        f"{r['loop_weeks']} weeks in {runs(r['loop_s'])} s; fastest "
        f"{r['loop_rate'] / 1e6:.3f} M resident-weeks/s"
    )
    print(
        f"mean weekly helping share: array {r['array_helping_share']:.4f} over "
        f"{r['array_weeks']} weeks, agent loop {r['loop_helping_share']:.4f} over "
        f"{r['loop_weeks']} weeks"
    )
    print(f"speedup of the medians: {r['speedup_median']:.1f}")
    print(f"speedup: {r['speedup']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
