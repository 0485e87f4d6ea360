"""Right to time off raises the hours given by employed residents; employers pay for it."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.parameters import ScenarioError

SEEDS = (1, 2, 3)


def _pair(seed: int, **lever):
    # a closed town: the same residents keep their jobs in both runs (turnover, issue 24)
    closed = dict(n_residents=2000, burn_in_years=0, population_turnover=False)
    base = CoproductionModel(rng=seed, **closed)
    pol = CoproductionModel(rng=seed, policies={"right_to_time_off": lever}, **closed)
    base.run_weeks(52)
    pol.run_weeks(52)
    return base, pol


def test_time_off_raises_hours_given_by_employed_residents():
    given_base = given_pol = 0.0
    for s in SEEDS:
        base, pol = _pair(s, hours_granted=2.0)
        granted = pol.policy_levers[0].granted
        assert len(granted) > 0 and pol.pop.employed[granted].all()
        assert np.all(pol.pop.time_off[granted] == pytest.approx(2.0))
        b, p = base.pop.hours_given[granted].sum(), pol.pop.hours_given[granted].sum()
        assert p > b  # the same employed residents give more hours in every seed
        given_base, given_pol = given_base + b, given_pol + p
        assert pol.costs_total["right_to_time_off"] > 0
    # tolerance: pooled over seeds, those granted time off give at least 10% more hours
    assert given_pol > 1.10 * given_base, (given_pol, given_base)


def test_every_employer_refusing_changes_nothing_and_costs_nothing():
    base, pol = _pair(1, refusal_share=1.0)
    assert len(pol.policy_levers[0].granted) == 0
    assert pol.pop.hours_given.sum() == base.pop.hours_given.sum()
    assert pol.costs_total["right_to_time_off"] == 0


def test_bad_parameter_is_refused():
    with pytest.raises(ScenarioError, match="ask_share"):
        CoproductionModel(
            rng=1,
            n_residents=100,
            policies={"right_to_time_off": {"ask_share": 2}},
            burn_in_years=0,
        )
