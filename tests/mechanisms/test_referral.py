"""The referral channel: professionals refer open needs to volunteers they know."""

from __future__ import annotations

import numpy as np
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.needs import CHANNEL_INDEX
from coprod_sim.state.population import RETIRED

REF = CHANNEL_INDEX["referral"]
ENABLING = {"attitude_mean": 0.7}


def _run(seed: int, weeks: int = 40, levers=(), **kw) -> CoproductionModel:
    if not levers:  # the shared cached town
        return town(seed, weeks, 1500, **kw)
    m = CoproductionModel(rng=seed, n_residents=1500, levers=levers, **{"burn_in_years": 0, **kw})
    m.run_weeks(weeks)
    return m


def test_referral_channel_sits_before_the_professional_one():
    m = _run(1, 1)
    names = [c.name for c in m.channels]
    assert names.index("referral") == names.index("professional") - 1


def test_rate_zero_switches_it_off():
    m = _run(1, referral_rate=0.0, **ENABLING)
    assert m.met_by_kind_channel[:, REF].sum() == 0
    assert m.gatekeeping.referrals_total == 0


def test_referrals_meet_needs_when_staff_are_enabling():
    met = sum(_run(s, **ENABLING).met_by_kind_channel[:, REF].sum() for s in (1, 2, 3))
    assert met > 30


def test_information_sharing_gates_referrals():
    closed = sum(
        _run(s, referral_info_sharing=0.0, **ENABLING).gatekeeping.referrals_total for s in (1, 2)
    )
    some = sum(
        _run(s, referral_info_sharing=0.3, **ENABLING).gatekeeping.referrals_total for s in (1, 2)
    )
    full = sum(
        _run(s, referral_info_sharing=1.0, **ENABLING).gatekeeping.referrals_total for s in (1, 2)
    )
    assert closed == 0 < some < full


class _RefOwners:
    """Records the age of owners of needs the referral channel met each week."""

    point = "after_channels"

    def __init__(self) -> None:
        self.ages: list[np.ndarray] = []

    def __call__(self, model) -> None:
        n = model.needs
        rows = np.flatnonzero((n.channel == REF) & (n.waited >= 0))
        self.ages.append(model.pop.age[n.owner[rows]])


def test_old_people_who_distrust_strangers_refuse_referred_volunteers():
    rec = _RefOwners()
    _run(2, levers=[rec], stranger_distrust_old=1.0, **ENABLING)
    ages = np.concatenate(rec.ages)
    assert len(ages) > 0
    assert (ages != RETIRED).all()  # a retired owner never accepts a stranger here
    rec2 = _RefOwners()
    _run(2, levers=[rec2], stranger_distrust_old=0.0, **ENABLING)
    assert (np.concatenate(rec2.ages) == RETIRED).any()
