"""Each lever against no lever, over replications: effects with 95% intervals, and costs.

Every replication runs the same town and seed twice, without and with the lever (common random
numbers: the difference is the lever's), so the paired differences have far less noise than two
independent samples. Runs go to a pool of long-lived worker processes, each running many
models (process start with the scientific stack imported costs about a second).

    .venv/bin/python experiments/lever_effects.py --town demo --years 3 --seeds 8
    .venv/bin/python experiments/lever_effects.py --lever time_bank --lever insurance_cover \\
        --set n_residents=5000 --seeds 10 --workers 2 --out results/lever_effects.csv
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.analysis.summary import compare
from coprod_sim.levers import LEVERS

#: outcomes reported for each lever (names in summary.summary_metrics)
OUTCOMES: tuple[str, ...] = (
    "participation_at_least_monthly",
    "participation_at_least_yearly",
    "volunteer_hours",
    "needs_lapsed",
    "crises",
    "professional_hours",
)
T_975 = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 7: 2.45, 8: 2.36, 9: 2.31, 10: 2.26}


def run_pair(lever: str, seed: int, weeks: int, params: dict) -> dict[str, float]:
    """One replication: the paired baseline and lever runs; returns the differences."""
    base = CoproductionModel(rng=seed, **params)
    pol = CoproductionModel(rng=seed, policies={lever: {}}, **params)
    base.run_weeks(weeks)
    pol.run_weeks(weeks)
    c = compare(base, pol)
    row: dict[str, float] = {"lever": lever, "seed": seed}
    for key in OUTCOMES:
        row[key] = c["metrics"][key]["change"]
    row["lever_cost_gbp"] = c["lever_cost_gbp"]
    row["net_gbp"] = c["net_gbp"]
    return row


def _t(n: int) -> float:
    """Two-sided 97.5% Student t quantile for n replications (1.96 beyond 10 dof)."""
    return T_975.get(n, 1.96 if n > 10 else math.nan)


def summarise(rows: Iterable[dict[str, float]]) -> pd.DataFrame:
    """Mean paired difference and 95% interval per lever and outcome."""
    df = pd.DataFrame(list(rows))
    out = []
    for lever, g in df.groupby("lever", sort=True):
        n = len(g)
        for key in (*OUTCOMES, "lever_cost_gbp", "net_gbp"):
            x = g[key].to_numpy(float)
            mean = float(np.mean(x))
            half = _t(n) * float(np.std(x, ddof=1)) / math.sqrt(n) if n > 1 else math.nan
            out.append(
                {
                    "lever": lever,
                    "outcome": key,
                    "mean_change": mean,
                    "ci95_low": mean - half,
                    "ci95_high": mean + half,
                    "replications": n,
                }
            )
    return pd.DataFrame(out)


def run(
    levers: Sequence[str], seeds: Sequence[int], weeks: int, params: dict, workers: int
) -> pd.DataFrame:
    """All (lever, seed) pairs, in a pool of ``workers`` processes (1: in this process)."""
    jobs = [(lv, s) for lv in levers for s in seeds]
    if workers <= 1:
        rows = [run_pair(lv, s, weeks, params) for lv, s in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run_pair, lv, s, weeks, params) for lv, s in jobs]
            rows = [f.result() for f in futures]
    return summarise(rows)


def _parse_set(items: Sequence[str]) -> dict:
    import tomllib

    params: dict = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq:
            raise ScenarioError(f"--set {item!r}: expected name=value")
        params[name.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
    return params


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lever", action="append", help="lever name (default: every lever)")
    ap.add_argument("--town", default="demo")
    ap.add_argument("--years", type=float, default=3.0)
    ap.add_argument("--seeds", type=int, default=6, help="replications per lever")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], help="scenario parameter name=value")
    ap.add_argument("--out", type=Path, default=Path("results/lever_effects.csv"))
    a = ap.parse_args(argv)
    levers = a.lever or list(LEVERS)
    try:
        unknown = [lv for lv in levers if lv not in LEVERS]
        if unknown:
            raise ScenarioError(
                f"unknown lever(s) {', '.join(unknown)}; valid levers are: {', '.join(LEVERS)}"
            )
        if a.seeds < 2 or a.years <= 0 or a.workers < 1:
            raise ScenarioError("--seeds must be >= 2, --years > 0 and --workers >= 1")
        params = {"town": a.town, **_parse_set(a.set)}
        CoproductionModel(**{**params, "n_residents": 10})  # validate before any run
    except ScenarioError as exc:
        print(f"lever_effects: error: {exc}", file=sys.stderr)
        return 2
    table = run(levers, range(1, a.seeds + 1), round(52 * a.years), params, a.workers)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(a.out, index=False)
    with pd.option_context("display.width", 120, "display.max_rows", 500):
        print(table.round(3).to_string(index=False))
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":  # the guard lets worker processes import this module safely
    raise SystemExit(main())
