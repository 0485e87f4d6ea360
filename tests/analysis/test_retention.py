"""Finding 9 of issue 14: formal retention (again the next year) and 12-month dropout."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import compare, comparison_frame, summary_metrics
from coprod_sim.mechanisms.outcomes import retention_and_dropout


def test_retention_and_dropout_on_worked_values() -> None:
    # six residents: formal this year, last year, the year before
    now = np.array([1, 0, 1, 0, 1, 0], bool)
    last = np.array([1, 1, 1, 1, 0, 0], bool)
    before = np.array([1, 1, 0, 0, 0, 1], bool)
    retention, dropout = retention_and_dropout(now, last, before, years_closed=3)
    assert retention == pytest.approx(2 / 4)  # residents 0 and 2 of 0-3
    assert dropout == pytest.approx(1 / 2)  # new last year: 2 and 3; 3 gave none this year
    r1, d1 = retention_and_dropout(now, last, before, years_closed=2)
    assert r1 == pytest.approx(0.5) and math.isnan(d1)  # the year before last is unknown
    r0, d0 = retention_and_dropout(now, np.zeros(6, bool), before, years_closed=5)
    assert math.isnan(r0) and math.isnan(d0)  # nobody helped last year


def test_run_reports_retention_of_the_last_year() -> None:
    model = CoproductionModel(rng=1, n_residents=600, burn_in_years=2)
    model.run_weeks(52)
    # recompute from the history bits after the last close: bit 0 this year, bit 1 last year
    bits = model.pop.formal_years
    this, last = (bits & 1).astype(bool), (bits & 2).astype(bool)
    m = summary_metrics(model)
    assert m["retention_formal"] == pytest.approx((this & last).sum() / last.sum())
    assert 0.0 < m["retention_formal"] < 1.0
    assert 0.0 < m["dropout_12m_formal"] < 1.0
    frame = comparison_frame(compare(model, model))
    assert {"retention_formal", "dropout_12m_formal"} <= set(frame["metric"])


def test_no_retention_before_two_years_of_history() -> None:
    model = CoproductionModel(rng=2, n_residents=300, burn_in_years=0)
    model.run_weeks(52)
    m = summary_metrics(model)
    assert math.isnan(m["retention_formal"]) and math.isnan(m["dropout_12m_formal"])
