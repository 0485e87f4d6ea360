"""A life before the town (mechanism 12): the survey's lifetime "never" counts help before a
resident's history here began."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.life_history import (
    gamma_frailty_fit,
    hazard_curve,
    prior_probability,
)
from tests._towns import town


def test_the_fit_recovers_a_known_gamma_frailty_hazard():
    """Poisson first times drawn from h(t) = a / (1 + b t) give back a and b (3 draws)."""
    t = np.arange(12) + 0.5
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        exposure = np.linspace(20_000, 4_000, len(t))
        first = rng.poisson(exposure * hazard_curve(0.5, 1.5, len(t)))
        a, b = gamma_frailty_fit(t, first.astype(float), exposure)
        assert a == pytest.approx(0.5, rel=0.1)
        assert b == pytest.approx(1.5, rel=0.2)


def test_a_longer_life_before_and_fewer_years_here_make_past_help_likelier():
    ages = np.array([18, 30, 50, 80])
    p0 = prior_probability(0.4, 1.2, ages, np.zeros(4, int))
    assert p0[0] == 0.0  # no adult years before
    assert np.all(np.diff(p0) > 0)
    # eight years here without help say the resident is less inclined
    p8 = prior_probability(0.4, 1.2, ages, np.full(4, 8))
    assert np.all(p8[1:] < p0[1:])
    # a town where nobody helps gives nobody a past
    assert np.all(prior_probability(0.0, 0.0, ages, np.zeros(4, int)) == 0.0)


def _formal(model: CoproductionModel) -> dict[str, float]:
    y = model.years[-1]
    return {k: y[f"participation_formal_{k}"] for k in ("rarely", "never")}


def test_without_a_burn_in_nobody_has_a_past():
    """No burn-in years to measure: the history starts at set-up, as before the mechanism."""
    m = town(1, 104, n_residents=1000)
    assert not m.life_hazards.first.any()
    ever = (m.pop.last_year_class_formal <= 3).mean()  # every class but "never"
    assert ever == pytest.approx(m.pop.formal_ever.mean(), abs=0.02)


@pytest.mark.slow
def test_a_life_before_the_town_lowers_never_and_raises_rarely():
    """With a burn-in, formal 'never' is below the share never seen helping here, by at least
    5 points, on 3 seeds (1,500 residents, 4 burn-in years)."""
    for seed in (1, 2, 3):
        m = CoproductionModel(n_residents=1500, burn_in_years=4, rng=seed)
        m.run_weeks(52)
        shares = _formal(m)
        here_never = 1.0 - m.pop.formal_ever.mean()
        assert shares["never"] < here_never - 0.05
        assert m.life_hazards.first.sum() > 0


@pytest.mark.slow
def test_levers_cannot_change_the_past():
    """The hazards stop at week 0: a lever run and its paired baseline share them."""
    kw = dict(n_residents=1500, burn_in_years=3, rng=4)
    base = CoproductionModel(**kw)
    lever = CoproductionModel(**kw, policies=["personal_asks", "right_to_time_off"])
    base.run_weeks(104)
    lever.run_weeks(104)
    np.testing.assert_array_equal(base.life_hazards.first, lever.life_hazards.first)
    np.testing.assert_array_equal(base.life_hazards.exposure, lever.life_hazards.exposure)
