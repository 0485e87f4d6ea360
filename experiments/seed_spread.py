"""Seed-to-seed spread of the headline outcomes of a baseline run (no lever).

A town with few professionals (the demo town has 12) can make results hang on the draws of
their attitudes; this script shows how much the headline figures move between seeds:

- ``open_call_matches``: needs met by services' open calls over the run;
- ``open_call_matches_year1``: the same in the first year (a service that starts advertising
  nothing shows here first);
- ``challenged_share``: share of anti-social incidents challenged by a witness, over the run;
- ``helping_share_last_year``: mean weekly share of residents helping, in the last year;
- ``needs_lapsed``: needs given up unmet over the run.

It also prints each seed's mean staff attitude per service at the start. With ``--markdown``
it prints only the spread as the markdown table the README quotes, after a line recording the
results version (``tests/experiments/test_seed_spread_readme.py`` checks that the README's
table is this output).

    .venv/bin/python experiments/seed_spread.py --town demo --years 5 --seeds 8 --markdown
    .venv/bin/python experiments/seed_spread.py --out results/seed_spread.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.mechanisms.needs import SERVICES
from coprod_sim.mechanisms.services import mean_attitude
from coprod_sim.results_version import markdown_stamp

OUTCOMES: tuple[str, ...] = (
    "open_call_matches",
    "open_call_matches_year1",
    "challenged_share",
    "helping_share_last_year",
    "needs_lapsed",
)


def run_seed(seed: int, weeks: int, params: dict) -> dict[str, float]:
    """One baseline run; its headline outcomes and the staff's starting mean attitudes."""
    m = CoproductionModel(rng=seed, **params)
    staff = m.staff
    att = mean_attitude(staff.service, staff.attitude, len(SERVICES))
    m.run_weeks(weeks)
    w = m.datacollector.get_model_vars_dataframe()
    last = w.iloc[-min(52, len(w)) :]
    incidents = float(w["incidents"].sum())
    row: dict[str, float] = {"seed": seed}
    row["open_call_matches"] = float(w["met_open_call"].sum())
    row["open_call_matches_year1"] = float(w["met_open_call"].iloc[:52].sum())
    row["challenged_share"] = (
        float(w["incidents_challenged"].sum()) / incidents if incidents else float("nan")
    )
    row["helping_share_last_year"] = float(last["helping_share"].mean())
    row["needs_lapsed"] = float(w["needs_lapsed"].sum())
    for s, a in zip(SERVICES, att, strict=True):
        row[f"attitude_{s}"] = float(a)
    return row


def spread(df: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, coefficient of variation, min and max of each outcome."""
    rows = []
    for key in OUTCOMES:
        x = df[key].to_numpy(float)
        mean = float(np.mean(x))
        sd = float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")
        rows.append(
            {
                "outcome": key,
                "mean": mean,
                "sd": sd,
                "cv": sd / mean if mean else float("nan"),
                "min": float(np.min(x)),
                "max": float(np.max(x)),
                "seeds": len(x),
            }
        )
    return pd.DataFrame(rows)


LABELS: dict[str, str] = {
    "open_call_matches": "needs met by open calls, {years} years",
    "open_call_matches_year1": "needs met by open calls, year 1",
    "challenged_share": "share of incidents challenged",
    "helping_share_last_year": "share of residents helping a week (year {years})",
    "needs_lapsed": "needs lapsed unmet, {years} years",
}


def _fmt(value: float, key: str) -> str:
    """Counts with thousands separators; shares with 3 decimals."""
    if key.endswith("_share") or key.startswith("helping_share"):
        return f"{value:.3f}"
    return f"{value:,.0f}"


def markdown_table(summary: pd.DataFrame, years: int) -> str:
    """The spread as the README's markdown table (cv always with 2 decimals)."""
    lines = ["| outcome | mean | sd | cv | min | max |", "| --- | --- | --- | --- | --- | --- |"]
    for r in summary.itertuples(index=False):
        key = str(r.outcome)
        cells = [LABELS[key].format(years=years)]
        cells += [_fmt(getattr(r, c), key) for c in ("mean", "sd")]
        cells.append(f"{r.cv:.2f}")
        cells += [_fmt(getattr(r, c), key) for c in ("min", "max")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--town", default="demo")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=8, help="seeds 1..N")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="CSV of the per-seed rows")
    ap.add_argument(
        "--markdown", action="store_true", help="print only the spread as a markdown table"
    )
    a = ap.parse_args(argv)
    if a.years < 1 or a.seeds < 1 or a.workers < 1:
        print("error: --years, --seeds and --workers must be at least 1", file=sys.stderr)
        return 2
    params = {"town": a.town}
    try:
        CoproductionModel(rng=1, **params)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seeds = list(range(1, a.seeds + 1))
    weeks = 52 * a.years
    with ProcessPoolExecutor(max_workers=a.workers) as pool:
        rows = list(pool.map(run_seed, seeds, [weeks] * len(seeds), [params] * len(seeds)))
    df = pd.DataFrame(rows)
    if a.markdown:  # the results version first: the README's table records it
        args = " ".join(sys.argv[1:] if argv is None else argv)
        print(markdown_stamp(f"python experiments/seed_spread.py {args}"))
        print(markdown_table(spread(df), a.years))
    else:
        _print_tables(df)
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(a.out, index=False)
    return 0


def _print_tables(df: pd.DataFrame) -> None:
    """Each seed's row, then the spread (plain text)."""
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(df.round(3).to_string(index=False))
        print()
        print(spread(df).round(3).to_string(index=False))


if __name__ == "__main__":
    raise SystemExit(main())
