import numpy as np
import pytest

from coprod_sim.state.arrays import (
    expand_rows,
    not_in,
    one_blas_thread,
    order_within,
    random_keys,
    rows_by_value,
    unique_ints,
)
from coprod_sim.state.willingness import willingness_matrix


@pytest.mark.parametrize("n", [1, 2, 7, 3_300, 200_000])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16])
def test_order_within_equals_lexsort_by_group_then_key(n: int, dtype: type) -> None:
    rng = np.random.default_rng(n)
    top = min(2 * n, 30_000)
    group = rng.integers(-40, top, n).astype(dtype)  # negative too (the time bank: -priority)
    key = random_keys(rng, n)
    assert np.array_equal(order_within(group, key), np.lexsort((key, group)))


def test_order_within_falls_back_when_groups_leave_too_few_key_bits() -> None:
    rng = np.random.default_rng(1)
    group = np.array([0, 2**50, 5, 2**50, 0], np.int64)
    key = random_keys(rng, len(group))
    assert np.array_equal(order_within(group, key), np.lexsort((key, group)))
    assert len(order_within(np.zeros(0, np.int64), random_keys(rng, 0))) == 0


def test_random_keys_use_as_many_draws_as_random() -> None:
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    random_keys(a, 100)
    b.random(100)
    assert a.random() == b.random()


def test_unique_ints_and_expand_rows() -> None:
    assert unique_ints(np.array([3, 1, 3, 2, 1])).tolist() == [1, 2, 3]
    indptr = np.array([0, 2, 2, 5])
    row_id, pos = expand_rows(indptr, np.array([2, 0, 1]))
    assert row_id.tolist() == [0, 0, 0, 1, 1]
    assert pos.tolist() == [2, 3, 4, 0, 1]


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_expand_rows_compiled_equals_plain_python_and_the_whole_array_form(dtype: type) -> None:
    rng = np.random.default_rng(6)
    deg = rng.integers(0, 6, 500)
    indptr = np.concatenate([[0], np.cumsum(deg)]).astype(dtype)
    for rows in (rng.integers(0, 500, 80).astype(dtype), np.zeros(0, dtype), np.arange(500)):
        row_id, pos = expand_rows(indptr, rows)
        py_id, py_pos = expand_rows.py_func(indptr, rows)
        # the form it replaced: repeat each row's index by its degree, count along its ties
        start = indptr[rows]
        d = indptr[rows + 1] - start
        want_id = np.repeat(np.arange(len(rows)), d)
        want_pos = start[want_id] + (np.arange(d.sum()) - (np.cumsum(d) - d)[want_id])
        for got in ((row_id, pos), (py_id, py_pos)):
            assert got[0].dtype == got[1].dtype == np.int64
            assert np.array_equal(got[0], want_id) and np.array_equal(got[1], want_pos)


def test_not_in_equals_not_isin() -> None:
    rng = np.random.default_rng(3)
    values = rng.choice(1_000, 300, replace=False)
    rows = np.sort(rng.choice(1_000, 40, replace=False))
    assert np.array_equal(not_in(values, rows, 1_000), ~np.isin(values, rows))
    assert not_in(values, rows[:0], 1_000).all()
    assert len(not_in(values[:0], rows, 1_000)) == 0


def test_one_blas_thread_gives_the_same_product_on_one_thread_and_restores_the_limit() -> None:
    """The yearly barrier attribution's product (0/1 activities x their mean task properties,
    float32) is the same bits on one BLAS thread as on the default threads."""
    from threadpoolctl import threadpool_info

    rng = np.random.default_rng(3)
    W = willingness_matrix(rng.integers(0, 2**12, 100_000).astype(np.uint16)).astype(np.float32)
    props = rng.random((W.shape[1], 3)).astype(np.float32)
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    with one_blas_thread():
        inside = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        one = W @ props
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert set(inside) <= {1} and after == before
    assert (W @ props).tobytes() == one.tobytes()


@pytest.mark.parametrize("dtype", [np.int8, np.int64])
def test_rows_by_value_compiled_equals_plain_python_and_flatnonzero_per_value(dtype: type) -> None:
    rng = np.random.default_rng(7)
    for values in (
        rng.integers(-1, 4, 1_000).astype(dtype),  # -1 and 3: outside 0..2, left out
        np.zeros(0, dtype),
        np.full(5, 2, dtype),  # groups 0 and 1 empty
    ):
        rows, start, size = rows_by_value(values, 3)
        py = rows_by_value.py_func(values, 3)
        for got, want in zip((rows, start, size), py, strict=True):
            assert got.dtype == np.int64 and np.array_equal(got, want)
        runs = [np.flatnonzero(values == v) for v in range(3)]
        assert np.array_equal(rows, np.concatenate(runs))
        assert size.tolist() == [len(r) for r in runs]
        assert start.tolist() == [0, len(runs[0]), len(runs[0]) + len(runs[1])]
