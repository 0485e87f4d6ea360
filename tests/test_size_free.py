"""Size-free: the same per-capita answers at 2,000 and 10,000 residents (issue 24).

The demo town's parameters, run at 2,000 and at 10,000 residents (same neighbourhoods, same
per-capita rates and staffing), four seeds each, five years after the default burn-in. Each
per-capita outcome's mean over seeds must agree within a stated tolerance: about three times
the standard error of the difference of the means seen over seeds at 2,000 residents (where
seed noise is largest), so a structural size effect of the size measured before the fix
(call-outs attended 20% against 0%, staff hours rounded to whole people: +11% public-safety
hours at 2,000) fails, and seed noise does not. ``benchmarks/size_free.py`` prints the full
table at 2,000, 10,000 and 100,000 residents (docs/size_free.md).
"""

from __future__ import annotations

import importlib
import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

SEEDS = (1, 2, 3, 4)
YEARS = 5
#: outcome: (absolute tolerance, relative tolerance) on the difference of means over seeds
TOLERANCE = {
    "formal": (0.05, 0.0),  # share of residents volunteering formally at least yearly
    "roles_unfilled": (0.12, 0.0),  # share of roles lapsed unfilled
    "crises_pk": (0.0, 0.15),  # crises per 1,000 residents a year
    "unmet_pk": (0.0, 0.15),  # needs lapsed or past the standard per 1,000 a year
    "callouts": (0.10, 0.0),  # share of call-outs attended
    "vol_per_paid": (0.0, 0.12),  # volunteer hours per paid professional hour
    "busy": (0.02, 0.0),  # professional hours given per hour paid
}


@pytest.mark.slow
def test_per_capita_outcomes_agree_at_2000_and_10000_residents() -> None:
    size_free = importlib.import_module("size_free")
    runs = {
        n: [size_free.run_one(n, seed, YEARS, "demo", False) for seed in SEEDS]
        for n in (2000, 10000)
    }
    off = []
    for name, (absolute, relative) in TOLERANCE.items():
        small = statistics.fmean(r[name] for r in runs[2000])
        big = statistics.fmean(r[name] for r in runs[10000])
        allowed = absolute + relative * abs(big)
        if abs(small - big) > allowed:
            off.append(f"{name}: {small:.3f} at 2,000, {big:.3f} at 10,000 (allowed {allowed:.3f})")
    assert not off, "; ".join(off)
