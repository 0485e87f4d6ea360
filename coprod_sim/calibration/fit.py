"""Fit the baseline's uncertain world parameters to the survey: ABC-SMC with pyabc.

Pattern-oriented: one simulation gives every ``calibrate`` row at once (formal participation
weekly, at least monthly, at least yearly, rarely, never, measured as
``coprod_sim.mechanisms.outcomes`` classifies a year, on the first results year after the
burn-in), and an accepted parameter set must also keep every activity's share of helpers at or
under its stated-willingness share (the ``willingness`` rows are upper bounds).

Distance: the largest of the targets' misses, each divided by its tolerance (a Chebyshev
distance, ``pyabc.PNormDistance(p=inf)``), so at epsilon 1 every target is within its
tolerance. "At least yearly" is a lower bound ("more than 40 per cent"): only a shortfall
counts. A willingness excess of 0.001 already counts as a miss of 1.

Proposal kernel (``proposal_kernel``): a Gaussian around each particle with twice the
population's weighted covariance (Beaumont et al. 2009), not pyabc's default, which shrinks
that covariance by Silverman's rule (about 0.4 in 7-9 dimensions) and, measured here, left an
effective sample size of 1.5-5.6 of 100 particles. Posteriors fitted before record no kernel:
they were fitted with pyabc's default (``Posterior.kernel()`` says so).

Parameters fitted: the world parameters that declare a ``prior`` (``targets.is_calibrated``:
role ``world``; a lever's effect parameters declare priors too and are never fitted here),
uniform on that prior. Reproducible: every simulation gets its own seed from one
``SeedSequence`` (``SeededSampler``), so the posterior depends on the seed and the settings,
not on the number of workers or their timing.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from coprod_sim.calibration.posterior import Posterior
from coprod_sim.calibration.targets import (
    MEASURE_KEYS,
    TARGETS,
    WILLINGNESS_TOLERANCE,
    calibrated_parameters,
    willingness_excess,
)
from coprod_sim.model import CoproductionModel
from coprod_sim.outputs.agent_records import detach_agent_records
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import Scenario

WEEKS_PER_YEAR = 52

#: the proposal kernel's covariance as a multiple of the population's weighted covariance:
#: 2, the choice that minimises the Kullback-Leibler divergence of the proposal from the
#: posterior for a Gaussian posterior (Beaumont, Cornuet, Marin and Robert 2009, Biometrika
#: 96(4), 983-990). pyabc's default multiplies it by Silverman's bandwidth squared instead
#: (about 0.4 here), so proposals cluster round the last particles, a few of them gather the
#: weight, and the effective sample size fell to 1.5-5.6 of 100 (measured on these fits).
KERNEL_SCALING = 2.0


def unit_bandwidth(effective_sample_size: float, dimension: int) -> float:
    """pyabc's bandwidth selector, switched off: the kernel's covariance is
    ``KERNEL_SCALING`` times the weighted covariance, whatever the sample size."""
    return 1.0


def proposal_kernel() -> Any:
    """ABC-SMC's proposal: ``pyabc.MultivariateNormalTransition`` with covariance
    ``KERNEL_SCALING`` (2) x the population's weighted covariance (Beaumont et al. 2009), no
    Silverman shrink (which gave an effective sample size under 6 of 100 here)."""
    # pyabc is imported when a fit runs (heavy; reading a posterior does not need it)
    import pyabc

    return pyabc.MultivariateNormalTransition(
        scaling=KERNEL_SCALING, bandwidth_selector=unit_bandwidth
    )


def kernel_record(kernel: Any) -> dict[str, Any]:
    """What a posterior records of the proposal kernel a fit used (``fit.kernel``): its class,
    scaling and bandwidth selector (``unit_bandwidth``: covariance = scaling x the weighted
    covariance; pyabc's ``silverman_rule_of_thumb`` shrinks it)."""
    selector = getattr(kernel, "bandwidth_selector", None)
    return {
        "name": type(kernel).__name__,
        "scaling": float(getattr(kernel, "scaling", float("nan"))),
        "bandwidth_selector": getattr(selector, "__name__", repr(selector)),
    }


# ----------------------------------------------------------------------------- simulation
def default_burn_in() -> int:
    """The declared default of ``burn_in_years`` (the history "never" is measured over)."""
    return int(Scenario.model_fields["burn_in_years"].default)


def simulate_targets(
    params: dict[str, float],
    *,
    town: str,
    scale: float,
    seed: int,
    years: int = 1,
    burn_in_years: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Run the baseline (no levers) and return the measures the targets and checks compare:
    the mean over the first ``years`` results years of the formal participation classes and
    of each activity's share of helpers. The burn-in is stated explicitly (default: the declared
    ``burn_in_years``), as the measures depend on the length of the simulated history."""
    burn_in = default_burn_in() if burn_in_years is None else burn_in_years
    kw: dict[str, Any] = {"burn_in_years": burn_in}
    kw.update(overrides or {})
    kw.update(params)
    model = CoproductionModel(rng=seed, town=town, scale=scale, **kw)
    detach_agent_records(model)  # the targets read yearly summaries, not resident records
    model.run_weeks(years * WEEKS_PER_YEAR)
    results = [y for y in model.years if not y["burn_in"]][:years]
    return {k: float(np.mean([y[k] for y in results])) for k in MEASURE_KEYS}


def summary_statistics(measures: dict[str, float]) -> dict[str, float]:
    """What the distance compares: one value per target (a lower-bound target is censored at
    its value, so only a shortfall counts), the willingness excess, and the raw measures."""
    stats = {t.id: t.compared(measures[t.measure]) for t in TARGETS}
    stats["willingness_excess"] = willingness_excess(measures)
    stats.update({f"raw:{k}": v for k, v in measures.items()})
    return stats


def observed_statistics(measure_keys: Iterable[str]) -> dict[str, float]:
    """The survey's side of ``summary_statistics`` (raw measures carry weight 0)."""
    obs = {t.id: t.value for t in TARGETS}
    obs["willingness_excess"] = 0.0
    obs.update({f"raw:{k}": 0.0 for k in measure_keys})
    return obs


def distance_weights(measure_keys: Iterable[str]) -> dict[str, float]:
    """1/tolerance per target, so a distance of 1 means every target within its tolerance."""
    w = {t.id: 1.0 / t.tolerance for t in TARGETS}
    w["willingness_excess"] = 1.0 / WILLINGNESS_TOLERANCE
    w.update({f"raw:{k}": 0.0 for k in measure_keys})
    return w


def fit_distance(stats: dict[str, float]) -> float:
    """The fit's distance between one simulation's ``summary_statistics`` and the survey: the
    largest weighted miss, as ``pyabc.PNormDistance(p=inf, fixed_weights=distance_weights)``
    computes it in ABC-SMC (history matching's final stage accepts by it)."""
    obs = observed_statistics(MEASURE_KEYS)
    weights = distance_weights(MEASURE_KEYS)
    return max(w * abs(stats[k] - obs[k]) for k, w in weights.items() if w > 0)


#: what a posterior records of the distance (``distance.name`` and ``distance.description``)
DISTANCE_NAME = "Chebyshev distance of tolerance-scaled misses (pyabc.PNormDistance, p=inf)"
DISTANCE_DESCRIPTION = (
    "max over targets of |simulated - survey| / tolerance (a lower-bound target counts only a "
    "shortfall), and the largest excess of an activity's share of helpers over its "
    f"stated-willingness share / {WILLINGNESS_TOLERANCE}"
)


def parameter_specs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``parameters`` field of a posterior: each fitted parameter and its uniform prior."""
    return [
        {"name": r["name"], "unit": r["unit"], "prior": "uniform", "low": r["prior"][0],
         "high": r["prior"][1]}
        for r in rows
    ]  # fmt: skip


def willingness_check(sum_stats: list[dict[str, float]]) -> dict[str, Any]:
    """The ``checks`` field of a posterior: whether every accepted set keeps each activity's
    share of helpers under its stated willingness (the ``willingness`` rows)."""
    return {
        "willingness_upper_bounds": {
            "max_excess_over_accepted": float(max(s["willingness_excess"] for s in sum_stats)),
            "all_accepted_within": bool(
                all(s["willingness_excess"] <= WILLINGNESS_TOLERANCE for s in sum_stats)
            ),
        }
    }


def measured_on(years: int) -> str:
    """What the fit's measures are (``fit.measured_on``)."""
    return (
        f"formal participation classes of results year 1..{years} after the default burn-in, "
        "no levers"
    )


@dataclass(frozen=True)
class Simulator:
    """pyabc's model: parameters in, summary statistics out. The simulation's seed comes from
    NumPy's global stream, which ``SeededSampler`` seeds for every simulation."""

    town: str
    scale: float
    years: int = 1
    burn_in_years: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))  # noqa: NPY002 (pyabc)
        params = {k: float(v) for k, v in pars.items()}
        measures = simulate_targets(
            params,
            town=self.town,
            scale=self.scale,
            seed=seed,
            years=self.years,
            burn_in_years=self.burn_in_years,
            overrides=self.overrides,
        )
        return summary_statistics(measures)


# ----------------------------------------------------------------------------- sampler
def _simulate_seeded(payload: bytes, seed: int) -> Any:
    # pyabc and cloudpickle are imported when a fit runs: heavy, and not needed to read one
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (pyabc draws from the global stream)
    random.seed(seed)
    return simulate_one()


def _sampler_class() -> type:
    # pyabc is imported when a fit runs (heavy; reading a posterior does not need it)
    from pyabc.sampler import Sampler

    class SeededSampler(Sampler):
        """pyabc's own parallel samplers reseed every worker from the operating system; this
        one gives each simulation a seed from one ``SeedSequence`` and keeps the first ``n``
        accepted in the order they were proposed, whichever worker finished first. Batch sizes
        follow the last acceptance rate, never the number of workers."""

        def __init__(
            self,
            seed: int | np.random.SeedSequence,
            map_: Callable = map,
            min_batch: int = 8,
            budget: float = np.inf,
            used: int = 0,
            bar: Any = None,
        ) -> None:
            super().__init__()
            self.seeds = (
                seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
            )
            self.map_ = map_
            self.min_batch = min_batch
            self.rate = 1.0
            self.budget = budget  # most simulations in all, the prior sample included
            self.used = used  # simulations run so far (a cut-off generation's included)
            self.started = used  # on a process pool, a batch's dropped tail runs as well
            self.bar = bar  # a tqdm bar over simulations, or None

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, **kw):  # noqa: ANN001
            # imported when a fit runs, as pyabc is (heavy; reading a posterior needs neither)
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            sample = self._create_empty_sample()
            limit = min(max_eval, self.budget - self.used)
            evaluated = accepted = 0
            while accepted < n and evaluated < limit:
                want = n - accepted
                size = max(self.min_batch, math.ceil(1.2 * want / max(self.rate, 0.02)))
                size = min(size, 20 * n)
                if limit - evaluated < size:
                    size = int(limit - evaluated)  # never start a simulation past the budget
                seeds = [int(s.generate_state(1, np.uint64)[0]) for s in self.seeds.spawn(size)]
                self.started += size
                batch_accepted = 0
                for particle in self.map_(partial(_simulate_seeded, payload), seeds):
                    evaluated += 1
                    sample.append(particle)
                    if particle.accepted:
                        accepted += 1
                        batch_accepted += 1
                    if self.bar is not None:
                        self.bar.update(1)
                    if accepted >= n:
                        # proposals past the n-th acceptance are dropped, in order (a lazy map
                        # never runs them; a process pool's run and are not counted)
                        break
                self.rate = max(batch_accepted, 1) / size
            self.used += evaluated
            self.nr_evaluations_ = evaluated
            if sample.n_accepted < n:
                sample.ok = False
            if self.bar is not None:
                self._report(t, n, accepted, evaluated, kw.get("ana_vars"), kw.get("all_accepted"))
            return sample

        def _report(self, t, n, accepted, evaluated, ana_vars, prior_sample) -> None:  # noqa: ANN001
            """One line a generation above the bar: epsilon, acceptances, budget used."""
            if prior_sample:
                what = "prior sample for the first epsilon"
            else:
                eps = ana_vars.eps(t) if ana_vars is not None else float("nan")
                what = f"generation {t}: epsilon {eps:.3f}"
            cut = "" if accepted >= n else " (budget spent: generation cut off, not kept)"
            self.bar.write(
                f"{what}: {accepted}/{n} accepted of {evaluated} simulations, "
                f"{self.used}/{self.budget:g} of the budget used{cut}",
                file=sys.stderr,
            )

    return SeededSampler


# ----------------------------------------------------------------------------- the fit
@dataclass(frozen=True)
class FitSettings:
    """What every fit method simulates: the town and scale, the particles it keeps, the seed,
    the years simulated and parameters held fixed (``overrides``)."""

    town: str = "darlington"
    scale: float = 0.01
    seed: int = 20261129
    population_size: int = 100
    years: int = 1
    burn_in_years: int = field(default_factory=default_burn_in)
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CalibrationSettings(FitSettings):
    """An ABC-SMC fit: the generations, the budget and the smallest epsilon it stops at."""

    max_generations: int = 8
    max_simulations: int = 1500
    min_epsilon: float = 0.5


def prior_distribution(rows: list[dict[str, Any]]) -> Any:
    """Uniform priors on the declared ``prior`` of each calibrated parameter."""
    # pyabc is imported when a fit runs (heavy; reading a posterior does not need it)
    import pyabc

    return pyabc.Distribution(
        **{
            r["name"]: pyabc.RV("uniform", r["prior"][0], r["prior"][1] - r["prior"][0])
            for r in rows
        }
    )


class CalibrationBudgetError(ScenarioError):
    """The simulation budget ran out before a generation was complete (or a stored fit
    cannot be continued with these settings)."""


#: settings a resumed fit must share with the stored one (the others bound the whole fit)
RESUME_FIXED = ("town", "scale", "seed", "population_size", "years", "burn_in_years", "overrides")
#: the pyabc meta-information key that stores them
META_KEY = "coprod_sim_settings"


def default_db(out_folder: Path, town: str) -> Path:
    """Where the CLI keeps a fit's pyabc database: ``<out folder>/abc_<town>.db``."""
    return out_folder / f"abc_{town}.db"


def _fixed_settings(settings: CalibrationSettings) -> str:
    return json.dumps({k: asdict(settings)[k] for k in RESUME_FIXED}, sort_keys=True)


def stored_settings(db: Path) -> dict[str, Any]:
    """The fixed settings a stored fit was started with (``RESUME_FIXED``)."""
    # pyabc is imported when a fit is run or resumed (heavy; reading a posterior does not need it)
    import pyabc

    options = ast.literal_eval(pyabc.History(f"sqlite:///{db}").get_abc().json_parameters)
    return json.loads(options[META_KEY])


def calibrate(
    settings: CalibrationSettings,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    db: Path | None = None,
    resume: bool = False,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Run ABC-SMC and return the posterior as the payload of ``posterior_<town>.json``.

    ``settings.max_simulations`` bounds every simulation of the fit: the prior sample pyabc
    draws to set the first epsilon (``population_size`` simulations) and all generations. A
    generation the budget cuts off is not kept. ``db`` keeps pyabc's database there (default: a
    temporary one, deleted); ``resume`` continues the fit stored in ``db`` up to the settings'
    generations and simulations in all. ``show_progress`` draws a bar over the budget on
    stderr, with a line a generation."""
    # pyabc is imported when a fit runs (heavy; reading a posterior does not need it)
    import pyabc

    say = progress or (lambda _msg: None)
    if not resume and settings.max_simulations < 2 * settings.population_size:
        raise CalibrationBudgetError(
            f"--max-simulations: value {settings.max_simulations} is not allowed; allowed: at "
            f"least twice --population-size ({2 * settings.population_size}): "
            f"{settings.population_size} from the prior for the first epsilon, then at least as "
            "many for the first generation"
        )
    rows = calibrated_parameters()
    measure_keys = MEASURE_KEYS
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(db) if db is not None else Path(tmp) / "abc.db"
        url = f"sqlite:///{db_path}"
        done_t, done_sims, done_wall = -1, 0, 0.0
        if resume:
            if not db_path.is_file():
                raise CalibrationBudgetError(f"--resume: no stored fit at {db_path}")
            stored = stored_settings(db_path)
            mine = json.loads(_fixed_settings(settings))
            diff = sorted(k for k in RESUME_FIXED if stored.get(k) != mine.get(k))
            if diff:
                raise CalibrationBudgetError(
                    f"--resume: the fit in {db_path} was started with other settings "
                    + ", ".join(f"{k}={stored.get(k)!r} (given {mine.get(k)!r})" for k in diff)
                    + "; allowed: the same settings, or a new fit with --overwrite"
                )
            stored_history = pyabc.History(url)
            done_t, done_sims = stored_history.max_t, int(stored_history.total_nr_simulations)
            # the stored generations' own wall time (pyabc records it per generation), so a
            # resumed fit reports the time of the whole fit, not of its last part
            done_wall = float(stored_history.get_all_populations().wall_time.sum())
        # a resumed fit takes its seeds from its own branch of the seed's SeedSequence
        # (spawn keys of length 2 never meet the length-1 keys of a fresh fit's simulations)
        seeds = np.random.SeedSequence(
            settings.seed, spawn_key=(2**31, done_t + 1) if resume else ()
        )
        np.random.seed(settings.seed % 2**32)  # noqa: NPY002 (pyabc draws from the global stream)
        random.seed(settings.seed)
        bar = None
        if show_progress:
            bar = tqdm(
                total=settings.max_simulations,
                initial=done_sims,
                unit="sim",
                desc=f"calibrating {settings.town}",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        sampler = _sampler_class()(
            seeds,
            map_=executor.map if executor else map,
            budget=settings.max_simulations,
            used=done_sims,
            bar=bar,
        )
        started = time.perf_counter()
        kernel = proposal_kernel()
        abc = pyabc.ABCSMC(
            Simulator(
                settings.town,
                settings.scale,
                settings.years,
                settings.burn_in_years,
                dict(settings.overrides),
            ),
            prior_distribution(rows),
            pyabc.PNormDistance(p=np.inf, fixed_weights=distance_weights(measure_keys)),
            population_size=settings.population_size,
            transitions=kernel,
            sampler=sampler,
        )
        abc_log = logging.getLogger("ABC")
        level = abc_log.level
        if show_progress:
            abc_log.setLevel(logging.WARNING)  # the bar and its lines say it instead
        try:
            if resume:
                abc.load(url)
            else:
                abc.new(
                    url,
                    observed_statistics(measure_keys),
                    meta_info={META_KEY: _fixed_settings(settings)},
                )
            if done_t + 1 < settings.max_generations and done_sims < settings.max_simulations:
                history = abc.run(
                    minimum_epsilon=settings.min_epsilon,
                    max_nr_populations=settings.max_generations - (done_t + 1),
                    max_total_nr_simulations=settings.max_simulations,
                )
            else:
                history = abc.history
        finally:
            abc_log.setLevel(level)
            if bar is not None:
                bar.close()
        wall = done_wall + time.perf_counter() - started
        t = history.max_t
        if t < 0:
            if not resume:
                db_path.unlink(missing_ok=True)  # no generation: nothing worth continuing
            raise CalibrationBudgetError(
                f"--max-simulations: value {settings.max_simulations} ran out before the first "
                f"generation was complete ({sampler.used} simulations, {settings.population_size} "
                "of them for the first epsilon); allowed: a larger budget (the first "
                "generation's acceptance rate decides how much larger)"
            )
        frame, weights = history.get_distribution(m=0, t=t)
        frame = frame[[r["name"] for r in rows]]
        pops = history.get_all_populations()
        prior_sims = int(pops[pops.t < 0].samples.sum())
        pops = pops[pops.t >= 0]
        ss_weights, sum_stats = history.get_weighted_sum_stats_for_model(m=0, t=t)
        kept = int(history.total_nr_simulations)
    simulations = max(kept, sampler.used)
    say(f"fit done in {wall:.0f} s: {len(pops)} generations, epsilon {pops.epsilon.iloc[-1]:.3f}")
    weights = np.asarray(weights, float)
    weights = weights / weights.sum()
    return {
        "parameters": parameter_specs(rows),
        "particles": frame.to_numpy(float).tolist(),
        "weights": weights.tolist(),
        "targets": [t.describe() for t in TARGETS],
        "distance": {
            "name": DISTANCE_NAME,
            "description": DISTANCE_DESCRIPTION,
            "epsilons": [float(e) for e in pops.epsilon],
        },
        "fit": {
            "method": f"ABC-SMC (pyabc {pyabc.__version__})",
            "kernel": kernel_record(kernel),
            "generations": int(len(pops)),
            "simulations": simulations,
            "simulations_for_first_epsilon": prior_sims,
            "simulations_cut_off": simulations - kept,
            "simulations_per_generation": [int(s) for s in pops.samples],
            "acceptance_rates": [float(settings.population_size / s) for s in pops.samples],
            "wall_seconds": round(wall, 1),
            "resumed_at_generation": done_t + 1 if resume else None,
            "settings": asdict(settings),
            "per_target": per_target_summary(ss_weights, sum_stats),
            "measured_on": measured_on(settings.years),
        },
        "seeds": {
            "seed": settings.seed,
            "streams": "one SeedSequence child per simulation"
            + (
                f"; generations from {done_t + 1} on (resumed) from the branch "
                f"SeedSequence(seed, spawn_key=(2**31, {done_t + 1}))"
                if resume
                else ""
            ),
        },
        "checks": willingness_check(sum_stats),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "town": settings.town,
        "scale": settings.scale,
    }


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Iterable[float]) -> list[float]:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = np.cumsum(w) / w.sum()
    return [float(v[min(np.searchsorted(cdf, q), len(v) - 1)]) for q in qs]


def per_target_summary(weights: Any, sum_stats: list[dict[str, float]]) -> dict[str, Any]:
    """Each target's simulated median and 90% interval over the accepted population."""
    w = np.asarray(weights, float)
    out = {}
    for t in TARGETS:
        vals = np.array([s[f"raw:{t.measure}"] for s in sum_stats])
        q05, q50, q95 = weighted_quantiles(vals, w, (0.05, 0.5, 0.95))
        out[t.id] = {"survey": t.value, "median": q50, "q05": q05, "q95": q95}
    return out


def write_posterior(payload: dict[str, Any], path: Path) -> None:
    """Write a fit's payload as a posterior file (``Posterior`` adds the format, the package
    version and the checksum, and checks it all first)."""
    Posterior.model_validate(payload).save(path)
