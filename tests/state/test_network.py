"""The social graph: symmetric, no self ties, mostly inside neighbourhoods, as CSR arrays, and
the same graph as networkx on demand."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.state.network import (
    Graph,
    add_ties,
    build_graph,
    row_mean,
    sample_ties,
    tie_counts_update,
    to_networkx,
)


def _blocks(sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    end = np.cumsum(sizes)
    return end - np.asarray(sizes), end


def _edges(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    return g.owner_of_edges().astype(np.int64), g.indices.astype(np.int64)


@pytest.mark.parametrize("seed", [1, 2])
def test_graph_is_symmetric_simple_and_mostly_local(seed: int) -> None:
    start, end = _blocks([300, 500, 200, 1000])
    g = build_graph(start, end, 8.0, 0.6, 0.6, np.random.default_rng(seed))
    u, v = _edges(g)
    assert g.n == 2000 and len(g.indptr) == 2001
    assert (u != v).all(), "self ties"
    key = u * g.n + v
    assert len(np.unique(key)) == len(key), "duplicate ties"
    assert np.isin(v * g.n + u, key).all(), "a tie without its reverse"
    nb = np.repeat(np.arange(4), np.diff(np.concatenate([[0], end])))
    local = (nb[u] == nb[v]).mean()
    assert local > 0.85
    assert abs(g.degree.mean() - 8.6) < 0.1 * 8.6
    assert g.n_edges == len(u) // 2


def test_without_bridges_every_tie_stays_in_its_neighbourhood() -> None:
    start, end = _blocks([50, 80, 70])
    g = build_graph(start, end, 6.0, 0.0, 0.5, np.random.default_rng(3))
    u, v = _edges(g)
    nb = np.repeat(np.arange(3), [50, 80, 70])
    assert len(u) > 0 and (nb[u] == nb[v]).all()


def test_clustering_makes_ties_near_in_the_block() -> None:
    start, end = _blocks([2000])
    near = build_graph(start, end, 8.0, 0.0, 1.0, np.random.default_rng(4))
    anywhere = build_graph(start, end, 8.0, 0.0, 0.0, np.random.default_rng(4))
    dist = []
    for g in (near, anywhere):
        u, v = _edges(g)
        d = np.abs(u - v)
        dist.append(np.minimum(d, 2000 - d).mean())
    assert dist[0] < 13 < dist[1]


def test_empty_town() -> None:
    g = build_graph(np.array([0]), np.array([0]), 8.0, 0.6, 0.6, np.random.default_rng(1))
    assert g.n == 0 and g.n_edges == 0


def _path_graph() -> Graph:
    """0-1-2 and an isolated 3."""
    return Graph(np.array([0, 1, 3, 4, 4]), np.array([1, 0, 2, 1], np.int32), 4)


def test_row_mean_is_the_mean_over_ties() -> None:
    g = _path_graph()
    values = np.array([1.0, 0.0, 1.0, 5.0])
    out = row_mean(g, values, np.array([0, 1, 2, 3, 1]))
    assert np.allclose(out, [0.0, 1.0, 0.0, 0.0, 1.0])
    assert len(row_mean(g, values, np.array([3]))) == 1
    assert row_mean(g, values, np.array([3]))[0] == 0.0


def test_sample_ties_returns_a_tie_and_its_position() -> None:
    g = _path_graph()
    who = np.array([0, 1, 1, 2, 3] * 50)
    tie, pos = sample_ties(g, who, np.random.default_rng(5))
    has = who != 3
    assert (tie[~has] == -1).all() and (pos[~has] == -1).all()
    assert (g.indices[pos[has]] == tie[has]).all()
    assert ((pos[has] >= g.indptr[who[has]]) & (pos[has] < g.indptr[who[has] + 1])).all()
    assert set(tie[who == 1]) == {0, 2}, "both ties of resident 1 get asked"


def test_networkx_view_has_the_same_ties(run_town) -> None:
    model = run_town(1, weeks=0, n_residents=400)
    g = model.graph_nx
    assert model.graph_nx is g, "built once, then cached"
    assert g.number_of_nodes() == model.n_residents
    assert g.number_of_edges() == model.graph.n_edges
    u, v = _edges(model.graph)
    for a, b in zip(u[:200], v[:200], strict=True):
        assert g.has_edge(int(a), int(b))
        assert 0.0 <= g.edges[int(a), int(b)]["trust"] <= 1.0
    assert all(g.nodes[i]["nbhd"] == model.pop.nbhd[i] for i in range(0, 400, 37))
    plain = to_networkx(model.graph, model.pop.nbhd)
    assert plain.number_of_edges() == g.number_of_edges()


def test_networkx_view_shows_this_weeks_trust(run_town) -> None:
    """Tie trust changes week by week: a later week's graph carries the trust of that week."""
    model = run_town(2, weeks=0, n_residents=400)
    before = model.graph_nx
    model.tie_trust[:] = 0.25  # as if every tie's trust had moved
    assert model.graph_nx is before, "cached within the week"
    model.step()
    after = model.graph_nx
    assert after is not before
    want = to_networkx(model.graph, model.pop.nbhd, model.tie_trust)
    assert dict(after.edges) == dict(want.edges)
    trust = np.array([t for _, _, t in after.edges(data="trust")])
    assert abs(np.median(trust) - 0.25) < 1e-6, "most ties kept the trust set last week"


@pytest.mark.parametrize("seed", [1, 2])
def test_tie_counts_update_adds_the_sign_to_every_tie(seed: int) -> None:
    rng = np.random.default_rng(seed)
    start, end = np.array([0, 150]), np.array([150, 300])
    g = build_graph(start, end, 8.0, 0.6, 0.6, rng)
    who = rng.choice(300, 40, replace=False)
    sign = np.where(rng.random(40) < 0.5, 1, -1).astype(np.int16)
    counts = rng.integers(0, 5, 300).astype(np.int16)
    want, before = counts.copy(), counts.copy()
    for j, s in zip(who, sign, strict=True):
        for t in g.indices[g.indptr[j] : g.indptr[j + 1]]:
            want[t] += s
    tie_counts_update(g, counts, who, sign)
    assert np.array_equal(counts, want)
    assert not np.array_equal(counts, before)


def test_residents_who_join_get_ties_by_the_same_rule_fewer_when_scaled() -> None:
    """A growing town's newcomers (rows left without ties at set-up, then joined with the
    formation rule's means times 0.5) end with about half the stayers' ties; every old tie
    and its per-tie value carry over; the graph stays symmetric and simple; no tie goes to a
    row still vacant."""
    start, end = _blocks([600, 900, 500])
    n = 2000
    rng = np.random.default_rng(7)
    joining = np.sort(rng.choice(n, 200, replace=False))
    vacant = np.setdiff1d(np.sort(rng.choice(n, 300, replace=False)), joining)
    out = np.zeros(n, bool)
    out[joining] = out[vacant] = True
    full = build_graph(start, end, 8.0, 0.6, 0.6, rng)
    u, v = _edges(full)
    keep = ~out[u] & ~out[v]
    old = Graph(np.concatenate([[0], np.cumsum(np.bincount(u[keep], minlength=n))]),
                v[keep].astype(np.int32), n)  # fmt: skip
    present = np.ones(n, bool)
    present[vacant] = False
    values = np.arange(len(old.indices), dtype=np.float64)  # a per-tie array
    g, pos = add_ties(old, joining, start, end, 8.0 * 0.5, 0.6 * 0.5, 0.6, rng, present)

    gu, gv = _edges(g)
    key = gu * n + gv
    assert (gu != gv).all() and len(np.unique(key)) == len(key)
    assert np.isin(gv * n + gu, key).all(), "a tie without its reverse"
    assert present[gv].all(), "a tie to a vacant row"
    ou, ov = _edges(old)
    assert (key[pos] == ou * n + ov).all(), "an old tie moved or lost"
    moved = np.zeros(len(g.indices))
    moved[pos] = values
    assert (moved[pos] == values).all()
    stayers = np.setdiff1d(np.arange(n), np.concatenate([joining, vacant]))
    new_deg, stay_deg = g.deg[joining].mean(), g.deg[stayers].mean()
    assert new_deg < 0.7 * stay_deg, (new_deg, stay_deg)
    assert abs(new_deg - 0.5 * 8.6) < 0.15 * 4.3, new_deg
    assert (g.deg[vacant] == 0).all()
    nb = np.repeat(np.arange(3), [600, 900, 500])
    mine = np.isin(gu, joining)
    assert (nb[gu[mine]] == nb[gv[mine]]).mean() > 0.85  # mostly in their neighbourhood


def test_adding_no_one_keeps_the_graph() -> None:
    start, end = _blocks([100, 100])
    g = build_graph(start, end, 6.0, 0.5, 0.5, np.random.default_rng(1))
    same, pos = add_ties(g, np.zeros(0, np.int64), start, end, 6.0, 0.5, 0.5,
                         np.random.default_rng(2))  # fmt: skip
    assert same is g and (pos == np.arange(len(g.indices))).all()
