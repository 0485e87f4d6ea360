"""Paired statistics: t intervals that cover, paired differences, factorial effects, costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod_sim.sweeps.stats import (
    cost_effectiveness,
    differences,
    factorial_effects,
    t_interval,
)


@pytest.mark.parametrize("n", [3, 15])
def test_t_interval_covers_95_percent(n: int) -> None:
    # 3 seeds x 3000 samples: coverage within 1.5 points of 95% (its standard error is 0.23
    # points); a 1.96 interval beyond 10 replications covers about 93.5% at n = 15 and fails
    hits = []
    for seed in (1, 2, 3):
        rng = np.random.default_rng(seed)
        for _ in range(3000):
            mean, half, _ = t_interval(rng.normal(1.0, 2.0, n))
            hits.append(abs(mean - 1.0) <= half)
    assert abs(np.mean(hits) - 0.95) < 0.015


def _wide(values: dict[int, np.ndarray], arms: dict[int, str], metric: str) -> pd.DataFrame:
    rows = []
    for p, ys in values.items():
        for r, y in enumerate(ys):
            rows.append({"point": p, "arm": arms[p], "replication": r, "seed": r, metric: y})
    return pd.DataFrame(rows)


def test_paired_difference_removes_common_noise() -> None:
    rng = np.random.default_rng(4)
    common = rng.normal(0, 50, 8)  # seed noise shared by arms with the same seed
    base = 100 + common
    arm = 100 + common - 5 + rng.normal(0, 1, 8)
    wide = _wide({0: base, 1: arm}, {0: "baseline", 1: "arm"}, "needs_lapsed")
    d = differences(wide, 0, ["needs_lapsed"]).iloc[0]
    assert d["ci_low"] < -5 < d["ci_high"]
    assert d["half_width"] < 2  # far below the 50 of unpaired noise
    assert d["better"] == "lower" and d["p_beats"] == 1.0 and d["p_mean_better"] > 0.99


def test_factorial_effects_recover_known_main_effects_and_interaction() -> None:
    # y = 10 + 3A + 1B + 2AB plus noise common to the replication: effects are exact
    pts, values, arms = [], {}, {}
    noise = np.random.default_rng(5).normal(0, 10, 6)
    for i, (a, b) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        pts.append({"point": i, "values": {"A": bool(a), "B": bool(b)}})
        values[i] = 10 + 3 * a + b + 2 * a * b + noise
        arms[i] = f"{a}{b}"
    eff = factorial_effects(_wide(values, arms, "y"), pts, "y").set_index("term")["effect"]
    assert eff["A"] == pytest.approx(4.0)  # 3 + 2 x mean(B)
    assert eff["B"] == pytest.approx(2.0)
    assert eff["A x B"] == pytest.approx(1.0)  # half of (5 - 3)


def test_cost_per_extra_need_met() -> None:
    rng = np.random.default_rng(6)
    common = rng.normal(0, 20, 10)
    met = {0: 100 + common, 1: 110 + common + rng.normal(0, 1, 10)}
    cost = {0: 1000 + common, 1: 1500 + common + rng.normal(0, 5, 10)}
    crises = {0: np.full(10, 5.0), 1: np.full(10, 5.0)}
    wide = _wide(met, {0: "b", 1: "a"}, "needs_met_total")
    wide["cost_total"] = np.concatenate([cost[0], cost[1]])
    wide["crises"] = np.concatenate([crises[0], crises[1]])
    ce = cost_effectiveness(wide, 0, ["cost_total"]).iloc[0]
    assert ce["gbp_per_extra_need_met"] == pytest.approx(50, rel=0.1)
    assert ce["per_need_ci_low"] < 50 < ce["per_need_ci_high"]
    assert np.isnan(ce["gbp_per_crisis_averted"])  # no crisis averted: undefined, not infinite
