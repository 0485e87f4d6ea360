"""Stated willingness: drawn to match the survey shares, correlated through a latent disposition,
and an upper bound on behaviour (nobody helps with an activity they did not state)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS
from coprod_sim.state.willingness import (
    ACTIVITIES,
    ACTIVITY_INDEX,
    ACTIVITY_NAMES,
    draw_willingness,
    willing_for,
    willingness_matrix,
)

SEEDS = (1, 2, 3)
N = 200_000


def test_shares_match_the_survey() -> None:
    w = willingness_matrix(draw_willingness(N, 1.0, np.random.default_rng(1)))
    for a, (_, share) in enumerate(ACTIVITIES.values()):
        sd = np.sqrt(share * (1 - share) / N)
        assert abs(w[:, a].mean() - share) < 5 * sd, ACTIVITY_NAMES[a]


def test_scale_multiplies_shares_and_caps_at_one() -> None:
    rng = np.random.default_rng(2)
    none = willingness_matrix(draw_willingness(5_000, 0.0, rng))
    assert not none.any()
    big = willingness_matrix(draw_willingness(5_000, 2.5, rng))
    i = ACTIVITY_INDEX["check_elderly"]  # 0.46 * 2.5 > 1: everyone
    assert big[:, i].all()
    j = ACTIVITY_INDEX["joint_patrol"]  # 0.10 * 2.5 = 0.25
    assert abs(big[:, j].mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 5_000)


def test_willingness_to_do_one_thing_goes_with_others() -> None:
    w = willingness_matrix(draw_willingness(50_000, 1.0, np.random.default_rng(3)))
    corr = np.corrcoef(w.T.astype(float))
    off = corr[~np.eye(len(ACTIVITIES), dtype=bool)]
    assert off.min() > 0.1


@pytest.mark.parametrize("n", [1, 17, 2_000])
def test_the_draws_come_disposition_first_then_one_block_per_activity(n: int) -> None:
    """The stream's order is part of the result (a newcomer's later draws follow it): n
    normals for the disposition z, then n for each activity's own term, in order."""
    a = len(ACTIVITIES)
    normals = np.random.default_rng(5).standard_normal((a + 1) * n).astype(np.float32)
    z, e = normals[:n], normals[n:].reshape(a, n)
    t = -ndtri(np.array([s for _, s in ACTIVITIES.values()]))[:, None]
    for loading, latent in ((1.0, np.broadcast_to(z, (a, n))), (0.0, e)):
        rng = np.random.default_rng(5)
        m = willingness_matrix(draw_willingness(n, 1.0, rng, loading)).T
        assert np.array_equal(m, latent > t), loading
        after = np.random.default_rng(5)
        after.standard_normal((a + 1) * n)
        assert rng.random() == after.random()  # no more and no fewer draws


def test_willing_for_reads_the_bitmask() -> None:
    mask = draw_willingness(1_000, 1.0, np.random.default_rng(4))
    m = willingness_matrix(mask)
    for a in range(len(ACTIVITIES)):
        assert np.array_equal(willing_for(mask, a), m[:, a])
    per_row = np.arange(1_000) % len(ACTIVITIES)
    assert np.array_equal(willing_for(mask, per_row), m[np.arange(1_000), per_row])


@pytest.mark.parametrize("seed", SEEDS)
def test_no_one_helps_with_an_activity_they_did_not_state(
    seed: int, run_town, make_recorder
) -> None:
    rec = make_recorder()
    model = run_town(seed, weeks=104, levers=rec.levers())
    got = rec.all()
    vol = got["helper"] >= 0
    assert vol.sum() > 50, "too few volunteer matches to test anything"
    act = model.kinds.activity[got["kind"][vol]]
    assert (act >= 0).all(), "a professional-only need was met by a volunteer"
    # (a helper's row may since have passed to a newcomer: population turnover)
    stayed = model.pop.moved_in_week[got["helper"][vol]] < 0
    assert stayed.mean() > 0.8
    assert willing_for(model.pop.willing[got["helper"][vol]], act)[stayed].all()


def test_no_activitys_helper_share_exceeds_its_stated_share(run_town, make_recorder) -> None:
    """Over several seeds, the share of residents who ever helped with an activity is below
    the share who stated willingness for it (the survey's upper bound)."""
    by_activity = {k.name: k.activity for k in DEFAULT_NEED_KINDS}
    for seed in SEEDS:
        rec = make_recorder()
        model = run_town(seed, weeks=104, levers=rec.levers())
        got = rec.all()
        vol = got["helper"] >= 0
        n = model.n_residents
        stated = willingness_matrix(model.pop.willing).mean(0)
        for kind_idx in np.unique(got["kind"][vol]):
            activity = by_activity[model.kinds.names[kind_idx]]
            a = ACTIVITY_INDEX[activity]
            helpers = np.unique(got["helper"][vol & (model.kinds.activity[got["kind"]] == a)])
            share = len(helpers) / n
            assert share <= stated[a], (activity, share, stated[a])
            survey = ACTIVITIES[activity][1]
            assert share <= survey + 4 * np.sqrt(survey * (1 - survey) / n), activity
