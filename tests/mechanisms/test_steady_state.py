"""Finding 5 of issue 14: every drifting disposition has a level to settle at, and a burn-in
(``burn_in_years``) that outputs leave out by default."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import summary_metrics, weekly_series
from coprod_sim.mechanisms import trust

SEEDS = (1, 2, 3)


def test_trust_in_services_relaxes_to_each_residents_baseline() -> None:
    model = CoproductionModel(rng=1, n_residents=300, burn_in_years=0)
    pop = model.pop
    base = pop.trust_svc_base.copy()
    np.testing.assert_array_equal(pop.trust_svc, base)  # the baseline is the start value
    pop.trust_svc[:] = 0.0
    tie_base = model.tie_trust.copy()
    model.tie_trust[:] = 1.0
    model.week = 3  # relax_to_baselines acts in the last week of each 4-week period
    trust.relax_to_baselines(model, 4)
    rate = 1 - (1 - model.params.service_trust_relaxation) ** 4
    np.testing.assert_allclose(pop.trust_svc, rate * base, rtol=1e-5)
    # tie trust relaxes to its start value at the neighbour-trust rate
    tie_rate = 1 - (1 - model.params.trust_relaxation) ** 4
    np.testing.assert_allclose(model.tie_trust, 1 + tie_rate * (tie_base - 1), rtol=1e-5)


def _year_means(seed: int, relax: float) -> np.ndarray:
    model = CoproductionModel(
        rng=seed, n_residents=500, burn_in_years=2, service_trust_relaxation=relax
    )
    model.run_weeks(52 * 6)
    s = weekly_series(model)["trust_services"].to_numpy()
    return s.reshape(6, 52).mean(axis=1)


@pytest.mark.slow
def test_trust_in_services_settles_and_would_not_without_relaxation() -> None:
    """Between results years 3 and 6 mean trust in services moves by at most 0.02 (mean of
    three seeds); with the relaxation switched off it keeps falling (by more than 0.02)."""
    settled = np.mean([_year_means(s, 0.01) for s in SEEDS], axis=0)
    drifting = np.mean([_year_means(s, 0.0) for s in SEEDS], axis=0)
    assert abs(settled[5] - settled[2]) <= 0.02
    assert drifting[2] - drifting[5] > 0.02


def test_burn_in_weeks_are_numbered_before_results_and_left_out() -> None:
    model = CoproductionModel(rng=2, n_residents=300, burn_in_years=1)
    assert model.week == 0  # ready at week 0: the constructor ran the burn-in
    assert len(model.burn_in_datacollector.get_model_vars_dataframe()) == 52
    model.step()  # one step is one week, always
    assert model.week == 1
    model.run_weeks(9)
    assert model.week == 10
    weekly = weekly_series(model)
    assert list(weekly["week"]) == list(range(1, 11)) and (weekly["burn_in"] == 0).all()
    everything = weekly_series(model, include_burn_in=True)
    assert len(everything) == 62 and list(everything["week"][:2]) == [-51, -50]
    assert (everything["burn_in"][:52] == 1).all()
    # Mesa's collector holds the results weeks only; the burn-in's are kept apart
    raw = model.datacollector.get_model_vars_dataframe()
    assert len(raw) == 10 and raw["burn_in"].sum() == 0
    burn = model.burn_in_datacollector.get_model_vars_dataframe()
    assert len(burn) == 52 and (burn["burn_in"] == 1).all()
    m = summary_metrics(model)
    assert m["needs_arisen"] == weekly["needs_arisen"].sum()  # results weeks only
    assert m["weeks"] == 10 and m["burn_in_weeks"] == 52


def test_no_lever_acts_in_the_burn_in_so_paired_runs_start_alike() -> None:
    """A policy run and its baseline share the burn-in: the same town at week 0, no lever
    cost charged before it."""
    base = CoproductionModel(rng=3, n_residents=400, burn_in_years=1)
    pol = CoproductionModel(
        rng=3, n_residents=400, burn_in_years=1, policies=["time_bank", "personal_asks"]
    )
    base.burn_in()
    pol.burn_in()
    assert base.week == pol.week == 0
    for col in ("trust_svc", "trust_nbr", "fear_commit", "committed", "weeks_year_formal"):
        np.testing.assert_array_equal(getattr(base.pop, col), getattr(pol.pop, col))
    assert sum(pol.costs_total.values()) == 0.0  # reset at week 0, nothing charged before
    assert not pol.pop.tb_member.any()
    pol.run_weeks(26)
    assert pol.pop.tb_member.any()  # the levers act once results start


def test_step_runs_the_burn_in_first() -> None:
    model = CoproductionModel(rng=4, n_residents=300, burn_in_years=1)
    model.step()
    assert model.week == 1
    with pytest.raises(ValueError, match="burn_in_years"):
        CoproductionModel(burn_in_years=-1)
