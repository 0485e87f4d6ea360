"""History matching (``--method history-matching``) and the ABC-SMC proposal kernel, on a cheap
synthetic simulator (``_synthetic``: the fit's measures as a smooth function of the parameters
plus seeded noise), never the agent model."""

from __future__ import annotations

import json
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _synthetic import ROWS, TRUTH, synthetic, unit
from typer.testing import CliRunner

import coprod_sim.calibration.fit as fit_module
from coprod_sim.calibration.fit import (
    KERNEL_SCALING,
    CalibrationSettings,
    calibrate,
    distance_weights,
    fit_distance,
    observed_statistics,
)
from coprod_sim.calibration.history_matching import (
    HistoryMatchingSettings,
    Region,
    fit_emulators,
    history_match,
    min_wave_size,
    outputs,
    sobol_prior,
)
from coprod_sim.calibration.posterior import DEFAULT_KERNEL, Posterior, load_posterior
from coprod_sim.calibration.targets import MEASURE_KEYS
from coprod_sim.commands.cli import app

SMALL = HistoryMatchingSettings(
    town="demo", scale=1.0, seed=7, population_size=20, waves=3, wave_size=60,
    max_simulations=600,
)  # fmt: skip


def _fit(tmp_path: Path, name: str = "hm.jsonl", **kw: Any) -> dict:
    return history_match(kw.pop("settings", SMALL), simulator=synthetic,
                         store=tmp_path / name, **kw)  # fmt: skip


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("hm")
    return _fit(folder), folder / "hm.jsonl"


def _same(a: dict, b: dict) -> None:
    assert a["particles"] == b["particles"]
    assert a["weights"] == b["weights"]
    for key in ("waves", "region_shares", "simulations", "simulations_per_wave", "accepted"):
        assert a["fit"][key] == b["fit"][key], key


def test_the_region_shrinks_around_the_truth(whole: tuple[dict, Path]) -> None:
    post, _ = whole
    shares = post["fit"]["region_shares"]
    assert all(b <= a for a, b in zip(shares, shares[1:], strict=False))
    assert shares[-1] < 0.05  # the synthetic model meets every target on about 0.6% of the prior
    # the region keeps the truth and drops a set far from it (wave 0's emulators alone)
    outs = outputs()
    u = sobol_prior(SMALL.wave_size * 2, len(ROWS), np.random.SeedSequence(1))
    names = [r["name"] for r in ROWS]
    np.random.seed(3)  # noqa: NPY002 (the synthetic simulator's seed, as the fit sets it)
    y = np.array([[synthetic(dict(zip(names, (r["prior"][0] + v * (r["prior"][1] - r["prior"][0])
                  for r, v in zip(ROWS, row, strict=True)), strict=True)))[o.key] for o in outs]
                  for row in u])  # fmt: skip
    region = Region(len(ROWS), outs, 1.0)
    region.waves.append(fit_emulators(u, y, 0))
    truth = np.array([[TRUTH["u0"], TRUTH["u1"], TRUTH["u2"], TRUTH["u3"], TRUTH["u4"],
                       *[0.5] * (len(ROWS) - 5)]])  # fmt: skip
    far = truth.copy()
    far[0, 0] = 1.0  # weekly participation 15 points above the survey
    assert region.keeps(truth)[0]
    assert not region.keeps(far)[0]
    # and the posterior sits round the truth
    centre = np.array([unit(dict(zip(names, p, strict=True))) for p in post["particles"]]).mean(0)
    assert abs(centre[0] - TRUTH["u0"]) < 0.05
    assert abs(centre[1] - TRUTH["u1"]) < 0.05


def test_each_waves_emulators_learn_only_inside_the_region_it_sampled(
    whole: tuple[dict, Path],
) -> None:
    post, store = whole
    fit = post["fit"]
    trained, per_wave = fit["emulator_training_sets"], fit["simulations_per_wave"]
    assert len(trained) == fit["waves"] >= 2
    assert trained[0] == per_wave[0]  # wave 0 sampled the whole prior
    for w in range(1, fit["waves"]):
        # the wave's own sets and only those earlier ones that lie in the region it sampled
        assert per_wave[w] <= trained[w] < sum(per_wave[: w + 1])


def test_every_accepted_set_meets_epsilon_and_the_posterior_is_a_valid_file(
    whole: tuple[dict, Path], tmp_path: Path
) -> None:
    post, store = whole
    records = [json.loads(line) for line in store.read_text().splitlines()[1:]]
    final = {tuple(r["params"].values()): r["stats"] for r in records if r["stage"] == "final"}
    assert len(post["particles"]) == SMALL.population_size
    for particle in post["particles"]:
        assert fit_distance(final[tuple(particle)]) <= SMALL.epsilon
    assert post["weights"] == [1 / SMALL.population_size] * SMALL.population_size
    fit = post["fit"]
    assert fit["method"] == "history-matching" and fit["complete"]
    assert fit["effective_sample_size"] == SMALL.population_size
    assert fit["simulations"] == sum(fit["simulations_per_wave"]) + fit["final_stage_simulations"]
    assert fit["acceptance"] == SMALL.population_size / fit["final_stage_simulations"]
    assert post["checks"]["willingness_upper_bounds"]["all_accepted_within"]
    saved = Posterior.model_validate(post).save(tmp_path / "posterior_demo.json")
    assert load_posterior(saved).kernel().startswith("none (history matching")


def test_fit_distance_is_pyabcs_distance() -> None:
    import pyabc

    obs = observed_statistics(MEASURE_KEYS)
    dist = pyabc.PNormDistance(p=np.inf, fixed_weights=distance_weights(MEASURE_KEYS))
    dist.initialize(0, lambda: [], obs, len(obs))
    np.random.seed(5)  # noqa: NPY002
    for _ in range(5):
        stats = synthetic({r["name"]: float(np.random.uniform(*r["prior"])) for r in ROWS})  # noqa: NPY002
        assert fit_distance(stats) == pytest.approx(float(dist(stats, obs, t=0)), rel=1e-12)


@pytest.mark.slow
def test_zero_and_two_workers_give_the_same_posterior(
    whole: tuple[dict, Path], tmp_path: Path
) -> None:
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        parallel = _fit(tmp_path, executor=pool)
    _same(parallel, whole[0])


class _Interrupting:
    """An executor whose map stops with Ctrl-C after ``after`` simulations in all."""

    def __init__(self, after: int) -> None:
        self.left = after

    def map(self, fn: Any, *iterables: Any) -> Any:
        for args in zip(*iterables, strict=True):
            if self.left == 0:
                raise KeyboardInterrupt
            self.left -= 1
            yield fn(*args)


@pytest.mark.parametrize(
    "after", [60, 82, 60 * 3 + 10], ids=["after wave 0", "mid-wave", "mid-final stage"]
)
def test_a_resumed_fit_is_the_uninterrupted_fit(
    whole: tuple[dict, Path], tmp_path: Path, after: int
) -> None:
    with pytest.raises(KeyboardInterrupt):
        _fit(tmp_path, executor=_Interrupting(after))
    store = tmp_path / "hm.jsonl"
    assert len(store.read_text().splitlines()) == after + 1  # the header and each simulation
    before = store.read_text().splitlines()[1:]
    resumed = history_match(SMALL, simulator=synthetic, store=store, resume=True)
    _same(resumed, whole[0])
    # nothing stored is run again: the stored lines stay, each simulation is stored once
    lines = store.read_text().splitlines()[1:]
    assert lines[:after] == before
    assert len(lines) == len({(json.loads(x)["stage"], json.loads(x)["index"]) for x in lines})
    assert len(lines) == whole[0]["fit"]["simulations"]


def test_resume_may_raise_the_waves_until_the_final_stage_begins(tmp_path: Path) -> None:
    one = replace(SMALL, waves=1)
    with pytest.raises(KeyboardInterrupt):
        # wave 0 done, nothing after
        _fit(tmp_path, settings=one, executor=_Interrupting(SMALL.wave_size))
    more = _fit(tmp_path, settings=replace(SMALL, waves=2), resume=True)
    assert more["fit"]["waves"] == 2
    with pytest.raises(fit_module.CalibrationBudgetError, match="--waves: value 3"):
        _fit(tmp_path, settings=replace(SMALL, waves=3), resume=True)  # the final stage began
    with pytest.raises(fit_module.CalibrationBudgetError, match="wave_size=60"):
        _fit(tmp_path, settings=replace(SMALL, waves=2, wave_size=62), resume=True)


def test_a_budget_that_runs_out_keeps_what_was_accepted(tmp_path: Path) -> None:
    short = replace(SMALL, waves=1, max_simulations=SMALL.wave_size + 20)
    post = _fit(tmp_path, settings=short)
    assert post["fit"]["simulations"] == SMALL.wave_size + 20
    assert not post["fit"]["complete"]
    assert 0 < post["fit"]["accepted"] < SMALL.population_size


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--waves", "0"], "--waves: value 0 is not allowed; allowed: 1 or more"),
        (
            ["--wave-size", "5"],
            f"--wave-size: value 5 is not allowed; allowed: {min_wave_size(len(ROWS))} or more",
        ),
        (["--epsilon", "-1"], "--epsilon: value -1.0 is not allowed; allowed: a number > 0"),
        (["--max-simulations", "900"], "--max-simulations: value 900 is not allowed"),
        (["--generations", "3"], "--generations: value 3 is not allowed with --method"),
    ],
)
def test_bad_history_matching_options_exit_2_naming_the_option(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    out = str(tmp_path / "p.json")
    result = runner.invoke(
        app, ["calibrate", "--town", "demo", "--method", "history-matching", "--out", out, *args]
    )
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_history_matching_options_are_refused_with_abc_smc_and_a_bad_method() -> None:
    result = runner.invoke(app, ["calibrate", "--town", "demo", "--waves", "2"])
    assert result.exit_code == 2 and "--waves: value 2 is not allowed with --method abc-smc" in (
        result.output
    )
    result = runner.invoke(app, ["calibrate", "--town", "demo", "--method", "hm"])
    assert result.exit_code == 2 and "--method: value 'hm'" in result.output


# ----------------------------------------------------------------------------- the ABC kernel
class _SyntheticSimulator:
    """Stands in for ``fit.Simulator`` (same constructor), running the synthetic model."""

    def __init__(self, *args: Any) -> None:
        pass

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        return synthetic({k: float(v) for k, v in pars.items()})


def test_abc_smc_proposes_with_the_wide_kernel_and_records_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyabc

    made: list[Any] = []
    real = pyabc.ABCSMC

    def recording(*args: Any, **kw: Any) -> Any:
        made.append(kw.get("transitions"))
        return real(*args, **kw)

    monkeypatch.setattr(pyabc, "ABCSMC", recording)
    monkeypatch.setattr(fit_module, "Simulator", _SyntheticSimulator)
    settings = CalibrationSettings(town="demo", scale=1.0, seed=2, population_size=10,
                                   max_generations=2, max_simulations=200)  # fmt: skip
    post = calibrate(settings)
    (kernel,) = made
    assert isinstance(kernel, pyabc.MultivariateNormalTransition)
    assert kernel.scaling == KERNEL_SCALING == 2.0
    assert kernel.bandwidth_selector(3.0, 7) == 1.0  # no Silverman shrink
    # the fitted kernel's covariance is twice the population's weighted covariance
    from pyabc.transition.multivariatenormal import smart_cov

    np.testing.assert_allclose(kernel.cov, 2.0 * smart_cov(kernel.X.to_numpy(), kernel.w))
    assert post["fit"]["kernel"]["scaling"] == 2.0
    assert post["fit"]["kernel"]["name"] == "MultivariateNormalTransition"
    assert post["fit"]["kernel"]["bandwidth_selector"] == "unit_bandwidth"
    assert Posterior.model_validate(post).kernel() == "MultivariateNormalTransition, scaling 2"


def test_an_abc_posterior_without_a_kernel_reads_as_pyabcs_default(tmp_path: Path) -> None:
    data = json.loads(files("coprod_sim.data").joinpath("posterior_demo.json").read_text())
    data["fit"] = {"method": "ABC-SMC (pyabc 0.13.0)"}  # as the fits before the kernel recorded
    del data["checksum"]
    post = Posterior.model_validate(data)
    assert post.kernel() == DEFAULT_KERNEL == "pyabc default (Silverman)"


def test_the_command_runs_history_matching_through_run_fit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import coprod_sim.calibration.history_matching as hm_module

    monkeypatch.setattr(hm_module, "Simulator", _SyntheticSimulator)
    out = tmp_path / "posterior_demo.json"
    args = ["calibrate", "--town", "demo", "--method", "history-matching", "--waves", "2",
            "--wave-size", "60", "--population-size", "10", "--max-simulations", "400",
            "--workers", "0", "--seed", "4", "--no-progress", "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    post = load_posterior(out)
    assert post.fit["method"] == "history-matching" and len(post.weights) == 10
    assert "10 particles (effective sample size 10) after 2 waves of history matching" in (
        result.output
    )
    assert "all targets within tolerance" in result.output
    assert (tmp_path / "hm_demo.jsonl").is_file()
    again = runner.invoke(app, [*args[:-1], str(tmp_path / "q.json")])
    assert again.exit_code == 2 and "--resume" in again.output  # the stored fit is not replaced
    resumed = runner.invoke(app, [*args, "--resume", "--overwrite"])
    assert resumed.exit_code == 0, resumed.output
    assert load_posterior(out).particles == post.particles
