"""Mechanism 2, channels that meet a need.

A channel is any callable ``channel(model, rows, rng) -> Match`` with a ``name`` from
``needs.CHANNELS``: it gets the rows of the needs still open this week and returns which of them
it meets and by whom. The model tries its channels in order (``model.channels``); a lever can
insert its own (referral and the time bank do) without touching this module.

Core channels:
- ``informal``: the owner of a need asks ``asks_per_need`` of their ties; a share of those asks
  is passed on to a tie of the tie (a stranger to the owner). Each asked resident decides with
  the decision rule (mechanism 3); a stranger's offer is accepted by the owner per
  ``trust.accept_stranger``.
- ``open_call``: a service advertises its volunteer roles; ``asks_per_need`` random residents of
  the role's neighbourhood see each one (not a personal ask: only the aware respond readily,
  and those a professional asked personally within the last weeks, ``pop.asked_until``).
  Each role is advertised in a week with its service's open-call share (``services``: 0 in
  traditional provision, rising smoothly with the staff's mean attitude).
- ``professional``: staff meet needs from their weekly capacity, strictly in the order of the
  service's queue: crises first, then needs only a professional may meet, then the rest; within
  each, the need with the fewest weeks left before it lapses (or a crisis goes to an emergency
  response) first (``queue_by_deadline``; else the longest waiting), ties in random order;
  ongoing cases keep their hours first. The first need that
  does not fit in the hours left is taken with probability ``hours left / its hours`` (its
  shortfall booked ahead: staff give it this week and carry the case into the next weeks'
  load) and otherwise stays first in the queue; either way the service takes no more new
  needs this week. So on average a service books exactly the hours it has, whatever the size
  of the town or of its needs, and no need is passed over for a smaller one behind it. Staff
  leave a need the community can meet (not professional-only, not a crisis) to the community
  with their service's step-back share (``services``: 0 unless the service nears
  self-organised provision).

Everyone takes at most one new task a week; a need gets at most one helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numba import njit

from coprod_sim.mechanisms import decision, services, trust
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, CHANNELS, UNMET, record_waits
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.arrays import (
    add_by_helper,
    count_into,
    order_within,
    random_keys,
    unique_ints,
)
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import has_vacancies, someone_in
from coprod_sim.state.population import LONG_AGO, NOT_VETTED, RETIRED, VETTED, VETTING

if TYPE_CHECKING:
    from mesa import Model


#: the column the channels own: who an organisation asked, and when
STATE = (
    StateColumn("last_asked_week", "int32", "week",
                "last week asked personally by a service, professional, coordinator or "
                "connector (or helping); -10000 never", start=LONG_AGO),
)  # fmt: skip


class ChannelParams(Strict):
    """Mechanism 2: how many are asked, and how asks travel."""

    asks_per_need: int = param(
        5,
        unit="residents/need/week",
        role="world",
        ge=1,
        le=20,
        source="hand-tuned to the survey's formal participation (issue 14; was 3); " + ASSUME,
        doc="How many ties an owner (or a service's open call) asks each week for one need.",
    )
    share_asks_two_hop: float = param(
        0.25,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of an owner's asks passed on by a tie to one of their own ties (a stranger "
        "to the owner).",
    )
    crises_preempt: bool = param(
        True,
        unit="-",
        role="world",
        source=ASSUME + " (triage: a team drops routine work for a crisis)",
        doc="A crisis a service has no hours left for this week is taken on all the same: the "
        "service hands back to its queue enough of its ongoing cases that are not crises "
        "(those the community could meet first, then the rest, in random order) to free the "
        "hours; a crisis is left waiting only when every hour goes to crises.",
    )
    queue_by_deadline: bool = param(
        True,
        unit="-",
        role="world",
        source=ASSUME + " (triage: the need that would soonest lapse, or a crisis that would "
        "soonest go to an emergency service, is seen first; False: the longest waiting first)",
        doc="Order of a service's queue within each tier (crises, then needs only a "
        "professional may meet, then the rest): fewest weeks left before the need lapses "
        "(max_wait_weeks) or, for a crisis, before it goes to an emergency response "
        "(crisis_max_wait_weeks) first; False: longest waiting first.",
    )


PRIORITY_SPAN = 100_000  # professional queue priorities lie in [0, PRIORITY_SPAN)


@dataclass
class Match:
    rows: np.ndarray  # need rows met
    helpers: np.ndarray  # resident who meets each (-1: a professional)
    edges: np.ndarray | None = None  # CSR position of the owner's tie to the helper, or -1


class Channel(Protocol):
    name: str

    def __call__(self, model: Model, rows: np.ndarray, rng: np.random.Generator) -> Match: ...


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

    Up to ``SMALL_MATCH`` offers the compiled ``first_unique`` does the same in one
    call (the same pairs in the same order); above it numpy's vectorised sort is faster."""
    e = np.full(len(rows), -1, np.int64) if edges is None else edges
    if len(rows) == 0:
        return Match(rows, helpers, e)
    key = random_keys(rng, len(rows))
    if len(rows) <= SMALL_MATCH:
        r, h, e = _first_unique(
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
    model: Model,
    rows: np.ndarray,
    cand: np.ndarray,
    trust_person: np.ndarray | TrustGather,
    asked: np.ndarray,
    rng: np.random.Generator,
    *,
    formal: bool = True,
    growth: np.ndarray | None = None,
) -> np.ndarray:
    """Apply the decision to help (``decision.decide_pass`` with the model's ``help`` rule);
    returns the indices (ascending) of the pairs whose candidate says yes. Those who say yes
    to a task they are not vetted for start a check instead (and are not matched this week).

    ``formal`` asks (by a service, professional, coordinator or connector) are recorded in
    ``pop.last_asked_week`` and make the asked aware of local opportunities before they
    decide: the survey's "never been asked" (``outcomes.barriers``) is about such asks, not
    about a neighbour asking for a favour (``formal=False``, the informal channel), which is
    recorded in ``pop.last_asked_informal_week`` (``informal_asks``). The decision gives both
    the ask bonus; awareness and the liability block play no part in a neighbour's request
    (``decision.ask_weights``).

    ``trust_person`` is per pair, or a ``TrustGather`` (read only for pairs past the gates)."""
    u = rng.random(len(rows))  # drawn for every pair, so gating never shifts the stream
    if formal:
        model.pop.last_asked_week[cand[asked]] = model.week
        model.pop.aware[cand[asked]] = True
    else:
        informal_asks(model.pop)[cand[asked]] = model.week
    if not isinstance(trust_person, TrustGather):
        trust_person = TrustGather(trust_person, np.arange(len(rows)))
    pop, kinds, needs = model.pop, model.kinds, model.needs
    yes, start = decision.decide_pass.bind(model.rules)(
        rows, cand, asked, u,
        _EMPTY_F if growth is None else growth,
        trust_person.source, trust_person.at,
        _EMPTY_I if trust_person.at2 is None else trust_person.at2,
        model.week, float(model.params.min_free_hours), VETTED, NOT_VETTED,
        decision.ask_weights(model.weights, formal),
        needs.kind, needs.owner, needs.hours,
        kinds.activity_bit, kinds.vetting, kinds.growth, kinds.risk,
        pop.willing, model.busy, pop.recovering_until, pop.free_hours, pop.time_off,
        pop.committed, pop.vet_status, pop.trust_nbr, pop.confidence, pop.fear_commit,
        pop.fear_liab, pop.insured, pop.aware, pop.reward, model.example_count,
        model.graph.inv_deg, pop.fatigue, formal,
    )  # fmt: skip
    if len(start):
        _start_vetting(model, cand[start])
    return yes


def informal_asks(pop: Any) -> np.ndarray:
    """``pop.last_asked_informal_week``: the last week each resident was asked personally by a
    neighbour (the informal channel; -10000 never), added to the population on first use."""
    return pop.add_column("last_asked_informal_week", np.int32, NEVER_ASKED)


NEVER_ASKED = -10_000  # the week recorded for residents never asked


def _start_vetting(model: Model, who: np.ndarray) -> None:
    model.pop.vet_status[who] = VETTING
    model.pop.vet_wait[who] = 0
    model.events["vetting_started"] += len(unique_ints(who))


_EMPTY_F = np.zeros(0)
_EMPTY_I = np.zeros(0, np.int64)


def owner_accepts(
    model: Model,
    rows: np.ndarray,
    cand: np.ndarray,
    yes: np.ndarray,
    stranger: np.ndarray,
    rng: np.random.Generator,
    *,
    count: bool = True,
) -> np.ndarray:
    """Of the offers ``yes`` (indices of pairs, from ``decide``), those the owners of ``rows``
    accept (``trust.accept_pass`` with the model's ``accept`` rule),
    as indices; with ``count`` refusals are counted in
    ``events["refused_stranger"]``. One uniform is drawn for every pair, so the stream does
    not depend on who said yes; the owners are read only for the offers."""
    u = rng.random(len(rows))
    pop = model.pop
    ok = trust.accept_pass.bind(model.rules)(
        np.asarray(yes, np.int64),
        rows,
        stranger,
        u,
        model.needs.owner,
        pop.age,
        pop.trust_nbr,
        model.params.stranger_accept_base,
        model.params.stranger_accept_trust,
        float(model.params.stranger_distrust_old),
        RETIRED,
    )
    if count:
        model.events["refused_stranger"] += len(yes) - len(ok)
    return ok


def informal(model: Model, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Owners ask their ties (and ties of ties) for help."""
    needs, kinds = model.needs, model.kinds
    k = needs.kind[rows]
    # ``take``: a gather by int16 kinds (int32 neighbourhoods), ~3x faster than indexing
    sel = rows[(needs.owner[rows] >= 0) & ~kinds.professional_only.take(k) & ~needs.crisis[rows]]
    g, p = model.graph, model.params
    n = len(sel) * p.asks_per_need
    if n == 0 or len(g.indices) == 0:
        return Match(np.zeros(0, np.int64), np.zeros(0, np.int64))
    # a random tie of the owner (network.sample_ties' rule); then a share of asks passed on
    u_tie = rng.random(n)
    u_hop = rng.random(n)
    r, owner, cand, pos, hop = ask_ties(
        sel, p.asks_per_need, needs.owner, g.indptr, g.indices, u_tie, u_hop, p.share_asks_two_hop
    )
    pos2 = np.full(n, -1, np.int64)  # the second tie of a two-hop ask
    if len(hop):
        pass_on(hop, owner, cand, pos2, g.indptr, g.indices, rng.random(len(hop)))
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


def open_call(model: Model, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Services advertise volunteer roles in a neighbourhood; those who see them may respond."""
    needs, kinds, nb = model.needs, model.kinds, model.nb
    k = needs.kind[rows]
    # each role is advertised this week with its service's open-call share (services.py)
    # ``take``: a gather by int16 kinds (int32 neighbourhoods), ~3x faster than indexing
    share = model.service_open_call_share.take(kinds.service.take(k))
    calls = rng.random(len(rows)) < share
    sel = rows[(needs.owner[rows] < 0) & calls]
    m = model.params.asks_per_need
    r = np.repeat(sel, m)
    if len(r) == 0:
        return Match(r, r)
    b = needs.nbhd[r]
    if has_vacancies(model):  # a present resident of the neighbourhood (a growing town)
        cand = someone_in(model, b, rng)
        r, cand = r[cand >= 0], cand[cand >= 0]
    else:
        cand = nb.start.take(b) + (rng.random(len(r)) * nb.size.take(b)).astype(np.int64)
    trust_svc = model.pop.trust_svc
    # residents a professional has asked personally (personal_asks lever) respond as asked
    asked = model.pop.asked_until[cand] > model.week
    yes = decide(model, r, cand, TrustGather(trust_svc, cand), asked, rng)
    return first_unique(r[yes], cand[yes], rng)


open_call.name = "open_call"


def professional(model: Model, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Staff meet queued needs from the capacity left after their ongoing cases."""
    needs, kinds = model.needs, model.kinds
    left = model.service_capacity - services.professional_load(model)
    k = needs.kind[rows]
    # a service leaves a need the community can meet to the community with its step-back share
    # ``take``: a gather by int16 kinds, ~3x faster than indexing with them
    community = ~kinds.professional_only.take(k) & ~needs.crisis[rows]
    step_back = model.service_step_back_share.take(kinds.service.take(k))
    stand_back = community & (rng.random(len(rows)) < step_back)
    sel = rows[(needs.owner[rows] >= 0) & ~stand_back]
    if len(sel) == 0:
        return Match(sel, sel)
    ks = needs.kind[sel]
    svc = kinds.service.take(ks).astype(np.int64)
    priority = queue_priority(model, sel)
    top = PRIORITY_SPAN - 1  # highest priority first within each service
    o = order_within(svc * PRIORITY_SPAN + (top - priority), random_keys(rng, len(sel)))
    sel, svc = sel[o], svc[o]
    h = needs.hours[sel].astype(np.float64)
    left = np.maximum(left, 0.0)
    met = fill_queue(svc, h, left, rng.random(len(left)))
    if model.params.crises_preempt:
        spare = left - np.bincount(svc[met], weights=h[met], minlength=len(left))
        met |= preempt_for_crises(model, sel, svc, h, met, np.maximum(spare, 0.0), rng)
    return Match(sel[met], np.full(int(met.sum()), -1, np.int64))


def preempt_for_crises(
    model: Model,
    sel: np.ndarray,
    svc: np.ndarray,
    hours: np.ndarray,
    met: np.ndarray,
    spare: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Crises of the queue ``sel`` (in queue order) left unmet by ``fill_queue``: each service
    hands back to its queue ongoing non-crisis cases (those the community could meet first,
    then the rest; random order within) until the hours freed plus its ``spare`` hours cover
    them, or it has none left to hand back. Returns which of ``sel`` the service now meets;
    the handed-back cases wait again (``model.reopen``, no let-down)."""
    needs, kinds = model.needs, model.kinds
    waiting = ~met & needs.crisis[sel]
    take = np.zeros(len(sel), bool)
    if not waiting.any():
        return take
    ongoing = ((needs.channel == CHANNEL_INDEX["professional"]) & ~needs.crisis).nonzero()[0]
    o_kind = needs.kind[ongoing]
    o_svc = kinds.service.take(o_kind).astype(np.int64)  # take: faster by int16 kinds
    # community-meetable cases first, then professional-only; random within
    first = o_svc * 2 + kinds.professional_only.take(o_kind)
    o = order_within(first, random_keys(rng, len(ongoing)))
    ongoing, o_svc = ongoing[o], o_svc[o]
    o_hours = needs.hours[ongoing].astype(np.float64)
    handed = []
    for s in np.unique(svc[waiting]):
        crisis_idx = (waiting & (svc == s)).nonzero()[0]  # queue order
        need = np.cumsum(hours[crisis_idx]) - spare[s]
        mine = (o_svc == s).nonzero()[0]
        freed = np.cumsum(o_hours[mine])
        # hand back the fewest cases that free the hours of all the crises, or all of them
        n_back = min(int(np.searchsorted(freed, need[-1] - 1e-9)) + 1, len(mine))
        if need[-1] <= 0:
            n_back = 0
        got = freed[n_back - 1] if n_back else 0.0
        take[crisis_idx[need <= got + 1e-9]] = True
        handed.append(ongoing[mine[:n_back]])
    back = np.concatenate(handed) if handed else np.zeros(0, np.int64)
    if len(back):
        model.reopen(back, let_down=False)
        model.events["handed_back_for_crises"] += len(back)
    return take


professional.name = "professional"


def queue_priority(model: Model, rows: np.ndarray) -> np.ndarray:
    """Priority (higher first, in ``[0, PRIORITY_SPAN)``) of need ``rows`` in their service's
    queue: tier (crisis 2, professional-only 1, else 0) x 10,000, plus within the tier, with
    ``queue_by_deadline``, 9,999 less the weeks left before the need lapses (a crisis: before
    it goes to an emergency response), else the weeks waited."""
    needs, kinds = model.needs, model.kinds
    ks = needs.kind[rows]
    crisis = needs.crisis[rows]
    # ``take``: a gather by int16 kinds, ~3x faster than indexing with them
    tier = np.where(crisis, 2, kinds.professional_only.take(ks).astype(np.int64))
    if model.params.queue_by_deadline:
        left = np.where(
            crisis,
            model.params.crisis_max_wait_weeks - needs.crisis_wait[rows].astype(np.int64),
            kinds.max_wait.take(ks).astype(np.int64) - needs.waited[rows],
        )
        within = 9_999 - np.clip(left, 0, 9_999)
    else:
        within = np.minimum(needs.waited[rows].astype(np.int64), 9_999)
    return tier * 10_000 + within


CORE_CHANNELS: tuple[Channel, ...] = (informal, open_call, professional)
CHANNEL_ID = CHANNEL_INDEX


# ------------------------------------------------------------------------------ compiled steps
@njit(cache=True, nogil=True)
def ask_ties(sel, asks, need_owner, indptr, indices, u_tie, u_hop, share_two_hop):
    """The first step of informal asks (``channels.informal``): each need in ``sel`` is asked
    ``asks`` times; each ask goes to a uniformly drawn tie of the owner (``u_tie``), and is
    marked to be passed on (``u_hop < share_two_hop``) if that tie exists. Returns the pairs'
    need rows, owners, ties, the ties' CSR positions (-1: the owner has no ties) and the
    indices of the asks passed on."""
    n = len(sel) * asks
    r = np.empty(n, np.int64)
    owner = np.empty(n, np.int64)
    cand = np.empty(n, np.int64)
    pos = np.empty(n, np.int64)
    hop = np.empty(n, np.int64)
    n_hop = 0
    i = 0
    for j in range(len(sel)):
        row = sel[j]
        o = need_owner[row]
        first = indptr[o]
        deg = indptr[o + 1] - first
        for _ in range(asks):
            r[i] = row
            owner[i] = o
            if deg == 0:
                cand[i] = -1
                pos[i] = -1
            else:
                p = first + np.int64(u_tie[i] * deg)
                pos[i] = p
                cand[i] = indices[p]
                hop[n_hop] = i
                n_hop += u_hop[i] < share_two_hop
            i += 1
    return r, owner, cand, pos, hop[:n_hop]


@njit(cache=True, nogil=True)
def pass_on(hop, owner, cand, pos2, indptr, indices, u_tie):
    """The second step: each ask in ``hop`` goes on to a uniformly drawn tie of the tie
    (``u_tie``), unless that tie has no other ties or the draw is the owner; ``cand`` and
    ``pos2`` (the second tie's CSR position) are updated in place."""
    for j in range(len(hop)):
        i = hop[j]
        c = cand[i]
        deg = indptr[c + 1] - indptr[c]
        if deg == 0:
            continue
        p = indptr[c] + np.int64(u_tie[j] * deg)
        c2 = indices[p]
        if c2 != owner[i]:
            cand[i] = c2
            pos2[i] = p


@njit(cache=True, nogil=True)
def fill_queue(service, hours, left, u):
    """Which needs of a queue staff meet: ``service`` and ``hours`` are in queue order (by
    service, highest priority first). Each service meets its needs in order while they fit in
    its hours ``left``. The first need that does not fit is met with probability
    ``left / hours`` (uniform ``u[service]``), booking its shortfall ahead, and the service
    takes nothing more this week: the hours a service books a week equal its hours left on
    average, with no need passed over for a smaller one behind it."""
    n = len(service)
    met = np.zeros(n, np.bool_)
    left = left.copy()
    stopped = np.zeros(len(left), np.bool_)
    for i in range(n):
        s = service[i]
        if stopped[s]:
            continue
        if hours[i] <= left[s]:
            met[i] = True
            left[s] -= hours[i]
        else:
            stopped[s] = True
            if left[s] > 0 and u[s] * hours[i] < left[s]:
                met[i] = True
                left[s] = 0.0
    return met


@njit(cache=True, nogil=True)
def _bits(x):
    """``int.bit_length`` for x >= 0."""
    b = 0
    while x > 0:
        x >>= 1
        b += 1
    return b


@njit(cache=True, nogil=True)
def _order_within(group, key):
    """``arrays.order_within`` (the same packing, the same order), compiled."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    lo = group.min()
    b_idx = max(_bits(n - 1), 1)
    b_key = 63 - b_idx - _bits(group.max() - lo)
    if b_key < 16:  # as np.lexsort((key, group)): stable by key, then stable by group
        o = np.argsort(key, kind="mergesort")
        return o[np.argsort(group[o], kind="mergesort")]
    packed = np.empty(n, np.int64)
    shift = np.uint64(64 - b_key)
    for i in range(n):
        packed[i] = ((((group[i] - lo) << b_key) | np.int64(key[i] >> shift)) << b_idx) | i
    packed.sort()
    mask = (np.int64(1) << b_idx) - 1
    for i in range(n):
        packed[i] &= mask
    return packed


@njit(cache=True, nogil=True)
def _first_unique(rows, helpers, edges, key):
    """``channels.first_unique``'s rule on keys already drawn: the first offer of each need in
    the order of ``key``, then the first of those for each helper; the same pairs in the same
    order (by helper) as the NumPy version."""
    o = _order_within(rows, key)
    n = len(o)
    keep = np.empty(n, np.int64)
    m = 0
    for j in range(n):
        i = o[j]
        if j == 0 or rows[i] != rows[o[j - 1]]:
            keep[m] = i
            m += 1
    keep = keep[:m]
    o2 = _order_within(helpers[keep], key[keep])
    out = np.empty(m, np.int64)
    k = 0
    for j in range(m):
        i = keep[o2[j]]
        if j == 0 or helpers[i] != helpers[keep[o2[j - 1]]]:
            out[k] = i
            k += 1
    out = out[:k]
    return rows[out], helpers[out], edges[out]


# ------------------------------------------------------------------------------ phase
def match(model: Model) -> None:
    """The channels meet open needs in order (``model.channels``: informal, open call, any
    lever channels, professional); each gets the needs still open after those before it."""
    n = model.needs
    model.busy[:] = False
    rows = (n.channel == UNMET).nonzero()[0]
    for ch in model.channels:
        if len(rows) == 0:
            break
        m: Match = ch(model, rows, model.rng_for("channel:" + ch.name))
        assign(model, m, CHANNEL_INDEX[ch.name])
        rows = rows[n.channel[rows] == UNMET]


def assign(model: Model, m: Match, channel: int, edges: np.ndarray | None = None) -> None:
    """Record that channel ``channel`` meets need rows ``m.rows`` with helpers ``m.helpers``."""
    n = model.needs
    if len(m.rows) == 0:
        return
    helpers = np.asarray(m.helpers, np.int64)
    n.channel[m.rows] = channel
    n.helper[m.rows] = helpers
    e = getattr(m, "edges", None) if edges is None else edges
    if e is not None:
        n.edge[m.rows] = e
    vol = helpers >= 0
    model.busy[helpers[vol]] = True
    # the stored (int32) helpers: one compiled signature for every caller; -1 is skipped
    add_by_helper(n.helper[m.rows], n.hours[m.rows], model.pop.committed)
    count_into(n.kind[m.rows], model.met_by_kind_channel[:, channel])
    count_into(n.nbhd[m.rows], model.met_by_nbhd)
    model.events[f"met_{CHANNELS[channel]}"] += len(m.rows)
    # a need met for the first time is a need served; met again after a helper left, a re-match
    first = m.rows[~n.served[m.rows]]
    n.served[first] = True
    model.events["served_first"] += len(first)
    record_waits(model, first)
    model.events["served_first_roles"] += int(np.count_nonzero(n.owner[first] < 0))
