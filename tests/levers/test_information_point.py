"""An information point makes residents aware of opportunities, and more answer open calls."""

from __future__ import annotations

from _state_runs import SEEDS, run

from coprod_sim.mechanisms.needs import CHANNEL_INDEX

OPEN = CHANNEL_INDEX["open_call"]


def test_information_point_raises_awareness_and_open_call_answers():
    base = pol = 0
    for s in SEEDS:
        # the default world (issue 24: not knowing of opportunities holds the unaware back on
        # open calls, and awareness fades without contact)
        b = run(s)
        p = run(s, {"information_point": {}})
        # about 0.2% of residents a week reached: after two years awareness is clearly higher
        assert p.pop.aware.mean() > b.pop.aware.mean() + 0.03
        base += b.met_by_kind_channel[:, OPEN].sum()
        pol += p.met_by_kind_channel[:, OPEN].sum()
    assert pol > base, (pol, base)  # pooled over seeds


def test_cost_scales_with_points():
    p = run(1, {"information_point": {"points": 2}}, weeks=10)
    assert p.costs_total["information_point"] == 10 * 2 * (20 * 14.0 + 100.0)
