"""Sessions for recurring needs (issue 25): ``needs.session_hours`` and a kind's ``every_weeks``.

A recurring need meets in the weeks a whole number of sessions after it arose, each session
taking ``hours x every_weeks``, so its hours a year are unchanged; a one-off need may not have
sessions. Delivery reads a week's hours through the rule: a helper of a role meeting every 8
weeks helps in 1 week of 8, with 8 times the weekly hours.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS, NeedKind, session_hours


def test_a_session_meets_every_weeks_after_it_arose_with_its_hours_times_every() -> None:
    hours = np.array([2.0, 2.0, 1.5], np.float32)
    every = np.array([8, 1, 4], np.int16)
    started = np.array([3, 3, -5], np.int64)  # burn-in weeks are negative
    got = np.array([session_hours(hours, every, started, w) for w in range(-8, 40)])
    weeks = np.arange(-8, 40)
    assert np.array_equal(got[:, 0] > 0, (weeks - 3) % 8 == 0)
    assert set(got[:, 0][got[:, 0] > 0]) == {16.0}
    assert np.array_equal(got[:, 1], np.full(len(weeks), 2.0, np.float32))  # weekly: as before
    assert np.array_equal(got[:, 2] > 0, (weeks + 5) % 4 == 0)
    assert got.dtype == np.float32


def test_the_hours_a_year_are_unchanged() -> None:
    """Over any whole number of sessions the hours equal the weekly hours every week."""
    rng = np.random.default_rng(3)
    every = rng.integers(1, 53, 200).astype(np.int16)
    hours = rng.uniform(0.05, 40, 200).astype(np.float32)
    started = rng.integers(-400, 400, 200)
    every = (every % 10 + 1).astype(np.int16)
    span = 2520  # lcm(1..10)
    total = sum(session_hours(hours, every, started, w).astype(np.float64) for w in range(span))
    # a session's hours are a single-precision product, as the need table stores hours
    np.testing.assert_allclose(total, hours.astype(np.float64) * span, rtol=1e-6)


def test_every_weeks_one_is_the_weekly_hours_to_the_bit() -> None:
    hours = np.random.default_rng(1).uniform(0.05, 40, 1000).astype(np.float32)
    ones = np.ones(1000, np.int16)
    got = session_hours(hours, ones, np.arange(1000), 17)
    assert got.tobytes() == hours.tobytes()


def test_a_one_off_need_with_sessions_is_refused_naming_kind_field_value_and_allowed() -> None:
    gardening = next(k for k in DEFAULT_NEED_KINDS if not k.recurring)
    data = {**gardening.model_dump(), "every_weeks": 4}
    with pytest.raises(ValidationError) as err:
        NeedKind.model_validate(data)
    text = str(err.value)
    for part in (gardening.name, "every_weeks = 4", "one-off", "allowed: every_weeks = 1"):
        assert part in text
    with pytest.raises(ValidationError, match="every_weeks"):
        NeedKind.model_validate({**data, "recurring": True, "every_weeks": 53})


def test_the_shipped_kinds_meet_at_the_cadences_the_posteriors_were_fitted_with() -> None:
    """Results version 5's refit set four cadences; every other kind meets every week."""
    cadences = {k.name: k.every_weeks for k in DEFAULT_NEED_KINDS if k.every_weeks != 1}
    assert cadences == {
        "care_home_social": 2,
        "school_governor": 4,
        "police_priority_meeting": 8,
        "street_patrol": 2,
    }


def _role_town(seed: int, **kw) -> tuple[CoproductionModel, NeedKind]:
    base = next(k for k in DEFAULT_NEED_KINDS if k.name == "police_priority_meeting")
    role = base.model_copy(
        update={"every_weeks": 8, "duration_weeks": 500.0, "growth": 0.0, "rate": (3.0, 3.0, 3.0)}
    )
    # no local-group roles: the role's helpers give no other help
    kw = {"group_ask_rate": 0.0, **kw}
    model = CoproductionModel(rng=seed, n_residents=600, burn_in_years=0, need_kinds=[role], **kw)
    return model, role


def _single_roles(model: CoproductionModel) -> dict[int, int]:
    """Helpers holding exactly one row: helper -> the week their row arose."""
    n = model.needs
    helpers, counts = np.unique(n.helper[n.helper >= 0], return_counts=True)
    once = set(helpers[counts == 1].tolist())
    return {int(h): int(s) for h, s in zip(n.helper, n.started, strict=True) if h in once}


def _kept_through(model: CoproductionModel, weeks: int) -> np.ndarray:
    """Run ``weeks`` weeks; the helpers who held the same single row in every one of them."""
    kept = _single_roles(model)
    for _ in range(weeks):
        model.run_weeks(1)
        now = _single_roles(model)
        kept = {h: s for h, s in kept.items() if now.get(h) == s}
    return np.array(sorted(kept), np.int64)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_role_meeting_every_8_weeks_gives_help_in_1_week_of_8_with_8_times_the_hours(
    seed: int,
) -> None:
    """A town whose only need is a long volunteer role meeting every 8 weeks: each helper who
    held the same single role through weeks 20-36 was credited 2 weeks of help and 16 weeks'
    hours (a year's tallies start again at week 52, so the window stays inside the first)."""
    model, role = _role_town(seed)
    model.run_weeks(20)
    weeks0 = model.pop.weeks_year.copy()
    hours0 = model.pop.hours_year.copy()
    who = _kept_through(model, 16)
    assert len(who) >= 5
    assert np.array_equal(model.pop.weeks_year[who] - weeks0[who], np.full(len(who), 2))
    np.testing.assert_allclose(model.pop.hours_year[who] - hours0[who], 16 * role.hours, rtol=1e-6)


@pytest.mark.parametrize("seed", [1, 2])
def test_time_credits_are_earned_for_the_sessions_hours(seed: int) -> None:
    """Time credits count a week's hours through the sessions rule: over 4 weeks (half the
    cadence) a single role's helper earns 8 weeks' hours of credits if the role met in them,
    else none (at the weekly average every helper would earn 4 weeks')."""
    policies = {"time_credits": {"redeem_rate": 0.0}}
    model, role = _role_town(seed, policies=policies)
    model.run_weeks(20)
    credits0 = model.pop.credits.copy()
    first = model.week
    started = _single_roles(model)
    who = _kept_through(model, 4)
    assert len(who) >= 5
    per_hour = model.policy_levers[0].credits_per_hour
    met = np.array([any((w - started[h]) % 8 == 0 for w in range(first, first + 4)) for h in who])
    assert met.any() and not met.all()
    np.testing.assert_allclose(
        model.pop.credits[who] - credits0[who], met * 8 * role.hours * per_hour, rtol=1e-5
    )
