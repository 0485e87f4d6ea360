"""Mechanism 4: commitments grow, overload tires, burnout drops everything and spreads fear."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.mechanisms.commitment import burnt_out, grow, next_fatigue, tolerance


def test_growth_is_capped_at_a_multiple_of_the_start() -> None:
    hours = np.array([1.0, 2.0, 2.9, 3.0])
    out = grow(hours, np.ones(4), np.array([0.1, 0.0, 0.1, 0.1]), np.full(4, 3.0))
    assert np.allclose(out, [1.1, 2.0, 3.0, 3.0])


def test_tolerance_falls_with_fear() -> None:
    t = tolerance(np.full(3, 10.0), np.array([0.0, 0.5, 1.0]), 0.6)
    assert np.allclose(t, [6.0, 4.5, 3.0])
    assert tolerance(np.zeros(1), np.zeros(1), 0.6)[0] > 0, "never zero (no division by 0)"


def test_fatigue_rises_with_overload_and_recovers_within_tolerance() -> None:
    fatigue = np.array([0.5, 0.5, 0.5, 0.05, 0.0])
    committed = np.array([3.0, 6.0, 12.0, 1.0, 0.0])
    out = next_fatigue(fatigue, committed, np.full(5, 6.0), rate=0.2, recovery=0.1)
    assert np.allclose(out, [0.4, 0.4, 0.7, 0.0, 0.0])  # 12/6 - 1 = 1 -> +0.2


def test_burnout_at_fatigue_one() -> None:
    assert burnt_out(np.array([0.99, 1.0, 1.5])).tolist() == [False, True, True]


def _overloading(**kw):
    """Parameters under which helpers are overloaded quickly."""
    return dict(tolerance_share=0.05, fatigue_rate=0.5, burnout_recovery_weeks=30, **kw)


@pytest.mark.parametrize("seed", [1, 2])
def test_overload_burns_people_out_and_they_rest(run_town, make_recorder, seed: int) -> None:
    rec = make_recorder()
    m = run_town(seed, weeks=52, levers=rec.levers(), **_overloading())
    df = m.datacollector.get_model_vars_dataframe()
    assert df["burnouts"].sum() > 0
    got = rec.all()
    vol = got["helper"] >= 0
    # every new task went to someone not recovering (recovering_until only moves forward)
    rec_until = m.pop.recovering_until[got["helper"][vol]]
    burn_week = rec_until - m.params.burnout_recovery_weeks
    assert not ((got["week"][vol] >= burn_week) & (got["week"][vol] < rec_until)).any()
    calm = run_town(seed, weeks=52, tolerance_share=2.0)
    assert calm.datacollector.get_model_vars_dataframe()["burnouts"].sum() < df["burnouts"].sum()


def test_seeing_burnout_raises_fear_of_commitment(run_town) -> None:
    hot = [run_town(s, weeks=52, **_overloading(burnout_fear_contagion=0.5)) for s in (1, 2)]
    cool = [
        run_town(s, weeks=52, **_overloading(burnout_fear_contagion=0.0, burnout_fear_self=0.0))
        for s in (1, 2)
    ]
    for h, c in zip(hot, cool, strict=True):
        assert h.pop.fear_commit.mean() > c.pop.fear_commit.mean()


def test_fear_relaxes_back_to_its_baseline(run_town) -> None:
    m = run_town(3, weeks=0, fear_relaxation=0.5)
    m.pop.fear_commit[:] = 1.0
    m.run_weeks(10)
    gap = np.abs(m.pop.fear_commit - m.pop.fear_commit_base)
    assert np.median(gap) < 0.01
