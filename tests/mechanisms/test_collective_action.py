"""Mechanism 8, collective action in public safety: the threshold rule, the cascade, the model."""

from __future__ import annotations

import numpy as np
import pytest
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms import collective_action as ca
from coprod_sim.parameters import ScenarioError
from coprod_sim.state.network import Graph

SEEDS = (1, 2, 3)


def _graph(edges: list[tuple[int, int]], n: int) -> Graph:
    """A small undirected CSR graph from an edge list."""
    u = np.array([a for a, b in edges] + [b for a, b in edges])
    v = np.array([b for a, b in edges] + [a for a, b in edges])
    o = np.lexsort((v, u))
    u, v = u[o], v[o]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return Graph(indptr, v.astype(np.int32), n)


# ---------------------------------------------------------------- pure rules on small arrays
def test_threshold_rises_with_fear_and_falls_with_confidence_and_training():
    fear = np.array([0.0, 0.5, 1.0, 0.5, 0.5])
    conf = np.array([0.5, 0.5, 0.5, 0.9, 0.5])
    trained = np.array([0, 0, 0, 0, 1.0])
    th = ca.threshold(fear, conf, trained, 0.4, 0.6, 0.4, 0.15)
    assert th[0] < th[1] < th[2]
    assert th[3] == pytest.approx(th[1] - 0.4 * 0.4)
    assert th[4] == pytest.approx(th[1] - 0.15)


def test_witness_intervenes_only_when_expected_backing_passes_threshold():
    e_nb = np.array([0.2, 0.6, 0.6, 0.6])
    ties = np.array([0.0, 0.0, 1.0, 0.0])
    back = ca.expected_backing(e_nb, ties, police=0.4, weight_ties=0.5, weight_police=0.5)
    assert back == pytest.approx([0.3, 0.5, 1.0, 0.5])
    theta = ca.threshold(
        np.array([0.5, 0.5, 0.5, 1.0]), np.full(4, 0.5), np.zeros(4), 0.2, 0.6, 0.4, 0.15
    )  # 0.5, 0.5, 0.5, 0.8
    assert list(back >= theta) == [False, True, True, False]
    # police backing alone can tip a witness over the threshold
    more_police = ca.expected_backing(e_nb, ties, police=1.0, weight_ties=0.5, weight_police=0.5)
    assert (more_police >= theta).sum() > (back >= theta).sum()


def test_tie_share_counts_recent_successful_interveners_among_ties():
    # 0 - 1, 0 - 2, 0 - 3, 3 - 4
    g = _graph([(0, 1), (0, 2), (0, 3), (3, 4)], 5)
    last = np.array([-1000, 10, 3, -1000, -1000], np.int32)
    share = ca.tie_share_recent(g, np.array([0, 3, 4]), last, week=12, window=5)
    assert share == pytest.approx([1 / 3, 0.0, 0.0])
    share = ca.tie_share_recent(g, np.array([0]), last, week=12, window=10)
    assert share == pytest.approx([2 / 3])


def test_cascade_a_success_tips_the_interveners_ties():
    """Granovetter: once 1 intervenes successfully, their tie's backing passes its threshold."""
    g = _graph([(0, 1), (1, 2)], 3)
    last = np.full(3, ca.NEVER, np.int32)
    e_nb = np.full(3, 0.5)
    theta = np.array([0.2, 0.5, 0.5])
    rows = np.arange(3)
    acts0 = ca.expected_backing(e_nb, ca.tie_share_recent(g, rows, last, 0, 26), 0, 0.5, 0) >= theta
    assert list(acts0) == [True, False, False]
    last[acts0] = 0  # resident 0 intervenes and succeeds
    acts1 = ca.expected_backing(e_nb, ca.tie_share_recent(g, rows, last, 1, 26), 0, 0.5, 0) >= theta
    assert list(acts1) == [True, True, False]  # 1 is tipped: half of 1's ties succeeded
    last[acts1] = 1
    acts2 = ca.expected_backing(e_nb, ca.tie_share_recent(g, rows, last, 2, 26), 0, 0.5, 0) >= theta
    assert list(acts2) == [True, True, True]  # and 1's success tips 2


def test_backing_rises_with_successes_falls_when_left_alone_and_relaxes():
    e = np.array([0.5, 0.5, 0.5])
    out = ca.update_backing(e, np.array([2, 0, 0]), np.array([0, 2, 0]), e, 0.1, 0.1, 0.0)
    assert out[0] > 0.5 > out[1]
    assert out[2] == pytest.approx(0.5)
    relaxed = ca.update_backing(np.array([0.1]), 0, 0, np.array([0.5]), 0.1, 0.1, 0.5)
    assert relaxed == pytest.approx([0.3])


def test_success_probability_rises_with_backing():
    p = ca.success_probability(np.array([0.0, 0.5, 1.0, 2.0]), 0.3)
    assert p == pytest.approx([0.3, 0.65, 1.0, 1.0])


def test_police_backing_from_the_share_of_the_queue_met_and_attitude():
    # arguments: hours met this week, hours still waiting, mean attitude
    assert ca.police_backing(0.0, 0.0, 0.8) == pytest.approx(0.8)  # nothing asked
    assert ca.police_backing(60.0, 0.0, 0.8) == pytest.approx(0.8)  # the queue is cleared
    assert ca.police_backing(60.0, 20.0, 0.8) == pytest.approx(0.8 * 0.75)
    assert ca.police_backing(0.0, 30.0, 0.8) == 0.0  # nothing attended


# ---------------------------------------------------------------- the model
def _run(weeks: int = 52, n: int = 1500, **kw) -> list[CoproductionModel]:
    return [town(s, weeks, n, kw.pop("policies", None), **kw) for s in SEEDS]


def _totals(models) -> tuple[int, int, int]:
    inc = sum(int(m.safety.incidents_by_nbhd.sum()) for m in models)
    chal = sum(int(m.safety.challenged_by_nbhd.sum()) for m in models)
    alone = sum(int(m.safety.left_alone_by_nbhd.sum()) for m in models)
    return inc, chal, alone


def test_zero_incident_rate_is_inert():
    for m in _run(weeks=20, incident_rate=0.0):
        fear0 = CoproductionModel(rng=m.seed, n_residents=1500, burn_in_years=0).pop.fear_retal
        stayed = m.pop.moved_in_week < 0  # newcomers draw their own (population turnover)
        assert np.array_equal(m.pop.fear_retal[stayed], fear0[stayed])
        assert m.safety.incidents_by_nbhd.sum() == 0
        assert m.stats["incidents"] == 0 and m.stats["incidents_left_alone"] == 0
        assert np.array_equal(m.safety.expected_backing, m.nb.trust_base)


def test_incidents_add_up_and_are_reported_weekly():
    models = _run(weeks=26)
    inc, chal, alone = _totals(models)
    assert inc > 0 and inc == chal + alone
    df = models[0].datacollector.get_model_vars_dataframe()
    for col in ("incidents", "incidents_challenged", "incidents_left_alone", "police_backing"):
        assert col in df.columns
    assert df["incidents"].sum() == models[0].safety.incidents_by_nbhd.sum()


def test_deprived_neighbourhoods_have_more_incidents_per_resident():
    m = CoproductionModel(
        rng=4, n_residents=3000, n_neighbourhoods=8, incident_rate=5.0, burn_in_years=0
    )
    m.run_weeks(52)
    per_res = m.safety.incidents_by_nbhd / m.nb.size
    assert np.corrcoef(per_res, m.nb.deprivation)[0, 1] > 0.3


def test_lower_fear_of_retaliation_means_more_interventions():
    inc_lo, chal_lo, _ = _totals(_run(fear_retaliation_mean=0.2))
    inc_hi, chal_hi, _ = _totals(_run(fear_retaliation_mean=0.8))
    # tolerance: the low-fear share must exceed the high-fear share by 10 points
    assert chal_lo / inc_lo > chal_hi / inc_hi + 0.10


def test_police_backing_raises_interventions():
    inc0, chal0, _ = _totals(_run(police_backing_weight=0.0))
    inc1, chal1, _ = _totals(_run(police_backing_weight=1.0))
    assert chal1 / inc1 > chal0 / inc0 + 0.10


def test_incidents_left_alone_lower_neighbour_trust():
    quiet = _run(incident_rate=0.0)
    rough = _run(incident_rate=6.0, intervention_threshold=2.0)  # nobody intervenes
    assert _totals(rough)[2] > 0 and _totals(rough)[1] == 0
    for q, r in zip(quiet, rough, strict=True):
        assert r.pop.trust_nbr.mean() < q.pop.trust_nbr.mean() - 0.01
        assert r.pop.fear_retal.mean() > q.pop.fear_retal.mean()


def test_bad_parameters_are_refused_with_a_clear_message():
    with pytest.raises(ScenarioError, match="incident_rate"):
        CoproductionModel(rng=1, n_residents=100, incident_rate=-1.0, burn_in_years=0)
    with pytest.raises(ScenarioError, match="witnesses_per_incident"):
        CoproductionModel(rng=1, n_residents=100, witnesses_per_incident=0, burn_in_years=0)


# ---------------------------------------------------------------- a level to settle at (issue 24)
def test_fear_of_retaliation_fades_back_to_each_residents_baseline():
    fear = np.array([0.9, 0.1, 0.5], np.float32)
    base = np.array([0.5, 0.3, 0.5], np.float32)
    ca.fade_fear(fear, base, 0.25)
    assert fear == pytest.approx([0.8, 0.15, 0.5])
    ca.fade_fear(fear, base, 0.0)  # no relaxation: unchanged
    assert fear == pytest.approx([0.8, 0.15, 0.5])


def test_the_model_keeps_each_residents_fear_baseline():
    m = CoproductionModel(rng=4, n_residents=500, burn_in_years=0)
    assert np.array_equal(m.pop.fear_retal_base, m.pop.fear_retal)
    m.run_weeks(30)
    assert not np.array_equal(m.pop.fear_retal_base, m.pop.fear_retal)  # incidents moved fear


def _weekly_safety(seed: int, years: int, **world: float) -> tuple[np.ndarray, ...]:
    """Weekly incidents, incidents challenged and mean fear of retaliation of the results
    years after the default burn-in (2,000 residents)."""
    m = CoproductionModel(rng=seed, n_residents=2000, **world)
    inc, chall, fear = [], [], []
    for _ in range(52 * years):
        m.step()
        inc.append(m.safety.week["incidents"])
        chall.append(m.safety.week["incidents_challenged"])
        fear.append(float(m.pop.fear_retal.mean(dtype=np.float64)))
    return np.array(inc), np.array(chall), np.array(fear)


@pytest.mark.slow
def test_fear_and_the_share_challenged_settle_over_years_6_to_10():
    # before issue 24 fear of retaliation only rose (+0.002 a year at years 6-10, still
    # rising after 26 years) and the share challenged kept falling with it. Tolerance: the
    # weekly mean fear's least-squares slope over results years 6-10 within +-0.001 a year
    # on every seed (half the old drift; with population turnover, newcomers' fear is a fresh
    # draw, so the town's mean still eases by up to 0.0007 a year as residents whose fear rose
    # above their baseline leave: measured on seeds 1-3); the share challenged over years
    # 9-10 at least 40% of that over years 6-8 (pooled over seeds: a 2,000-resident town has
    # about 3 incidents a week) and not 0.
    late_chall = late_inc = early_chall = early_inc = 0.0
    for seed in (1, 2, 3):
        inc, chall, fear = _weekly_safety(seed, 10)
        last = fear[5 * 52 :]
        slope = np.polyfit(np.arange(len(last)) / 52, last, 1)[0]
        assert abs(slope) < 1e-3, (seed, slope)
        early_chall += chall[5 * 52 : 8 * 52].sum()
        early_inc += inc[5 * 52 : 8 * 52].sum()
        late_chall += chall[8 * 52 :].sum()
        late_inc += inc[8 * 52 :].sum()
    early, late = early_chall / early_inc, late_chall / late_inc
    assert late > 0
    assert late >= 0.4 * early, (early, late)
