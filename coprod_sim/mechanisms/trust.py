"""Mechanism 5, trust dynamics: experiences move trust along ties and in the place.

Good experiences raise trust towards 1 by a share ``gain`` of the gap; bad ones (being let down
by a helper who drops out or burns out) lower it by a share ``loss`` of the level, so bad news
weighs more. Trust in services rises when a service meets one's need and falls each week a need
waits past the service standard. Neighbour trust relaxes slowly towards the neighbourhood's
baseline (set by diversity and deprivation), and trust in services towards the resident's own
baseline (their trust at the start), so both settle where experiences and fading memory
balance. Older residents are wary of help from strangers.

Rules (``coprod_sim.RULES``): ``trust_gain``, ``trust_loss`` (also used for what rises and
falls the same way: fear of commitment, fear of retaliation, confidence from training and the
time bank) and ``accept`` (an owner accepting a stranger's offer).
They work in the precision the values are stored in (single).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import compiled_pass, rule

if TYPE_CHECKING:
    from mesa import Model


class TrustParams(Strict):
    """Mechanism 5: gains, losses, drift and acceptance of strangers."""

    trust_gain: float = param(
        0.05,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in trust (tie, neighbour) after a good experience of help.",
    )
    trust_loss: float = param(
        0.15,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (bad experiences weigh more than good ones)",
        doc="Fall in trust after being let down (helper drops out, burns out).",
    )
    service_trust_gain: float = param(
        0.03,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in trust in services when a service meets one's need.",
    )
    service_trust_loss: float = param(
        0.05,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " ('a service that never answers', Capable Communities 2010)",
        doc="Fall in trust in services per week one's need waits past the service standard.",
    )
    trust_relaxation: float = param(
        0.005,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of neighbour trust back towards the neighbourhood's baseline.",
    )
    service_trust_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (as fear_relaxation; gives trust in services a level to settle at)",
        doc="Weekly pull of trust in services back towards the resident's own baseline (their "
        "trust at the start): experiences move it, memory of them fades.",
    )
    fear_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of fear of commitment back towards the resident's baseline.",
    )
    stranger_distrust_old: float = param(
        0.35,
        unit="acceptance",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 focus groups ('what's he after?'); size assumed",
        doc="Fall in the chance that a retired resident accepts help from a stranger "
        "(someone not among their ties).",
    )
    stranger_accept_base: float = param(
        0.5,
        unit="probability",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Chance of accepting a stranger's help at zero trust in neighbours.",
    )
    stranger_accept_trust: float = param(
        0.5,
        unit="probability per unit trust",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in the chance of accepting a stranger's help per unit of trust in neighbours.",
    )


f32 = np.float32


# ------------------------------------------------------------------------------ rules
@rule(
    "trust_gain",
    doc="trust (or fear) after a good experience (or a scare)",
    returns="a level in [0, 1]",
    low=0.0,
    high=1.0,
    example=(f32(0.5), f32(0.05)),
)
def gain(value, rate):
    """A share ``rate`` of the gap to 1."""
    return value + rate * (f32(1.0) - value)


@rule(
    "trust_loss",
    doc="trust after being let down",
    returns="a level in [0, 1]",
    low=0.0,
    high=1.0,
    example=(f32(0.5), f32(0.1)),
)
def loss(value, rate):
    """A share ``rate`` of the level: bad news weighs more than good."""
    return value - rate * value


@rule(
    "accept",
    doc="chance a person in need accepts help offered by a stranger",
    returns="a probability",
    low=0.0,
    high=1.0,
    example=(f32(0.5), True, f32(0.5), f32(0.5), 0.2),
)
def accept_stranger(owner_trust, owner_retired, base, per_trust, distrust_old):
    """``base + per_trust * trust in neighbours``, less ``distrust_old`` for retired residents
    ("what's he after?"), within [0, 1]. (Help from a tie is always accepted.)"""
    p = np.float64(base + per_trust * owner_trust)
    if owner_retired:
        p -= distrust_old
    return min(max(p, 0.0), 1.0)


# ------------------------------------------------------------------------------ passes
@compiled_pass(trust_gain="gain")
def _gain_at(values, idx, rate):
    new = np.empty(len(idx), values.dtype)
    for j in range(len(idx)):
        new[j] = gain(values[idx[j]], rate)
    for j in range(len(idx)):  # a value named twice changes once, as NumPy's v[idx] = ...
        values[idx[j]] = new[j]


@compiled_pass(trust_loss="loss")
def _loss_at(values, idx, rate):
    new = np.empty(len(idx), values.dtype)
    for j in range(len(idx)):
        new[j] = loss(values[idx[j]], rate)
    for j in range(len(idx)):
        values[idx[j]] = new[j]


def raise_towards_one(values: np.ndarray, idx: np.ndarray, rate: float, rules: Any) -> None:
    """Good experience at ``idx`` (the chosen ``trust_gain`` rule; a value named twice gains
    once), in place. ``rules``: the model (or its rules), never left out."""
    run = _gain_at.bind(rules)
    if len(idx):
        run(values, np.asarray(idx, np.int64), values.dtype.type(rate))


def lower_towards_zero(values: np.ndarray, idx: np.ndarray, rate: float, rules: Any) -> None:
    """Bad experience at ``idx`` (the chosen ``trust_loss`` rule; a value named twice loses
    once), in place. ``rules``: the model (or its rules), never left out."""
    run = _loss_at.bind(rules)
    if len(idx):
        run(values, np.asarray(idx, np.int64), values.dtype.type(rate))


def relax(values: np.ndarray, target: np.ndarray, rate: float) -> None:
    """Pull every value a share ``rate`` of the way to its target (in place)."""
    values += rate * (target - values)


@compiled_pass(accept="accept_stranger")
def accept_pass(
    yes, rows, stranger, u, need_owner, age, trust_nbr, base, per_trust, distrust_old, retired
):  # fmt: skip
    """Of the offers ``yes`` (ascending pair indices), those whose owner accepts (``u`` per
    pair). A tie's offer, or a role's (no owner), is always accepted; a stranger's with
    ``accept_stranger``."""
    base, per_trust = f32(base), f32(per_trust)
    out = np.empty(len(yes), np.int64)
    m = 0
    for j in range(len(yes)):
        i = yes[j]
        o = need_owner[rows[i]]
        p = 1.0
        if o >= 0 and stranger[i]:
            p = accept_stranger(trust_nbr[o], age[o] == retired, base, per_trust, distrust_old)
        if u[i] < p:
            out[m] = i
            m += 1
    return out[:m]


@compiled_pass(trust_gain="gain")
def good_experiences_pass(
    done, helper, owner, edge, trust_nbr, tie_trust, trust_svc, rate, svc_rate, seen, seen_tie,
    token,
):  # fmt: skip
    """Five passes of ``gain`` over the need rows ``done``, in this order: owners helped by a
    volunteer and those volunteers gain neighbour trust, the tie asked gains tie trust, owners
    met by professionals and volunteers in service roles gain trust in services. A resident (or
    tie) named by several rows gains once per pass: ``seen``/``seen_tie`` hold the pass's token
    where done (tokens ``token`` .. ``token + 4``). Returns the next token."""
    g, sg = f32(rate), f32(svc_rate)
    t = token
    for i in done:  # owners whose need a volunteer met
        o = owner[i]
        if helper[i] >= 0 and o >= 0 and seen[o] != t:
            seen[o] = t
            trust_nbr[o] = gain(trust_nbr[o], g)
    t += 1
    for i in done:  # the volunteers
        h = helper[i]
        if h >= 0 and seen[h] != t:
            seen[h] = t
            trust_nbr[h] = gain(trust_nbr[h], g)
    t += 1
    for i in done:  # the ties asked
        e = edge[i]
        if e >= 0 and seen_tie[e] != t:
            seen_tie[e] = t
            tie_trust[e] = gain(tie_trust[e], g)
    t += 1
    for i in done:  # owners met by professionals
        o = owner[i]
        if helper[i] < 0 and o >= 0 and seen[o] != t:
            seen[o] = t
            trust_svc[o] = gain(trust_svc[o], sg)
    t += 1
    for i in done:  # volunteers in a service's role
        h = helper[i]
        if h >= 0 and owner[i] < 0 and seen[h] != t:
            seen[h] = t
            trust_svc[h] = gain(trust_svc[h], sg)
    return t + 1


# ------------------------------------------------------------------------------ phases
class GoodExperiences:
    """Marks for "gains once per pass" (a token per pass), kept between weeks."""

    def __init__(self, n_residents: int) -> None:
        self.seen = np.zeros(n_residents, np.int64)
        self.seen_tie = np.zeros(0, np.int64)
        self.token = 1


def good_experiences(model: Model, done: np.ndarray) -> None:
    """Trust gains from needs that ended well."""
    n, p, m = model.needs, model.params, model.good_marks
    if len(m.seen_tie) != len(model.tie_trust):
        m.seen_tie = np.zeros(len(model.tie_trust), np.int64)
    m.token = good_experiences_pass(
        model, done, n.helper, n.owner, n.edge, model.pop.trust_nbr, model.tie_trust,
        model.pop.trust_svc, p.trust_gain, p.service_trust_gain, m.seen, m.seen_tie, m.token,
    )  # fmt: skip


def relax_to_baselines(model: Model, every: int) -> None:
    """Trust (in neighbours, on ties and in services) and fear drift back to their baselines
    (a tie to its trust at the start, at ``trust_relaxation``), applied
    every ``every`` weeks at the compounded rate (the same pull over the period, for a
    fraction of the passes)."""
    p, pop = model.params, model.pop
    if model.week % every != every - 1:
        return
    rates = np.array([p.trust_relaxation, p.fear_relaxation, p.service_trust_relaxation])
    compound = 1.0 - (1.0 - rates) ** every
    relax(pop.trust_nbr, model.nb.trust_base[pop.nbhd], float(compound[0]))
    relax(model.tie_trust, model.tie_trust_base, float(compound[0]))  # as neighbour trust
    relax(pop.fear_commit, pop.fear_commit_base, float(compound[1]))
    relax(pop.trust_svc, pop.trust_svc_base, float(compound[2]))


def accepted(model: Model, args: tuple[Any, ...]) -> np.ndarray:
    """``accept_pass`` with the model's rules."""
    return accept_pass(model, *args)


def initial_tie_trust(graph: Any, trust_nbr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Trust on a tie starts at the mean of both ends' neighbour trust, plus noise."""
    return start_tie_trust(graph.owner_of_edges(), graph.indices, trust_nbr, rng)


def start_tie_trust(
    src: np.ndarray, dst: np.ndarray, trust_nbr: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Start trust of ties ``src`` -> ``dst``: the mean of both ends' neighbour trust, plus
    noise (at set-up, and on the ties a newcomer takes over, ``turnover``)."""
    t = 0.5 * (trust_nbr[src] + trust_nbr[dst])
    return np.clip(t + rng.normal(0, 0.08, len(t)), 0, 1).astype(np.float32)
