"""The social graph: neighbourhoods with dense ties inside and a few bridges between them.

Built on arrays (an edge list in NumPy, deduplicated with sort + mask, then CSR), because
networkx costs 260-420 bytes per edge and about 50 s for a million residents. The weekly step
reads the CSR arrays; ``to_networkx`` gives users the same graph as a networkx ``Graph``
(built on first use, with neighbourhood and trust attributes).

Residents are numbered so each neighbourhood is a contiguous block ``[start, end)``. Each
resident proposes Poisson(ties_local / 2) local ties, a share ``tie_clustering`` of them to
residents within ``STREET_WIDTH`` places in the block (street-level clusters, giving
transitivity) and the rest anywhere in the block, plus Poisson(ties_bridge / 2) ties to anyone
in town; ties are made mutual, so mean degree is about ties_local + ties_bridge.

``add_ties`` gives residents who join a growing town their ties by the same rule and
``drop_ties`` removes those of residents who leave a shrinking one (issue 26,
``mechanisms.futures.follow_population``); otherwise the graph never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from numba import njit

from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.arrays import expand_rows


class GraphParams(Strict):
    """The social graph: local ties, bridging ties, clustering."""

    ties_local: float = param(
        8.0,
        unit="ties/resident",
        role="world",
        ge=0,
        le=60,
        source=ASSUME,
        doc="Mean ties to residents of the same neighbourhood.",
    )
    ties_bridge: float = param(
        0.6,
        unit="ties/resident",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Mean ties to residents of other neighbourhoods (bridges).",
    )
    tie_clustering: float = param(
        0.6,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of local ties made to nearby residents (street-level clusters) "
        "rather than anywhere in the neighbourhood.",
    )


STREET_WIDTH = 12  # residents either side counted as "nearby" (assumption)


@dataclass
class Graph:
    """CSR adjacency: the ties of resident i are ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray  # n + 1 (int32 while the ties fit, else int64)
    indices: np.ndarray  # int32, one entry per directed tie
    n: int
    # the ties never change, so per-resident degree is kept once: the weekly step reads it
    # with one gather instead of two of indptr
    deg: np.ndarray = field(init=False, repr=False)  # int32, n
    inv_deg: np.ndarray = field(init=False, repr=False)  # float32, 1 / max(degree, 1)

    def __post_init__(self) -> None:
        # 4-byte offsets halve the memory a random gather touches (at a million residents a
        # gather of 333,000 degrees takes 0.8 ms from int32 and 3.1 ms from int64)
        indptr = np.asarray(self.indptr)
        small = len(indptr) == 0 or int(indptr[-1]) < np.iinfo(np.int32).max
        self.indptr = indptr.astype(np.int32 if small else np.int64)
        self.deg = np.diff(self.indptr).astype(np.int32)
        self.inv_deg = (1.0 / np.maximum(self.deg, 1)).astype(np.float32)

    @property
    def degree(self) -> np.ndarray:
        return self.deg.copy()

    @property
    def n_edges(self) -> int:
        """Undirected ties."""
        return len(self.indices) // 2

    def owner_of_edges(self) -> np.ndarray:
        """Source resident of each directed tie (int32)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), self.deg)


def build_graph(
    block_start: np.ndarray,
    block_end: np.ndarray,
    ties_local: float,
    ties_bridge: float,
    clustering: float,
    rng: np.random.Generator,
) -> Graph:
    """Draw the town's ties; see the module docstring for the rule."""
    n = int(block_end[-1]) if len(block_end) else 0
    if n == 0:
        return Graph(np.zeros(1, np.int64), np.zeros(0, np.int32), 0)
    sizes = (block_end - block_start).astype(np.int64)
    nb_of = np.repeat(np.arange(len(sizes)), sizes)
    start = block_start[nb_of].astype(np.int64)
    size = sizes[nb_of]

    k_local = rng.poisson(ties_local / 2.0, n)
    src = np.repeat(np.arange(n, dtype=np.int64), k_local)
    dst = _local_targets(src, start[src], size[src], clustering, rng)

    k_bridge = rng.poisson(ties_bridge / 2.0, n)
    b_src = np.repeat(np.arange(n, dtype=np.int64), k_bridge)
    b_dst = rng.integers(0, n, len(b_src))

    u = np.concatenate([src, b_src, dst, b_dst])
    v = np.concatenate([dst, b_dst, src, b_src])
    keep = u != v
    return _csr(_unique(u[keep] * n + v[keep]), n)


def _local_targets(
    src: np.ndarray, s_start: np.ndarray, s_size: np.ndarray, clustering: float, rng
) -> np.ndarray:
    """The resident each local tie proposed by ``src`` goes to (the rule of the module's
    docstring): a share ``clustering`` within ``STREET_WIDTH`` places in the block, the rest
    anywhere in it."""
    near = rng.random(len(src)) < clustering
    offset = rng.integers(1, STREET_WIDTH + 1, len(src)) * np.where(
        rng.random(len(src)) < 0.5, -1, 1
    )
    pos_near = s_start + (src - s_start + offset) % np.maximum(s_size, 1)
    pos_any = s_start + (rng.random(len(src)) * s_size).astype(np.int64)
    return np.where(near, pos_near, pos_any)


def _unique(key: np.ndarray, kind: str | None = None) -> np.ndarray:
    """The sorted distinct tie keys (``u * n + v``), sorted in place (``kind="stable"``: a
    merge of sorted runs, linear when the keys are a few sorted runs)."""
    key.sort(kind=kind)
    if len(key):
        first = np.empty(len(key), bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        key = key[first]
    return key


def _csr(key: np.ndarray, n: int) -> Graph:
    """The graph of sorted distinct tie keys ``u * n + v``."""
    u = key // n
    indices = (key - u * n).astype(np.int32)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])
    return Graph(indptr, indices, n)


def add_ties(
    graph: Graph,
    new: np.ndarray,
    block_start: np.ndarray,
    block_end: np.ndarray,
    ties_local: float,
    ties_bridge: float,
    clustering: float,
    rng: np.random.Generator,
    present: np.ndarray | None = None,
) -> tuple[Graph, np.ndarray]:
    """Ties for residents ``new`` who join a town (rows of ``graph`` in their neighbourhood's
    block, without ties yet), by the formation rule of ``build_graph``: each proposes
    Poisson(``ties_local``) local ties (a share ``clustering`` of them nearby) and
    Poisson(``ties_bridge``) bridges, made mutual. At set-up a resident proposes half their
    mean ties and receives the other half; a newcomer, whom nobody proposes to, proposes the
    whole mean, so their mean degree is about ``ties_local + ties_bridge`` (a growing town's
    newcomers fewer: the caller scales the means by a share). Ties to rows not ``present``
    (a vacant row) and to oneself are dropped, as are duplicates.

    Returns the new graph and, for each tie of ``graph`` (its CSR position), its position in
    the new one, so that per-tie arrays (trust) carry over: ``new_array[pos] = old_array``.
    """
    n = graph.n
    new = np.asarray(new, np.int64)
    old_key = graph.owner_of_edges().astype(np.int64) * n + graph.indices
    if len(new) == 0:
        return graph, np.arange(len(old_key))
    start = np.asarray(block_start, np.int64)
    size = np.asarray(block_end, np.int64) - start
    block = np.searchsorted(np.asarray(block_end, np.int64), new, side="right")
    k_local = rng.poisson(ties_local, len(new))
    src = np.repeat(new, k_local)
    b = np.repeat(block, k_local)
    dst = _local_targets(src, start[b], size[b], clustering, rng)
    b_src = np.repeat(new, rng.poisson(ties_bridge, len(new)))
    b_dst = rng.integers(0, n, len(b_src))
    u = np.concatenate([src, b_src])
    v = np.concatenate([dst, b_dst])
    keep = u != v
    if present is not None:
        keep &= present[v]
    u, v = u[keep], v[keep]
    added = np.concatenate([u * n + v, v * n + u])
    added.sort()
    key = _unique(np.concatenate([old_key, added]), kind="stable")  # two sorted runs: a merge
    return _csr(key, n), np.searchsorted(key, old_key)


def drop_ties(graph: Graph, rows: np.ndarray) -> tuple[Graph, np.ndarray]:
    """The graph without any tie of ``rows`` (residents who leave a shrinking town; both
    directions go). Returns the new graph and, for each tie of ``graph`` (its CSR position), its
    position in the new one, -1 for a tie removed, so per-tie arrays carry over."""
    n = graph.n
    gone = np.zeros(n, bool)
    gone[np.asarray(rows, np.int64)] = True
    owner = graph.owner_of_edges()
    keep = ~(gone[owner] | gone[graph.indices])
    key = owner[keep].astype(np.int64) * n + graph.indices[keep]  # still sorted and distinct
    pos = np.full(len(keep), -1, np.int64)
    pos[keep] = np.arange(int(keep.sum()))
    return _csr(key, n), pos


def sample_ties(
    graph: Graph, who: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One random tie of each resident in ``who``: (tie's resident, tie's position in CSR).

    Residents without ties get -1 for both.
    """
    if len(graph.indices) == 0:
        none = np.full(len(who), -1, np.int64)
        return none, none.copy()
    deg = graph.deg[who]
    pos = graph.indptr[who] + (rng.random(len(who)) * deg).astype(np.int64)
    out = graph.indices[np.minimum(pos, len(graph.indices) - 1)].astype(np.int64)
    none = deg == 0
    if none.any():
        out[none] = -1
        pos[none] = -1
    return out, pos


def row_mean(graph: Graph, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over the ties of each resident in ``rows`` (0 with no ties)."""
    deg = graph.deg[rows]
    row_id, pos = expand_rows(graph.indptr, rows)
    sums = np.bincount(row_id, weights=values[graph.indices[pos]], minlength=len(rows))
    return (sums / np.maximum(deg, 1)).astype(np.float32)


def tie_counts_update(graph: Graph, counts: np.ndarray, who: np.ndarray, sign: np.ndarray) -> None:
    """Add ``sign`` (+1/-1 per resident in ``who``) to ``counts`` of each of their ties:
    keeps "how many of my ties did X" current without a pass over every tie each week."""
    add_to_ties(graph.indptr, graph.indices, who, sign.astype(counts.dtype), counts)


def to_networkx(graph: Graph, nbhd: np.ndarray, tie_trust: np.ndarray | None = None) -> nx.Graph:
    """The same ties as a networkx Graph, with ``nbhd`` on nodes and mean ``trust`` on edges."""
    g = nx.Graph()
    g.add_nodes_from((i, {"nbhd": int(nbhd[i])}) for i in range(graph.n))
    src = graph.owner_of_edges()
    upper = src < graph.indices
    if tie_trust is None:
        g.add_edges_from(zip(src[upper].tolist(), graph.indices[upper].tolist(), strict=True))
    else:
        # mean of the two directed trusts: look up the reverse tie by sorted key
        key = src.astype(np.int64) * graph.n + graph.indices
        rkey = graph.indices.astype(np.int64) * graph.n + src
        rev = np.searchsorted(key, rkey)
        mean = 0.5 * (tie_trust + tie_trust[rev])
        g.add_edges_from(
            (int(a), int(b), {"trust": float(t)})
            for a, b, t in zip(src[upper], graph.indices[upper], mean[upper], strict=True)
        )
    return g


@njit(cache=True, nogil=True)
def add_to_ties(indptr, indices, who, sign, counts):
    """Add ``sign[j]`` to ``counts`` of every tie of resident ``who[j]`` (CSR ``indptr``,
    ``indices``): the walk over a few residents' ties that keeps "how many of my ties did X"
    current, without expanding the ties into temporary arrays."""
    for j in range(len(who)):
        s = sign[j]
        for q in range(indptr[who[j]], indptr[who[j] + 1]):
            counts[indices[q]] += s
