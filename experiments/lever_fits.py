"""Fit a lever's own effect parameter to its source's figure, where that is honest.

One lever has a source figure on its own measure and population that one of its effect
parameters sets directly: the time bank. Young Foundation 2009, citing the University of Wales
2009 evaluation of Spice, reports that 66% of time bank volunteers said their self-confidence
improved (``survey_targets.csv`` row ``timebank_confidence``). The model's measure is the one
``experiments/lever_evidence.py`` reports (``lever_evidence.confidence_share``): among residents
who gave help through the time bank, the share whose confidence (0-1) rose by at least
``calibration.checks.CONFIDENCE_STEP`` = 0.05 over the run. That threshold, the rise a
volunteer would notice and report, is itself an assumption: the fitted value is the weekly gain
that makes 66% of givers pass it, and it would move with it.

The fitted parameter is the time bank's ``confidence_gain`` (share of the gap to full confidence
closed for each week a member gives through the bank), within its declared prior. Method: the
share rises with the gain; for a value of the gain, every seed runs the time bank alone with the
same seeds at every value (common random numbers), Darlington at scale 0.1 with its burn-in, 3
years after it, as ``lever_evidence.py`` runs it. Bisection on log(gain) over the prior, on the
mean share over the seeds; the answer is the log-linear interpolation inside the last bracket,
rounded to two significant figures, then run once more for the spread over seeds.

Not fitted: time credits. Its source ("a minimum of 100 per cent increase in engagement with
services", Spice) cannot honestly be reached: the lever creates no activities (see
``levers/time_credits.py``), and ``docs/levers.md`` shows what the model gives at the top of
``reward_level``'s prior. The other ``scale`` and ``policy_parameter`` rows are inputs or caps
(community dividend share, year of paid service window, entrepreneur caseload) or a count of
one council's recruitment (street champions) that no single effect parameter sets.

    python experiments/lever_fits.py            # Darlington 0.1, seeds 1-4, 3 years (minutes)
    python experiments/lever_fits.py --quick    # demo town, 600 residents, no burn-in (seconds)

Last run, 2026-12-06 (the declared default 0.0044 comes from it; it was 0.02, assumed), on
the shared 2-core machine under load, 2 workers, 8.0 min: ``confidence_gain`` = 0.0044, mean
share 0.662, per seed 0.640, 0.606, 0.716, 0.685; the share ran from 0.36 at the prior's low
end (0.002) to 0.97 at its top (0.05), and rose at every bisection step.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ROW = "timebank_confidence"
LEVER, PARAMETER = "time_bank", "confidence_gain"

#: (mean share over seeds, share per seed) at one value of the parameter
Measure = Callable[[float], tuple[float, list[float]]]


@dataclass(frozen=True)
class Setup:
    """Where the share is measured: town and size, seeds, years after the burn-in."""

    town: str = "darlington"
    scale: float = 0.1
    n_residents: int | None = None
    seeds: tuple[int, ...] = (1, 2, 3, 4)
    years: float = 3.0
    burn_in_years: int | None = None  # None: the town's declared burn-in
    workers: int = 0  # 0: in this process


@dataclass
class Fit:
    """The fitted value, the share it gives (mean and per seed), and every evaluation."""

    value: float
    share: float
    per_seed: list[float]
    reachable: bool
    evaluations: list[tuple[float, float]] = field(default_factory=list)
    seconds: float = 0.0


def _share_one(args: tuple[Setup, int, float]) -> float:
    """One run of the time bank alone at ``confidence_gain = gain``: its givers' share."""
    from coprod_sim import CoproductionModel

    setup, seed, gain = args
    from lever_evidence import confidence_share  # experiments/ is on the path (see below)

    world: dict[str, Any] = {"town": setup.town, "scale": setup.scale}
    if setup.n_residents:
        world["n_residents"] = setup.n_residents
    if setup.burn_in_years is not None:
        world["burn_in_years"] = setup.burn_in_years
    model = CoproductionModel(rng=seed, policies={LEVER: {PARAMETER: gain}}, **world)
    conf0 = model.pop.confidence.astype(np.float64).copy()  # week 0, after the burn-in
    model.run_weeks(max(1, int(round(52 * setup.years))))
    return confidence_share(model, conf0)


def simulated_measure(setup: Setup) -> Measure:
    """The share as a function of the gain, over ``setup.seeds``, remembered per value."""
    memo: dict[float, tuple[float, list[float]]] = {}

    def measure(gain: float) -> tuple[float, list[float]]:
        if gain not in memo:
            tasks = [(setup, s, gain) for s in setup.seeds]
            if setup.workers > 0:
                with ProcessPoolExecutor(max_workers=setup.workers) as pool:
                    shares = list(pool.map(_share_one, tasks))
            else:
                shares = [_share_one(t) for t in tasks]
            finite = [x for x in shares if math.isfinite(x)]
            memo[gain] = (float(np.mean(finite)) if finite else math.nan, shares)
        return memo[gain]

    return measure


def fit_rising(target: float, measure: Measure, prior: tuple[float, float], steps: int = 7) -> Fit:
    """The value in ``prior`` where a rising ``measure`` meets ``target``: bisection on the
    log of the value, then log-linear interpolation inside the last bracket (two significant
    figures). A target outside what the prior reaches gives the nearer end, ``reachable``
    False: the prior is not stretched to meet a source."""
    started = time.perf_counter()
    lo, hi = prior
    f_lo, f_hi = measure(lo)[0], measure(hi)[0]
    evaluations = [(lo, f_lo), (hi, f_hi)]
    if not target > f_lo or not target < f_hi:
        end = lo if not target > f_lo else hi
        mean, per_seed = measure(end)
        return Fit(end, mean, per_seed, False, evaluations, time.perf_counter() - started)
    for _ in range(steps):
        mid = math.sqrt(lo * hi)
        f_mid = measure(mid)[0]
        evaluations.append((mid, f_mid))
        if f_mid < target:
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    w = (target - f_lo) / (f_hi - f_lo) if f_hi > f_lo else 0.5
    value = float(f"{math.exp(math.log(lo) + w * (math.log(hi) - math.log(lo))):.2g}")
    mean, per_seed = measure(value)
    evaluations.append((value, mean))
    return Fit(value, mean, per_seed, True, evaluations, time.perf_counter() - started)


def declared_prior() -> tuple[float, float]:
    """The time bank ``confidence_gain``'s declared prior."""
    from coprod_sim.levers import LEVERS
    from coprod_sim.parameters import parameter_rows

    row = next(r for r in parameter_rows(LEVERS[LEVER]) if r["name"] == PARAMETER)
    return row["prior"]


def fit_confidence_gain(target: float, setup: Setup, steps: int = 7) -> Fit:
    """The time bank's ``confidence_gain`` at which ``target`` of its givers gain confidence."""
    return fit_rising(target, simulated_measure(setup), declared_prior(), steps)


def report(fit: Fit, setup: Setup, target: float) -> str:
    """The fit in words: value, share per seed, evaluations, settings and time."""
    size = f"{setup.n_residents:,} residents" if setup.n_residents else f"scale {setup.scale:g}"
    burn = "declared burn-in" if setup.burn_in_years is None else f"{setup.burn_in_years}y burn-in"
    lines = [
        f"{LEVER}.{PARAMETER} fitted to {ROW} = {target:g}: {fit.value:g}"
        + ("" if fit.reachable else " (target outside what the prior reaches: its end)"),
        f"  share at the fit: {fit.share:.3f}; per seed "
        + ", ".join(f"{x:.3f}" for x in fit.per_seed)
        + f" (range {min(fit.per_seed):.3f}-{max(fit.per_seed):.3f})",
        f"  setting: {setup.town}, {size}, {burn}, {setup.years:g} years, seeds "
        f"{', '.join(map(str, setup.seeds))}, prior {declared_prior()}",
        "  evaluations (value: mean share): "
        + "; ".join(f"{v:.4g}: {f:.3f}" for v, f in fit.evaluations),
        f"  run time {fit.seconds / 60:.1f} min",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=7, help="bisection steps")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="demo town, 600 residents, no burn-in")
    a = ap.parse_args(argv)
    if a.seeds < 1 or a.steps < 1:
        print("lever_fits: error: --seeds and --steps: allowed: 1 or more", file=sys.stderr)
        return 2
    from coprod_sim.data.survey import SURVEY_TARGETS

    seeds = tuple(range(1, a.seeds + 1))
    if a.quick:
        setup = Setup("demo", 1.0, 600, seeds, 1.0, 0, a.workers)
    else:
        setup = Setup(seeds=seeds, workers=a.workers)
    target = SURVEY_TARGETS[ROW].value
    print(report(fit_confidence_gain(target, setup, a.steps), setup, target))
    return 0


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # lever_evidence, in workers too

if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
