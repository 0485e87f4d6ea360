"""Mechanism 5: trust moves with experiences, relaxes to its baseline; old people distrust
strangers."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.mechanisms.trust import (
    accept_pass,
    accept_stranger,
    gain,
    loss,
    lower_towards_zero,
    raise_towards_one,
    relax,
)
from coprod_sim.rules import choose_rules
from coprod_sim.state.population import RETIRED, YOUNG

#: the package's rules: every pass is called with the rules it runs first
DEFAULT_RULES = choose_rules(None)

f32 = np.float32


@pytest.mark.parametrize(
    ("value", "rate", "want"),
    [
        (0.2, 0.5, 0.6),  # 0.2 + 0.5 * (1 - 0.2)
        (0.5, 0.5, 0.75),  # 0.5 + 0.5 * 0.5
        (0.5, 0.05, 0.525),  # 0.5 + 0.05 * 0.5
        (1.0, 0.3, 1.0),  # nothing left to gain
        (0.0, 0.0, 0.0),
    ],
)
def test_gain_is_a_share_of_the_gap_to_one(value, rate, want) -> None:
    assert gain(f32(value), f32(rate)) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize(
    ("value", "rate", "want"),
    [
        (0.8, 0.25, 0.6),  # 0.8 - 0.25 * 0.8
        (0.5, 0.1, 0.45),  # 0.5 - 0.1 * 0.5
        (0.0, 0.5, 0.0),  # nothing left to lose
        (1.0, 1.0, 0.0),
    ],
)
def test_loss_is_a_share_of_the_level(value, rate, want) -> None:
    assert loss(f32(value), f32(rate)) == pytest.approx(want, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize(
    ("trust", "retired", "base", "per_trust", "distrust", "want"),
    [
        (0.6, False, 0.5, 0.5, 0.35, 0.8),  # 0.5 + 0.5 * 0.6
        (0.6, True, 0.5, 0.5, 0.35, 0.45),  # 0.8 - 0.35: retired owners distrust strangers
        (0.0, True, 0.5, 0.5, 0.35, 0.15),  # 0.5 - 0.35
        (0.0, True, 0.5, 0.5, 0.9, 0.0),  # 0.5 - 0.9 floored at 0
        (1.0, False, 0.5, 0.5, 0.0, 1.0),
        (0.2, False, 0.5, 0.5, 0.9, 0.6),  # distrust only applies to retired owners
        (0.4, False, 0.2, 1.0, 0.0, 0.6),  # 0.2 + 1.0 * 0.4
        (0.8, False, 0.5, 1.0, 0.0, 1.0),  # 0.5 + 0.8 = 1.3 capped at 1
    ],
)
def test_accept_stranger_worked_by_hand(trust, retired, base, per_trust, distrust, want) -> None:
    got = accept_stranger(f32(trust), retired, f32(base), f32(per_trust), distrust)
    assert got == pytest.approx(want, abs=1e-7)


def test_accept_pass_always_takes_ties_and_roles_and_strangers_by_the_rule() -> None:
    """Four offers: a tie's (accepted whatever its uniform), a stranger's to a retired owner
    (p = 0.5 + 0.5 * 0.6 - 0.35 = 0.45, uniform 0.5: refused), a stranger's to a young owner
    (p = 0.8, uniform 0.79: accepted) and a service role's (no owner: accepted)."""
    yes = np.array([0, 1, 2, 3])
    rows = np.array([0, 1, 2, 3])
    stranger = np.array([False, True, True, True])
    u = np.array([0.99, 0.5, 0.79, 0.99])
    owner = np.array([0, 1, 2, -1], np.int32)
    age = np.array([RETIRED, RETIRED, YOUNG], np.int8)
    trust = np.array([0.1, 0.6, 0.6], np.float32)
    half = f32(0.5)

    def accepted() -> list[int]:
        got = accept_pass(
            DEFAULT_RULES, yes, rows, stranger, u, owner, age, trust, half, half, 0.35, RETIRED
        )
        return got.tolist()

    assert accepted() == [0, 2, 3]
    u[2] = 0.81  # above p = 0.8: the young owner refuses too
    assert accepted() == [0, 3]


def test_good_and_bad_experiences() -> None:
    v = np.array([0.2, 0.5, 0.8, 0.5])
    raise_towards_one(v, np.array([0, 1, 1]), 0.5, DEFAULT_RULES)  # repeated index applies once
    assert np.allclose(v, [0.6, 0.75, 0.8, 0.5])
    lower_towards_zero(v, np.array([2, 2]), 0.25, DEFAULT_RULES)  # 0.8 - 0.2, once
    assert np.allclose(v, [0.6, 0.75, 0.6, 0.5])
    assert ((v >= 0) & (v <= 1)).all()


def test_bad_news_weighs_more_with_the_default_sizes() -> None:
    from coprod_sim import make_scenario

    p = make_scenario()
    up = gain(f32(0.5), f32(p.trust_gain)) - 0.5
    down = 0.5 - loss(f32(0.5), f32(p.trust_loss))
    assert down > up > 0


def test_relax_pulls_towards_the_target() -> None:
    v = np.array([0.0, 1.0, 0.5])
    relax(v, np.full(3, 0.5), 0.1)
    assert np.allclose(v, [0.05, 0.95, 0.5])


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
