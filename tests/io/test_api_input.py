"""Input hygiene of the Python API (the coercion and message helpers the command line uses):
NumPy numbers, one lever given as a string, the size limit, the closest names."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.levers import make_levers
from coprod_sim.parameters import MAX_RESIDENTS, ScenarioError
from coprod_sim.scenario import make_scenario


def test_numpy_numbers_are_accepted_for_int_and_float_parameters() -> None:
    grid = np.arange(200, 401, 100)  # np.int64, as a researcher's grid gives them
    s = make_scenario(n_residents=grid[1], scale=np.float32(0.5), vetting_weeks=np.int32(4))
    assert s.n_residents == 300 and type(s.n_residents) is int
    assert s.scale == 0.5 and type(s.scale) is float and s.vetting_weeks == 4
    m = CoproductionModel(
        rng=np.int64(3),
        n_residents=grid[0],
        policies={"time_bank": {"coordinator_hours": np.float64(12.0), "start_week": np.int64(2)}},
        burn_in_years=0,
    )
    assert m.n_residents == 200 and m.policy_levers[0].start_week == 2
    with pytest.raises(ScenarioError, match=r"'n_residents'.*2\.5.*whole number"):
        make_scenario(n_residents=np.float64(2.5))  # coerced, not rounded: still refused


def test_one_lever_named_as_a_string_is_that_lever() -> None:
    """``policies="time_bank"`` used to be read letter by letter: a lever called 't'."""
    assert [lv.name for lv in make_levers("time_bank")] == ["time_bank"]
    m = CoproductionModel(rng=1, n_residents=200, policies="training", burn_in_years=0)
    assert [lv.name for lv in m.policy_levers] == ["training"]
    with pytest.raises(ScenarioError, match="unknown policy lever 'tb'"):
        make_levers("tb")
    with pytest.raises(ScenarioError, match=r"parameter 'policies': item 3"):
        make_levers(["time_bank", 3])
    with pytest.raises(ScenarioError, match=r"parameter 'policies': value 5"):
        make_levers(5)


def test_the_size_limit_applies_to_the_preset_times_scale() -> None:
    with pytest.raises(ScenarioError, match=r"16,000,000 residents.*at most 5,000,000"):
        CoproductionModel(town="reading", scale=100, burn_in_years=0)
    assert make_scenario(town="reading", scale=MAX_RESIDENTS / 160_000).scale == 31.25


def test_unknown_names_get_the_closest_few() -> None:
    with pytest.raises(ScenarioError) as err:
        CoproductionModel(tieslocal=3, burn_in_years=0)
    assert "'ties_local'" in str(err.value) and str(err.value).count(", '") <= 3
    with pytest.raises(ScenarioError, match=r"'time_bank.coordinator_hours'"):
        make_levers({"time_bank": {"coordinator_hour": 3}})


def test_an_empty_list_of_need_kinds_is_refused() -> None:
    with pytest.raises((ScenarioError, ValueError), match="need_kinds"):
        CoproductionModel(rng=1, n_residents=200, need_kinds=[], burn_in_years=0)
