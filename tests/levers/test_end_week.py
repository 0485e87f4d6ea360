"""A lever's ``end_week``: from that week its rule, its cost and its cover of newcomers stop;
what it did to residents stays. Before it, the run is the same as a lever that never ends."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.levers import make_levers
from coprod_sim.mechanisms import timebank


def _run(policies: dict, weeks: int = 40) -> CoproductionModel:
    m = CoproductionModel(rng=5, n_residents=1500, burn_in_years=1, policies=policies)
    m.run_weeks(weeks)
    return m


def test_the_rule_and_the_cost_stop_at_end_week_and_what_was_done_stays() -> None:
    forever = _run({"training": {}})
    ended = _run({"training": {"end_week": 20}})
    a = forever.datacollector.get_model_vars_dataframe()
    b = ended.datacollector.get_model_vars_dataframe()
    # identical before the end (same seed, same draws)
    assert a["cost_training"].iloc[:19].tolist() == b["cost_training"].iloc[:19].tolist()
    assert (b["cost_training"].iloc[20:] == 0).all() and a["cost_training"].iloc[20:].sum() > 0
    trained_at_end = int(ended.pop.trained.sum())
    assert 0 < trained_at_end < int(forever.pop.trained.sum())
    ended.run_weeks(10)  # nobody new is trained; the trained (who stay) stay trained
    assert int(ended.pop.trained.sum()) <= trained_at_end


def test_an_end_before_the_start_is_refused_with_both_weeks_named() -> None:
    with pytest.raises(ScenarioError, match=r"time_bank.end_week.*value 5.*start_week \(10\)"):
        make_levers({"time_bank": {"start_week": 10, "end_week": 5}})


def test_end_week_zero_means_never() -> None:
    (lever,) = make_levers({"time_bank": {}})
    m = CoproductionModel(rng=1, n_residents=100, burn_in_years=0)
    m.week = 10_000
    assert lever.end_week == 0 and lever.active(m)
    assert not np.isnan(lever.weekly_cost(m))


def test_a_lever_acting_at_two_points_stops_at_both_when_it_ends() -> None:
    """The time bank matches before the channels and pays credits after them (``also``): after
    ``end_week`` neither runs, so no credit is earned."""
    m = _run({"time_bank": {"end_week": 15}}, weeks=15)
    earned = timebank.state(m).credits_earned
    assert earned > 0
    m.run_weeks(15)
    assert timebank.state(m).credits_earned == earned
