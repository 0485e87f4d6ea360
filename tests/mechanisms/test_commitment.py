"""Mechanism 4: commitments grow, overload tires, burnout drops everything and spreads fear."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.mechanisms.commitment import burnt_out, grow, next_fatigue, tolerance

f32 = np.float32


@pytest.mark.parametrize(
    ("hours", "base", "growth", "cap", "want"),
    [
        (1.0, 1.0, 0.1, 3.0, 1.1),  # 1 * (1 + 0.1)
        (2.0, 1.0, 0.0, 3.0, 2.0),  # no growth
        (2.9, 1.0, 0.1, 3.0, 3.0),  # 3.19 capped at 1 * 3
        (3.0, 1.0, 0.1, 3.0, 3.0),  # at the cap it stays
        (4.0, 2.0, 0.25, 2.0, 4.0),  # 5.0 capped at 2 * 2
        (2.0, 2.0, 0.02, 3.0, 2.04),  # 2 * 1.02
    ],
)
def test_growth_is_capped_at_a_multiple_of_the_start(hours, base, growth, cap, want) -> None:
    assert grow(f32(hours), f32(base), f32(growth), f32(cap)) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize(
    ("free", "off", "fear", "share", "effect", "want"),
    [
        (10.0, 0.0, 0.0, 0.6, 0.5, 6.0),  # 10 * 0.6
        (10.0, 0.0, 0.5, 0.6, 0.5, 4.5),  # 10 * 0.6 * (1 - 0.5 * 0.5)
        (8.0, 2.0, 1.0, 0.6, 0.5, 3.0),  # (8 + 2) * 0.6 * (1 - 0.5 * 1)
        (4.0, 4.0, 0.2, 0.5, 0.5, 3.6),  # 8 * 0.5 * (1 - 0.1)
        (10.0, 0.0, 0.5, 0.6, 1.0, 3.0),  # 10 * 0.6 * (1 - 1 * 0.5)
        (10.0, 0.0, 1.0, 0.6, 0.0, 6.0),  # fear has no effect at effect 0
        (0.0, 0.0, 0.0, 0.6, 0.5, 1e-3),  # never zero (no division by 0): floored at 1e-3
        (10.0, 0.0, 1.0, 0.6, 1.0, 1e-3),  # 10 * 0.6 * 0, floored
    ],
)
def test_tolerance_falls_with_fear(free, off, fear, share, effect, want) -> None:
    got = tolerance(f32(free), f32(off), f32(fear), f32(share), f32(effect))
    assert got == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize(
    ("fatigue", "committed", "tol", "rate", "recovery", "want"),
    [
        (0.2, 6.0, 4.0, 0.25, 0.1, 0.325),  # over = 6/4 - 1 = 0.5: 0.2 + 0.25 * 0.5
        (0.5, 12.0, 6.0, 0.2, 0.1, 0.7),  # over = 1: 0.5 + 0.2
        (0.5, 3.0, 6.0, 0.2, 0.1, 0.4),  # within tolerance: 0.5 - 0.1
        (0.5, 6.0, 6.0, 0.2, 0.1, 0.4),  # exactly at tolerance counts as within
        (0.05, 1.0, 6.0, 0.2, 0.1, 0.0),  # 0.05 - 0.1 floored at 0
        (0.0, 0.0, 6.0, 0.2, 0.1, 0.0),
        (0.9, 18.0, 6.0, 0.1, 0.1, 1.1),  # over = 2: 0.9 + 0.2 (past 1: burnout)
    ],
)
def test_fatigue_rises_with_overload_and_recovers_within_tolerance(
    fatigue, committed, tol, rate, recovery, want
) -> None:
    got = next_fatigue(f32(fatigue), f32(committed), f32(tol), f32(rate), f32(recovery))
    assert got == pytest.approx(want, rel=1e-6, abs=1e-7)


def test_burnout_at_fatigue_one() -> None:
    assert [bool(burnt_out(f32(f))) for f in (0.0, 0.99, 1.0, 1.5)] == [False, False, True, True]


def test_the_rules_source_is_what_runs() -> None:
    """Each compiled rule gives what its Python source gives (the source is the reference)."""
    args = (f32(0.2), f32(6.0), f32(4.0), f32(0.25), f32(0.1))
    assert next_fatigue.py_func(*args) == next_fatigue(*args)
    args = (f32(10.0), f32(2.0), f32(0.3), f32(0.6), f32(0.5))
    assert tolerance.py_func(*args) == tolerance(*args)
    args = (f32(2.0), f32(1.0), f32(0.03), f32(3.0))
    assert grow.py_func(*args) == grow(*args)


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
