"""Store the 60-week weekly series that the layout refactor must keep bit for bit.

Run once on the commit named in README.md of this folder; the test ``tests/test_golden.py``
compares every later run with these files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coprod_sim import CoproductionModel
from coprod_sim.levers import LEVERS

HERE = Path(__file__).parent
CASES = {
    "demo_none": dict(),
    "demo_all": dict(policies=list(LEVERS)),
    "10k_none": dict(n_residents=10_000),
    "10k_all": dict(n_residents=10_000, policies=list(LEVERS)),
}


def series(case: str):
    model = CoproductionModel(rng=1, **CASES[case])
    model.run_weeks(60)
    return model.datacollector.get_model_vars_dataframe()


if __name__ == "__main__":
    for case in sys.argv[1:] or CASES:
        df = series(case)
        df.to_parquet(HERE / f"{case}.parquet")
        print(case, df.shape)
