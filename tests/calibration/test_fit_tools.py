"""A fit keeps its tools: the simulation budget holds, progress shows on stderr, pyabc's
database stays where asked, and a stored fit continues (tiny fits: 200 residents)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import coprod_sim.calibration.fit as fit_module
from coprod_sim.calibration.fit import (
    CalibrationBudgetError,
    CalibrationSettings,
    calibrate,
)

TINY = CalibrationSettings(
    town="demo",
    scale=1.0,
    seed=5,
    population_size=5,
    max_generations=1,
    max_simulations=200,
    burn_in_years=1,
    overrides={"n_residents": 200},
)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every simulation the fit runs (workers=0 runs them in this process)."""
    calls: list[int] = []
    real = fit_module.simulate_targets

    def counting(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(fit_module, "simulate_targets", counting)
    return calls


@pytest.mark.slow
def test_the_budget_bounds_every_simulation_the_prior_sample_included(counted: list[int]) -> None:
    budget = 24
    post = calibrate(replace(TINY, max_generations=6, max_simulations=budget))
    fit = post["fit"]
    assert len(counted) <= budget
    assert fit["simulations"] == len(counted)
    assert fit["simulations_for_first_epsilon"] == TINY.population_size
    assert fit["simulations"] == (
        fit["simulations_for_first_epsilon"]
        + sum(fit["simulations_per_generation"])
        + fit["simulations_cut_off"]
    )
    assert 1 <= fit["generations"] < 6  # the budget, not the generations, stopped it


def test_a_budget_below_the_first_epsilon_and_a_generation_is_refused(counted: list[int]) -> None:
    with pytest.raises(CalibrationBudgetError, match="--max-simulations: value 9"):
        calibrate(replace(TINY, max_simulations=9))
    assert counted == []


@pytest.mark.slow
def test_progress_shows_a_bar_and_a_line_a_generation(capsys: pytest.CaptureFixture) -> None:
    calibrate(replace(TINY, max_generations=2), show_progress=True)
    err = capsys.readouterr().err
    assert "prior sample for the first epsilon: 5/5 accepted of 5 simulations" in err
    assert "generation 0: epsilon" in err
    assert "generation 1: epsilon" in err
    assert "sim/s" in err or "s/sim" in err  # tqdm's rate, from which its ETA comes


@pytest.mark.slow
def test_the_database_is_kept_and_read_by_pyabc_and_a_fit_resumes(tmp_path: Path) -> None:
    import pyabc

    db = tmp_path / "abc_demo.db"
    first = calibrate(TINY, db=db)
    assert db.is_file()
    history = pyabc.History(f"sqlite:///{db}")
    frame, weights = history.get_distribution()
    assert frame.shape == (TINY.population_size, len(first["parameters"]))
    names = [p["name"] for p in first["parameters"]]
    assert frame[names].to_numpy().tolist() == first["particles"]

    more = calibrate(replace(TINY, max_generations=2), db=db, resume=True)
    assert more["fit"]["generations"] == 2
    assert more["fit"]["resumed_at_generation"] == 1
    # the whole fit's time: the stored generation's (as pyabc recorded it) and the new one's
    stored = float(pyabc.History(f"sqlite:///{db}").get_all_populations().wall_time.iloc[:2].sum())
    assert more["fit"]["wall_seconds"] >= round(stored, 1) > 0
    assert more["distance"]["epsilons"][0] == first["distance"]["epsilons"][0]
    assert pyabc.History(f"sqlite:///{db}").max_t == 1

    with pytest.raises(CalibrationBudgetError, match="population_size=5"):
        calibrate(replace(TINY, population_size=6, max_generations=3), db=db, resume=True)


@pytest.mark.slow
def test_a_budget_spent_before_the_first_generation_is_a_clear_error(
    counted: list[int], tmp_path: Path
) -> None:
    db = tmp_path / "abc_demo.db"
    # 5 from the prior for the first epsilon leave 5: all would have to be accepted
    with pytest.raises(CalibrationBudgetError, match="ran out before the first generation"):
        calibrate(replace(TINY, max_simulations=10), db=db)
    assert len(counted) == 10
    assert not db.exists()  # nothing worth continuing is kept
