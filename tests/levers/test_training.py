"""Training raises residents' confidence and professionals' attitudes, at a cost per place."""

from __future__ import annotations

import numpy as np
from _state_runs import SEEDS, run


def test_training_raises_confidence_and_attitudes():
    for s in SEEDS[:3]:
        b = run(s, weeks=52)
        p = run(s, {"training": {"staff_share_per_year": 1.0}}, weeks=52)
        trained = p.pop.trained
        # about 20 places per 1000 a year (tolerance: Poisson noise and eligibility)
        assert 0.010 < trained.mean() < 0.030
        assert p.pop.confidence.mean() > b.pop.confidence.mean()
        assert (p.pop.confidence[trained] > b.pop.confidence[trained]).all()
        assert (p.pop.fear_liab[trained] < b.pop.fear_liab[trained]).all()
        # trained professionals' attitude baselines (which only levers move) rose
        staff = p.lever_state["training"].staff_trained
        assert staff.any()
        assert (p.gatekeeping.attitude_base[staff] > b.gatekeeping.attitude_base[staff]).all()
        assert (p.gatekeeping.attitude_base[~staff] == b.gatekeeping.attitude_base[~staff]).all()
        assert p.costs_total["training"] >= trained.sum() * 120.0


def test_no_places_no_effect():
    b = run(1, weeks=30)
    p = run(1, {"training": {"places_per_1000_year": 0, "staff_share_per_year": 0}}, weeks=30)
    assert not p.pop.trained.any()
    assert np.array_equal(b.pop.confidence, p.pop.confidence)
    assert p.costs_total["training"] == 0
