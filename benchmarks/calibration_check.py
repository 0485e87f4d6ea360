"""Formal participation against the survey's ``calibrate`` rows, and the steady state.

Runs the baseline (no levers) of the demo town and of Darlington for several seeds, after the
default burn-in, and prints per town the formal participation classes of results years 4 and 5
(the mean of the two years; spread = lowest and highest seed) next to the survey figures of
``survey_targets.csv`` (IPPR/PwC 2010; Citizenship Survey 2007-08), with the issue's
tolerances: weekly and at least monthly within 3 points, at least yearly at or above 37%, never
within 4 points. ``--steady`` also runs 10 years and prints how far each headline series moves
between year 6 and year 10 (target: at most 0.02).

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
from coprod_sim.mechanisms.outcomes import SURVEY_PARTICIPATION

WEEKS_PER_YEAR = 52
#: (label, key in the yearly record, survey value, check) - the issue's tolerances
ROWS: tuple[tuple[str, str, float, str], ...] = (
    ("at least weekly", "weekly", SURVEY_PARTICIPATION["weekly"][1], "within 3 points"),
    (
        "at least monthly",
        "at_least_monthly",
        SURVEY_PARTICIPATION["monthly"][1],
        "within 3 points",
    ),
    ("at least yearly", "at_least_yearly", SURVEY_PARTICIPATION["yearly"][1], "at least 37%"),
    ("rarely", "rarely", SURVEY_PARTICIPATION["rarely"][1], "(not a target)"),
    ("never", "never", SURVEY_PARTICIPATION["never"][1], "within 4 points"),
)
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


def _check(key: str, value: float, survey: float) -> bool | None:
    if key in ("weekly", "at_least_monthly"):
        return abs(value - survey) <= 0.03
    if key == "at_least_yearly":
        return value >= 0.37
    if key == "never":
        return abs(value - survey) <= 0.04
    return None


def calibration_table(runs: list[dict[str, Any]], town: str) -> list[str]:
    """Rows of the table for one town: model mean over seeds of years 4-5, seed spread."""
    mine = [r for r in runs if r["town"] == town]
    lines = [
        f"{'formal, years 4-5':<18}{'model':>8}{'seeds (min-max)':>18}{'survey':>8}  target",
    ]
    for label, key, survey, target in ROWS:
        per_seed = [
            np.mean([r["years"][y][f"participation_formal_{key}"] for y in (3, 4)]) for r in mine
        ]
        mean = float(np.mean(per_seed))
        ok = _check(key, mean, survey)
        mark = "" if ok is None else (" ok" if ok else f" MISSED by {_miss(key, mean, survey)}")
        lines.append(
            f"{label:<18}{100 * mean:>7.1f}%{100 * min(per_seed):>8.1f}-{100 * max(per_seed):.1f}%"
            f"{100 * survey:>8.0f}%  {target}{mark}"
        )
    for key, label in (("retention_formal", "retention"), ("dropout_12m_formal", "12-m dropout")):
        per_seed = [np.mean([r["years"][y][key] for y in (3, 4)]) for r in mine]
        lines.append(
            f"{label:<18}{100 * np.mean(per_seed):>7.1f}%"
            f"{100 * min(per_seed):>8.1f}-{100 * max(per_seed):.1f}%"
        )
    return lines


def _miss(key: str, value: float, survey: float) -> str:
    if key == "at_least_yearly":
        return f"{100 * (0.37 - value):.1f} points"
    tol = 0.03 if key != "never" else 0.04
    return f"{100 * (abs(value - survey) - tol):.1f} points"


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
