"""Residents, neighbourhoods and staff at the start: shares and directions the parameters set."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.mechanisms.needs import SERVICES
from coprod_sim.state.population import RETIRED, VETTED, WORKING, YOUNG

N = 6000


def test_neighbourhoods_are_contiguous_blocks_covering_everyone(run_town) -> None:
    m = run_town(1, weeks=0, n_residents=N, n_neighbourhoods=7)
    nb, pop = m.nb, m.pop
    assert len(nb.start) == 7
    assert nb.start[0] == 0 and nb.end[-1] == N
    assert (nb.start[1:] == nb.end[:-1]).all() and (nb.size >= 1).all()
    for b in range(7):
        assert (pop.nbhd[nb.start[b] : nb.end[b]] == b).all()


def test_neighbour_trust_baseline_falls_with_diversity_and_deprivation(run_town) -> None:
    m = run_town(2, weeks=0, n_residents=N, n_neighbourhoods=12)
    p, nb = m.params, m.nb
    expect = np.clip(
        p.trust_neighbour_base
        - p.diversity_trust_effect * nb.diversity
        - p.deprivation_trust_effect * nb.deprivation,
        0.02,
        0.98,
    )
    assert np.allclose(nb.trust_base, expect, atol=1e-6)
    means = np.array([m.pop.trust_nbr[m.pop.nbhd == b].mean() for b in range(12)])
    assert np.corrcoef(means, nb.trust_base)[0, 1] > 0.9


def test_shares_of_age_work_and_care_follow_the_parameters(run_town) -> None:
    m = run_town(3, weeks=0, n_residents=N)
    p, pop = m.params, m.pop
    tol = 4 * np.sqrt(0.25 / N)
    assert abs((pop.age == YOUNG).mean() - p.share_young) < tol
    assert abs((pop.age == RETIRED).mean() - p.share_retired) < tol
    assert not pop.employed[pop.age == RETIRED].any()
    assert abs(pop.employed[pop.age != RETIRED].mean() - p.employment_rate) < 2 * tol
    assert abs(pop.carer.mean() - p.carer_rate) < tol
    assert abs(pop.vet_status.__eq__(VETTED).mean() - p.vetted_share) < tol


def test_work_and_caring_eat_free_hours(run_town) -> None:
    m = run_town(4, weeks=0, n_residents=N)
    pop = m.pop
    work = pop.age == WORKING
    plain = work & ~pop.employed & ~pop.carer
    assert pop.free_hours[work & pop.employed & ~pop.carer].mean() < pop.free_hours[plain].mean()
    assert pop.free_hours[work & pop.carer & ~pop.employed].mean() < pop.free_hours[plain].mean()
    assert (pop.free_hours >= 0).all()
    more = run_town(4, weeks=0, n_residents=N, free_hours_mean=12.0)
    assert more.pop.free_hours.mean() > 1.5 * pop.free_hours.mean()


def test_disposition_means_follow_the_parameters(run_town) -> None:
    low = run_town(5, weeks=0, n_residents=N, fear_commitment_mean=0.2, confidence_mean=0.3)
    high = run_town(5, weeks=0, n_residents=N, fear_commitment_mean=0.7, confidence_mean=0.8)
    assert abs(low.pop.fear_commit.mean() - 0.2) < 0.02
    assert abs(high.pop.fear_commit.mean() - 0.7) < 0.02
    assert abs(high.pop.confidence.mean() - 0.8) < 0.02
    assert np.array_equal(low.pop.fear_commit, low.pop.fear_commit_base)
    for arr in ("trust_nbr", "trust_svc", "confidence", "fear_commit", "fear_liab", "fear_retal"):
        v = getattr(low.pop, arr)
        assert ((v >= 0) & (v <= 1)).all(), arr


def test_staff_are_split_across_services(run_town) -> None:
    m = run_town(6, weeks=0, n_residents=N, staff_per_1000=5.0)
    s, p = m.staff, m.params
    assert abs(len(s) - 5.0 * N / 1000) <= len(SERVICES)
    counts = np.bincount(s.service, minlength=len(SERVICES))
    assert (counts >= 1).all()
    assert abs(counts[0] / len(s) - p.staff_share_social_care) < 0.05
    # hours are exactly each service's share, not rounded to whole staff
    hours = np.bincount(s.service, weights=s.capacity, minlength=len(SERVICES))
    shares = [p.staff_share_social_care, p.staff_share_public_safety]
    shares.append(1 - sum(shares))
    exact = np.array(shares) * p.staff_per_1000 * N / 1000 * p.staff_hours
    assert np.allclose(hours, exact, rtol=1e-5)
    assert (s.capacity <= p.staff_hours * 1.5).all()
    assert np.allclose(m.service_capacity, np.bincount(s.service, weights=s.capacity))
    assert ((s.attitude >= 0) & (s.attitude <= 1)).all()


def test_scale_multiplies_the_preset() -> None:
    from coprod_sim import CoproductionModel
    from coprod_sim.state.towns import TOWNS

    m = CoproductionModel(rng=1, scale=0.25, burn_in_years=0)
    assert m.n_residents == round(TOWNS["demo"].residents * 0.25)
    assert len(m.nb.start) == TOWNS["demo"].neighbourhoods


def test_no_staff_per_1000_means_no_professional_capacity(run_town) -> None:
    m = run_town(1, weeks=1, staff_per_1000=0.0)
    assert m.service_capacity.sum() == 0


def test_staff_attitudes_have_the_declared_mean_in_every_service():
    # a service has 3-5 staff in a town of 2,000: raw Beta draws gave service means of
    # 0.23-0.57 for a declared 0.4; the correction makes each service's mean exact
    from coprod_sim import CoproductionModel

    for seed, mean in ((1, 0.4), (2, 0.4), (3, 0.15), (4, 0.9)):
        m = CoproductionModel(rng=seed, n_residents=2000, burn_in_years=0, attitude_mean=mean)
        st = m.staff
        for s in np.unique(st.service):
            a = st.attitude[st.service == s].astype(np.float64)
            assert a.mean() == pytest.approx(mean, abs=1e-6)
            assert (a >= 0).all() and (a <= 1).all()
            assert a.std() > 0  # still a spread of attitudes, not all at the mean
