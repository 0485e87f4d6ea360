"""The burned-in town, computed once: a cached and an uncached run are bit-identical; a
changed parameter, seed, rule or code version misses; a damaged entry is refused and rebuilt;
two processes storing the same key leave one good entry."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import needs_by_kind_channel, summary_metrics, weekly_series
from coprod_sim.mechanisms import commitment
from coprod_sim.state import burn_in_cache

KW = dict(n_residents=800, burn_in_years=1)


def entries() -> list[Path]:
    return sorted(burn_in_cache.folder().glob("*.pkl"))


def outputs(model: CoproductionModel) -> tuple:
    model.run_weeks(30)
    return (
        weekly_series(model, include_burn_in=True),
        summary_metrics(model),
        needs_by_kind_channel(model),
    )


def assert_same(a: tuple, b: tuple) -> None:
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    assert a[1] == b[1] or pd.Series(a[1]).equals(pd.Series(b[1]))
    pd.testing.assert_frame_equal(a[2], b[2], check_exact=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_cached_equals_uncached_bit_for_bit(seed: int) -> None:
    plain = outputs(CoproductionModel(rng=seed, policies=["time_bank", "training"], **KW))
    first = outputs(
        CoproductionModel(rng=seed, policies=["time_bank", "training"], burn_in_cache=True, **KW)
    )
    assert len(entries()) == 1
    # the same burned-in town serves another arm (other levers) of the same replication
    again = outputs(
        CoproductionModel(rng=seed, policies=["time_bank", "training"], burn_in_cache=True, **KW)
    )
    other_arm = CoproductionModel(rng=seed, burn_in_cache=True, **KW)
    assert len(entries()) == 1
    assert other_arm.week == 0
    assert len(other_arm.burn_in_datacollector.get_model_vars_dataframe()) == 52
    assert_same(plain, first)
    assert_same(plain, again)


def test_a_changed_world_parameter_seed_or_code_misses(monkeypatch) -> None:
    CoproductionModel(rng=1, burn_in_cache=True, **KW)
    CoproductionModel(rng=1, burn_in_cache=True, fear_commitment_mean=0.5, **KW)
    CoproductionModel(rng=2, burn_in_cache=True, **KW)
    assert len(entries()) == 3
    monkeypatch.setattr(burn_in_cache, "code_fingerprint", lambda: "another version")
    CoproductionModel(rng=1, burn_in_cache=True, **KW)
    assert len(entries()) == 4


def test_replaced_rules_and_off_are_not_cached(monkeypatch) -> None:
    def slow_fatigue(fatigue, committed, tolerance, rate, recovery):
        return commitment.next_fatigue(fatigue, committed, tolerance, rate, recovery)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        CoproductionModel(rng=1, burn_in_cache=True, rules={"fatigue": slow_fatigue}, **KW)
    assert entries() == []
    monkeypatch.setenv("COPROD_SIM_CACHE", "off")
    CoproductionModel(rng=1, burn_in_cache=True, **KW)
    assert not Path("off").exists()


def test_a_damaged_entry_is_refused_with_a_warning_and_rebuilt() -> None:
    plain = outputs(CoproductionModel(rng=4, **KW))
    CoproductionModel(rng=4, burn_in_cache=True, **KW)
    (entry,) = entries()
    raw = bytearray(entry.read_bytes())
    raw[-100] ^= 0xFF  # one flipped byte in the stored state
    entry.write_bytes(bytes(raw))
    with pytest.warns(burn_in_cache.CacheWarning, match="damaged"):
        rebuilt = CoproductionModel(rng=4, burn_in_cache=True, **KW)
    assert_same(plain, outputs(rebuilt))
    (entry,) = entries()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rebuilt entry is good: no warning
        assert_same(plain, outputs(CoproductionModel(rng=4, burn_in_cache=True, **KW)))


def test_the_cache_keeps_under_its_size_cap(monkeypatch) -> None:
    CoproductionModel(rng=1, burn_in_cache=True, **KW)
    size = entries()[0].stat().st_size
    monkeypatch.setenv("COPROD_SIM_CACHE_MAX_MB", str(2.5 * size / 2**20))
    for seed in (2, 3, 4):
        CoproductionModel(rng=seed, burn_in_cache=True, **KW)
    assert len(entries()) == 2  # the least recently used went


CHILD = """
from coprod_sim import CoproductionModel
m = CoproductionModel(rng=9, n_residents=3000, burn_in_years=2, burn_in_cache=True)
m.run_weeks(5)
print(m.datacollector.get_model_vars_dataframe()["needs_arisen"].sum())
"""


@pytest.mark.slow
def test_two_processes_storing_the_same_key_leave_one_good_entry(tmp_path: Path) -> None:
    env = {**os.environ}
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and outs[0] == outs[1]
    files = list(burn_in_cache.folder().iterdir())
    assert len(files) == 1 and files[0].suffix == ".pkl"  # no temporary file left
    again = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", CHILD], env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.strip() == outs[0], again.stderr
