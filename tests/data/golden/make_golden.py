"""Store the 60-week weekly series of four towns, so any change to what the model computes shows.

History: first stored from main at 4b385ed, before the layout refactor (issue 13), which kept
them bit for bit (checked by ``tests/test_golden.py`` at 5ee347d). Issue 14 changed the rules on
purpose (formal participation, money by payer, public-safety needs, smooth service modes,
baselines that settle, re-tuned world), so they were stored again from main after its merge,
without the burn-in (``burn_in_years=0``) to keep the test quick. Issue 23 stored them again
when the reported means (trust, fear of commitment, expected backing) began to be summed in a
fixed order in float64 (``state.arrays.ordered_mean``) so that they are the same on every CPU:
only those four columns moved (by at most 1.7e-7 relative, the float32 rounding of the old
``np.mean``); every count and every other column stayed identical. Regenerate only when a change
of results is intended, and say so in the commit: ``python tests/data/golden/make_golden.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coprod_sim import CoproductionModel
from coprod_sim.levers import LEVERS

HERE = Path(__file__).parent
CASES = {
    "demo_none": dict(burn_in_years=0),
    "demo_all": dict(burn_in_years=0, policies=list(LEVERS)),
    "10k_none": dict(burn_in_years=0, n_residents=10_000),
    "10k_all": dict(burn_in_years=0, n_residents=10_000, policies=list(LEVERS)),
}


def series(case: str):
    model = CoproductionModel(rng=1, **{"burn_in_years": 0, **CASES[case]})
    model.run_weeks(60)
    return model.datacollector.get_model_vars_dataframe()


if __name__ == "__main__":
    for case in sys.argv[1:] or CASES:
        df = series(case)
        df.to_parquet(HERE / f"{case}.parquet")
        print(case, df.shape)
