"""Mechanism 3, the decision to help: whether one asked (or aware) resident takes on one task.

A resident helps with probability

    P = gate * logistic(intercept + sum of terms)

where ``gate`` is 1 only if the resident stated willingness for the task's activity, has at
least ``min_free_hours`` spare, is not recovering from burnout, and (for tasks that need it)
holds a vetting check. Stated willingness is therefore an upper bound: no one ever helps with
an activity they did not say they would do. The terms (each documented in docs/ODD.md):

    time        + w_time * log(spare hours / task hours), capped at +1
    trust       + w_trust * (0.5 * trust in the person + 0.5 * trust in the place - 0.5)
    confidence  + w_conf * (confidence - 0.5)
    commitment  - w_commit * fear of commitment * task growth / 0.02   (0.02 = a typical growth)
    liability   - w_liab * fear of liability * task risk * (not insured); an uninsured
                  resident whose fear x risk exceeds ``liability_block`` refuses (P = 0);
                  a neighbour's own request runs with no block (``ask_weights``)
    asked       + w_asked if asked personally (by an organisation or by a neighbour)
    unaware     - w_unaware if not aware of the opportunity (a neighbour's own request
                  needs no such awareness: the informal channel passes aware = True; an
                  organisation's ask makes the asked aware before they decide)
    reward      + w_reward * expected reward (0-1)
    example     + w_example * share of one's ties who helped recently
    fatigue     - w_fatigue * fatigue

The rule is ``help_probability`` below (rule ``"help"`` in ``coprod_sim.RULES``), one
(resident, task) pair at a time, ``help_probability(resident, task, w)``: three named records,
a ``Resident``, a ``Task`` and the ``HelpWeights``. ``decide_pass`` applies it to every pair a
channel asks, and ``help_gains_pass`` to the yearly barrier attribution's counterfactuals (each
factor set alone to a reference resident's value). Pass another rule of (resident, task, w) as
``rules={"help": my_rule}`` to ``CoproductionModel``: both passes run it. For example, the
default decision for a resident who does not fear commitment:

    def fearless(resident, task, w):
        return decision.help_probability(resident._replace(fear_commit=0.0), task, w)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import compile_replace, compiled_pass, rule
from coprod_sim.state.columns import StateColumn

#: the decision's own column: the recognition a resident expects (levers raise it)
STATE = (
    StateColumn("reward", "float32", "0-1",
                "recognition a resident expects for helping (levers raise it)", start=0.0),
)  # fmt: skip


class DecisionParams(Strict):
    """Mechanism 3: the weights of the decision to help."""

    help_intercept: float = param(
        -0.53,
        unit="logit",
        role="world",
        prior=(-2.0, 3.0),
        ge=-10,
        le=10,
        source=(
            "hand-tuned to 0.5 before issue 25"
            + " (calibrated: prior uniform [-2, 3] logit; beyond it a willing, asked resident"
            " almost never or almost always says yes)"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Baseline log-odds that a willing, asked resident with average dispositions helps.",
    )
    weight_time: float = param(
        1.2,
        unit="logit per log(hours ratio)",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of free hours relative to the task's hours.",
    )
    weight_trust: float = param(
        2.0,
        unit="logit per unit trust",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of trust in the person (tie) and the place.",
    )
    weight_confidence: float = param(
        1.5,
        unit="logit per unit confidence",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of confidence and skills.",
    )
    weight_commitment_fear: float = param(
        3.0,
        unit="logit per unit fear x growth",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Effect of fear of commitment, weighted by the task's tendency to grow.",
    )
    weight_liability_fear: float = param(
        3.0,
        unit="logit per unit fear x risk",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Effect of fear of liability, weighted by the task's risk (0 when insured).",
    )
    liability_block: float = param(
        0.15,
        unit="fear x risk",
        role="world",
        ge=0,
        le=1,
        source=ASSUME
        + " (issue 24: 'liability worries stop activities such as gardening unless someone"
        " insures the volunteer', Capable Communities 2010; liability came up 'in almost every"
        " group'): at 0.15 a gardening task (risk 0.45) is refused uninsured by residents whose"
        " fear of liability exceeds 1/3 (about half at fear_liability_mean 0.35), a lift to the"
        " shops (0.35) above 0.43 (a third), a patrol (0.3) above 0.5 (a fifth)",
        doc="An uninsured resident refuses a volunteering task (any ask but a neighbour's own "
        "request) outright when fear of liability x the task's risk exceeds this (insurance "
        "lifts the block).",
    )
    weight_asked: float = param(
        2.0,
        unit="logit",
        role="world",
        ge=0,
        le=10,
        source="Capable Communities 2010 (most 'had never been asked'); size assumed",
        doc="Boost from being asked personally.",
    )
    weight_unaware: float = param(
        2.5,
        unit="logit",
        role="world",
        ge=0,
        le=10,
        source=ASSUME
        + " (issue 24; was 0.5 and applied only to the unasked, so 'unaware' was nobody's main"
        " barrier): not knowing of any opportunity holds a resident back more than not being"
        " asked (weight_asked), so 'unaware' is the main barrier of the unaware",
        doc="Penalty on a formal opportunity (open call, a service's role) for a resident not "
        "aware of local opportunities.",
    )
    weight_reward: float = param(
        0.8,
        unit="logit per unit reward",
        role="world",
        ge=0,
        le=10,
        source="Young Foundation 2009 (recognition, time credits); size assumed",
        doc="Effect of rewards and recognition (credits, thanks).",
    )
    weight_example: float = param(
        1.5,
        unit="logit per share of ties helping",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of the share of one's ties who helped recently (example of neighbours).",
    )
    weight_fatigue: float = param(
        2.0,
        unit="logit per unit fatigue",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Penalty for current fatigue.",
    )
    min_free_hours: float = param(
        1.0,
        unit="hours/week",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Below this many spare hours a resident cannot take on any task (the time barrier).",
    )
    example_weeks: int = param(
        8,
        unit="weeks",
        role="world",
        ge=1,
        le=52,
        source=ASSUME,
        doc="A tie who helped within this many weeks sets an example (the 'example' term).",
    )


TYPICAL_GROWTH = 0.02  # growth per week that counts as "1" in the commitment term


class HelpWeights(NamedTuple):
    """The decision rule's weights (log-odds), from the scenario's ``help_intercept`` and
    ``weight_*`` parameters. A named tuple, so compiled rules can read it by name."""

    intercept: float
    time: float
    trust: float
    confidence: float
    commitment: float
    liability: float
    asked: float
    unaware: float
    reward: float
    example: float
    fatigue: float
    #: fear x risk above which an uninsured resident refuses outright (1: never, as the
    #: rule was before issue 24; a model takes the scenario's ``liability_block``)
    liability_block: float = 1.0

    @classmethod
    def from_scenario(cls, p: DecisionParams) -> HelpWeights:
        return cls(
            intercept=p.help_intercept,
            time=p.weight_time,
            trust=p.weight_trust,
            confidence=p.weight_confidence,
            commitment=p.weight_commitment_fear,
            liability=p.weight_liability_fear,
            liability_block=p.liability_block,
            asked=p.weight_asked,
            unaware=p.weight_unaware,
            reward=p.weight_reward,
            example=p.weight_example,
            fatigue=p.weight_fatigue,
        )


def ask_weights(w: HelpWeights, formal: bool) -> HelpWeights:
    """The weights a channel's asks run the rule with. A neighbour's own request (the
    informal channel, ``formal=False``) is a favour, not volunteering for an organisation:
    the liability block is off for it (``liability_block = 1``: fear and risk are at most 1),
    while the soft liability term stays. "Liability worries stop activities such as gardening
    unless someone insures the volunteer" is about volunteers."""
    return w if formal else w._replace(liability_block=1.0)


class Resident(NamedTuple):
    """What the decision knows of the resident asked, for one (resident, task) pair. A named
    tuple: a rule reads ``resident.spare``, a replacement may change a field with
    ``resident._replace(fear_commit=0.0)``, and numba compiles both like separate numbers."""

    spare: float  # spare hours this week (free + time off - already committed)
    trust_person: float  # trust in the one asking (a tie, or a stranger vouched for by one)
    trust_place: float  # trust in the neighbourhood's services
    confidence: float  # confidence in one's own skills (0-1)
    fear_commit: float  # fear of being drawn into more than asked (0-1)
    fear_liab: float  # fear of being held liable if something goes wrong (0-1)
    insured: bool  # covered by an organisation's insurance
    asked: bool  # asked personally (by an organisation or a neighbour)
    aware: bool  # knows of the opportunity (always True for a neighbour's own request)
    reward: float  # recognition expected for helping (0-1)
    example: float  # share of one's ties who helped recently
    fatigue: float  # fatigue from helping so far (0-1)


class Task(NamedTuple):
    """What the decision knows of the task asked for."""

    hours: float  # the hours it takes
    growth: float  # how fast its hours tend to grow, per week (0.02 is typical)
    risk: float  # its risk and liability (0-1), as its kind of need declares


compile_replace(HelpWeights, Resident, Task)  # a compiled rule may call their _replace too

#: the rule's example inputs (a replacement is tried on them when a model is built)
EXAMPLE_RESIDENT = Resident(
    spare=8.0, trust_person=0.5, trust_place=0.5, confidence=0.5, fear_commit=0.3,
    fear_liab=0.3, insured=False, asked=True, aware=False, reward=0.2, example=0.1, fatigue=0.1,
)  # fmt: skip
EXAMPLE_TASK = Task(hours=2.0, growth=0.02, risk=0.5)


@rule(
    "help",
    doc="chance that an asked (or aware) resident who passed the hard gates helps with a task",
    returns="a probability",
    low=0.0,
    high=1.0,
    example=(EXAMPLE_RESIDENT, EXAMPLE_TASK, HelpWeights.from_scenario(DecisionParams())),
)
def help_probability(resident, task, w):
    """``logistic(intercept + terms)``, the terms as the module docstring lists them (their
    constant parts, -0.5 * w.trust and -0.5 * w.confidence, are added first). ``resident``
    is a ``Resident``, ``task`` a ``Task``, ``w`` the ``HelpWeights``: a replacement takes
    the same three and reads the fields it needs."""
    z = w.intercept - 0.5 * w.trust - 0.5 * w.confidence
    z += w.time * min(np.log(max(resident.spare, 1e-3) / max(task.hours, 1e-3)), 1.0)
    z += 0.5 * w.trust * (resident.trust_person + resident.trust_place)
    z += w.confidence * resident.confidence
    z -= w.commitment / TYPICAL_GROWTH * resident.fear_commit * task.growth
    if not resident.insured:
        if resident.fear_liab * task.risk > w.liability_block:
            return 0.0  # the worry stops the task outright (red tape, mechanism 7)
        z -= w.liability * resident.fear_liab * task.risk
    if resident.asked:
        z += w.asked
    if not resident.aware:
        z -= w.unaware
    z += w.reward * resident.reward
    z += w.example * resident.example
    z -= w.fatigue * resident.fatigue
    return 1.0 / (1.0 + np.exp(-z))


@compiled_pass(help="help_probability")
def decide_pass(
    rows, cand, asked, u, growth_pair, trust_src, trust_at, trust_at2, week, min_free,
    vetted_code, not_vetted_code, w, need_kind, need_owner, need_hours, k_bit, k_vetting,
    k_growth, k_risk, willing, busy, recovering_until, free_hours, time_off, committed,
    vet_status, trust_nbr, confidence, fear_commit, fear_liab, insured, aware, reward,
    example_count, inv_deg, fatigue, formal,
):  # fmt: skip
    """The decision for every (need row, candidate) pair a channel asks: the hard gates, then
    ``help_probability`` against the pair's uniform ``u``. ``formal`` is False for a
    neighbour's own request (the informal channel): awareness of local opportunities plays no
    part in it, so the rule gets ``aware = True``.

    Returns the indices of the pairs whose candidate says yes and is eligible, and of those
    who say yes but need a vetting check they have not started. ``trust_person`` of pair i is
    ``trust_src[trust_at[i]]``, times ``trust_src[trust_at2[i]]`` where that is >= 0 (a
    stranger vouched for by a tie); ``trust_at2`` and ``growth_pair`` may be empty."""
    n = len(rows)
    yes = np.empty(n, np.int64)
    start = np.empty(n, np.int64)
    n_yes = 0
    n_start = 0
    two = len(trust_at2) > 0
    own_growth = len(growth_pair) > 0
    # stated willingness first, without branches: it rules out most pairs, and independent
    # loads let the CPU fetch many residents' rows from memory at once
    passed = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        passed[m] = i
        m += (willing[cand[i]] & k_bit[need_kind[rows[i]]]) != 0
    for j in range(m):
        i = passed[j]
        r = rows[i]
        c = cand[i]
        k = need_kind[r]
        # the other hard gates: free this week, not recovering, not the owner, enough spare time
        if busy[c] or recovering_until[c] > week:
            continue
        if c == need_owner[r]:
            continue
        spare = np.float64(free_hours[c] + time_off[c] - committed[c])
        if spare < min_free:
            continue
        vet_ok = (not k_vetting[k]) or vet_status[c] == vetted_code
        t = np.float64(trust_src[trust_at[i]])
        if two and trust_at2[i] >= 0:
            t *= trust_src[trust_at2[i]]
        resident = Resident(
            spare=spare, trust_person=t, trust_place=trust_nbr[c], confidence=confidence[c],
            fear_commit=fear_commit[c], fear_liab=fear_liab[c], insured=insured[c],
            asked=asked[i], aware=aware[c] or not formal, reward=reward[c],
            example=example_count[c] * np.float64(inv_deg[c]), fatigue=fatigue[c],
        )  # fmt: skip
        task = Task(
            hours=np.float64(need_hours[r]),
            growth=growth_pair[i] if own_growth else k_growth[k],
            risk=k_risk[k],
        )
        p = help_probability(resident, task, w)
        if u[i] < p:
            if vet_ok:
                yes[n_yes] = i
                n_yes += 1
            elif vet_status[c] == not_vetted_code:
                start[n_start] = i
                n_start += 1
    return yes[:n_yes], start[:n_start]


#: the factors ``help_gains_pass`` sets, one at a time, to the reference resident's value, in
#: the order of its rows (the barrier attribution names each: ``outcomes.BARRIER_TERMS``)
GAIN_FACTORS: tuple[str, ...] = (
    "time", "asked", "aware", "commitment", "liability", "trust", "confidence",
)  # fmt: skip


@compiled_pass(help="help_probability")
def help_gains_pass(
    spare, task_hours, trust, confidence, fear_commit, growth, fear_liab, risk, insured, asked,
    aware, reward, example, fatigue, w, ref_spare, ref_trust, ref_confidence, ref_fear_commit,
    ref_insured, ref_asked, ref_aware,
):  # fmt: skip
    """How much setting each factor alone to the reference resident's value raises each
    resident's chance of helping (``help_probability``, the model's chosen rule), for their
    typical task: a (len(GAIN_FACTORS), n) array of probability gains, 0 where the reference's
    value does not raise it. ``trust`` is both trust in the person and in the place; time is
    set to at least ``ref_spare`` hours (a resident with more keeps theirs)."""
    n = len(spare)
    out = np.zeros((7, n))
    for i in range(n):
        s = np.float64(spare[i])
        h = np.float64(task_hours[i])
        t = np.float64(trust[i])
        c = np.float64(confidence[i])
        fc = np.float64(fear_commit[i])
        g = np.float64(growth[i])
        fl = np.float64(fear_liab[i])
        r = np.float64(risk[i])
        ins = insured[i]
        a = asked[i]
        aw = aware[i]
        rw = np.float64(reward[i])
        ex = np.float64(example[i])
        fa = np.float64(fatigue[i])
        task = Task(hours=h, growth=g, risk=r)
        s_ref = max(s, np.float64(ref_spare[i]))
        # f = 0: the resident as they are; f = 1..7: GAIN_FACTORS[f - 1] at the reference's
        p = np.empty(8)
        for f in range(8):
            who = Resident(
                spare=s_ref if f == 1 else s,
                trust_person=ref_trust if f == 6 else t,
                trust_place=ref_trust if f == 6 else t,
                confidence=ref_confidence if f == 7 else c,
                fear_commit=ref_fear_commit if f == 4 else fc,
                fear_liab=fl,
                insured=ref_insured if f == 5 else ins,
                asked=ref_asked if f == 2 else a,
                aware=ref_aware if f == 3 else aw,
                reward=rw,
                example=ex,
                fatigue=fa,
            )
            p[f] = help_probability(who, task, w)
        for f in range(7):
            out[f, i] = max(np.float64(p[f + 1]) - np.float64(p[0]), 0.0)
    return out
