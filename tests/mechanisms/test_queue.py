"""The professional queue: every need ends or is counted, booked hours equal the hours left,
crises that wait go to a costed emergency response, waits reported as a distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coprod_sim.analysis.summary import summary_metrics, weekly_series
from coprod_sim.mechanisms.channels import fill_queue
from coprod_sim.mechanisms.needs import SERVICES, UNMET, emergency_by_kind
from coprod_sim.mechanisms.services import EMERGENCY_PAYER, team_mean_attitude
from coprod_sim.model import CoproductionModel
from coprod_sim.state.population import build_staff


def test_fill_queue_meets_in_order_and_books_the_first_misfit_ahead_by_chance() -> None:
    service = np.array([0, 0, 0, 0, 1, 1], np.int64)
    hours = np.array([3.0, 4.0, 1.0, 1.0, 5.0, 1.0])
    left = np.array([5.0, 10.0])
    # service 0: 3 fits (2 left), 4 does not: taken if u * 4 < 2; then nothing more
    met = fill_queue(service, hours, left, np.array([0.4, 0.0]))
    assert met.tolist() == [True, True, False, False, True, True]
    met = fill_queue(service, hours, left, np.array([0.6, 0.0]))
    assert met.tolist() == [True, False, False, False, True, True]  # no skipping past it
    assert left.tolist() == [5.0, 10.0]  # not changed in place


def test_booked_hours_equal_the_hours_left_on_average() -> None:
    rng = np.random.default_rng(0)
    service = np.zeros(3, np.int64)
    hours = np.array([2.0, 20.0, 1.0])
    left = np.array([7.0])
    booked = [hours[fill_queue(service, hours, left, rng.random(1))].sum() for _ in range(20_000)]
    # 2 always; the 20-hour need with probability 5/20: mean 2 + 5 = 7, the hours left
    assert np.mean(booked) == pytest.approx(7.0, rel=0.03)


def test_staff_hours_are_each_service_share_exactly() -> None:
    m = CoproductionModel(rng=1, n_residents=2000, burn_in_years=0)
    p = m.params
    staff = build_staff(2000, 6, p, np.random.default_rng(0))
    hours = np.bincount(staff.service, weights=staff.capacity, minlength=3)
    per = p.staff_per_1000 * 2 * p.staff_hours
    want = [p.staff_share_social_care, p.staff_share_public_safety]
    want.append(1 - sum(want))
    assert np.allclose(hours, np.array(want) * per, rtol=1e-5)  # 79.2 public-safety hours
    assert (np.bincount(staff.service, minlength=3) >= 1).all()


def test_teams_of_a_service_and_their_mean_attitudes() -> None:
    service = np.array([0] * 5 + [1] * 9 + [2], np.int8)
    attitude = np.arange(15.0)
    team_service, mean = team_mean_attitude(service, attitude, 3, 4)
    # 5 staff: one team; 9: two teams (5 and 4); 1: one team
    assert team_service.tolist() == [0, 1, 1, 2]
    assert mean.tolist() == [2.0, 7.0, 11.5, 14.0]


def test_crises_without_staff_go_to_an_emergency_response_paid_by_the_named_payer() -> None:
    wait = 2
    m = CoproductionModel(
        rng=3, n_residents=1500, burn_in_years=0, staff_per_1000=0.0, crisis_max_wait_weeks=wait
    )
    m.run_weeks(40)
    n = m.needs
    open_crisis = (n.channel == UNMET) & n.crisis
    # no crisis waits as a crisis past the limit: it ends (emergency) or is met
    assert (n.crisis_wait[open_crisis] < wait).all()
    sent = emergency_by_kind(m)
    assert sent.sum() > 0 and sent.sum() <= m.crises_by_kind.sum()
    s = summary_metrics(m)
    assert s["emergency_responses"] == sent.sum() and s["emergency_hours"] > 0
    by_payer = {p: s[f"cost_{p}_gbp"] for p in set(EMERGENCY_PAYER.values())}
    social = m.kinds.service[np.nonzero(sent)[0]] == SERVICES.index("social_care")
    assert social.any() and by_payer["nhs"] > 0
    assert s["cost_nhs_gbp"] <= s["public_purse_cost_gbp"]
    w = weekly_series(m)
    assert w["emergency_responses"].sum() == sent.sum()
    assert w["cost_total"].sum() == pytest.approx(s["cost_total"])


def test_needs_past_the_standard_are_counted_unmet_so_far() -> None:
    m = CoproductionModel(rng=2, n_residents=1500, burn_in_years=0, staff_per_1000=1.0)
    m.run_weeks(30)
    n, p = m.needs, m.params
    late = (n.channel == UNMET) & (n.owner >= 0) & (n.waited > p.service_standard_weeks)
    s = summary_metrics(m)
    assert s["needs_past_standard_end"] == np.count_nonzero(late) > 0
    assert s["needs_residents_unmet_so_far"] == s["needs_residents_unmet"] + late.sum()
    assert weekly_series(m)["needs_past_standard"].iloc[-1] == np.count_nonzero(late)


def test_waits_are_reported_per_service_as_a_distribution() -> None:
    m = CoproductionModel(rng=1, n_residents=1500, burn_in_years=1)
    m.run_weeks(52)
    s = summary_metrics(m)
    for service in SERVICES:
        med, p90, longest = (s[f"wait_{q}_weeks_{service}"] for q in ("median", "p90", "max"))
        assert not math.isnan(med)
        assert 0 <= med <= p90 <= longest


def test_the_old_queue_order_is_one_declared_parameter_away() -> None:
    for by_deadline in (True, False):
        m = CoproductionModel(
            rng=4, n_residents=1500, burn_in_years=0, queue_by_deadline=by_deadline
        )
        m.run_weeks(20)
        assert m.met_by_kind_channel.sum() > 0


class _HandedBack:
    """Counts the ongoing cases handed back to take on crises, week by week."""

    point = "after_channels"

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, model) -> None:
        self.total += model.events["handed_back_for_crises"]


def test_crises_preempt_routine_cases_and_so_fewer_go_to_an_emergency_service() -> None:
    sent, handed = {}, {}
    for preempt in (True, False):
        count = _HandedBack()
        m = CoproductionModel(
            rng=5, n_residents=1500, burn_in_years=0, need_rate_scale=3.0,
            crises_preempt=preempt, levers=[count],
        )  # fmt: skip
        m.run_weeks(52)
        sent[preempt], handed[preempt] = emergency_by_kind(m).sum(), count.total
    assert handed[True] > 0 and handed[False] == 0
    assert sent[True] < sent[False]
