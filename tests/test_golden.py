"""What the model computes does not change by accident, and does not depend on the CPU.

With the default rules, the 60-week weekly series of the demo town and a 10,000-resident town,
with no levers and with all 13, equal the stored series (``tests/data/golden/make_golden.py``
says when they were stored and why).

The promise for results across machines (README, "Reproducible"): the same seed gives
- every count (needs, matches, crises, residents, ...) and so every decision identical, and
- every reported float equal within a relative tolerance of 1e-12 (``FLOAT_RTOL``).
The reported means are summed in a fixed order (``state.arrays.ordered_mean``), so in practice
they are identical too; the tolerance covers a reduction that a CPU's vector units round
differently in the last place. ``test_same_results_under_another_cpu_target`` runs this module
again with numba's generic CPU target and NumPy's wide vector kernels switched off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN = Path(__file__).parent / "data" / "golden"
sys.path.insert(0, str(GOLDEN))
import make_golden  # noqa: E402
from make_golden import CASES, series, version_problem  # noqa: E402

FLOAT_RTOL = 1e-12  # the promise for reported floats across CPUs
FLOAT_ATOL = 1e-300  # only exact zeros may differ from tiny values by nothing


def count_columns(stored: pd.DataFrame) -> list[str]:
    """Columns that hold counts: whole numbers in every stored week."""
    out = []
    for col in stored.columns:
        v = stored[col].to_numpy(dtype=np.float64)
        if np.all(np.isfinite(v)) and np.all(v == np.round(v)):
            out.append(col)
    return out


def assert_same_results(now: pd.DataFrame, stored: pd.DataFrame) -> None:
    """Counts exactly, floats within FLOAT_RTOL; names the first column that breaks it."""
    assert list(now.columns) == list(stored.columns)
    assert now.index.equals(stored.index)
    counts = set(count_columns(stored))
    for col in stored.columns:
        a = now[col].to_numpy(dtype=np.float64)
        b = stored[col].to_numpy(dtype=np.float64)
        if col in counts:
            assert np.array_equal(a, b), f"count column {col!r} differs from the stored series"
        else:
            np.testing.assert_allclose(
                a, b, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, err_msg=f"column {col!r}"
            )


@pytest.mark.parametrize("case", list(CASES))
def test_weekly_series_equal_to_stored(case: str) -> None:
    stored = pd.read_parquet(GOLDEN / f"{case}.parquet")
    assert_same_results(series(case), stored)


@pytest.mark.parametrize("case", list(CASES))
def test_golden_series_made_with_this_results_version(case: str) -> None:
    """A change of results bumps RESULTS_VERSION and regenerates the golden series (and with
    them every versioned artefact): stored series of another version fail here."""
    problem = version_problem(case)
    assert problem is None, problem


def test_make_golden_refuses_a_changed_series_under_the_same_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A series that changed is not stored under the version of the one it replaces; after a
    bump it is, and the new version is recorded (tried in a copy of one stored case)."""
    stored = pd.read_parquet(GOLDEN / "demo_none.parquet")
    stored.to_parquet(tmp_path / "demo_none.parquet")
    now = make_golden.RESULTS_VERSION
    (tmp_path / make_golden.VERSIONS).write_text(f'{{"demo_none": {now}}}')
    changed = stored.copy()
    changed.loc[changed.index[5], "needs_arisen"] += 1
    same = make_golden.store(["demo_none"], tmp_path, make=lambda case: stored.copy())
    assert same == ["demo_none"]  # unchanged series may be stored again
    with pytest.raises(make_golden.GoldenVersionError, match="bump RESULTS_VERSION"):
        make_golden.store(["demo_none"], tmp_path, make=lambda case: changed)
    assert pd.read_parquet(tmp_path / "demo_none.parquet").equals(stored)
    monkeypatch.setattr(make_golden, "RESULTS_VERSION", now + 1)
    assert make_golden.version_problem("demo_none", tmp_path) is not None
    make_golden.store(["demo_none"], tmp_path, make=lambda case: changed)
    assert make_golden.stored_versions(tmp_path) == {"demo_none": now + 1}
    assert make_golden.version_problem("demo_none", tmp_path) is None


def test_make_golden_stores_added_columns_under_the_same_version(tmp_path: Path) -> None:
    """New columns with every stored column unchanged keep the stored version; new columns
    with a stored column changed are refused under it (tried in a copy of one stored case)."""
    stored = pd.read_parquet(GOLDEN / "demo_none.parquet")
    stored.to_parquet(tmp_path / "demo_none.parquet")
    made = make_golden.RESULTS_VERSION
    (tmp_path / make_golden.VERSIONS).write_text(f'{{"demo_none": {made}}}')
    wider = stored.assign(new_series=1.5)
    broken = wider.copy()
    broken.loc[broken.index[5], "needs_arisen"] += 1
    with pytest.raises(make_golden.GoldenVersionError, match="bump RESULTS_VERSION"):
        make_golden.store(["demo_none"], tmp_path, make=lambda case: broken)
    assert make_golden.store(["demo_none"], tmp_path, make=lambda case: wider) == ["demo_none"]
    assert pd.read_parquet(tmp_path / "demo_none.parquet").equals(wider)
    assert make_golden.stored_versions(tmp_path) == {"demo_none": made}


def test_the_comparison_catches_a_change() -> None:
    """The tolerance is not a blanket: a count off by one, or a float off by 1e-9, fails."""
    stored = pd.read_parquet(GOLDEN / "demo_none.parquet")
    counts = count_columns(stored)
    assert "needs_arisen" in counts and "trust_neighbours" not in counts
    bumped = stored.copy()
    bumped.loc[bumped.index[3], "needs_arisen"] += 1
    with pytest.raises(AssertionError, match="needs_arisen"):
        assert_same_results(bumped, stored)
    nudged = stored.copy()
    nudged.loc[nudged.index[3], "trust_neighbours"] *= 1 + 1e-9
    with pytest.raises(AssertionError, match="trust_neighbours"):
        assert_same_results(nudged, stored)


def _other_cpu_env(tmp_path: Path) -> dict[str, str]:
    """numba compiling for a generic x86-64/aarch64 CPU (into a cache of its own), and NumPy
    with every optional vector kernel this CPU has switched off."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    off = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        NUMBA_CPU_NAME="generic",
        NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"),
        NPY_DISABLE_CPU_FEATURES=" ".join(off),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.mark.slow
def test_same_results_under_another_cpu_target(tmp_path: Path) -> None:
    """The golden cases pass when numba targets a generic CPU and NumPy's wide vector units
    are off (a stand-in for another machine; see the module docstring)."""
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        f"{Path(__file__).resolve()}::test_weekly_series_equal_to_stored",
    ]  # fmt: skip
    done = subprocess.run(
        cmd, env=_other_cpu_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(CASES)} passed" in done.stdout, done.stdout[-2000:]
