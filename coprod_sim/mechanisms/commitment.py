"""Mechanism 4, commitment escalation and burnout.

An ongoing helping relationship grows: its hours rise by the kind's ``growth`` each week, up to
``growth_cap`` times its start (the "sucked in" worry); some helpers drop out at random each
week (``dropout_hazard``), letting their need's owner down. A resident tolerates committed
hours up to ``tolerance_share * (free hours + time off) * (1 - fear_tolerance_effect * fear of
commitment)``;
past that, fatigue rises by ``fatigue_rate`` per unit of relative overload, and within it
fatigue falls by ``fatigue_recovery``. At fatigue 1 the resident burns out: they drop every
commitment, take nothing new for ``burnout_recovery_weeks``, their fear of commitment rises by
``burnout_fear_self`` and each of their ties' by ``burnout_fear_contagion``.

Rules (``coprod_sim.RULES``): ``growth``, ``tolerance``, ``fatigue``, ``burnout``. They work in
single precision, as hours, fear and fatigue are stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms import trust
from coprod_sim.mechanisms.needs import UNMET
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import compiled_pass, rule
from coprod_sim.state.arrays import add_by_helper, expand_rows
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.population import LONG_AGO

if TYPE_CHECKING:
    from mesa import Model


#: what ongoing commitments leave on a resident
STATE = (
    StateColumn("committed", "float32", "hours/week", "hours in ongoing commitments", start=0.0),
    StateColumn("fatigue", "float32", "0-1", "fatigue; burnout at 1", start=0.0),
    StateColumn("recovering_until", "int32", "week",
                "a burnt-out resident takes nothing new before this week", start=LONG_AGO),
)  # fmt: skip


class CommitmentParams(Strict):
    """Mechanism 4: tolerance, fatigue, burnout and drop-out."""

    tolerance_share: float = param(
        1.2,
        unit="share of free hours",
        role="world",
        ge=0,
        le=2,
        source=ASSUME,
        doc="Committed hours a resident tolerates, as a share of free hours, at zero fear of "
        "commitment (tolerance falls with fear).",
    )
    fear_tolerance_effect: float = param(
        0.5,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (those who fear being sucked in tolerate less)",
        doc="How much fear of commitment lowers the hours one tolerates: tolerance falls by "
        "this share at fear 1.",
    )
    fatigue_rate: float = param(
        0.1,
        unit="fatigue/week per unit overload",
        role="world",
        ge=0,
        le=5,
        source=ASSUME,
        doc="Weekly rise of fatigue per unit of committed hours over tolerance (relative).",
    )
    fatigue_recovery: float = param(
        0.08,
        unit="fatigue/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly fall of fatigue when within tolerance.",
    )
    burnout_recovery_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=0,
        le=520,
        source=ASSUME,
        doc="Weeks a burnt-out volunteer takes no new tasks.",
    )
    burnout_fear_self: float = param(
        0.2,
        unit="fear",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a burnt-out volunteer's own fear of commitment.",
    )
    burnout_fear_contagion: float = param(
        0.05,
        unit="fear per burnout seen",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 ('volunteers will collapse'); size assumed",
        doc="Rise in fear of commitment of each tie of a volunteer who burns out.",
    )
    dropout_hazard: float = param(
        0.0155,
        unit="1/week",
        role="world",
        prior=(0.0, 0.03),
        ge=0,
        le=1,
        source=(
            "0.005 before issue 25; "
            + ASSUME
            + " (calibrated: prior uniform [0, 0.03]/week, up to a commitment in 33 weeks ending"
            " for outside reasons)"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Weekly chance a helper ends an ongoing commitment for reasons outside the model.",
    )


f32 = np.float32


# ------------------------------------------------------------------------------ rules
@rule(
    "growth",
    doc="hours of an ongoing commitment next week",
    returns="hours (>= 0)",
    low=0.0,
    example=(f32(2.0), f32(2.0), f32(0.02), f32(3.0)),
)
def grow(hours, base_hours, growth, cap):
    """Hours rise by the kind's weekly ``growth``, up to ``cap`` times their start."""
    return min(hours * (f32(1.0) + growth), base_hours * cap)


@rule(
    "tolerance",
    doc="committed hours a week a resident can sustain without tiring",
    returns="hours (> 0)",
    low=1e-9,
    example=(f32(10.0), f32(0.0), f32(0.3), f32(0.6), f32(0.5)),
)
def tolerance(free_hours, time_off, fear, share, fear_effect):
    """A share of the hours one has; those who fear being sucked in tolerate less."""
    return max((free_hours + time_off) * share * (f32(1.0) - fear_effect * fear), f32(1e-3))


@rule(
    "fatigue",
    doc="a resident's fatigue next week",
    returns="fatigue (>= 0; 1 is burnout)",
    low=0.0,
    example=(f32(0.2), f32(6.0), f32(4.0), f32(0.25), f32(0.1)),
)
def next_fatigue(fatigue, committed, tolerance, rate, recovery):
    """Fatigue rises with overload past tolerance and falls otherwise (never below 0)."""
    over = committed / tolerance - f32(1.0)
    if over > 0:
        return max(fatigue + rate * over, f32(0.0))
    return max(fatigue - recovery, f32(0.0))


@rule(
    "burnout",
    doc="whether a resident burns out",
    returns="true or false",
    low=0.0,
    high=1.0,
    example=(f32(0.7),),
)
def burnt_out(fatigue):
    return fatigue >= 1.0


# ------------------------------------------------------------------------------ passes
@compiled_pass(growth="grow")
def grow_pass(helper, crisis, channel, kind, hours, base_hours, growth, cap, bounded):
    """``grow`` on every volunteer-held need not in crisis and not in a ``bounded`` channel.
    Returns the rows held by volunteers and not in crisis (those that may be dropped)."""
    vol = np.empty(len(helper), np.int64)
    m = 0
    for i in range(len(helper)):
        if helper[i] < 0 or crisis[i]:
            continue
        vol[m] = i
        m += 1
        grows = True
        for b in bounded:
            if channel[i] == b:
                grows = False
        if grows:
            k = kind[i]
            hours[i] = grow(hours[i], base_hours[i], growth[k], cap[k])
    return vol[:m]


@compiled_pass(tolerance="tolerance", fatigue="next_fatigue", burnout="burnt_out")
def fatigue_pass(
    committed, fatigue, free_hours, time_off, fear, share, fear_effect, rate, recovery
):  # fmt: skip
    """Fatigue of every resident with commitments or fatigue, updated in place; returns the
    residents who burn out, ascending."""
    share, fear_effect = f32(share), f32(fear_effect)
    rate, recovery = f32(rate), f32(recovery)
    burnt = np.empty(16, np.int64)
    m = 0
    for i in range(len(committed)):
        c, f = committed[i], fatigue[i]
        if not (c > 0 or f > 0):
            continue
        tol = tolerance(free_hours[i], time_off[i], fear[i], share, fear_effect)
        f = next_fatigue(f, c, tol, rate, recovery)
        fatigue[i] = f
        if burnt_out(f):
            if m == len(burnt):
                burnt = np.concatenate((burnt, np.empty(m, np.int64)))
            burnt[m] = i
            m += 1
    return burnt[:m]


# ------------------------------------------------------------------------------ phases
def grow_and_drop(model: Model) -> None:
    """Ongoing commitments grow (except in bounded channels); random drop-outs reopen needs
    and let their owners down."""
    n, k = model.needs, model.kinds
    vol = grow_pass.bind(model.rules)(
        n.helper,
        n.crisis,
        n.channel,
        n.kind,
        n.hours,
        n.base_hours,
        k.growth,
        k.growth_cap,
        np.array(sorted(model.bounded_channels), np.int64),
    )
    if len(vol) == 0:
        return
    rng = model.rng_for("dropout")
    drop = vol[rng.random(len(vol)) < model.params.dropout_hazard]
    model.events["dropouts"] += len(drop)
    model.reopen(drop, let_down=True)
    model.recount_committed()


def fatigue_and_burnout(model: Model) -> None:
    """Overloaded helpers tire; the burnt out drop all commitments, and their fear of
    commitment rises and spreads to their ties."""
    pop, p = model.pop, model.params
    burnt = fatigue_pass.bind(model.rules)(
        pop.committed,
        pop.fatigue,
        pop.free_hours,
        pop.time_off,
        pop.fear_commit,
        p.tolerance_share,
        p.fear_tolerance_effect,
        p.fatigue_rate,
        p.fatigue_recovery,
    )
    model.events["burnouts"] += len(burnt)
    if len(burnt) == 0:
        return
    n = model.needs
    is_burnt = np.zeros(model.n_residents + 1, bool)  # shifted by one: helper -1 -> 0
    is_burnt[burnt + 1] = True
    # ``take``: a gather by the table's int32 ids, ~3x faster than indexing with them
    model.reopen(is_burnt.take(n.helper + 1).nonzero()[0], let_down=True)
    pop.fatigue[burnt] = 0.0
    pop.recovering_until[burnt] = model.week + p.burnout_recovery_weeks
    trust.raise_towards_one(pop.fear_commit, burnt, p.burnout_fear_self, model.rules)
    _, pos = expand_rows(model.graph.indptr, burnt)
    trust.raise_towards_one(
        pop.fear_commit, model.graph.indices[pos], p.burnout_fear_contagion, model.rules
    )


def reopen(model: Model, rows: np.ndarray, let_down: bool) -> None:
    """Helpers leave these need rows: they go back to the queue, the helpers' committed hours
    fall, and with ``let_down`` the owners (and the ties they asked) lose trust."""
    n, pop, p = model.needs, model.pop, model.params
    if len(rows) == 0:
        return
    if let_down:
        owners = n.owner[rows]
        has = owners >= 0
        trust.lower_towards_zero(pop.trust_nbr, owners[has], p.trust_loss, model.rules)
        edges = n.edge[rows]
        trust.lower_towards_zero(model.tie_trust, edges[edges >= 0], p.trust_loss, model.rules)
        model.events["let_down"] += np.count_nonzero(has)
    add_by_helper(n.helper[rows], -n.hours[rows], pop.committed)  # x + -h == x - h
    n.helper[rows] = -1
    n.channel[rows] = UNMET
    n.hours[rows] = n.base_hours[rows]
    n.waited[rows] = 0
    n.edge[rows] = -1
