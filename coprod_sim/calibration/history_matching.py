"""History matching, then ABC rejection inside the region it leaves
(``coprod-sim calibrate --method history-matching``).

Why: at 10,000 residents only about 0.2% of the prior meets every tolerance at once, so
ABC-SMC needs many generations to reach epsilon 1. History matching (Vernon, Goldstein and
Bower 2010; Andrianakis et al. 2015) first rules out, with cheap emulators, the parameter sets
that cannot meet the survey, and the simulations then go where they can.

1. **Waves.** Wave 0 is a scrambled Sobol sample (``scipy.stats.qmc``) of the uniform priors.
   After each wave, one emulator per output is fitted on the simulations inside the region
   that wave was sampled in (the wave's own and every earlier one inside it; wave 0's region
   is the whole prior): a quadratic
   ridge regression (scikit-learn ``PolynomialFeatures(2)`` + ``RidgeCV``, each output its own
   penalty) on the parameters scaled to [0, 1], with its 5-fold cross-validated residual sd
   ``s_k`` (emulator misfit and seed noise together). The outputs are the fit's own targets:
   each ``calibrate`` row's measure and each activity's share of helpers (the ``willingness``
   rows, upper bounds). The implausibility of a parameter set x is

       I(x) = max_k  m_k(x) / sqrt( (epsilon * tau_k / 3)^2 + s_k^2 )

   where ``eta_k(x)`` is the emulated output, ``z_k`` the survey's value, ``tau_k`` the
   target's tolerance in the fit's distance (1 / its distance weight:
   ``fit.distance_weights``), ``epsilon`` the ``--epsilon`` of the final stage, and the miss
   ``m_k`` is ``|eta_k - z_k|`` for a two-sided target, ``max(0, z_k - eta_k)`` for a lower
   bound (at least yearly) and ``max(0, eta_k - z_k)`` for an upper bound (willingness). A set
   is non-implausible when ``I(x) <= 3`` (Pukelsheim's three-sigma rule), that is when every
   ``m_k <= sqrt((epsilon tau_k)^2 + (3 s_k)^2)``: with perfect emulators the region is exactly
   where the expected outputs meet the fit's distance at epsilon, and the emulators' error
   widens it. The region after a wave is non-implausible for every wave's emulators so far
   (each wave's emulators are trusted only where their wave sampled). The next wave is
   sampled uniformly from it: rejection of Sobol candidates on the emulators (no simulation).
   The waves stop when ``--waves`` are done or a wave's region keeps more than two thirds of
   the previous one (it shrank by less than a third: more waves would not pay).
2. **Final stage.** Parameter sets drawn uniformly from the last region are simulated, in
   order, until ``population_size`` meet the fit's own distance (``fit.fit_distance``) at
   ``epsilon`` or ``--max-simulations`` (every simulation of the fit, the waves' included) is
   spent. The posterior is the accepted sets with equal weights: ABC rejection on the prior
   cut to the region (exact ABC at epsilon if the region holds every set that can be
   accepted, which the three-sigma cut-off is there to make likely), so its effective sample
   size is the number accepted.

Reproducible: every simulation's seed is a child of the fit's seed (``SeedSequence(seed,
spawn_key=(0, wave, index))`` in a wave, ``(1, index)`` in the final stage), each Sobol stream
has its own child, and simulations are kept in index order whichever worker finishes first,
so the posterior does not depend on the number of workers. Every simulation is stored as a
JSON line in ``hm_<town>.jsonl`` beside the posterior as it completes; ``resume`` replays the
fit from it and runs only what is not stored (and may raise ``waves`` until the final stage
has begun).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from coprod_sim.calibration.fit import (
    DISTANCE_DESCRIPTION,
    DISTANCE_NAME,
    CalibrationBudgetError,
    FitSettings,
    Simulator,
    _simulate_seeded,
    distance_weights,
    fit_distance,
    measured_on,
    parameter_specs,
    per_target_summary,
    willingness_check,
)
from coprod_sim.calibration.targets import MEASURE_KEYS, TARGETS, calibrated_parameters
from coprod_sim.io.run_folder import atomic_write
from coprod_sim.state.willingness import ACTIVITIES

#: the implausibility cut-off (Pukelsheim's three-sigma rule, as in Vernon et al. 2010)
CUTOFF = 3.0
#: the waves stop when a wave's region keeps more than this share of the previous region
SHRINK_STOP = 2.0 / 3.0
#: folds of the cross-validation that gives each emulator's residual sd
CV_FOLDS = 5
#: the ridge penalties RidgeCV chooses from (per output, by generalised cross-validation)
ALPHAS = tuple(np.logspace(-6, 3, 19))
#: Sobol candidates screened at a time, and at most for one sample of the region
CHUNK = 2**14
MAX_CANDIDATES = 2**22
#: the fixed Sobol sample of the prior on which each region's share is measured (the same
#: points every wave, so the shares only fall)
SHARE_POINTS = 2**16
#: spawn keys of the fit seed's streams
WAVE_SIMS, FINAL_SIMS, WAVE_POINTS, FINAL_POINTS, CV_SPLITS, SHARE_SAMPLE = range(6)
#: what the store's first line says it is
STORE_FORMAT = "coprod-sim history matching"
#: settings a resumed fit must share with the stored one (``waves`` may rise until the final
#: stage has begun; ``max_simulations`` bounds the whole fit)
RESUME_FIXED = (
    "town", "scale", "seed", "population_size", "wave_size", "epsilon", "years",
    "burn_in_years", "overrides",
)  # fmt: skip


@dataclass(frozen=True)
class HistoryMatchingSettings(FitSettings):
    """A history-matching fit: the waves, the final stage's epsilon and the budget (every
    simulation, the waves' included)."""

    waves: int = 3
    wave_size: int = 300
    epsilon: float = 1.0
    max_simulations: int = 5000


def default_store(out_folder: Path, town: str) -> Path:
    """Where the CLI keeps a fit's simulations: ``<out folder>/hm_<town>.jsonl``."""
    return out_folder / f"hm_{town}.jsonl"


def min_wave_size(n_parameters: int) -> int:
    """The smallest wave: the quadratic's terms (1 + d + d(d+1)/2), so wave 0 alone can
    determine each emulator."""
    return 1 + n_parameters + n_parameters * (n_parameters + 1) // 2


# ----------------------------------------------------------------------------- outputs
@dataclass(frozen=True)
class Output:
    """One emulated output: the summary statistic it reads, the survey's value, its tolerance
    in the fit's distance (1 / distance weight) and which misses count."""

    key: str
    observed: float
    tolerance: float
    side: str  # "both", "at least" (only a shortfall counts), "at most" (only an excess)

    def miss(self, value: np.ndarray) -> np.ndarray:
        """``m_k``: how far ``value`` is from the survey, counting only the side that misses."""
        gap = np.asarray(value, float) - self.observed
        if self.side == "at least":
            return np.maximum(0.0, -gap)
        if self.side == "at most":
            return np.maximum(0.0, gap)
        return np.abs(gap)


def outputs() -> list[Output]:
    """The fit's targets as emulated outputs: each ``calibrate`` row (the raw measure; a lower
    bound counts a shortfall only) and each activity's share of helpers against its stated
    willingness (an upper bound). Their largest ``miss / tolerance`` is ``fit.fit_distance``."""
    weights = distance_weights(MEASURE_KEYS)
    out = [
        Output(f"raw:{t.measure}", t.value, 1.0 / weights[t.id],
               "at least" if t.lower_bound else "both")
        for t in TARGETS
    ]  # fmt: skip
    out += [
        Output(f"raw:helped_{a}", share, 1.0 / weights["willingness_excess"], "at most")
        for a, (_, share) in ACTIVITIES.items()
    ]
    return out


# ----------------------------------------------------------------------------- emulators
@dataclass
class Emulators:
    """One wave's emulators: the fitted pipeline (all outputs, each with its own penalty) and
    each output's cross-validated residual sd."""

    model: Any
    cv_sd: np.ndarray

    def implausibility(self, u: np.ndarray, outs: list[Output], epsilon: float) -> np.ndarray:
        """``I(x)`` of each row of ``u`` (parameters scaled to [0, 1]), the module's formula."""
        pred = np.asarray(self.model.predict(u), float).reshape(len(u), len(outs))
        worst = np.zeros(len(u))
        for k, o in enumerate(outs):
            scale = math.sqrt((epsilon * o.tolerance / CUTOFF) ** 2 + self.cv_sd[k] ** 2)
            worst = np.maximum(worst, o.miss(pred[:, k]) / scale)
        return worst


def fit_emulators(u: np.ndarray, y: np.ndarray, cv_seed: int) -> Emulators:
    """Quadratic ridge emulators of every column of ``y`` on ``u`` (parameters scaled to
    [0, 1]) and their ``CV_FOLDS``-fold cross-validated residual sds."""
    # scikit-learn is imported when a fit runs (heavy; reading a posterior does not need it)
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    def pipeline() -> Any:
        return make_pipeline(PolynomialFeatures(2), RidgeCV(alphas=ALPHAS, alpha_per_target=True))

    folds = KFold(CV_FOLDS, shuffle=True, random_state=cv_seed)
    predicted = cross_val_predict(pipeline(), u, y, cv=folds)
    cv_sd = np.sqrt(np.mean((y - predicted) ** 2, axis=0))
    return Emulators(pipeline().fit(u, y), cv_sd)


class Region:
    """The non-implausible region after some waves: the sets every wave's emulators keep."""

    def __init__(self, dim: int, outs: list[Output], epsilon: float) -> None:
        self.dim, self.outs, self.epsilon = dim, outs, epsilon
        self.waves: list[Emulators] = []

    def keeps(self, u: np.ndarray) -> np.ndarray:
        ok = np.ones(len(u), bool)
        for emu in self.waves:
            idx = np.flatnonzero(ok)
            if idx.size:
                ok[idx] = emu.implausibility(u[idx], self.outs, self.epsilon) <= CUTOFF
        return ok

    def sample(self, n: int, seq: np.random.SeedSequence) -> np.ndarray:
        """The first ``n`` Sobol points of stream ``seq`` that the region keeps (uniform on the
        region; the first n of a longer sample are the same points)."""
        from scipy.stats import qmc  # a fit's tool (heavy to import for a reader)

        sobol = qmc.Sobol(self.dim, scramble=True, rng=np.random.default_rng(seq))
        kept: list[np.ndarray] = []
        got = drawn = 0
        while got < n:
            if drawn >= MAX_CANDIDATES:
                raise CalibrationBudgetError(
                    f"history matching: the region is too small to sample ({got} of {n} sets "
                    f"found in {drawn:,} candidates); allowed: a larger --epsilon"
                )
            u = sobol.random(CHUNK)
            drawn += CHUNK
            u = u[self.keeps(u)]
            kept.append(u)
            got += len(u)
        return np.vstack(kept)[:n]

    def share(self, seed: int) -> float:
        """The region's share of the prior, on the fixed ``SHARE_POINTS`` Sobol points."""
        from scipy.stats import qmc  # a fit's tool (heavy to import for a reader)

        seq = np.random.SeedSequence(seed, spawn_key=(SHARE_SAMPLE,))
        u = qmc.Sobol(self.dim, scramble=True, rng=np.random.default_rng(seq)).random(SHARE_POINTS)
        return float(np.mean(self.keeps(u)))


def sobol_prior(n: int, dim: int, seq: np.random.SeedSequence) -> np.ndarray:
    """Wave 0: the first ``n`` points of a scrambled Sobol sequence in [0, 1]^dim."""
    from scipy.stats import qmc  # a fit's tool (heavy to import for a reader)

    m = max(0, math.ceil(math.log2(n)))
    return qmc.Sobol(dim, scramble=True, rng=np.random.default_rng(seq)).random_base2(m)[:n]


# ----------------------------------------------------------------------------- the store
class Store:
    """The fit's simulations, one JSON line each (``{"stage", "index", "params", "stats",
    "seconds"}``; ``stage`` is the wave's number or ``"final"``), after a header line with the
    settings. Lines are appended as simulations complete; a line cut short by an interrupt is
    dropped when the store is opened again."""

    def __init__(self, path: Path, header: dict[str, Any], records: dict[tuple, dict]) -> None:
        self.path, self.header, self.records = path, header, records
        self.last = time.perf_counter()

    @classmethod
    def create(cls, path: Path, settings: HistoryMatchingSettings) -> Store:
        header = {"format": STORE_FORMAT, "settings": _fixed(settings), "waves": settings.waves}
        atomic_write(path, lambda p: p.write_text(json.dumps(header) + "\n", encoding="utf-8"))
        return cls(path, header, {})

    @classmethod
    def open(cls, path: Path, settings: HistoryMatchingSettings) -> Store:
        if not path.is_file():
            raise CalibrationBudgetError(f"--resume: no stored fit at {path}")
        lines = path.read_text(encoding="utf-8").split("\n")
        try:
            header = json.loads(lines[0])
            assert header.get("format") == STORE_FORMAT
        except (json.JSONDecodeError, AssertionError):
            raise CalibrationBudgetError(
                f"--resume: {path} is not a history-matching store; allowed: the hm_<town>.jsonl "
                "a history-matching fit wrote (or start anew with --overwrite)"
            ) from None
        records: dict[tuple, dict] = {}
        good = [lines[0]]
        for n, line in enumerate(lines[1:], 2):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if n >= len(lines) - 1:
                    break  # the last line, cut short by an interrupt: run it again
                raise CalibrationBudgetError(
                    f"--resume: {path} line {n} is not JSON; allowed: the store as the fit "
                    "wrote it (or start anew with --overwrite)"
                ) from None
            records[(rec["stage"], rec["index"])] = rec
            good.append(line)
        mine = _fixed(settings)
        diff = sorted(k for k in RESUME_FIXED if header["settings"].get(k) != mine.get(k))
        if diff:
            raise CalibrationBudgetError(
                f"--resume: the stored fit in {path} has other settings: "
                + ", ".join(f"{k}={header['settings'].get(k)!r} (now {mine[k]!r})" for k in diff)
                + "; allowed: the same settings, or a new fit with --overwrite"
            )
        begun = any(stage == "final" for stage, _ in records)
        if settings.waves < header["waves"] or (begun and settings.waves != header["waves"]):
            raise CalibrationBudgetError(
                f"--waves: value {settings.waves} is not allowed; allowed: "
                + (
                    f"{header['waves']} (the stored fit's final stage has begun)"
                    if begun
                    else f"{header['waves']} or more (the stored fit's)"
                )
            )
        header = {**header, "waves": settings.waves}
        text = "\n".join([json.dumps(header), *good[1:]]) + "\n"
        atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
        return cls(path, header, records)

    def get(self, stage: int | str, index: int, params: dict[str, float]) -> dict | None:
        rec = self.records.get((stage, index))
        if rec is None:
            return None
        if any(not math.isclose(rec["params"][k], v, rel_tol=1e-9, abs_tol=1e-12)
               for k, v in params.items()):  # fmt: skip
            raise CalibrationBudgetError(
                f"--resume: the stored simulation {index} of stage {stage!r} in {self.path} was "
                f"for other parameters than this fit proposes now (the code or its libraries "
                "changed); allowed: a new fit with --overwrite"
            )
        return rec

    def add(self, stage: int | str, index: int, params: dict, stats: dict) -> dict:
        now = time.perf_counter()
        rec = {"stage": stage, "index": index, "params": params,
               "stats": {k: float(v) for k, v in stats.items()},
               "seconds": round(now - self.last, 3)}  # fmt: skip
        self.last = now
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        self.records[(stage, index)] = rec
        return rec


def _fixed(settings: HistoryMatchingSettings) -> dict[str, Any]:
    return json.loads(json.dumps({k: asdict(settings)[k] for k in RESUME_FIXED}))


# ----------------------------------------------------------------------------- running
class _Runner:
    """Runs a stage's simulations in index order on ``map_``, taking stored ones from the store
    and storing the others as they complete."""

    def __init__(self, simulator: Callable, map_: Callable, store: Store, seed: int, bar: Any):
        self.simulator, self.map_, self.store = simulator, map_, store
        self.seed, self.bar = seed, bar

    def run(
        self, stage: int | str, first: int, params: list[dict[str, float]]
    ) -> Iterator[tuple[int, dict[str, float]]]:
        # imported when a fit runs, as in fit.py (the simulator may be a closure)
        import cloudpickle

        key = (WAVE_SIMS, stage) if stage != "final" else (FINAL_SIMS,)
        todo = [
            (first + i, p) for i, p in enumerate(params)
            if self.store.get(stage, first + i, p) is None
        ]  # fmt: skip
        payloads = [cloudpickle.dumps(partial(self.simulator, p)) for _, p in todo]
        seqs = [np.random.SeedSequence(self.seed, spawn_key=(*key, i)) for i, _ in todo]
        seeds = [int(s.generate_state(1, np.uint64)[0]) for s in seqs]
        fresh = iter(self.map_(_simulate_seeded, payloads, seeds)) if todo else iter(())
        for i, p in enumerate(params, first):
            rec = self.store.get(stage, i, p)
            if rec is None:
                rec = self.store.add(stage, i, p, next(fresh))
                if self.bar is not None:
                    self.bar.update(1)
            yield i, rec["stats"]


def history_match(
    settings: HistoryMatchingSettings,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    store: Path | None = None,
    resume: bool = False,
    show_progress: bool = False,
    simulator: Callable[[dict[str, float]], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Run history matching and the final ABC rejection stage; return the posterior as the
    payload of ``posterior_<town>.json`` (the same format as ABC-SMC's).

    ``store`` keeps the simulations there (default: a temporary file, deleted); ``resume``
    replays the fit stored there and runs only what is missing. ``simulator`` maps a parameter
    set to ``fit.summary_statistics`` and takes its seed from NumPy's global stream, as
    ``fit.Simulator`` (the default, the model) does; tests give a cheap one."""
    say = progress or (lambda _msg: None)
    rows = calibrated_parameters()
    names = [r["name"] for r in rows]
    low = np.array([r["prior"][0] for r in rows], float)
    width = np.array([r["prior"][1] - r["prior"][0] for r in rows], float)
    dim = len(rows)
    _check_settings(settings, dim)
    sim = simulator or Simulator(
        settings.town, settings.scale, settings.years, settings.burn_in_years,
        dict(settings.overrides),
    )  # fmt: skip
    outs = outputs()
    seed = settings.seed

    def as_params(u: np.ndarray) -> list[dict[str, float]]:
        x = low + np.asarray(u, float) * width
        return [dict(zip(names, (float(v) for v in row), strict=True)) for row in x]

    def seq(*key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(seed, spawn_key=key)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(store) if store is not None else Path(tmp) / "hm.jsonl"
        st = Store.open(path, settings) if resume else Store.create(path, settings)
        done = len(st.records)
        bar = None
        if show_progress:
            bar = tqdm(total=settings.max_simulations, initial=done, unit="sim",
                       desc=f"history matching {settings.town}", file=sys.stderr,
                       dynamic_ncols=True)  # fmt: skip
        runner = _Runner(sim, executor.map if executor else map, st, seed, bar)
        try:
            u_all: list[np.ndarray] = []
            y_all: list[list[float]] = []
            region = Region(dim, outs, settings.epsilon)
            shares = [1.0]
            per_wave: list[int] = []
            trained: list[int] = []  # simulations each wave's emulators were fitted on
            for w in range(settings.waves):
                if w == 0:
                    u = sobol_prior(settings.wave_size, dim, seq(WAVE_POINTS, 0))
                else:
                    u = region.sample(settings.wave_size, seq(WAVE_POINTS, w))
                stats = [s for _, s in runner.run(w, 0, as_params(u))]
                u_all.append(u)
                y_all += [[s[o.key] for o in outs] for s in stats]
                per_wave.append(len(stats))
                cv_seed = int(seq(CV_SPLITS, w).generate_state(1)[0])
                u_seen, y_seen = np.vstack(u_all), np.array(y_all)
                # refocusing: this wave's emulators learn only where they will be used, the
                # region the wave was sampled in (this wave's sets and earlier ones inside it)
                inside = region.keeps(u_seen)
                trained.append(int(inside.sum()))
                region.waves.append(fit_emulators(u_seen[inside], y_seen[inside], cv_seed))
                shares.append(region.share(seed))
                line = (
                    f"wave {w}: {len(stats)} simulations; the non-implausible region is "
                    f"{shares[-1]:.2%} of the prior"
                )
                if bar is not None:
                    bar.write(line, file=sys.stderr)
                else:
                    say(line)
                if shares[-1] == 0.0:
                    raise CalibrationBudgetError(
                        f"history matching: after wave {w} no parameter set within the priors "
                        f"is non-implausible at --epsilon {settings.epsilon:g} (implausibility "
                        f"cut-off {CUTOFF:g}); allowed: a larger --epsilon (the targets may not "
                        "be reachable within the priors)"
                    )
                if shares[-1] > SHRINK_STOP * shares[-2]:
                    break
            wave_sims = sum(per_wave)
            left = settings.max_simulations - wave_sims
            accepted: list[tuple[dict[str, float], dict[str, float]]] = []
            used = 0
            points: list[dict[str, float]] = []
            rate = 1.0
            while len(accepted) < settings.population_size and used < left:
                # batch sizes follow the acceptance rate so far, never the number of workers
                want = settings.population_size - len(accepted)
                size = max(8, math.ceil(1.2 * want / max(rate, 0.02)))
                size = min(size, 20 * settings.population_size, left - used)
                if len(points) < used + size:  # the region's first points, as many as needed
                    points = as_params(region.sample(used + size, seq(FINAL_POINTS)))
                batch_accepted = 0
                batch = runner.run("final", used, points[used : used + size])
                for i, stats in batch:
                    used = i + 1
                    if fit_distance(stats) <= settings.epsilon:
                        accepted.append((points[i], stats))
                        batch_accepted += 1
                        if len(accepted) >= settings.population_size:
                            break
                batch.close()
                rate = max(batch_accepted, 1) / size
        finally:
            if bar is not None:
                bar.close()
        wall = sum(r["seconds"] for r in st.records.values())
    if not accepted:
        raise CalibrationBudgetError(
            f"--max-simulations: value {settings.max_simulations} ran out before any final-stage "
            f"simulation met --epsilon {settings.epsilon:g} ({wave_sims} in the waves, {used} in "
            f"the final stage); allowed: a larger budget (--resume continues)"
        )
    n = len(accepted)
    sum_stats = [s for _, s in accepted]
    say(
        f"history matching done: {len(per_wave)} waves, region {shares[-1]:.2%} of the prior, "
        f"{n} of {used} final-stage simulations accepted at epsilon {settings.epsilon:g}"
    )
    return {
        "parameters": parameter_specs(rows),
        "particles": [[p[k] for k in names] for p, _ in accepted],
        "weights": [1.0 / n] * n,
        "targets": [t.describe() for t in TARGETS],
        "distance": {
            "name": DISTANCE_NAME,
            "description": DISTANCE_DESCRIPTION,
            "epsilons": [float(settings.epsilon)],
            "accepted_max": float(max(fit_distance(s) for s in sum_stats)),
        },
        "fit": {
            "method": "history-matching",
            "waves": len(per_wave),
            "region_shares": shares[1:],
            "simulations": wave_sims + used,
            "simulations_per_wave": per_wave,
            "emulator_training_sets": trained,
            "final_stage_simulations": used,
            "epsilon": float(settings.epsilon),
            "accepted": n,
            "acceptance": n / used,
            "effective_sample_size": n,
            "complete": n >= settings.population_size,
            "emulators": (
                f"per output, PolynomialFeatures(2) + RidgeCV (scikit-learn) on parameters "
                f"scaled to [0, 1], {CV_FOLDS}-fold cross-validated residual sd; each wave's "
                "fitted on the simulations inside the region it sampled (refocusing)"
            ),
            "implausibility": (
                "max_k m_k / sqrt((epsilon * tolerance_k / 3)^2 + cv_sd_k^2) <= "
                f"{CUTOFF:g}, every wave's emulators"
            ),
            "wall_seconds": round(wall, 1),
            "resumed": resume,
            "settings": asdict(settings),
            "per_target": per_target_summary(np.full(n, 1.0 / n), sum_stats),
            "measured_on": measured_on(settings.years),
        },
        "seeds": {
            "seed": seed,
            "streams": "one SeedSequence child per simulation: spawn key (0, wave, index) in a "
            "wave, (1, index) in the final stage; Sobol streams (2, wave), (3,), (5,)",
        },
        "checks": willingness_check(sum_stats),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "town": settings.town,
        "scale": settings.scale,
    }


def _check_settings(settings: HistoryMatchingSettings, dim: int) -> None:
    """The settings' own limits (the CLI checks them first, with the same words)."""
    smallest = min_wave_size(dim)
    needed = settings.waves * settings.wave_size + settings.population_size
    for name, value, ok, allowed in (
        ("--waves", settings.waves, settings.waves >= 1, "1 or more"),
        ("--wave-size", settings.wave_size, settings.wave_size >= smallest,
         f"{smallest} or more (the terms of a quadratic in {dim} parameters)"),
        ("--epsilon", settings.epsilon, settings.epsilon > 0, "a number > 0"),
        ("--population-size", settings.population_size, settings.population_size >= 1,
         "1 or more"),
        ("--max-simulations", settings.max_simulations, settings.max_simulations >= needed,
         f"at least --waves x --wave-size + --population-size ({needed})"),
    ):  # fmt: skip
        if not ok:
            raise CalibrationBudgetError(
                f"{name}: value {value} is not allowed; allowed: {allowed}"
            )
