"""Small whole-array helpers shared by the mechanisms (measured faster than the obvious call)."""

from __future__ import annotations

import numpy as np


def unique_ints(a: np.ndarray) -> np.ndarray:
    """Sorted unique values by sort + mask (np.unique's hash path is several times slower
    on large int arrays in numpy 2.5)."""
    if len(a) == 0:
        return a
    s = np.sort(a)
    keep = np.empty(len(s), bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def expand_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows ``rows``: (position in ``rows`` of each entry, CSR position of each entry)."""
    start = indptr[rows]
    deg = indptr[rows + 1] - start
    total = int(deg.sum())
    row_id = np.repeat(np.arange(len(rows)), deg)
    first = np.cumsum(deg) - deg
    pos = start[row_id] + (np.arange(total) - first[row_id])
    return row_id, pos


def order_within(group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices that sort by integer ``group`` (ascending), then by ``u`` in [0, 1) (a random
    tie-break): ``np.lexsort((u, group))`` as one argsort of ``group + u``, several times
    faster (100,000 keys: 4 ms against 19 ms). In the sum ``u`` keeps 52 - log2(|group|)
    bits (32 at a million residents), so two rows of one group tie only with negligible
    probability, and a tie would just order them the other way."""
    return np.argsort(np.asarray(group, np.float64) + u)
