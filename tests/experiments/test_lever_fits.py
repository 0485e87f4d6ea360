"""experiments/lever_fits.py: the 1-D fit of a lever's effect parameter to its source figure."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "experiments"))
import lever_fits  # noqa: E402


def _rising(scale: float):
    """A share that rises with the value like confidence does: 1 - exp(-value / scale)."""

    def measure(value: float) -> tuple[float, list[float]]:
        share = 1.0 - math.exp(-value / scale)
        return share, [share]

    return measure


def test_the_bisection_recovers_a_known_value() -> None:
    truth = 0.006  # the scale below puts the 0.66 crossing of the share exactly here
    scale = truth / -math.log(1 - 0.66)
    fit = lever_fits.fit_rising(0.66, _rising(scale), (0.002, 0.05), steps=8)
    assert fit.reachable
    assert fit.value == pytest.approx(truth, rel=0.02)
    assert fit.share == pytest.approx(0.66, abs=0.01)


def test_a_target_the_prior_cannot_reach_gives_its_end_and_says_so() -> None:
    fit = lever_fits.fit_rising(0.999, _rising(0.01), (0.002, 0.05))
    assert not fit.reachable and fit.value == 0.05
    fit = lever_fits.fit_rising(0.01, _rising(0.01), (0.002, 0.05))
    assert not fit.reachable and fit.value == 0.002


def test_the_fitted_default_lies_in_its_prior_and_names_its_row() -> None:
    from coprod_sim.levers import LEVERS
    from coprod_sim.parameters import parameter_rows

    row = next(r for r in parameter_rows(LEVERS["time_bank"]) if r["name"] == "confidence_gain")
    low, high = lever_fits.declared_prior()
    assert low < row["default"] < high
    assert row["source"].startswith("fitted to timebank_confidence: 0.66")
    assert "experiments/lever_fits.py" in row["source"]


@pytest.mark.slow
def test_a_higher_target_share_fits_a_higher_gain_on_a_tiny_town() -> None:
    setup = lever_fits.Setup("demo", 1.0, 600, (1, 2), 1.0, 0, 0)
    measure = lever_fits.simulated_measure(setup)  # shared: both fits reuse the evaluations
    prior = lever_fits.declared_prior()
    low = lever_fits.fit_rising(0.35, measure, prior, steps=3)
    high = lever_fits.fit_rising(0.65, measure, prior, steps=3)
    assert low.reachable and high.reachable
    assert high.value > low.value
    assert high.share > low.share
