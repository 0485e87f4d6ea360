"""Mechanism 5: trust moves with experiences, relaxes to its baseline; old people distrust
strangers."""

from __future__ import annotations

import numpy as np

from coprod_sim.mechanisms.trust import (
    accept_probability,
    lower_towards_zero,
    raise_towards_one,
    relax,
)
from coprod_sim.state.population import RETIRED, WORKING, YOUNG


def test_good_and_bad_experiences() -> None:
    v = np.array([0.2, 0.5, 0.8, 0.5])
    raise_towards_one(v, np.array([0, 1, 1]), 0.5)  # repeated index applies once
    assert np.allclose(v, [0.6, 0.75, 0.8, 0.5])
    lower_towards_zero(v, np.array([2]), 0.25)
    assert np.allclose(v, [0.6, 0.75, 0.6, 0.5])
    assert ((v >= 0) & (v <= 1)).all()


def test_bad_news_weighs_more_with_the_default_sizes(run_town) -> None:
    p = run_town(1, weeks=0, n_residents=100).params
    up, down = np.array([0.5]), np.array([0.5])
    raise_towards_one(up, np.array([0]), p.trust_gain)
    lower_towards_zero(down, np.array([0]), p.trust_loss)
    assert 0.5 - down[0] > up[0] - 0.5


def test_relax_pulls_towards_the_target() -> None:
    v = np.array([0.0, 1.0, 0.5])
    relax(v, np.full(3, 0.5), 0.1)
    assert np.allclose(v, [0.05, 0.95, 0.5])


def test_accept_probability_for_a_retired_owner_and_a_stranger() -> None:
    age = np.array([RETIRED, RETIRED, WORKING, YOUNG, RETIRED])
    stranger = np.array([False, True, True, True, True])
    trust = np.array([0.1, 0.6, 0.6, 0.6, 0.0])
    p = accept_probability(age, stranger, trust, 0.35)
    assert p[0] == 1.0, "help from a tie is always accepted"
    assert np.isclose(p[2], 0.8) and np.isclose(p[3], 0.8)
    assert np.isclose(p[1], 0.8 - 0.35), "retired owners distrust strangers"
    assert np.isclose(p[4], 0.15)
    assert accept_probability(age[4:], stranger[4:], trust[4:], 0.9)[0] == 0.0, "floored at 0"


def test_a_service_that_never_answers_loses_trust(run_town) -> None:
    for seed in (1, 2):
        none = run_town(seed, weeks=52, staff_hours=0.0)
        some = run_town(seed, weeks=52)
        assert none.pop.trust_svc.mean() < some.pop.trust_svc.mean()


def test_strangers_are_refused_more_when_old_people_distrust_them(run_town) -> None:
    refused = []
    for distrust in (0.0, 1.0):
        total = 0
        for seed in (1, 2):
            m = run_town(seed, weeks=0, stranger_distrust_old=distrust, share_asks_two_hop=0.8)
            for _ in range(30):
                m.step()
                total += m.events["refused_stranger"]
        refused.append(total)
    assert refused[1] > refused[0]
