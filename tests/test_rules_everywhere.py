"""One rule dispatcher: a rule the model chose is the rule every place that applies it runs.

Fear of retaliation (collective action) and confidence from training rise and fall by the
model's ``trust_gain``/``trust_loss`` rules, not by a formula of their own; the barrier
attribution asks the chosen ``help`` rule (tests/mechanisms/test_barrier_attribution.py); and
a weekly pass cannot be called without the rules it is to run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms import trust
from coprod_sim.mechanisms.needs import age_open_needs

# a closed town: newcomers draw their own fears and confidence (population turnover); needs
# arise at 1.5x the kinds' rates (at 1.93, version 4's default, a 600-resident town's police
# were too busy to back anyone, so no challenge succeeded and fear never fell: nothing to test)
SETTINGS: dict[str, Any] = dict(
    n_residents=600, burn_in_years=0, rng=1, population_turnover=False, need_rate_scale=1.5
)
NO_CHANGE = {"trust_gain": lambda value, rate: value}


def _fear_of_retaliation(rules: dict | None, weeks: int = 26) -> tuple[np.ndarray, np.ndarray]:
    m = CoproductionModel(**SETTINGS, rules=rules, incident_rate=5.0)  # many incidents
    start = m.pop.fear_retal.copy()
    m.run_weeks(weeks)
    return start, m.pop.fear_retal


def test_trust_gain_no_change_means_fear_of_retaliation_never_rises() -> None:
    """Failures and incidents left alone raise fear by the trust_gain rule: with "no change"
    nobody's fear rises (it still falls after successes, by trust_loss); with the default it
    rises for many."""
    start, end = _fear_of_retaliation(None)
    assert (end > start).sum() > 20, "the default rule raises the fear of witnesses"
    start, end = _fear_of_retaliation(NO_CHANGE)
    assert not (end > start).any()
    assert (end < start).any(), "successes still reassure (trust_loss)"
    # and with neither rule changing anything, the phase leaves fear exactly as it was
    start, end = _fear_of_retaliation({**NO_CHANGE, "trust_loss": lambda value, rate: value})
    assert np.array_equal(start, end)


def test_trust_gain_no_change_means_training_leaves_confidence_alone() -> None:
    """Training raises trainees' confidence by the trust_gain rule: with "no change" nobody's
    confidence moves (training is the only lever on here that changes it)."""
    for rules, moved in ((None, True), (NO_CHANGE, False)):
        m = CoproductionModel(
            **SETTINGS, rules=rules, policies={"training": {"places_per_1000_year": 200.0}}
        )
        start = m.pop.confidence.copy()
        m.run_weeks(12)
        assert m.pop.trained.sum() > 0
        assert (not np.array_equal(start, m.pop.confidence)) == moved


def test_a_pass_cannot_be_run_without_the_rules() -> None:
    """Every pass takes the model (or its rules) first; leaving them out is an error, not a
    silent run of the package's defaults."""
    arrays = (np.zeros(0, np.int8), np.zeros(0, np.int16), np.zeros(0, bool))
    with pytest.raises(TypeError, match="call it with the model"):
        age_open_needs(*arrays)
    with pytest.raises(TypeError):
        trust.raise_towards_one(np.zeros(2, np.float32), np.array([0]), 0.5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="call it with the model"):
        trust.raise_towards_one(np.zeros(2, np.float32), np.array([0]), 0.5, None)
