"""Size-free check: the same per-capita outcomes at 2,000, 10,000 and 100,000 residents.

Runs the same town preset (same per-capita parameters, same neighbourhoods) at several sizes and
seeds and prints one row per size: the mean over seeds (and the range, min and max) of each
per-capita outcome, plus how the professional queue behaves (the longest wait of a crisis still
open at the end, and how far the mean wait drifts over the last years).

    python benchmarks/size_free.py                          # 2k, 10k, 100k; seeds 1-3; 10 years
    python benchmarks/size_free.py --sizes 2000 10000 --seeds 1 2 3 4 --posterior
    python benchmarks/size_free.py --budget-cut             # delivered hours lost per paid hour cut

Figures (per run; the burn-in's weeks are left out):

- ``formal``: residents volunteering formally at least yearly (the survey's measure), last year
- ``roles_unfilled``: volunteer roles lapsed unfilled / roles arisen
- ``crises_pk``: crises per 1,000 residents a year
- ``unmet_pk``: residents' needs given up unmet (lapsed, or past the service standard when the
  run ends) per 1,000 residents a year
- ``callouts``: anti-social-behaviour call-outs attended / call-outs that ended (attended or
  lapsed)
- ``vol_per_paid``: volunteer hours given per professional hour paid
- ``busy``: professional hours given to needs / hours paid
- ``emergency_pk``: crises met by an emergency response per 1,000 residents a year
- ``crisis_wait_max``: longest wait (weeks) of a crisis still open at the end
- ``wait_drift``: mean wait of open needs, mean over the last year minus over the fifth-last
  (years 6 and 10 of a 10-year run), weeks

``--budget-cut`` runs each seed twice, without and with the ``budget_cuts`` lever, and prints the
professional hours delivered that the cut loses per paid hour it removes.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
from typing import Any

FIGURES = (
    "formal",
    "roles_unfilled",
    "crises_pk",
    "unmet_pk",
    "callouts",
    "vol_per_paid",
    "busy",
    "emergency_pk",
    "crisis_wait_max",
    "wait_drift",
)


def run_one(
    n: int, seed: int, years: int, town: str, posterior: bool, policies: tuple[str, ...] = ()
) -> dict[str, Any]:
    """One run's per-capita figures (see the module docstring)."""
    import numpy as np

    from coprod_sim.analysis.summary import summary_metrics, weekly_series
    from coprod_sim.mechanisms.needs import ASB_CALLOUT, CHANNEL_INDEX, UNMET
    from coprod_sim.model import CoproductionModel

    params: dict[str, Any] = {}
    if posterior:
        from coprod_sim.calibration.posterior import (
            draw_for_run,
            load_posterior,
            shipped_posterior_path,
        )

        params, _ = draw_for_run(load_posterior(shipped_posterior_path(town)), seed)
    model = CoproductionModel(rng=seed, town=town, n_residents=n, policies=list(policies), **params)
    weeks = 52 * years
    model.run_weeks(weeks)
    m = summary_metrics(model)
    w = weekly_series(model)
    per_k_year = 1000.0 / n / years
    names = model.kinds.names
    k = names.index(ASB_CALLOUT)
    attended = float(model.met_by_kind_channel[k, CHANNEL_INDEX["professional"]])
    lapsed = float(model.lapsed_by_kind[k])
    nd = model.needs
    open_crisis = (nd.channel == UNMET) & nd.crisis
    wait = w["mean_wait_weeks"].to_numpy()
    late_end = float(m.get("needs_past_standard_end", 0.0))
    return {
        "formal": m["participation_formal_at_least_yearly"],
        "roles_unfilled": m["roles_unfilled"] / max(m["roles_arisen"], 1.0),
        "crises_pk": m["crises"] * per_k_year,
        "unmet_pk": (m["needs_residents_unmet"] + late_end) * per_k_year,
        "callouts": attended / (attended + lapsed) if attended + lapsed else math.nan,
        "vol_per_paid": m["volunteer_hours"] / max(m["professional_hours_paid"], 1.0),
        "busy": m["professional_hours"] / max(m["professional_hours_paid"], 1.0),
        "emergency_pk": m.get("emergency_responses", 0.0) * per_k_year,
        "crisis_wait_max": float(nd.waited[open_crisis].max()) if open_crisis.any() else 0.0,
        "wait_drift": float(np.mean(wait[-52:]) - np.mean(wait[-5 * 52 : -4 * 52]))
        if years >= 5
        else math.nan,
        "professional_hours": m["professional_hours"],
        "professional_hours_paid": m["professional_hours_paid"],
    }


def _child(args: list[str]) -> dict[str, Any]:
    """Run one configuration in a fresh interpreter (sizes do not share memory or caches)."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", *args], capture_output=True, text=True, check=True
    )
    return eval(out.stdout.strip().splitlines()[-1], {"nan": math.nan})  # our own repr


def _fmt(xs: list[float]) -> str:
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return "nan"
    mean = statistics.fmean(xs)
    digits = 3 if abs(mean) < 10 else 1
    return f"{mean:.{digits}f} [{min(xs):.{digits}f}, {max(xs):.{digits}f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 100000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--town", default="demo")
    ap.add_argument("--posterior", action="store_true", help="a posterior draw per seed")
    ap.add_argument("--budget-cut", action="store_true", help="hours lost per paid hour cut")
    ap.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        n, seed, years, town, pol = a.one
        policies = tuple(p for p in pol.split(",") if p)
        print(repr(run_one(int(n), int(seed), int(years), town, a.posterior, policies)))
        return
    print(
        f"town {a.town}, {a.years} years after the burn-in, seeds {a.seeds}"
        + (", posterior draws" if a.posterior else "")
        + "; mean over seeds [min, max]\n"
    )
    print("| residents | " + " | ".join(FIGURES) + " | seconds/run |")
    print("|" + "---|" * (len(FIGURES) + 2))
    cut_rows = []
    for n in a.sizes:
        runs, cuts = [], []
        t0 = time.perf_counter()
        for seed in a.seeds:
            extra = ["--posterior"] if a.posterior else []
            base = _child([str(n), str(seed), str(a.years), a.town, "", *extra])
            runs.append(base)
            if a.budget_cut:
                cut = _child([str(n), str(seed), str(a.years), a.town, "budget_cuts", *extra])
                paid = base["professional_hours_paid"] - cut["professional_hours_paid"]
                lost = base["professional_hours"] - cut["professional_hours"]
                cuts.append(lost / paid if paid else math.nan)
        secs = (time.perf_counter() - t0) / len(a.seeds) / (2 if a.budget_cut else 1)
        cells = [_fmt([r[f] for r in runs]) for f in FIGURES]
        print(f"| {n:,} | " + " | ".join(cells) + f" | {secs:.0f} |", flush=True)
        if a.budget_cut:
            cut_rows.append((n, cuts))
    if a.budget_cut:
        print("\ndelivered professional hours lost per paid hour cut (budget_cuts defaults):")
        for n, cuts in cut_rows:
            print(f"  {n:,} residents: {_fmt(cuts)}  per seed {[round(c, 2) for c in cuts]}")


if __name__ == "__main__":
    main()
