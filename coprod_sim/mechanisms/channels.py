"""Mechanism 2, channels that meet a need.

A channel is any callable ``channel(model, rows, rng) -> Match`` with a ``name`` from
``needs.CHANNELS``: it gets the rows of the needs still open this week and returns which of them
it meets and by whom. The model tries its channels in order (``model.channels``); a lever can
insert its own (referral and the time bank do) without touching this module.

Core channels:
- ``informal``: the owner of a need asks ``asks_per_need`` of their ties; a share of those asks
  is passed on to a tie of the tie (a stranger to the owner). Each asked resident decides with
  the decision rule (mechanism 3); a stranger's offer is accepted by the owner per
  ``trust.accept_probability``.
- ``open_call``: a service advertises its volunteer roles; ``asks_per_need`` random residents of
  the role's neighbourhood see each one (not a personal ask: only the aware respond readily,
  and those a professional asked personally within the last weeks, ``pop.asked_until``).
  Services in the traditional mode make no open calls.
- ``professional``: staff meet needs from their weekly capacity, crises first, then needs only
  a professional may meet, then the longest waiting; ongoing cases keep their hours first. A
  need too big for the hours left is skipped so smaller ones behind it can be met (up to
  ``PROFESSIONAL_PASSES`` skips per service a week).

Everyone takes at most one new task a week; a need gets at most one helper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from coprod_sim import kernels
from coprod_sim.mechanisms.decision import HelpInputs, help_probability
from coprod_sim.mechanisms.needs import CHANNEL_INDEX
from coprod_sim.mechanisms.willingness import willing_for
from coprod_sim.state.arrays import order_within, random_keys, unique_ints
from coprod_sim.state.population import NOT_VETTED, RETIRED, VETTED, VETTING

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

PROFESSIONAL_PASSES = 4  # a need too big for the capacity left is skipped, up to this many times
PRIORITY_SPAN = 100_000  # professional queue priorities lie in [0, PRIORITY_SPAN)


@dataclass
class Match:
    rows: np.ndarray  # need rows met
    helpers: np.ndarray  # resident who meets each (-1: a professional)
    edges: np.ndarray | None = None  # CSR position of the owner's tie to the helper, or -1


class Channel(Protocol):
    name: str

    def __call__(
        self, model: CoproductionModel, rows: np.ndarray, rng: np.random.Generator
    ) -> Match: ...


#: offers up to which ``first_unique`` runs compiled (measured crossover ~2,500: numba's sort
#: is slower than numpy's on larger arrays)
SMALL_MATCH = 2048


def first_unique(
    rows: np.ndarray,
    helpers: np.ndarray,
    rng: np.random.Generator,
    edges: np.ndarray | None = None,
) -> Match:
    """Keep one helper per need and one need per helper, in random order of offers.

    Up to ``SMALL_MATCH`` offers the compiled ``kernels.first_unique`` does the same in one
    call (the same pairs in the same order); above it numpy's vectorised sort is faster."""
    e = np.full(len(rows), -1, np.int64) if edges is None else edges
    if len(rows) == 0:
        return Match(rows, helpers, e)
    key = random_keys(rng, len(rows))
    if len(rows) <= SMALL_MATCH:
        r, h, e = kernels.first_unique(
            np.asarray(rows, np.int64), np.asarray(helpers, np.int64), np.asarray(e, np.int64), key
        )
        return Match(r, h, e)
    return Match(*first_unique_by_sorting(rows, helpers, e, key))


def first_unique_by_sorting(
    rows: np.ndarray, helpers: np.ndarray, edges: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``first_unique``'s rule on keys already drawn, as whole-array NumPy: sort the offers by
    need then key and keep each need's first; sort those by helper then key and keep each
    helper's first. Returns (rows, helpers, edges) ordered by helper."""
    o = order_within(rows, key)
    r, h, k, e = rows[o], helpers[o], key[o], edges[o]
    first = np.ones(len(r), bool)
    first[1:] = r[1:] != r[:-1]
    r, h, k, e = r[first], h[first], k[first], e[first]
    o = order_within(h, k)
    r, h, e = r[o], h[o], e[o]
    first = np.ones(len(h), bool)
    first[1:] = h[1:] != h[:-1]
    return r[first], h[first], e[first]


def help_inputs(
    model: CoproductionModel,
    rows: np.ndarray,
    cand: np.ndarray,
    trust_person: np.ndarray,
    asked: np.ndarray,
    *,
    growth: np.ndarray | None = None,
    gated: bool = False,
) -> tuple[HelpInputs, np.ndarray]:
    """Decision inputs for candidate ``cand`` considering need ``rows`` (same length).

    Returns the inputs and a mask of pairs that fail only for want of a vetting check.
    ``gated=True`` says every pair already passed ``quick_gate``, whose gates are not re-read.
    """
    pop, kinds, needs = model.pop, model.kinds, model.needs
    k = needs.kind[rows]
    spare = pop.free_hours[cand] + pop.time_off[cand] - pop.committed[cand]
    available = spare >= model.params.min_free_hours
    if not gated:
        available &= (
            (pop.recovering_until[cand] <= model.week)
            & ~model.busy[cand]
            & willing_for(pop.willing[cand], np.maximum(kinds.activity[k], 0))
            & (kinds.activity[k] >= 0)
            & (cand != needs.owner[rows])
        )
    vet_ok = ~kinds.vetting[k] | (pop.vet_status[cand] == VETTED)
    x = HelpInputs(
        eligible=available & vet_ok,
        spare_hours=spare,
        task_hours=needs.hours[rows],
        trust_person=trust_person,
        trust_place=pop.trust_nbr[cand],
        confidence=pop.confidence[cand],
        fear_commit=pop.fear_commit[cand],
        growth=kinds.growth[k] if growth is None else growth,
        fear_liab=pop.fear_liab[cand],
        risk=kinds.risk[k],
        insured=pop.insured[cand],
        asked=asked,
        aware=pop.aware[cand],
        reward=pop.reward[cand],
        example=model.example_count[cand] * model.graph.inv_deg[cand],
        fatigue=pop.fatigue[cand],
    )
    return x, available & ~vet_ok


@dataclass(frozen=True)
class TrustGather:
    """Trust in the person asking, read where it is needed: pair i's is ``source[at[i]]``,
    times ``source[at2[i]]`` where ``at2[i] >= 0`` (a stranger vouched for by a tie: the
    product of the two ties' trust). Called with the indices of the pairs past the gates."""

    source: np.ndarray
    at: np.ndarray
    at2: np.ndarray | None = None

    def __call__(self, i: np.ndarray) -> np.ndarray:
        t = self.source[self.at[i]]
        if self.at2 is not None:
            j = self.at2[i]
            s = (j >= 0).nonzero()[0]
            t[s] *= self.source[j[s]]
        return t


def decide(
    model: CoproductionModel,
    rows: np.ndarray,
    cand: np.ndarray,
    trust_person: np.ndarray | Callable[[np.ndarray], np.ndarray],
    asked: np.ndarray,
    rng: np.random.Generator,
    *,
    formal: bool = True,
    growth: np.ndarray | None = None,
) -> np.ndarray:
    """Apply the model's decision rule; returns the indices (ascending) of the pairs whose
    candidate says yes. Those who say yes to a task they are not vetted for start a check
    instead (and are not matched this week).

    ``formal`` asks (by a service, professional, coordinator or connector) are recorded in
    ``pop.last_asked_week``: the survey's "never been asked" is about such asks, not about a
    neighbour asking for a favour (``formal=False``, the informal channel).

    ``trust_person`` is per pair, a ``TrustGather``, or a function of the indices of the pairs
    past the hard gates (so a costly look-up, such as trust on a tie, is made only for those).
    With the default rule and an array or ``TrustGather``, the compiled
    ``kernels.decide_pairs`` does the same in one pass."""
    u = rng.random(len(rows))  # drawn for every pair, so gating never shifts the stream
    if formal:
        model.pop.last_asked_week[cand[asked]] = model.week
    if model.decision_rule is help_probability and not callable(trust_person):
        trust_person = TrustGather(trust_person, np.arange(len(rows)))
    if model.decision_rule is help_probability and isinstance(trust_person, TrustGather):
        yes, start = _decide_compiled(model, rows, cand, trust_person, asked, u, growth)
        if len(start):
            _start_vetting(model, cand[start])
        return yes
    # cheap hard gates first; the full inputs are gathered only for pairs that pass them
    idx = quick_gate(model, rows, cand)
    cand_s = cand[idx]
    trust = trust_person(idx) if callable(trust_person) else trust_person[idx]
    g = None if growth is None else growth[idx]
    x, needs_check = help_inputs(model, rows[idx], cand_s, trust, asked[idx], gated=True, growth=g)
    eligible = x.eligible
    x.eligible = eligible | needs_check  # the rule decides as if vetted (x is ours to change)
    yes_if_vetted = u[idx] < model.decision_rule(x, model.weights)
    start = yes_if_vetted & needs_check & (model.pop.vet_status[cand_s] == NOT_VETTED)
    if start.any():
        _start_vetting(model, cand_s[start])
    return idx[yes_if_vetted & eligible]


def _start_vetting(model: CoproductionModel, who: np.ndarray) -> None:
    model.pop.vet_status[who] = VETTING
    model.pop.vet_wait[who] = 0
    model.events["vetting_started"] += len(unique_ints(who))


def _decide_compiled(
    model: CoproductionModel,
    rows: np.ndarray,
    cand: np.ndarray,
    trust: TrustGather,
    asked: np.ndarray,
    u: np.ndarray,
    growth: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    pop, kinds, needs = model.pop, model.kinds, model.needs
    return kernels.decide_pairs(
        rows,
        cand,
        asked,
        u,
        _EMPTY_F if growth is None else growth,
        trust.source,
        trust.at,
        _EMPTY_I if trust.at2 is None else trust.at2,
        model.week,
        float(model.params.min_free_hours),
        VETTED,
        NOT_VETTED,
        kernels.coefficients(model.weights),
        needs.kind,
        needs.owner,
        needs.hours,
        kinds.activity_bit,
        kinds.vetting,
        kinds.growth,
        kinds.risk,
        pop.willing,
        model.busy,
        pop.recovering_until,
        pop.free_hours,
        pop.time_off,
        pop.committed,
        pop.vet_status,
        pop.trust_nbr,
        pop.confidence,
        pop.fear_commit,
        pop.fear_liab,
        pop.insured,
        pop.aware,
        pop.reward,
        model.example_count,
        model.graph.inv_deg,
        pop.fatigue,
    )


_EMPTY_F = np.zeros(0)
_EMPTY_I = np.zeros(0, np.int64)


def quick_gate(model: CoproductionModel, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Indices of the pairs that pass the hard gates that need no arithmetic: a willing, free,
    non-recovering candidate who is not the owner (the same gates ``help_inputs`` applies).

    Stated willingness for the activity is tested first, on every pair; it rules out most
    pairs, so the other gates read only the pairs left."""
    pop, needs = model.pop, model.needs
    bit = model.kinds.activity_bit[needs.kind[rows]]
    idx = (pop.willing[cand] & bit).nonzero()[0]
    c = cand[idx]
    ok = ~model.busy[c] & (pop.recovering_until[c] <= model.week) & (c != needs.owner[rows[idx]])
    return idx[ok]


def owner_accepts(
    model: CoproductionModel,
    rows: np.ndarray,
    cand: np.ndarray,
    yes: np.ndarray,
    stranger: np.ndarray,
    rng: np.random.Generator,
    *,
    count: bool = True,
) -> np.ndarray:
    """Of the offers ``yes`` (indices of pairs, from ``decide``), those the owners of ``rows``
    accept (``trust.accept_probability``'s rule, in one compiled pass: ``kernels.accept_offers``),
    as indices; with ``count`` refusals are counted in
    ``events["refused_stranger"]``. One uniform is drawn for every pair, so the stream does
    not depend on who said yes; the owners are read only for the offers."""
    u = rng.random(len(rows))
    pop = model.pop
    ok = kernels.accept_offers(
        np.asarray(yes, np.int64),
        rows,
        stranger,
        u,
        model.needs.owner,
        pop.age,
        pop.trust_nbr,
        float(model.params.stranger_distrust_old),
        RETIRED,
    )
    if count:
        model.events["refused_stranger"] += len(yes) - len(ok)
    return ok


def informal(model: CoproductionModel, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Owners ask their ties (and ties of ties) for help."""
    needs, kinds = model.needs, model.kinds
    k = needs.kind[rows]
    sel = rows[(needs.owner[rows] >= 0) & ~kinds.professional_only[k] & ~needs.crisis[rows]]
    g, p = model.graph, model.params
    n = len(sel) * p.asks_per_need
    if n == 0 or len(g.indices) == 0:
        return Match(np.zeros(0, np.int64), np.zeros(0, np.int64))
    # a random tie of the owner (network.sample_ties' rule); then a share of asks passed on
    u_tie = rng.random(n)
    u_hop = rng.random(n)
    r, owner, cand, pos, hop = kernels.ask_ties(
        sel, p.asks_per_need, needs.owner, g.indptr, g.indices, u_tie, u_hop, p.share_asks_two_hop
    )
    pos2 = np.full(n, -1, np.int64)  # the second tie of a two-hop ask
    if len(hop):
        kernels.pass_on(hop, owner, cand, pos2, g.indptr, g.indices, rng.random(len(hop)))
    valid = cand >= 0
    if not valid.all():
        r, cand, pos, pos2 = r[valid], cand[valid], pos[valid], pos2[valid]
    stranger = pos2 >= 0
    # trust in a tie; in a stranger vouched for by a tie, the product of the two ties'
    trust = TrustGather(model.tie_trust, pos, pos2)
    yes = decide(model, r, cand, trust, np.ones(len(r), bool), rng, formal=False)
    ok = owner_accepts(model, r, cand, yes, stranger, rng)
    edge = np.where(stranger[ok], -1, pos[ok])
    return first_unique(r[ok], cand[ok], rng, edge)


informal.name = "informal"


def open_call(model: CoproductionModel, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Services advertise volunteer roles in a neighbourhood; those who see them may respond."""
    needs, kinds, nb = model.needs, model.kinds, model.nb
    k = needs.kind[rows]
    calls = model.service_mode[kinds.service[k]] >= 1
    sel = rows[(needs.owner[rows] < 0) & calls]
    m = model.params.asks_per_need
    r = np.repeat(sel, m)
    if len(r) == 0:
        return Match(r, r)
    b = needs.nbhd[r]
    cand = nb.start[b] + (rng.random(len(r)) * nb.size[b]).astype(np.int64)
    trust_svc = model.pop.trust_svc
    # residents a professional has asked personally (personal_asks lever) respond as asked
    asked = model.pop.asked_until[cand] > model.week
    yes = decide(model, r, cand, TrustGather(trust_svc, cand), asked, rng)
    return first_unique(r[yes], cand[yes], rng)


open_call.name = "open_call"


def professional(model: CoproductionModel, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Staff meet queued needs from the capacity left after their ongoing cases."""
    needs, kinds = model.needs, model.kinds
    left = model.service_capacity - model.professional_load()
    k = needs.kind[rows]
    # a self-organised service leaves needs the community can meet to the community
    community = ~kinds.professional_only[k] & ~needs.crisis[rows]
    stand_back = (model.service_mode[kinds.service[k]] == 3) & community
    sel = rows[(needs.owner[rows] >= 0) & ~stand_back]
    if len(sel) == 0:
        return Match(sel, sel)
    ks = needs.kind[sel]
    svc = kinds.service[ks].astype(np.int64)
    priority = (needs.crisis[sel] * 4 + kinds.professional_only[ks] * 2).astype(
        np.int64
    ) * 10_000 + np.minimum(needs.waited[sel], 9_999)
    top = PRIORITY_SPAN - 1  # highest priority first within each service
    o = order_within(svc * PRIORITY_SPAN + (top - priority), random_keys(rng, len(sel)))
    sel, svc = sel[o], svc[o]
    h = needs.hours[sel].astype(np.float64)
    met = kernels.fill_queue(svc, h, np.maximum(left, 0.0), PROFESSIONAL_PASSES)
    return Match(sel[met], np.full(int(met.sum()), -1, np.int64))


professional.name = "professional"

CORE_CHANNELS: tuple[Channel, ...] = (informal, open_call, professional)
CHANNEL_ID = CHANNEL_INDEX
