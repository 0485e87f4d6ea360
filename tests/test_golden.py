"""What the model computes does not change by accident: with the default rules, the 60-week
weekly series of the demo town and a 10,000-resident town, with no levers and with all 13, equal
the stored series (``tests/data/golden/make_golden.py`` says when they were stored and why).
The layout refactor (issue 13) passed this against the series of main at 4b385ed."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

GOLDEN = Path(__file__).parent / "data" / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import CASES, series  # noqa: E402


@pytest.mark.parametrize("case", list(CASES))
def test_weekly_series_identical_to_stored(case: str) -> None:
    stored = pd.read_parquet(GOLDEN / f"{case}.parquet")
    now = series(case)
    assert list(now.columns) == list(stored.columns)
    pd.testing.assert_frame_equal(now, stored, check_exact=True)
