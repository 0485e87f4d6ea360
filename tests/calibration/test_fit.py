"""The ABC-SMC fit: reproducible from its seed, on any number of workers (tiny budgets)."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from coprod_sim.calibration.fit import CalibrationSettings, calibrate
from coprod_sim.calibration.targets import TARGETS, calibrated_parameters

#: a fit small enough for a test: 200 residents, one year of burn-in, 8 particles, 2 generations
TINY = CalibrationSettings(
    town="demo",
    scale=1.0,
    seed=11,
    population_size=8,
    max_generations=2,
    max_simulations=120,
    burn_in_years=1,
    overrides={"n_residents": 200},
)


@pytest.fixture(scope="module")
def tiny_fit() -> dict:
    return calibrate(TINY)


@pytest.mark.slow
def test_the_posterior_is_a_weighted_sample_inside_the_priors(tiny_fit: dict) -> None:
    rows = calibrated_parameters()
    names = [p["name"] for p in tiny_fit["parameters"]]
    assert names == [r["name"] for r in rows]
    particles = np.array(tiny_fit["particles"])
    assert particles.shape == (TINY.population_size, len(rows))
    for j, r in enumerate(rows):
        assert np.all((particles[:, j] >= r["prior"][0]) & (particles[:, j] <= r["prior"][1]))
    assert np.isclose(sum(tiny_fit["weights"]), 1.0)
    assert tiny_fit["fit"]["generations"] == 2
    eps = tiny_fit["distance"]["epsilons"]
    assert eps[1] <= eps[0]  # the threshold only tightens
    # every calibration target, the survey's five and the outcome side (older people's care)
    assert set(tiny_fit["fit"]["per_target"]) == {t.id for t in TARGETS}
    assert "older_unmet_care" in tiny_fit["fit"]["per_target"]
    assert tiny_fit["checks"]["willingness_upper_bounds"]["all_accepted_within"]


@pytest.mark.slow
def test_the_same_seed_gives_the_same_posterior(tiny_fit: dict) -> None:
    again = calibrate(TINY)
    assert again["particles"] == tiny_fit["particles"]
    assert again["weights"] == tiny_fit["weights"]
    assert again["distance"]["epsilons"] == tiny_fit["distance"]["epsilons"]


@pytest.mark.slow
def test_two_workers_give_the_same_posterior_as_one(tiny_fit: dict) -> None:
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        parallel = calibrate(TINY, executor=pool)
    assert parallel["particles"] == tiny_fit["particles"]
    assert parallel["fit"]["simulations"] == tiny_fit["fit"]["simulations"]


@pytest.mark.slow
def test_another_seed_gives_another_posterior(tiny_fit: dict) -> None:
    from dataclasses import replace

    other = calibrate(replace(TINY, seed=12, max_generations=1))
    first = np.array(tiny_fit["particles"])
    assert not np.array_equal(np.array(other["particles"]), first)
