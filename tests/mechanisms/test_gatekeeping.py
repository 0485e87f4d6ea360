"""Mechanism 6: sceptical professionals neither ask, refer nor accept; attitudes drift slowly."""

from __future__ import annotations

import numpy as np
import pytest
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms import gatekeeping
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, SERVICES

INERT = {
    "attitude_experience_gain": 0.0,
    "attitude_experience_loss": 0.0,
    "attitude_relaxation": 0.0,
}


def _run(seed: int, weeks: int, **kw) -> CoproductionModel:
    return town(seed, weeks, kw.pop("n", 1500), kw.pop("policies", None), **kw)


def test_engagement_is_zero_below_the_threshold_and_one_at_one():
    e = gatekeeping.engagement(np.array([0.0, 0.4, 0.45, 0.725, 1.0]), 0.45)
    assert e == pytest.approx([0.0, 0.0, 0.0, 0.5, 1.0])


def test_drift_parameters_at_zero_leave_attitudes_fixed():
    m = CoproductionModel(rng=1, n_residents=1500, **{"burn_in_years": 0, **INERT})
    start = m.staff.attitude.copy()
    m.run_weeks(52)
    assert np.array_equal(m.staff.attitude, start)
    assert m.gatekeeping.taken_up_total > 0  # referrals happened, yet nothing moved


def test_sceptical_services_make_no_calls_and_no_referrals():
    m = _run(2, 40, attitude_mean=0.05, **INERT)
    assert (m.service_mode == 0).all()  # traditional everywhere
    assert m.met_by_kind_channel[:, CHANNEL_INDEX["open_call"]].sum() == 0
    assert m.met_by_kind_channel[:, CHANNEL_INDEX["referral"]].sum() == 0


def test_enabling_staff_refer_more_than_lukewarm_staff():
    lukewarm = sum(_run(s, 40, attitude_mean=0.35).gatekeeping.referrals_total for s in (1, 2, 3))
    enabling = sum(_run(s, 40, attitude_mean=0.75).gatekeeping.referrals_total for s in (1, 2, 3))
    assert enabling > 2 * lukewarm, (enabling, lukewarm)


def test_good_experiences_raise_and_let_downs_lower_attitudes():
    quiet = {"attitude_relaxation": 0.0, "attitude_mean": 0.7}
    good = _run(3, 52, attitude_experience_loss=0.0, attitude_experience_gain=0.05, **quiet)
    none = _run(3, 52, attitude_experience_loss=0.0, attitude_experience_gain=0.0, **quiet)
    assert good.staff.attitude.mean() > none.staff.attitude.mean()
    # many volunteers dropping out: referred needs are let down and attitudes sour
    bad = _run(
        3,
        52,
        attitude_experience_loss=0.2,
        attitude_experience_gain=0.0,
        dropout_hazard=0.2,
        **quiet,
    )
    assert bad.gatekeeping.let_down_total > 0
    assert bad.staff.attitude.mean() < none.staff.attitude.mean()


def test_relaxation_pulls_attitudes_back_to_their_baseline():
    m = CoproductionModel(
        rng=4,
        n_residents=1500,
        attitude_experience_gain=0.0,
        attitude_experience_loss=0.0,
        attitude_relaxation=0.2,
        burn_in_years=0,
    )
    base = gatekeeping.state(m).attitude_base.copy()  # the attitudes the run starts with
    m.staff.attitude[:] = 1.0
    m.run_weeks(30)
    assert np.abs(m.staff.attitude - base).max() < 0.01


def test_mode_follows_mean_attitude():
    m = CoproductionModel(rng=5, n_residents=1500, **{"burn_in_years": 0, **INERT})
    m.staff.attitude[:] = 0.9
    m.run_weeks(1)
    assert (m.service_mode == 3).all()


def test_every_patch_has_a_professional_of_its_service():
    m = CoproductionModel(rng=6, n_residents=1500, burn_in_years=0)
    st = gatekeeping.state(m)
    assert st.patch.shape == (len(SERVICES), len(m.nb.start))
    assert (st.patch >= 0).all()
    for s in range(len(SERVICES)):
        assert (m.staff.service[st.patch[s]] == s).all()
