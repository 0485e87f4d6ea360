"""A community dividend is paid out and raises neighbourhood trust."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel

SEEDS = (1, 2, 3)


def test_dividend_is_paid_and_raises_neighbourhood_trust():
    for s in SEEDS:
        base = CoproductionModel(rng=s, n_residents=2000)
        pol = CoproductionModel(rng=s, n_residents=2000, policies={"community_dividend": {}})
        base.run_weeks(52)
        pol.run_weeks(52)
        lever = pol.policy_levers[0]
        paid = pol.costs_total["community_dividend"]
        assert paid > 0
        assert lever.paid_by_nbhd.sum() == pytest.approx(paid)
        # bounded by half the value of every volunteer hour given
        vol_hours = float(pol.pop.hours_given.sum())
        assert paid <= 0.5 * 0.5 * pol.params.professional_hour_cost * vol_hours * 1.001
        assert np.all(pol.nb.trust_base >= base.nb.trust_base)
        # tolerance: mean neighbour trust at least 0.003 higher after a year in every seed
        assert pol.pop.trust_nbr.mean() > base.pop.trust_nbr.mean() + 0.003


def test_a_zero_share_pays_nothing_and_changes_nothing():
    base = CoproductionModel(rng=1, n_residents=1500)
    pol = CoproductionModel(
        rng=1, n_residents=1500, policies={"community_dividend": {"share": 0.0}}
    )
    base.run_weeks(20)
    pol.run_weeks(20)
    assert pol.costs_total["community_dividend"] == 0
    assert np.array_equal(pol.nb.trust_base, base.nb.trust_base)
