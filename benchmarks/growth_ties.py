"""What a growing town's yearly graph update would cost: ``network.add_ties`` joining a year's
newcomers (``--growth`` of the town, default 1%) at half the formation rule's means, against
building the whole graph, for towns of 10,000 to 1,000,000 residents. The growth rule itself
is not in the model yet (docs/futures.md); this measures the one piece that exists, the part
that must not be paid every week.

    .venv/bin/python benchmarks/growth_ties.py
    .venv/bin/python benchmarks/growth_ties.py --sizes 10000 1000000 --growth 0.02
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from coprod_sim.state.network import Graph, add_ties, build_graph


def blocks(n: int, per_block: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.full(max(1, n // per_block), per_block)
    sizes[-1] += n - sizes.sum()
    end = np.cumsum(sizes)
    return end - sizes, end


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--growth", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print("residents  joiners  build_graph_s  add_ties_s(median)  joiner/stayer_degree")
    for n in a.sizes:
        start, end = blocks(n)
        rng = np.random.default_rng(1)
        t0 = time.perf_counter()
        full = build_graph(start, end, 8.0, 0.6, 0.6, rng)
        t_build = time.perf_counter() - t0
        joining = np.sort(rng.choice(n, int(n * a.growth), replace=False))
        out = np.zeros(n, bool)
        out[joining] = True
        u, v = full.owner_of_edges(), full.indices
        keep = ~out[u] & ~out[v]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(u[keep], minlength=n))])
        old = Graph(indptr, v[keep], n)
        times = []
        for r in range(a.repeat):
            t0 = time.perf_counter()
            g, _ = add_ties(old, joining, start, end, 4.0, 0.3, 0.6, np.random.default_rng(r))
            times.append(time.perf_counter() - t0)
        ratio = g.deg[joining].mean() / g.deg[~out].mean()
        print(f"{n:>9}  {len(joining):>7}  {t_build:>13.3f}  {np.median(times):>18.3f}  "
              f"{ratio:>20.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
