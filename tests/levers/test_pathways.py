"""Every lever's pathway is live at default settings: its first link moves on paired seeds.

Each test runs a small town (``N`` residents, no burn-in, ``WEEKS`` weeks) with the lever at its
defaults and the same seed without it, and checks the state the lever acts on first (awareness
for the information point, insurance for insurance cover, ...), not the final outcome, which
may be small. The towns are the cached, read-only ones of ``tests/_towns.py``, so baselines are
shared. Tolerances are stated in each test; every lever is covered
(``test_every_lever_has_a_pathway_test``).
"""

from __future__ import annotations

import numpy as np
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms.needs import CHANNEL_INDEX
from coprod_sim.mechanisms.outcomes import BARRIERS
from coprod_sim.state.population import GAVE_UP, VETTED

N = 1000
WEEKS = 52
SEEDS = (1, 2)


def pair(lever: str, seed: int, **params: object) -> tuple[CoproductionModel, CoproductionModel]:
    """(baseline, policy) runs of the same town and seed."""
    return town(seed, WEEKS, N), town(seed, WEEKS, N, policies={lever: dict(params)})


def lever_of(model: CoproductionModel, name: str):
    return next(lv for lv in model.policy_levers if lv.name == name)


def test_every_lever_has_a_pathway_test():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(LEVERS) <= tested, sorted(set(LEVERS) - tested)


def test_information_point():
    # one point reaches 0.2% of residents a week: about 10% in a year, a third of them unaware
    for s in SEEDS:
        b, p = pair("information_point", s)
        assert p.pop.aware.mean() >= b.pop.aware.mean() + 0.01, s


def test_insurance_cover():
    liability = BARRIERS.index("liability")
    held_back = 0
    for s in SEEDS:
        b, p = pair("insurance_cover", s)
        assert b.pop.insured.mean() == 0.0 and p.pop.insured.mean() == 1.0
        # insured, nobody is held back mainly by liability any more (the block is lifted)
        assert not (p.barrier_codes == liability).any()
        held_back += int((b.barrier_codes == liability).sum())
    assert held_back > 0  # in the baseline some were (pooled over seeds)


def test_vetting_reform():
    for s in SEEDS:
        b, p = pair("vetting_reform", s)
        vb, vp = b.pop.vet_status, p.pop.vet_status
        # portable checks and a second chance: more vetted, fewer given up (at least 1 point)
        assert (vp == VETTED).mean() >= (vb == VETTED).mean() + 0.01, s
        assert (vp == GAVE_UP).mean() < (vb == GAVE_UP).mean(), s


def test_time_credits():
    for s in SEEDS:
        b, p = pair("time_credits", s)
        assert b.pop.reward.max() == 0.0
        # residents who knew of the scheme expect the reward level (0.6); credits were earned
        assert (p.pop.reward >= 0.6 - 1e-6).mean() > 0.3
        assert p.pop.credits.sum() > 0


def test_training():
    for s in SEEDS:
        b, p = pair("training", s)
        t = p.pop.trained
        assert t.any() and not b.pop.trained.any()
        # trainees' confidence rose and their fear of liability fell, against the same residents
        assert p.pop.confidence[t].mean() > b.pop.confidence[t].mean() + 0.05, s
        assert p.pop.fear_liab[t].mean() < b.pop.fear_liab[t].mean(), s


def test_personal_asks():
    for s in SEEDS:
        b, p = pair("personal_asks", s)
        asked_b = (b.pop.last_asked_week >= 0).mean()
        asked_p = (p.pop.last_asked_week >= 0).mean()
        assert asked_p >= asked_b + 0.02, (s, asked_b, asked_p)  # formal asks: 2+ points more


def test_time_bank():
    tb = CHANNEL_INDEX["time_bank"]
    for s in SEEDS:
        b, p = pair("time_bank", s)
        assert b.met_by_kind_channel[:, tb].sum() == 0
        assert p.met_by_kind_channel[:, tb].sum() > 0, s


def test_community_entrepreneurs():
    ref = CHANNEL_INDEX["referral"]
    for s in SEEDS:
        b, p = pair("community_entrepreneurs", s)
        linked = lever_of(p, "community_entrepreneurs").linked
        assert linked > 0, s
        # the connector's matches are formal (referral channel), on top of professionals'
        assert p.met_by_kind_channel[:, ref].sum() >= b.met_by_kind_channel[:, ref].sum() + 1


def test_community_entrepreneurs_help_counts_as_formal():
    ref = CHANNEL_INDEX["referral"]
    held = 0
    for s in SEEDS:
        _, p = pair("community_entrepreneurs", s)
        n = p.needs
        helpers = n.helper[(n.channel == ref) & (n.helper >= 0)]
        held += len(helpers)
        # every resident helping through the connector is on the record as a formal helper
        assert p.pop.formal_ever[helpers].all(), s
    assert held > 0


def test_community_dividend():
    # the first link is each neighbourhood's reference and the margin a saving must pass;
    # with no real saving nothing is paid, and a real one is (tests/levers/test_community_dividend)
    for s in SEEDS:
        _, p = pair("community_dividend", s)
        lever = lever_of(p, "community_dividend")
        assert (lever.reference_hours > 0).all(), s
        assert np.isfinite(lever.margin_hours).all() and (lever.margin_hours > 0).all(), s


def test_year_of_paid_service():
    # a third of a servant per 1000 residents: a town of 9000 for a few servants, 26 weeks
    for s in SEEDS:
        b = town(s, 26, 9000)
        p = town(s, 26, 9000, policies={"year_of_paid_service": {}})
        servants = lever_of(p, "year_of_paid_service").serving
        assert len(servants) > 0, s
        # the same residents give more hours in their year of service (paired town)
        assert p.pop.hours_given[servants].sum() > b.pop.hours_given[servants].sum(), s


def test_right_to_time_off():
    for s in SEEDS:
        b, p = pair("right_to_time_off", s)
        assert b.pop.time_off.sum() == 0.0
        assert (p.pop.time_off > 0).mean() > 0.01, s  # over 1% of residents granted time off


def test_culture_change():
    for s in SEEDS:
        b, p = pair("culture_change", s)
        assert p.staff.attitude.mean() > b.staff.attitude.mean() + 0.01, s


def test_budget_cuts():
    for s in SEEDS:
        b, p = pair("budget_cuts", s)
        # 19% over four years: after one year about 5% of the uncut services' capacity
        assert p.service_capacity.sum() < 0.97 * b.service_capacity.sum(), s


def test_awareness_fades_without_contact_and_spreads_by_word_of_mouth():
    # the same town with each part of the awareness dynamic switched off in turn (52 weeks)
    both = town(3, WEEKS, N).pop.aware.mean()
    no_fading = town(3, WEEKS, N, awareness_fade=0.0).pop.aware.mean()
    no_word = town(3, WEEKS, N, awareness_word_of_mouth=0.0).pop.aware.mean()
    # about 1% a week of the aware without contact forget; 2% of formal helpers tell a tie
    assert no_fading > both + 0.05, (no_fading, both)
    assert no_word < both - 0.005, (no_word, both)
    w = town(3, WEEKS, N)
    assert np.all(w.pop.aware[w.pop.last_formal_week == WEEKS - 1])  # formal helpers are aware
