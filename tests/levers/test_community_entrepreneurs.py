"""Community entrepreneurs raise awareness and needs met among the families they work with."""

from __future__ import annotations

import numpy as np

from coprod_sim import CoproductionModel

SEEDS = (1, 2, 3)
LEVER = {"per_10000": 15.0}


def test_entrepreneurs_raise_awareness_and_needs_met_in_their_caseload():
    lapsed_base = lapsed_pol = 0
    for s in SEEDS:
        base = CoproductionModel(rng=s, n_residents=2000, burn_in_years=0)
        pol = CoproductionModel(
            rng=s, n_residents=2000, policies={"community_entrepreneurs": LEVER}, burn_in_years=0
        )
        base.run_weeks(52)
        pol.run_weeks(52)
        lever = pol.policy_levers[0]
        assert lever.n_entrepreneurs == 3
        ever = lever.ever_members
        assert 0 < ever.sum()
        assert lever.members.size <= lever.n_entrepreneurs * lever.caseload
        # caseload families are aware; the same residents in the baseline mostly are not
        assert pol.pop.aware[ever].mean() > base.pop.aware[ever].mean() + 0.3
        assert lever.linked > 0
        served = lever.served
        lapsed_base += base.lapsed_by_nbhd[served].sum()
        lapsed_pol += pol.lapsed_by_nbhd[served].sum()
        assert pol.costs_total["community_entrepreneurs"] > 0
    # tolerance: over three seeds, served neighbourhoods lose at least 3% fewer needs unmet
    assert lapsed_pol < 0.97 * lapsed_base, (lapsed_pol, lapsed_base)


def test_entrepreneurs_go_to_the_most_deprived_neighbourhoods_first():
    m = CoproductionModel(
        rng=5, n_residents=2000, policies={"community_entrepreneurs": {}}, burn_in_years=0
    )
    lever = m.policy_levers[0]
    assert lever.n_entrepreneurs == 1
    assert lever.served[0] == int(np.argmax(m.nb.deprivation))
