"""Personal asks: professionals ask residents directly, and more of those never asked take part.

The lever starts in week 52; until then both runs are the same (common random numbers), so the
residents never asked by week 52 are the same people in both, and year 2 compares them.
"""

from __future__ import annotations

import numpy as np
from _state_runs import SEEDS, run

from coprod_sim.analysis import costs

LEVER = {"personal_asks": {"start_week": 52}}


WORLD = {"help_intercept": -0.6, "awareness_rate": 0.3}


def _never_asked_by_week_52(seed: int) -> np.ndarray:
    m = run(seed, weeks=52, **WORLD)
    return m.pop.last_asked_week < 0


def test_personal_asks_raise_participation_among_the_never_asked():
    diffs = []
    whole_b = whole_p = 0.0
    for s in SEEDS:
        never = _never_asked_by_week_52(s)
        # the world before issue 14's re-tuning (help_intercept -0.6, awareness 0.3): there a
        # professional's ask is what moves a never-asked resident; in the re-tuned world most
        # residents say yes to ties anyway and the ask's effect on the asked is within noise
        # (2 of 4 seeds higher, mean +0.8 points; stated in the session's note)
        b, p = run(s, **WORLD), run(s, LEVER, **WORLD)
        # the never-asked whom the lever's professionals asked (drawn by the lever's own
        # stream, so not chosen by disposition): the same people with and without the lever
        asked = never & (p.pop.asked_until > 0)
        assert asked.sum() > 50
        share_b = (b.hours_last_year[asked] > 0).mean()
        share_p = (p.hours_last_year[asked] > 0).mean()
        diffs.append(share_p - share_b)
        whole_b += (b.hours_last_year[never] > 0).mean()
        whole_p += (p.hours_last_year[never] > 0).mean()
        assert p.pop.aware[never].mean() > b.pop.aware[never].mean()
        # the course only: ask hours come out of salaried capacity, not the lever's cost
        assert p.costs_total["personal_asks"] == len(p.staff) * 300.0
    # tolerance: higher in all seeds but at most one, on average over seeds at least 1.5 points
    # more of the asked take part, and the never-asked as a whole take part more
    assert sum(d > 0 for d in diffs) >= len(SEEDS) - 1, diffs
    assert np.mean(diffs) > 0.015, diffs
    assert whole_p > whole_b


def test_sceptical_professionals_do_not_ask():
    scept = run(1, {"personal_asks": {}}, weeks=20, attitude_mean=0.1)
    keen = run(1, {"personal_asks": {}}, weeks=20, attitude_mean=0.8)
    n_scept = (scept.pop.asked_until > 0).sum()
    n_keen = (keen.pop.asked_until > 0).sum()
    assert n_keen > 3 * max(n_scept, 1)


def test_asks_take_professional_time_from_capacity_not_cash():
    b = run(2, weeks=20, attitude_mean=0.8)
    p = run(2, {"personal_asks": {"minutes_per_ask": 60}}, weeks=20, attitude_mean=0.8)
    assert b.stats["professional_capacity"] > 0
    # an hour an ask, 20 weeks: hundreds of hours taken from the queue's capacity, none paid
    assert p.stats["professional_capacity"] < b.stats["professional_capacity"]
    assert costs.lever_staff_hours(p) > 100
    assert p.costs_total["personal_asks"] == len(p.staff) * 300.0
