"""Checks against the survey's ``policy_effect`` rows, never used to fit the world parameters.

``timecredit_engagement`` is out of sample. ``timebank_confidence`` is in sample for the time
bank's own ``confidence_gain``, which ``experiments/lever_fits.py`` fits to it (with the
declared defaults); against a posterior's world parameters it checks that the fit holds.

Each check runs a lever against the paired no-lever run (same town, seed and parameters) and
compares one model measure with the source's figure, pass or fail:

- ``timecredit_engagement`` (Young Foundation 2009 on Spice time credits: "a minimum of 100 per
  cent increase in engagement with services"): the relative increase, over the results weeks,
  in needs met through the services' own channels (open calls and referrals, weekly series
  ``met_open_call`` + ``met_referral``) with ``time_credits`` on. Passes at 1.0 or more.
- ``timebank_confidence`` (66% of Spice time bank volunteers reported improved
  self-confidence): among residents who gave help through the time bank, the share whose
  confidence (0-1) at the end is at least ``CONFIDENCE_STEP`` above where it stood when the
  results began. Passes within ``CONFIDENCE_TOLERANCE`` of 0.66.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coprod_sim.analysis.summary import weekly_series
from coprod_sim.data.survey import SURVEY_TARGETS
from coprod_sim.mechanisms import timebank
from coprod_sim.model import CoproductionModel

WEEKS_PER_YEAR = 52
#: a rise in confidence (0-1 scale) that a volunteer would notice and report (assumption: no
#: source gives it; the fitted time bank ``confidence_gain`` depends on it)
CONFIDENCE_STEP = 0.05
#: how close the share must come to the source's 66% to pass (assumption: survey-like error)
CONFIDENCE_TOLERANCE = 0.10


def _model(params: dict[str, float], town: str, scale: float, seed: int, policies: list[str]):
    return CoproductionModel(rng=seed, town=town, scale=scale, policies=policies, **params)


def engagement_with_services(model: Any) -> float:
    """Needs met through the services' channels (open calls, referrals) over the results."""
    weekly = weekly_series(model)
    return float(weekly["met_open_call"].sum() + weekly["met_referral"].sum())


def time_credit_engagement(
    params: dict[str, float], *, town: str, scale: float, seed: int, years: int = 2
) -> float:
    """Relative increase in engagement with services with time credits, against the paired
    no-lever run (0.5 = 50% more)."""
    runs = []
    for policies in ([], ["time_credits"]):
        model = _model(params, town, scale, seed, policies)
        model.run_weeks(years * WEEKS_PER_YEAR)
        runs.append(engagement_with_services(model))
    base, lever = runs
    return lever / base - 1.0 if base > 0 else float("nan")


def time_bank_confidence(
    params: dict[str, float], *, town: str, scale: float, seed: int, years: int = 2
) -> float:
    """Share of time bank volunteers whose confidence rose by ``CONFIDENCE_STEP`` or more."""
    model = _model(params, town, scale, seed, ["time_bank"])
    model.burn_in()
    before = model.pop.confidence.astype(np.float64).copy()
    model.run_weeks(years * WEEKS_PER_YEAR)
    gave = timebank.state(model).confidence_raised
    if not gave.any():
        return float("nan")
    rise = model.pop.confidence.astype(np.float64)[gave] - before[gave]
    return float(np.mean(rise >= CONFIDENCE_STEP))


@dataclass(frozen=True)
class Check:
    """One ``policy_effect`` row, the model measure compared with it, and the verdict rule."""

    id: str
    measure: str
    run: Callable[..., float]
    passes: Callable[[float, float], bool]

    @property
    def value(self) -> float:
        return SURVEY_TARGETS[self.id].value


CHECKS: tuple[Check, ...] = (
    Check(
        "timecredit_engagement",
        "relative increase in needs met through open calls and referrals, time credits "
        "against the paired no-lever run",
        time_credit_engagement,
        lambda sim, target: sim >= target,
    ),
    Check(
        "timebank_confidence",
        f"share of residents who gave through the time bank whose confidence rose by at least "
        f"{CONFIDENCE_STEP} (0-1 scale)",
        time_bank_confidence,
        lambda sim, target: abs(sim - target) <= CONFIDENCE_TOLERANCE,
    ),
)
assert {c.id for c in CHECKS} == {i for i, r in SURVEY_TARGETS.items() if r.kind == "policy_effect"}
