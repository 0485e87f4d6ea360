"""Small whole-array helpers shared by the mechanisms (measured faster than the obvious call).

The compiled ones (numba, cached next to this file) are bookkeeping, not model rules: sums and
counts by index in one pass, with no temporaries.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache

import numpy as np
from numba import njit
from threadpoolctl import ThreadpoolController


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()  # finds the BLAS libraries once (a few ms)


def one_blas_thread() -> AbstractContextManager:
    """A context in which NumPy's BLAS runs on the calling thread only. For a small product
    (the yearly barrier attribution's ``W @ props``: each row of the result is computed by the
    same kernel either way, so the result is the same) a second BLAS thread adds nothing but
    its busy wait after the call: ~0.1 s of CPU each time at 100,000 residents."""
    return _blas().limit(limits=1, user_api="blas")


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


def not_in(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Which of ``values`` (ids in ``0 .. n-1``) are not among ``rows``: ``~np.isin(values,
    rows)`` read from a mask of ``n`` flags (for a week's few hundred leavers, 5-30x faster
    than np.isin, whose sort or table costs more than the mask)."""
    among = np.zeros(n, bool)
    among[rows] = True
    return ~among[values]


@njit(cache=True, nogil=True)
def expand_rows(indptr, rows):
    """For CSR rows ``rows``: (position in ``rows`` of each entry, CSR position of each entry),
    both int64, row by row. Compiled: a week asks it of a few dozen rows several times, where
    the whole-array form's ten NumPy calls cost more than the work."""
    total = 0
    for r in rows:
        total += indptr[r + 1] - indptr[r]
    row_id = np.empty(total, np.int64)
    pos = np.empty(total, np.int64)
    k = 0
    for i in range(len(rows)):
        for p in range(indptr[rows[i]], indptr[rows[i] + 1]):
            row_id[k] = i
            pos[k] = p
            k += 1
    return row_id, pos


@njit(cache=True, nogil=True)
def rows_by_value(values, n):
    """(rows, start, size): the rows where ``values`` is 0, then those where it is 1, ... up to
    ``n - 1``, each run in row order (other values left out), with each run's first position
    and length, all int64: ``np.flatnonzero(values == v)`` for each ``v``, concatenated, in
    two passes instead of ``n`` (a counting sort). Compiled: turnover rebuilds the age groups
    this way most weeks."""
    size = np.zeros(n, np.int64)
    for x in values:
        if 0 <= x < n:
            size[x] += 1
    start = np.zeros(n, np.int64)
    for v in range(1, n):
        start[v] = start[v - 1] + size[v - 1]
    rows = np.empty(size.sum(), np.int64)
    at = start.copy()
    for i in range(len(values)):
        x = values[i]
        if 0 <= x < n:
            rows[at[x]] = i
            at[x] += 1
    return rows, start, size


def random_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 64-bit keys (uint64) for ``order_within``: one raw draw each, as many draws
    as ``rng.random(n)`` and no conversion to floats."""
    return rng.bit_generator.random_raw(n)


def order_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Indices that sort by integer ``group`` (ascending), then by random ``key`` (uint64, from
    ``random_keys``): ``np.lexsort((key, group))``, computed as one ``np.sort`` of int64 words
    packing (group, top bits of key, index) and reading the index back. numpy's sort is
    SIMD-accelerated and its argsort is not: 3,300 keys take about 35 us against 90 us for
    an argsort (300,000: 9 ms against 18 ms). The key keeps ``63 - bits(index) -
    bits(group range)`` bits (about 24 at a million residents), so two rows of one group tie
    only with negligible probability, and a tie is broken by position. With fewer than 16
    bits to spare it falls back to ``np.lexsort``."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.intp)
    g = np.asarray(group, np.int64)
    lo = int(g.min())
    b_idx = max((n - 1).bit_length(), 1)
    b_key = 63 - b_idx - (int(g.max()) - lo).bit_length()
    if b_key < 16:
        return np.lexsort((key, g))
    packed = g - lo  # a new array, safe to change in place
    packed <<= b_key
    packed |= (np.asarray(key, np.uint64) >> np.uint64(64 - b_key)).view(np.int64)
    packed <<= b_idx
    packed |= np.arange(n)
    packed.sort()
    packed &= (1 << b_idx) - 1
    return packed


@njit(cache=True, nogil=True)
def add_by_helper(helper, hours, out):
    """Add each row's ``hours`` to its helper's entry of ``out`` (rows with ``helper < 0`` are
    skipped), in row order: the same sums as ``np.add.at``, in one pass and no temporaries."""
    for i in range(len(helper)):
        h = helper[i]
        if h >= 0:
            out[h] += hours[i]


@njit(cache=True, nogil=True)
def count_into(idx, out):
    """``np.add.at(out, idx, 1)`` in one pass: count each index."""
    for i in range(len(idx)):
        out[idx[i]] += 1


@njit(cache=True, nogil=True)
def _ordered_sums(x, w):
    """(sum of w*x, sum of w) in float64, one element after another: no vector units and no
    pairwise blocks, so the rounding is the same on every CPU (numba does not contract a*b+c
    into a fused multiply-add without fastmath)."""
    total = 0.0
    weight = 0.0
    for i in range(len(x)):
        total += np.float64(w[i]) * np.float64(x[i])
        weight += np.float64(w[i])
    return total, weight


def ordered_mean(x: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The (weighted) mean of ``x`` summed in a fixed order, so a reported mean is the same to
    the bit on any CPU (``np.mean`` and ``np.average`` round differently by vector width).
    NaN for an empty array or zero total weight."""
    x = np.ascontiguousarray(x)
    w = np.ones(len(x)) if weights is None else np.ascontiguousarray(weights, np.float64)
    total, weight = _ordered_sums(x, w)
    return total / weight if weight != 0 else float("nan")


@njit(cache=True)
def _ready(x):
    return x + 1


# The first call of any compiled function in a process loads numba's registries (about 0.4 s
# here): done once at import, so a model's first week costs what the others do.
_ready(0)
