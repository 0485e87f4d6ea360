"""Does collective action settle? Share of incidents challenged and mean fear of retaliation
by year over a 16-year burn-in and 10 results years (issue 24).

The town is run from its drawn state for ``--years`` years (default 26 = 16 + 10) with no
levers: the weeks of a burn-in are the same weeks as results weeks when no lever acts, so this
is a 16-year burn-in followed by 10 results years, read week by week (``model.safety.week``
and ``pop.fear_retal``). Prints one row per year and seed, then each seed's drift over years
21-26 (results years 6-10): the least-squares slope of the weekly series per year.

    PYTHONPATH=$PWD python benchmarks/collective_action_equilibrium.py --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from coprod_sim.model import CoproductionModel

WEEKS = 52


def run(
    seed: int, town: str, scale: float, years: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly incidents, incidents challenged and mean fear of retaliation of one run."""
    m = CoproductionModel(rng=seed, town=town, scale=scale, burn_in_years=0)
    inc, chall, fear = [], [], []
    for _ in range(years * WEEKS):
        m.step()
        inc.append(m.safety.week["incidents"])
        chall.append(m.safety.week["incidents_challenged"])
        fear.append(float(m.pop.fear_retal.mean(dtype=np.float64)))
    return np.array(inc), np.array(chall), np.array(fear)


def slope_per_year(y: np.ndarray) -> float:
    """Least-squares slope of a weekly series, per year."""
    t = np.arange(len(y)) / WEEKS
    return float(np.polyfit(t, y, 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--town", default="darlington")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--years", type=int, default=26)
    ap.add_argument("--drift-years", type=int, default=5, help="last years read for drift")
    args = ap.parse_args()
    print("seed year challenged_share fear_retal_mean")
    drift = []
    for seed in args.seeds:
        t0 = time.perf_counter()
        inc, chall, fear = run(seed, args.town, args.scale, args.years)
        for y in range(args.years):
            w = slice(y * WEEKS, (y + 1) * WEEKS)
            share = chall[w].sum() / max(inc[w].sum(), 1)
            print(f"{seed} {y + 1:2d} {share:.4f} {fear[w].mean():.4f}", flush=True)
        last = slice(len(inc) - args.drift_years * WEEKS, len(inc))
        weekly_share = chall[last] / np.maximum(inc[last], 1)
        drift.append(
            (
                seed,
                chall[last].sum() / max(inc[last].sum(), 1),
                slope_per_year(weekly_share),
                fear[last].mean(),
                slope_per_year(fear[last]),
                time.perf_counter() - t0,
            )
        )
    print(f"\nlast {args.drift_years} years: seed share share_slope/yr fear fear_slope/yr seconds")
    for seed, s, ds, f, df, sec in drift:
        print(f"{seed} {s:.4f} {ds:+.5f} {f:.4f} {df:+.5f} {sec:.0f}")


if __name__ == "__main__":
    main()
