"""The compiled kernels compute exactly the rules written with whole-array NumPy."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from coprod_sim import CoproductionModel, kernels
from coprod_sim.kernels import add_by_helper, ask_ties, fill_queue, pass_on, sum_by_helper
from coprod_sim.kernels import first_unique as kf_first_unique
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms.channels import TrustGather, decide, first_unique_by_sorting
from coprod_sim.mechanisms.decision import help_probability
from coprod_sim.state.arrays import random_keys
from coprod_sim.state.population import VETTING


def _fill_queue_in_passes(service, hours, left, max_skips):
    """The professional queue as it was written before the kernel: whole-array passes, each
    meeting the prefix of every service's queue that fits and skipping the first need that
    does not."""
    n_s = len(left)
    met = np.zeros(len(service), bool)
    todo = np.ones(len(service), bool)
    for _ in range(max_skips):
        idx = np.flatnonzero(todo)
        if len(idx) == 0:
            break
        s_idx = service[idx]
        cum = np.cumsum(hours[idx])
        starts = np.searchsorted(s_idx, np.arange(n_s))
        base = np.concatenate([[0.0], cum])[starts]
        fits = cum - base[s_idx] <= left[s_idx]
        met[idx[fits]] = True
        left = left - np.bincount(s_idx[fits], weights=hours[idx[fits]], minlength=n_s)
        todo[idx[fits]] = False
        blocked = idx[~fits]
        if len(blocked) == 0:
            break
        first = np.ones(len(blocked), bool)
        first[1:] = service[blocked][1:] != service[blocked][:-1]
        todo[blocked[first]] = False
    return met


@pytest.mark.parametrize("seed", range(40))
def test_fill_queue_equals_the_whole_array_passes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_s = int(rng.integers(1, 6))
    n = int(rng.integers(0, 300))
    service = np.sort(rng.integers(0, n_s, n)).astype(np.int64)
    hours = np.round(rng.gamma(1.5, 3.0, n), 1)  # one decimal: sums tie now and then
    left = rng.uniform(0, hours.sum() / max(n_s, 1) + 1, n_s)
    for skips in (1, 4):
        got = fill_queue(service, hours, left, skips)
        want = _fill_queue_in_passes(service, hours, left.copy(), skips)
        assert np.array_equal(got, want)
    assert (left >= 0).all(), "the caller's capacity is not changed"


def test_fill_queue_skips_a_big_need_for_smaller_ones_behind_it() -> None:
    met = fill_queue(np.zeros(4, np.int64), np.array([3.0, 10.0, 2.0, 9.0]), np.array([6.0]), 4)
    assert met.tolist() == [True, False, True, False]
    # with one skip allowed, the service stops at the first need that does not fit
    met = fill_queue(np.zeros(3, np.int64), np.array([10.0, 1.0, 1.0]), np.array([5.0]), 1)
    assert met.tolist() == [False, False, False]


def _as_written(x, w):
    """The default rule behind a different callable: ``decide`` then takes the NumPy path."""
    return help_probability(x, w)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_decide_equals_the_numpy_path(seed: int) -> None:
    """On the same town, week and random stream, the compiled ``decide`` (default rule) and the
    NumPy path (the same rule passed as another callable) give the same yes and start the same
    vetting checks, for asks with tie trust (two-hop strangers included), per-pair trust and a
    growth override."""
    m = CoproductionModel(
        n_residents=1500, rng=seed, policies={k: {} for k in LEVERS}, vetted_share=0.3
    )
    for _ in range(30):
        m.step()
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(m.needs.channel >= -1)  # every row of the need table
    r = rng.choice(rows, 4000)
    cand = rng.integers(0, m.n_residents, 4000)
    m.busy[rng.integers(0, m.n_residents, 200)] = True
    pos = rng.integers(0, len(m.tie_trust), 4000)
    pos2 = np.where(rng.random(4000) < 0.3, rng.integers(0, len(m.tie_trust), 4000), -1)
    asked = rng.random(4000) < 0.5
    cases = [
        (TrustGather(m.tie_trust, pos, pos2), {}),
        (m.pop.trust_svc[cand], {"growth": rng.uniform(0, 0.05, 4000)}),
    ]
    for trust, kw in cases:
        a, b = copy.deepcopy(m), copy.deepcopy(m)
        b.decision_rule = _as_written
        ya = decide(a, r, cand, trust, asked, np.random.default_rng(7), **kw)
        yb = decide(b, r, cand, trust, asked, np.random.default_rng(7), **kw)
        assert len(ya) > 20
        assert np.array_equal(ya, yb)
        assert np.array_equal(a.pop.vet_status, b.pop.vet_status)
        assert a.events["vetting_started"] == b.events["vetting_started"]
    assert (a.pop.vet_status == VETTING).any()


def test_a_model_with_the_rule_as_written_runs_the_same_weeks() -> None:
    """A whole run: the default rule (compiled) and the same rule passed as another callable
    (NumPy) give the same weekly series, so the kernel changes speed and nothing else."""
    kw = {"n_residents": 800, "rng": 5, "policies": {k: {} for k in LEVERS}}
    a = CoproductionModel(**kw)
    b = CoproductionModel(decision_rule=_as_written, **kw)
    for _ in range(40):
        a.step()
        b.step()
    da = a.datacollector.get_model_vars_dataframe()
    db = b.datacollector.get_model_vars_dataframe()
    assert da.equals(db)


@pytest.mark.parametrize("seed", range(10))
def test_sums_by_helper_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_res, n = 50, int(rng.integers(0, 400))
    helper = np.where(rng.random(n) < 0.3, -1, rng.integers(0, n_res, n)).astype(np.int32)
    hours = rng.gamma(1.5, 3.0, n).astype(np.float32)
    hours[rng.random(n) < 0.05] = 0.0  # a zero-hour row does not make a helper
    vol = helper >= 0

    out = np.zeros(n_res, np.float32)
    add_by_helper(helper, hours, out)
    want = np.zeros(n_res, np.float32)
    np.add.at(want, helper[vol], hours[vol])
    assert np.array_equal(out, want)

    h64 = hours.astype(np.float64)
    buf = np.zeros(n_res)
    who = sum_by_helper(helper, h64, buf)
    sums = np.bincount(helper[vol], weights=h64[vol], minlength=n_res)
    assert np.array_equal(np.sort(who), np.flatnonzero(sums > 0))
    assert len(np.unique(who)) == len(who)
    assert np.array_equal(buf, sums)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ask_ties_and_pass_on_follow_sample_ties(seed: int) -> None:
    """The compiled informal asks draw the same ties as ``network.sample_ties`` from the same
    uniforms, and pass on the same asks."""
    from coprod_sim.state.network import build_graph, sample_ties

    rng = np.random.default_rng(seed)
    start, end = np.array([0, 300, 310]), np.array([300, 310, 600])
    g = build_graph(start, end, 6.0, 0.5, 0.5, rng)  # block 300-310 is tiny: few ties
    need_owner = rng.integers(0, 600, 500).astype(np.int32)
    sel = np.sort(rng.choice(500, 200, replace=False))
    asks, share = 3, 0.3
    n = len(sel) * asks
    u_tie, u_hop, u2 = rng.random(n), rng.random(n), rng.random(n)
    r, owner, cand, pos, hop = ask_ties(
        sel, asks, need_owner, g.indptr, g.indices, u_tie, u_hop, share
    )
    pos2 = np.full(n, -1, np.int64)
    pass_on(hop, owner, cand, pos2, g.indptr, g.indices, u2[: len(hop)])

    want_r = np.repeat(sel, asks)
    want_owner = need_owner[want_r].astype(np.int64)
    c, p = sample_ties(g, want_owner, _Fixed(u_tie))
    want_hop = np.flatnonzero((u_hop < share) & (c >= 0))
    c2, p2 = sample_ties(g, c[want_hop], _Fixed(u2[: len(want_hop)]))
    ok = (c2 >= 0) & (c2 != want_owner[want_hop])
    c[want_hop[ok]] = c2[ok]
    want_pos2 = np.full(n, -1, np.int64)
    want_pos2[want_hop[ok]] = p2[ok]
    assert np.array_equal(r, want_r) and np.array_equal(owner, want_owner)
    assert np.array_equal(hop, want_hop) and len(hop) > 20
    assert np.array_equal(cand, c) and np.array_equal(pos2, want_pos2)
    assert np.array_equal(pos[c >= 0], p[c >= 0])


class _Fixed:
    """A stand-in generator that hands out given uniforms."""

    def __init__(self, u: np.ndarray) -> None:
        self.u = u

    def random(self, n: int) -> np.ndarray:
        assert n == len(self.u)
        return self.u


def _arise_as_arrays(kinds, groups, nbhd_of, deprivation, n_residents, scale, effect, rng):
    """``needs.arise`` as it was written before the kernel, with whole-array NumPy."""
    boost_max = 1.0 + effect
    n_groups = len(groups.size)
    roles = np.flatnonzero(kinds.by_service)
    res = np.flatnonzero(~kinds.by_service)
    lam = np.concatenate(
        [
            kinds.rate[roles, 0] * (scale * n_residents),
            (kinds.rate[res, :n_groups] * (scale * boost_max) * groups.size).ravel(),
        ]
    )
    counts = rng.poisson(lam)
    kind_of = np.concatenate([roles, np.repeat(res, n_groups)]).astype(np.int16)
    group_of = np.concatenate(
        [np.full(len(roles), n_groups), np.tile(np.arange(n_groups), len(res))]
    )
    size = np.append(groups.size, n_residents)
    kind = np.repeat(kind_of, counts)
    grp = np.repeat(group_of, counts)
    pos = (rng.random(len(kind)) * size[grp]).astype(np.int64)
    n_role = int(counts[: len(roles)].sum())
    owners = groups.members[pos[n_role:] + groups.start[grp[n_role:]]]
    accept = rng.random(len(owners)) < (1.0 + effect * deprivation[nbhd_of[owners]]) / boost_max
    keep = np.concatenate([np.ones(n_role, bool), accept])
    owner = np.concatenate([np.full(n_role, -1, np.int64), owners])[keep].astype(np.int32)
    place = np.concatenate([pos[:n_role], owners])[keep]
    return kind[keep], owner, nbhd_of[place].astype(np.int32)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arise_equals_the_whole_array_rule(seed: int) -> None:
    from coprod_sim.mechanisms import needs

    m = CoproductionModel(n_residents=3000, rng=seed)
    args = (m.kinds, m._age_groups, m.pop.nbhd, m.nb.deprivation, m.n_residents, 4.0, 1.5)
    got = needs.arise(*args, np.random.default_rng(seed))
    want = _arise_as_arrays(*args, np.random.default_rng(seed))
    assert len(got["kind"]) > 100 and (got["owner"] < 0).any() and (got["owner"] >= 0).any()
    for name, w in zip(("kind", "owner", "nbhd"), want, strict=True):
        assert got[name].dtype == w.dtype
        assert np.array_equal(got[name], w), name


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("n", "n_rows", "n_helpers"),
    [(1, 5, 5), (40, 3, 3), (300, 200, 10_000), (2_000, 3_000, 1_000_000), (500, 2**50, 9)],
)
def test_first_unique_kernel_equals_numpy(seed: int, n: int, n_rows: int, n_helpers: int) -> None:
    # the last case leaves fewer than 16 bits of key to pack: order_within's lexsort fallback
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n_rows, n)
    helpers = rng.integers(0, n_helpers, n)
    edges = rng.integers(-1, 50, n)
    key = random_keys(rng, n)
    key[: n // 4] = key[n // 2 : n // 2 + n // 4]  # repeated keys: ties broken by position
    got = kf_first_unique(rows, helpers, edges, key)
    want = first_unique_by_sorting(rows, helpers, edges, key)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_first_unique_gives_the_same_match_on_either_side_of_the_size_switch() -> None:
    from coprod_sim.mechanisms import channels

    rng = np.random.default_rng(4)
    n = 1_500
    rows, helpers = rng.integers(0, 900, n), rng.integers(0, 5_000, n)
    small = channels.first_unique(rows, helpers, np.random.default_rng(9))
    old, channels.SMALL_MATCH = channels.SMALL_MATCH, 0  # force the numpy path
    try:
        big = channels.first_unique(rows, helpers, np.random.default_rng(9))
    finally:
        channels.SMALL_MATCH = old
    for name in ("rows", "helpers", "edges"):
        a, b = getattr(small, name), getattr(big, name)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_accept_offers_equals_accept_probability(seed: int) -> None:
    from coprod_sim.mechanisms.trust import accept_probability
    from coprod_sim.state.population import RETIRED

    rng = np.random.default_rng(seed)
    n_res, n_needs, n = 500, 300, 2_000
    need_owner = rng.integers(-1, n_res, n_needs)  # -1: a service's role
    age = rng.integers(0, 3, n_res).astype(np.int8)
    trust_nbr = rng.random(n_res).astype(np.float32)
    rows = rng.integers(0, n_needs, n)
    stranger = rng.random(n) < 0.5
    u = rng.random(n)
    yes = np.flatnonzero(rng.random(n) < 0.6)
    for distrust in (0.0, 0.3, 0.7):
        owner = need_owner[rows[yes]]
        known = owner >= 0
        o = np.maximum(owner, 0)
        acc = accept_probability(age[o], stranger[yes] & known, trust_nbr[o], distrust)
        want = yes[u[yes] < acc]
        got = kernels.accept_offers(
            yes, rows, stranger, u, need_owner, age, trust_nbr, distrust, RETIRED
        )
        np.testing.assert_array_equal(got, want)


def test_count_into_equals_add_at() -> None:
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 30, 500)
    want = np.zeros((30, 4), np.int64)
    np.add.at(want, (idx, 2), 1)
    got = np.zeros((30, 4), np.int64)
    kernels.count_into(idx, got[:, 2])  # a column: a strided view, counted in place
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("week", [0, 3, 4, 57])
def test_credit_helpers_equals_the_whole_array_record(week: int) -> None:
    rng = np.random.default_rng(week)
    n, wpm = 400, 4
    uniq = np.sort(rng.choice(n, 120, replace=False))
    week_hours = np.zeros(n)
    week_hours[uniq] = rng.random(120) * 7.3
    cols = {
        "hours_year": rng.random(n).astype(np.float32),
        "hours_given": rng.random(n).astype(np.float32) * 50,
        "weeks_year": rng.integers(0, 50, n).astype(np.int16),
        "months_year": rng.integers(0, 12, n).astype(np.int8),
        "last_help": rng.integers(-(10**6), week + 1, n).astype(np.int32),
        "ever": rng.random(n) < 0.5,
    }
    want = {k: v.copy() for k, v in cols.items()}
    wh = week_hours.copy()
    hh = wh[uniq].astype(np.float32)
    wh[uniq] = 0.0
    want["hours_year"][uniq] += hh
    want["hours_given"][uniq] += hh
    want["weeks_year"][uniq] += 1
    new_month = want["last_help"][uniq] // wpm != week // wpm
    want["months_year"][uniq[new_month]] += 1
    want["last_help"][uniq] = week
    want["ever"][uniq] = True
    got = kernels.credit_helpers(uniq, week_hours, *cols.values(), week, wpm)
    np.testing.assert_array_equal(got, hh)
    np.testing.assert_array_equal(week_hours, wh)
    for k in cols:
        np.testing.assert_array_equal(cols[k], want[k], err_msg=k)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fatigue_step_equals_the_commitment_rules(seed: int) -> None:
    from coprod_sim.mechanisms.commitment import burnt_out, next_fatigue, tolerance

    rng = np.random.default_rng(seed)
    n = 20_000
    committed = np.where(rng.random(n) < 0.3, rng.random(n) * 12, 0).astype(np.float32)
    fatigue = np.where(rng.random(n) < 0.3, rng.random(n) * 1.1, 0).astype(np.float32)
    free = (rng.random(n) * 20).astype(np.float32)
    time_off = np.where(rng.random(n) < 0.1, 2.0, 0.0).astype(np.float32)
    fear = rng.random(n).astype(np.float32)
    share, rate, recovery = 0.3, 0.25, 0.1
    want_f = fatigue.copy()
    idx = np.flatnonzero((committed > 0) | (fatigue > 0))
    tol = tolerance(free[idx] + time_off[idx], fear[idx], share)
    want_f[idx] = next_fatigue(fatigue[idx], committed[idx], tol, rate, recovery)
    want = idx[burnt_out(want_f[idx])]
    got = kernels.fatigue_step(committed, fatigue, free, time_off, fear, share, rate, recovery)
    assert len(want) > 100  # the case exercises burn-out
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(fatigue, want_f)  # updated in place, bit for bit


def _wait_as_written(model: CoproductionModel) -> None:
    """``model._wait`` as whole-array NumPy with ``needs.escalate`` and ``needs.lapse``."""
    from coprod_sim.mechanisms import trust
    from coprod_sim.mechanisms.needs import UNMET, escalate, lapse

    n, k, p, pop = model.needs, model.kinds, model.params, model.pop
    w = np.flatnonzero(n.channel == UNMET)
    n.waited[w] += 1
    waited, kind, crisis = n.waited[w], n.kind[w], n.crisis[w]
    esc = escalate(
        ~crisis, waited, k.crisis_onset[kind], k.crisis_hazard[kind], model.rng_for("escalation")
    )
    rows = w[esc]
    n.crisis[rows] = True
    n.hours[rows] = n.base_hours[rows] * p.crisis_hours_multiplier
    n.base_hours[rows] = n.hours[rows]
    n.crisis_left[rows] = k.crisis_weeks[n.kind[rows]]
    np.add.at(model.crises_by_kind, n.kind[rows], 1)
    model.events["crises"] += len(rows)
    crisis = crisis | esc
    owner = n.owner[w]
    late = owner[(waited > p.service_standard_weeks) & (owner >= 0)]
    trust.lower_towards_zero(pop.trust_svc, late, p.service_trust_loss)
    gone = lapse(np.ones(len(w), bool), waited, k.max_wait[kind], crisis)
    model._lapsed = np.zeros(len(n), bool)
    model._lapsed[w[gone]] = True
    np.add.at(model.lapsed_by_kind, n.kind[w[gone]], 1)
    np.add.at(model.lapsed_by_nbhd, n.nbhd[w[gone]], 1)
    model.events["lapsed"] += int(gone.sum())
    model.events["open_needs"] = int(len(w) - gone.sum())
    model.events["waited_total"] = int(waited[~gone].sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_wait_kernels_equal_the_whole_array_rules(seed: int) -> None:
    # a slow, scarce town: many needs wait long enough to escalate and lapse
    base = CoproductionModel(n_residents=3_000, rng=seed, staff_per_1000=2.0, need_rate_scale=2.0)
    for _ in range(20):
        base.step()
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    a._wait()
    _wait_as_written(b)
    assert b.events["crises"] > 0 and b.events["lapsed"] > 0  # the case exercises both
    for name in ("waited", "crisis", "hours", "base_hours", "crisis_left"):
        np.testing.assert_array_equal(getattr(a.needs, name), getattr(b.needs, name), name)
    np.testing.assert_array_equal(a.pop.trust_svc, b.pop.trust_svc)
    np.testing.assert_array_equal(a._lapsed, b._lapsed)
    for name in ("crises_by_kind", "lapsed_by_kind", "lapsed_by_nbhd"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), name)
    for key in ("crises", "lapsed", "open_needs", "waited_total"):
        assert a.events[key] == b.events[key], key


@pytest.mark.parametrize("bounded", [[], [1], [1, 4]])
def test_grow_commitments_equals_commitment_grow(bounded: list[int]) -> None:
    from coprod_sim.mechanisms.commitment import grow

    rng = np.random.default_rng(len(bounded))
    n, n_kinds = 5_000, 9
    helper = rng.integers(-1, 300, n)
    crisis = rng.random(n) < 0.2
    channel = rng.integers(-1, 5, n).astype(np.int8)
    kind = rng.integers(0, n_kinds, n).astype(np.int16)
    base = (rng.random(n) * 5 + 0.5).astype(np.float32)
    hours = (base * (1 + rng.random(n))).astype(np.float32)
    growth = (rng.random(n_kinds) * 0.1).astype(np.float32)
    cap = (1 + rng.random(n_kinds) * 2).astype(np.float32)
    want = hours.copy()
    vol = np.flatnonzero((helper >= 0) & ~crisis)
    g = vol[~np.isin(channel[vol], bounded)]
    want[g] = grow(hours[g], base[g], growth[kind[g]], cap[kind[g]])
    got = kernels.grow_commitments(
        helper, crisis, channel, kind, hours, base, growth, cap, np.array(bounded, np.int64)
    )
    np.testing.assert_array_equal(got, vol)
    np.testing.assert_array_equal(hours, want)  # in place, bit for bit


def test_good_experiences_equals_raise_towards_one_passes() -> None:
    from coprod_sim.mechanisms.trust import raise_towards_one

    rng = np.random.default_rng(8)
    n_res, n_ties, n_rows = 200, 900, 3_000  # few residents: owners and helpers repeat
    helper = rng.integers(-1, n_res, n_rows)
    owner = rng.integers(-1, n_res, n_rows)
    edge = rng.integers(-1, n_ties, n_rows)
    done = np.sort(rng.choice(n_rows, 1_500, replace=False))
    nbr, ties, svc = (rng.random(m).astype(np.float32) for m in (n_res, n_ties, n_res))
    want = [nbr.copy(), ties.copy(), svc.copy()]
    h, o, e = helper[done], owner[done], edge[done]
    vol = h >= 0
    raise_towards_one(want[0], o[vol & (o >= 0)], 0.05)
    raise_towards_one(want[0], h[vol], 0.05)
    raise_towards_one(want[1], e[e >= 0], 0.05)
    raise_towards_one(want[2], o[~vol & (o >= 0)], 0.02)
    raise_towards_one(want[2], h[vol & (o < 0)], 0.02)
    seen, seen_tie = np.zeros(n_res, np.int64), np.zeros(n_ties, np.int64)
    token = 1
    for _ in range(2):  # a second call must not be confused by the first call's marks
        token = kernels.good_experiences(
            done, helper, owner, edge, nbr, ties, svc, 0.05, 0.02, seen, seen_tie, token
        )
        if _ == 0:
            for got, w in zip((nbr, ties, svc), want, strict=True):
                np.testing.assert_array_equal(got, w)
            raise_towards_one(want[0], o[vol & (o >= 0)], 0.05)
            raise_towards_one(want[0], h[vol], 0.05)
            raise_towards_one(want[1], e[e >= 0], 0.05)
            raise_towards_one(want[2], o[~vol & (o >= 0)], 0.02)
            raise_towards_one(want[2], h[vol & (o < 0)], 0.02)
    assert token == 11
    for got, w in zip((nbr, ties, svc), want, strict=True):
        np.testing.assert_array_equal(got, w)
