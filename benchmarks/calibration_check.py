"""Formal participation against the survey's ``calibrate`` rows, and the steady state.

Runs the baseline (no levers) of the demo town and of Darlington for several seeds, after the
default burn-in, and prints per town the formal participation classes of results years 4 and 5
(the mean of the two years; spread = lowest and highest seed) and older people's unmet care
next to the calibration targets (``calibration.targets.TARGETS``: the ``calibrate`` rows of
``survey_targets.csv`` with their tolerances). ``--steady`` also runs 10 years and prints how
far each headline series moves between year 6 and year 10 (target: at most 0.02).

    .venv/bin/python benchmarks/calibration_check.py                 # both towns, 4 seeds
    .venv/bin/python benchmarks/calibration_check.py --steady --towns demo
    .venv/bin/python benchmarks/calibration_check.py --set awareness_rate=0.5   # try a value

Darlington is run at ``--darlington-scale`` of its 100,000 residents (default 0.1: 10,000
residents, same neighbourhood structure) to keep the check to minutes; say so when quoting it.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import weekly_series
from coprod_sim.calibration.targets import TARGETS

WEEKS_PER_YEAR = 52
HEADLINE = ("trust_services", "trust_neighbours", "fear_of_commitment")


def _run(args: tuple[str, int, int, float, dict[str, Any]]) -> dict[str, Any]:
    town, seed, years, scale, overrides = args
    kw = dict(overrides)
    if town != "demo":
        kw.setdefault("scale", scale)
    model = CoproductionModel(rng=seed, town=town, **kw)
    model.run_weeks(years * WEEKS_PER_YEAR)
    results = [y for y in model.years if not y["burn_in"]]
    weekly = weekly_series(model)
    year_means = {
        s: [
            float(weekly[s].iloc[i * WEEKS_PER_YEAR : (i + 1) * WEEKS_PER_YEAR].mean())
            for i in range(years)
        ]
        for s in (*HEADLINE, "helping_share_formal")
    }
    return {"town": town, "seed": seed, "years": results, "year_means": year_means}


def calibration_table(runs: list[dict[str, Any]], town: str) -> list[str]:
    """Rows of the table for one town: model mean over seeds of years 4-5, seed spread, against
    every calibration target with its tolerance (``calibration.targets.TARGETS``)."""
    mine = [r for r in runs if r["town"] == town]
    lines = [f"{'years 4-5':<26}{'model':>8}{'seeds (min-max)':>18}{'target':>8}  tolerance"]

    def per_seed(key: str) -> list[float]:
        return [float(np.mean([r["years"][y][key] for y in (3, 4)])) for r in mine]

    for t in TARGETS:
        values = per_seed(t.measure)
        mean = float(np.mean(values))
        miss = abs(t.compared(mean) - t.value) - t.tolerance
        mark = " ok" if t.within(mean) else f" MISSED by {100 * miss:.1f} points"
        bound = "at least, " if t.lower_bound else ""
        lines.append(
            f"{t.id:<26}{100 * mean:>7.1f}%{100 * min(values):>8.1f}-{100 * max(values):.1f}%"
            f"{100 * t.value:>7.0f}%  {bound}{100 * t.tolerance:.0f} points{mark}"
        )
    for key in ("retention_formal", "dropout_12m_formal", "participation_formal_rarely"):
        values = per_seed(key)
        lines.append(
            f"{key:<26}{100 * np.mean(values):>7.1f}%"
            f"{100 * min(values):>8.1f}-{100 * max(values):.1f}%"
        )
    return lines


def steady_table(runs: list[dict[str, Any]], town: str) -> list[str]:
    """Change of each headline series between year 6 and year 10 (mean over seeds)."""
    mine = [r for r in runs if r["town"] == town]
    lines = [f"{'series':<34}{'year 6':>8}{'year 10':>9}{'change':>9}  (target |change| <= 0.02)"]
    series = [(s, lambda r, y, s=s: r["year_means"][s][y]) for s in HEADLINE]
    for key in ("weekly", "at_least_monthly", "at_least_yearly", "never"):
        series.append(
            (
                f"formal participation {key}",
                lambda r, y, k=key: r["years"][y][f"participation_formal_{k}"],
            )
        )
    worst = 0.0
    for name, get in series:
        y6 = float(np.mean([get(r, 5) for r in mine]))
        y10 = float(np.mean([get(r, 9) for r in mine]))
        worst = max(worst, abs(y10 - y6))
        lines.append(f"{name:<34}{y6:>8.3f}{y10:>9.3f}{y10 - y6:>+9.3f}")
    lines.append(f"largest |change|: {worst:.3f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--towns", default="demo,darlington")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--darlington-scale", type=float, default=0.1)
    ap.add_argument("--steady", action="store_true", help="run 10 years and check year 6 vs 10")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], help="parameter=value override")
    a = ap.parse_args()
    overrides: dict[str, Any] = {}
    for item in a.set:
        k, v = item.split("=", 1)
        overrides[k] = int(v) if v.lstrip("-").isdigit() else float(v)
    years = 10 if a.steady else 5
    towns = [t for t in a.towns.split(",") if t]
    jobs = [
        (t, s, years, a.darlington_scale, overrides) for t in towns for s in range(1, a.seeds + 1)
    ]
    with ProcessPoolExecutor(a.workers) as ex:
        runs = list(ex.map(_run, jobs))
    for town in towns:
        size = "" if town == "demo" else f" (scale {a.darlington_scale:g})"
        print(f"\n{town}{size}, {a.seeds} seeds, burn-in default, overrides {overrides or 'none'}")
        print("\n".join(calibration_table(runs, town)))
        if a.steady:
            print("\n".join(steady_table(runs, town)))


if __name__ == "__main__":
    main()
