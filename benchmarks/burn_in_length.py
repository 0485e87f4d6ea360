"""Does a shorter burn-in give the same calibration measures? (issue 27: a cheaper calibration
simulation)

A calibration simulation builds a 10,000-resident town, burns it in for ``burn_in_years``
(default 8) and measures one results year; the burn-in is about 80% of its cost. This script
takes posterior draws of each town (the parameter sets a fit actually visits near its end),
runs each at several burn-in lengths with the same seed, and prints, per target, the mean
difference from the default burn-in in units of the target's tolerance (the distance the fit
uses), next to the seed noise of the default burn-in (the mean absolute difference between two
seeds, same units) and the CPU time per simulation. A burn-in whose differences are small
against the seed noise could serve calibration; the measures that depend on history ("never",
"rarely") are the ones to watch.

    .venv/bin/python benchmarks/burn_in_length.py --draws 8 --years 8 4 3 2
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from coprod_sim.calibration.cli import default_scale
from coprod_sim.calibration.fit import simulate_targets, summary_statistics
from coprod_sim.calibration.posterior import draw_for_run, load_posterior
from coprod_sim.calibration.targets import TARGETS


def one(task: tuple[str, int, int, int]) -> tuple[str, int, int, int, dict[str, float], float]:
    town, draw, seed, years = task
    params, _ = draw_for_run(load_posterior(town), 9_000 + draw)
    t0 = time.process_time()
    m = simulate_targets(
        params, town=town, scale=default_scale(town), seed=seed, burn_in_years=years
    )
    stats = summary_statistics(m)
    return town, draw, seed, years, {t.id: stats[t.id] for t in TARGETS}, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--towns", nargs="+", default=["demo", "darlington"])
    ap.add_argument("--draws", type=int, default=8)
    ap.add_argument("--years", type=int, nargs="+", default=[8, 4, 3, 2])
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    default = a.years[0]
    seeds = (101, 202)
    tasks = [
        (town, d, s, y)
        for town in a.towns
        for d in range(a.draws)
        for y in a.years
        for s in (seeds if y == default else seeds[:1])
    ]
    with ProcessPoolExecutor(a.workers) as ex:
        res = list(ex.map(one, tasks))
    got = {(t, d, s, y): (v, c) for t, d, s, y, v, c in res}
    tol = {t.id: t.tolerance for t in TARGETS}

    def measure(town: str, d: int, s: int, y: int, k: str) -> float:
        return got[(town, d, s, y)][0][k]

    for town in a.towns:
        print(f"\n{town}: {a.draws} posterior draws, seed {seeds[0]} (noise: seeds {seeds})")
        noise = {
            k: np.mean([
                abs(measure(town, d, seeds[0], default, k) - measure(town, d, seeds[1], default, k))
                for d in range(a.draws)
            ]) / tol[k]
            for k in tol
        }  # fmt: skip
        print("burn-in  cpu s/sim  " + "  ".join(f"{k:>16s}" for k in tol))
        print(f"{'noise':>7s}  {'':>9s}  " + "  ".join(f"{noise[k]:16.2f}" for k in tol))
        for y in a.years:
            cpu = np.mean([got[(town, d, seeds[0], y)][1] for d in range(a.draws)])
            diffs = {
                k: np.mean([
                    measure(town, d, seeds[0], y, k) - measure(town, d, seeds[0], default, k)
                    for d in range(a.draws)
                ]) / tol[k]
                for k in tol
            }  # fmt: skip
            print(f"{y:>5d} y  {cpu:9.2f}  " + "  ".join(f"{diffs[k]:+16.2f}" for k in tol))


if __name__ == "__main__":
    main()
