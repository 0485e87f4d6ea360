"""Culture change raises professionals' attitudes, referrals to volunteers and service modes."""

from __future__ import annotations

import pytest
from _state_runs import SEEDS, run

from coprod_sim.analysis import costs
from coprod_sim.mechanisms import gatekeeping


def test_culture_change_raises_attitudes_and_referrals():
    base = pol = 0
    for s in SEEDS:
        b, p = run(s), run(s, {"culture_change": {}})
        assert p.staff.attitude.mean() > b.staff.attitude.mean() + 0.1
        assert (p.service_mode >= b.service_mode).all()
        assert p.gatekeeping.info_sharing > b.gatekeeping.info_sharing
        base += b.gatekeeping.taken_up_total
        pol += p.gatekeeping.taken_up_total
    # tolerance: pooled over seeds, referrals taken up at least 1.5 times as many
    assert pol > 1.5 * base, (pol, base)


def test_attitudes_only_move_up_towards_the_target():
    p = run(
        1,
        {"culture_change": {"target_attitude": 0.0}},
        weeks=20,
        attitude_relaxation=0.0,
        attitude_experience_gain=0.0,
        attitude_experience_loss=0.0,
    )
    b = run(
        1,
        weeks=20,
        attitude_relaxation=0.0,
        attitude_experience_gain=0.0,
        attitude_experience_loss=0.0,
    )
    assert (p.staff.attitude == b.staff.attitude).all()


def test_cost_per_professional():
    p = run(3, {"culture_change": {}}, weeks=52)
    per_year = 400.0  # facilitation; the workshop hours come out of capacity, unpaid again
    assert abs(p.costs_total["culture_change"] - len(p.staff) * per_year) < 1e-6 * per_year
    assert costs.lever_staff_hours(p) == pytest.approx(len(p.staff) * 14.0, rel=1e-6)
    assert gatekeeping.state(p) is p.gatekeeping
