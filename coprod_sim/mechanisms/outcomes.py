"""Mechanism 9 (first part), outcomes: participation, barriers, load, needs and costs.

Participation of a year follows the survey's categories (IPPR/PwC Capable Communities 2010):
a resident who gave help in at least ``weekly_min_weeks`` weeks of the year is "weekly", in at
least ``monthly_min_months`` of its thirteen 4-week months "monthly", in at least one week
"yearly"; one who gave none this year
but has helped at some time (before the run or in it) "rarely"; the rest "never".

The barrier of a non-participant is the factor that pulls their decision to help down the
most, for a typical task among the activities they are willing to do (``barriers``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms.decision import HelpInputs, help_terms
from coprod_sim.mechanisms.willingness import willingness_matrix
from coprod_sim.state.population import GAVE_UP, VETTING

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

PARTICIPATION: tuple[str, ...] = ("weekly", "monthly", "yearly", "rarely", "never")
BARRIERS: tuple[str, ...] = (
    "time",
    "never_asked",
    "unaware",
    "fear_of_commitment",
    "liability",
    "trust",
    "confidence",
    "vetting",
    "not_willing",
)
#: "never asked" means not asked personally within this many weeks (the last year)
ASKED_RECENT_WEEKS = 52
#: survey figures to compare with (survey_targets.csv; cumulative where the survey is)
SURVEY_PARTICIPATION = {
    "weekly": ("vol_weekly", 0.15, "at least weekly"),
    "monthly": ("vol_monthly", 0.25, "at least monthly (includes weekly)"),
    "yearly": ("vol_yearly", 0.40, "at least yearly (lower bound)"),
    "rarely": ("vol_rarely", 0.21, "less than once a year"),
    "never": ("vol_never", 0.37, "never"),
}


def participation_class(
    weeks: np.ndarray,
    months: np.ndarray,
    helped_ever: np.ndarray,
    weekly_min: int,
    monthly_min: int,
) -> np.ndarray:
    """Survey category of each resident (index into PARTICIPATION) from the weeks and the
    4-week months of the year in which they helped."""
    return np.select(
        [weeks >= weekly_min, months >= monthly_min, weeks >= 1, helped_ever],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int8)


def participation_shares(classes: np.ndarray) -> dict[str, float]:
    """Shares per category and the survey's cumulative ones (``at_least_monthly``...)."""
    valid = classes[classes >= 0]
    n = max(len(valid), 1)
    counts = np.bincount(valid, minlength=len(PARTICIPATION)) / n
    out = {name: float(c) for name, c in zip(PARTICIPATION, counts, strict=True)}
    out["at_least_monthly"] = out["weekly"] + out["monthly"]
    out["at_least_yearly"] = out["at_least_monthly"] + out["yearly"]
    return out


def top_share(hours: np.ndarray, top: float = 0.1) -> float:
    """Share of all hours given by the top ``top`` fraction of those who gave any."""
    h = hours[hours > 0]
    if len(h) == 0:
        return float("nan")
    k = max(1, int(np.ceil(top * len(h))))
    return float(np.partition(h, len(h) - k)[len(h) - k :].sum() / h.sum())


def barriers(model: CoproductionModel, who: np.ndarray) -> np.ndarray:
    """Main barrier (index into BARRIERS) of each resident in ``who``.

    Hard barriers first: stated no willingness at all ("not_willing"), fewer spare hours than
    ``min_free_hours`` ("time"), waiting for or given up on a vetting check ("vetting"). Else the
    most negative term of the decision rule for a typical task (mean hours, growth and risk of
    the kinds of need matching the activities they are willing to do), with "never_asked" the
    ask bonus they did not have (not asked personally in the last
    ``ASKED_RECENT_WEEKS`` weeks) and "unaware" the penalty of not knowing of opportunities.
    """
    pop, k, w, p = model.pop, model.kinds, model.weights, model.params
    out = np.full(len(who), -1, np.int8)
    if len(who) == 0:
        return out
    W = willingness_matrix(pop.willing[who]).astype(np.float32)
    n_act = W.shape[1]
    props = np.zeros((n_act, 3), np.float32)  # hours, growth, risk per activity
    for a in range(n_act):
        sel = k.activity == a
        if sel.any():
            props[a] = [k.hours[sel].mean(), k.growth[sel].mean(), k.risk[sel].mean()]
    count = W.sum(1)
    typ = (W @ props) / np.maximum(count, 1)[:, None]
    spare = pop.free_hours[who] + pop.time_off[who] - pop.committed[who]
    x = HelpInputs(
        eligible=np.ones(len(who), bool),
        spare_hours=spare,
        task_hours=typ[:, 0],
        trust_person=pop.trust_nbr[who],
        trust_place=pop.trust_nbr[who],
        confidence=pop.confidence[who],
        fear_commit=pop.fear_commit[who],
        growth=typ[:, 1],
        fear_liab=pop.fear_liab[who],
        risk=typ[:, 2],
        insured=pop.insured[who],
        asked=np.zeros(len(who), bool),
        aware=pop.aware[who],
        reward=pop.reward[who],
        example=np.zeros(len(who), np.float32),
        fatigue=pop.fatigue[who],
    )
    t = help_terms(x, w)
    asked_recently = pop.last_asked_week[who] > model.week - ASKED_RECENT_WEEKS
    never_asked = np.where(asked_recently, 0.0, -w.asked)
    soft = (
        np.minimum(t["time"], 0),
        never_asked,
        t["unaware"],
        t["commitment"],
        t["liability"],
        np.minimum(t["trust"], 0),
        np.minimum(t["confidence"], 0),
    )
    # argmin over the terms, one pass per term (no N x 7 matrix; first minimum wins, as argmin)
    best = np.asarray(soft[0], np.float64).copy()
    out[:] = 0
    for j, term in enumerate(soft[1:], start=1):
        lower = term < best
        out[lower] = j
        np.minimum(best, term, out=best)
    vs = pop.vet_status[who]
    out[(vs == VETTING) | (vs == GAVE_UP)] = BARRIERS.index("vetting")
    out[spare < p.min_free_hours] = BARRIERS.index("time")
    out[count == 0] = BARRIERS.index("not_willing")
    return out


def barrier_shares(codes: np.ndarray) -> dict[str, float]:
    valid = codes[codes >= 0]
    n = max(len(valid), 1)
    counts = np.bincount(valid, minlength=len(BARRIERS)) / n
    return {b: float(c) for b, c in zip(BARRIERS, counts, strict=True)}
