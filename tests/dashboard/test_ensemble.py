"""Replications in worker processes give the same runs as the page's own models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from coprod_sim.dashboard.controller import Plan, Switch, TownChoice, advance, build_model
from coprod_sim.dashboard.ensemble import (
    ENSEMBLE_SERIES,
    band,
    replication_seeds,
    replication_world,
    run_replication,
    start_ensemble,
    uncertainty,
)

# 1.5 years: two year ends, where the page's model records its residents
CHOICE = TownChoice(residents=300, years=1.5, seed=9, burn_in_years=0)


def test_seeds_are_reproducible_and_distinct():
    s = replication_seeds(9, 20)
    assert s == replication_seeds(9, 20) and len(set(s)) == 20


@pytest.mark.slow
def test_workers_run_the_panel_plan_exactly():
    plan = Plan(start={}, switches=[Switch(5, "time_bank", True, {})])
    run = start_ensemble(CHOICE, plan, n=2, workers=2)
    out = run.result()
    assert run.error() is None
    seeds = run.seeds
    for i, seed in enumerate(seeds):
        world = replication_world(CHOICE.town, seed)
        m = build_model(dataclasses.replace(CHOICE, seed=seed), plan, world=world)
        advance(m, plan, CHOICE.weeks)
        here = m.datacollector.get_model_vars_dataframe()
        there = run_replication(CHOICE, plan, seed)
        for s in ENSEMBLE_SERIES:  # the page's model records residents; a replication does not
            assert np.array_equal(here[s].to_numpy(), there[s]), (i, s)
    assert len(out) == CHOICE.weeks
    assert (out["crises_low"] <= out["crises_median"]).all()
    assert (out["crises_median"] <= out["crises_high"]).all()


def test_band_quantiles():
    results = [{"x": np.full(3, float(v))} for v in range(11)]
    b = band(results)
    assert b["x_median"].tolist() == [5.0] * 3
    assert b["x_low"].tolist() == [1.0] * 3 and b["x_high"].tolist() == [9.0] * 3


def test_replications_draw_the_world_from_the_towns_current_posterior():
    """As ``coprod-sim run`` does: one draw per replication seed, the same in every panel."""
    a, b = (replication_world("demo", s) for s in replication_seeds(9, 2))
    assert a and set(a) == set(b) and a != b
    assert replication_world("demo", 123) == replication_world("demo", 123)
    model = build_model(CHOICE, Plan(start={}, switches=[]), world=a)
    assert all(getattr(model.params, k) == v for k, v in a.items())
    assert "calibration (posterior)" in uncertainty("demo")


def test_a_stale_posterior_leaves_the_declared_world_and_says_so(monkeypatch):
    import coprod_sim.dashboard.ensemble as ensemble

    monkeypatch.setattr(ensemble, "posterior_by_default", lambda town: (False, "stale: refit"))
    assert replication_world("demo", 5) == {}
    assert uncertainty("demo") == "chance only: stale: refit"
