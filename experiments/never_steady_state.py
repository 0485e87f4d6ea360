"""Does "never volunteered" settle? Formal participation classes after 4-, 8- and 16-year
burn-ins, with and without population turnover (issue 24).

One history per town and seed is run from the drawn town for the longest burn-in
(``--years``, default 4 8 16) with no lever acting, and the participation classes are read at
the end of each year listed. The end of year B of that history is the town after a B-year
burn-in: the burn-in runs the same weeks with the same mechanisms and no levers (its random
streams carry a ``burn-in:`` prefix, so the draws differ, not their laws). The classes are the
formal ones (the survey's measure, ``last_year_class_formal``; "never" = never helped formally
in the simulated history) and, with ``--turnover both``, the town is run with
``population_turnover`` on and off on the same seeds.

    .venv/bin/python experiments/never_steady_state.py --town demo --seeds 4
    .venv/bin/python experiments/never_steady_state.py --town darlington --scale 0.1 --seeds 3
    .venv/bin/python experiments/never_steady_state.py --out results/never.csv

Prints, per town and turnover setting, the mean (and seed range) of each class at each year
and the change in "never" between the years listed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.mechanisms.outcomes import PARTICIPATION, participation_shares
from coprod_sim.state.population import LONG_AGO

WEEKS_PER_YEAR = 52


def history(
    town: str, scale: float, seed: int, years: Sequence[int], turnover: bool, n_residents: int = 0
) -> list[dict[str, float]]:
    """Formal participation shares (and age structure) at the end of each year in ``years``."""
    model = CoproductionModel(
        rng=seed,
        town=town,
        scale=scale,
        n_residents=n_residents,
        burn_in_years=0,
        population_turnover=turnover,
    )
    rows = []
    newcomers = 0
    for year in range(1, max(years) + 1):
        for _ in range(WEEKS_PER_YEAR):
            model.step()
            newcomers += model.events["newcomers"]
        if year in years:
            pop = model.pop
            founders = pop.moved_in_week == LONG_AGO  # never replaced
            shares = participation_shares(pop.last_year_class_formal)
            rows.append(
                {
                    "town": town,
                    "scale": scale,
                    "turnover": turnover,
                    "seed": seed,
                    "years": year,
                    **{c: shares[c] for c in PARTICIPATION},
                    "never_any_help": participation_shares(pop.last_year_class)["never"],
                    "newcomers_share": newcomers / len(pop),
                    # why "never" moves: founders (here from the start) against newcomers
                    "founders": float(founders.mean()),
                    "never_founders": _never(pop.formal_ever[founders]),
                    "never_newcomers": _never(pop.formal_ever[~founders]),
                    "mean_age": float(pop.age_years.mean()),
                    "share_65_plus": float((pop.age == 2).mean()),
                }
            )
    return rows


def _never(formal_ever: np.ndarray) -> float:
    return float(1 - formal_ever.mean()) if len(formal_ever) else float("nan")


def table(frame: pd.DataFrame) -> str:
    """Markdown: mean (min-max over seeds) of each formal class per year, and never's changes."""
    lines = []
    for (town, turnover), part in frame.groupby(["town", "turnover"], sort=False):
        n_seeds = part["seed"].nunique()
        lines.append(
            f"\n**{town}, turnover {'on' if turnover else 'off'}** ({n_seeds} seeds; formal "
            "classes, %, mean (min-max))\n"
        )
        cols = [
            *PARTICIPATION,
            "never_any_help",
            "founders",
            "never_founders",
            "never_newcomers",
            "share_65_plus",
        ]
        lines.append("| years | " + " | ".join(cols) + " | mean age |")
        lines.append("|---" * (len(cols) + 2) + "|")
        for years, g in part.groupby("years"):
            cells = [
                f"{100 * g[c].mean():.1f} ({100 * g[c].min():.1f}-{100 * g[c].max():.1f})"
                for c in cols
            ]
            lines.append(f"| {years} | " + " | ".join(cells) + f" | {g['mean_age'].mean():.1f} |")
        wide = part.pivot(index="seed", columns="years", values="never")
        ys = list(wide.columns)
        for a, b in zip(ys, ys[1:], strict=False):
            d = 100 * (wide[b] - wide[a])
            lines.append(
                f'\n"never" {b} minus {a} years: {d.mean():+.2f} points '
                f"(seeds {d.min():+.2f} to {d.max():+.2f})"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--town", default="demo")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--n-residents", type=int, default=0, help="instead of the preset x scale")
    ap.add_argument("--seeds", type=int, default=4, help="seeds 1..N")
    ap.add_argument("--years", type=int, nargs="+", default=[4, 8, 16])
    ap.add_argument("--turnover", choices=("on", "off", "both"), default="both")
    ap.add_argument("--out", help="also write the per-seed rows as CSV")
    a = ap.parse_args(argv)
    if a.seeds < 1 or min(a.years) < 1:
        print("--seeds and --years: whole numbers of at least 1", file=sys.stderr)
        return 2
    settings = {"on": (True,), "off": (False,), "both": (True, False)}[a.turnover]
    rows: list[dict[str, float]] = []
    t0 = time.perf_counter()
    try:
        for turnover in settings:
            for seed in range(1, a.seeds + 1):
                rows += history(
                    a.town, a.scale, seed, sorted(set(a.years)), turnover, a.n_residents
                )
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    frame = pd.DataFrame(rows)
    print(table(frame))
    print(f"\n({time.perf_counter() - t0:.0f} s; numpy {np.__version__})")
    if a.out:
        frame.to_csv(a.out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
