"""A sweep burns each replication's town in once: every arm of a replication restores the same
burned-in town from the cache (issue 27), with the same results as computing it every time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from _sweep_helpers import comparable

from coprod_sim.state import burn_in_cache
from coprod_sim.sweeps import Design, run_sweep

DESIGN = {
    "sweep": {"name": "shared", "seed": 11, "replications": 2, "weeks": 8},
    "world": {"n_residents": 300, "burn_in_years": 1},
    "arms": [
        {"name": "baseline"},
        {"name": "time_bank", "levers": {"time_bank": {}}},
        {"name": "asks", "levers": {"personal_asks": {}}},
    ],
}


def test_each_replication_burns_in_once_and_results_equal_no_cache(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("COPROD_SIM_CACHE", str(tmp_path / "cache"))
    run_sweep(Design.from_dict(DESIGN), tmp_path / "cached", workers=0)
    assert len(list(burn_in_cache.folder().glob("*.pkl"))) == 2  # 2 replications, 3 arms each
    monkeypatch.setenv("COPROD_SIM_CACHE", "off")
    run_sweep(Design.from_dict(DESIGN), tmp_path / "plain", workers=0)
    pd.testing.assert_frame_equal(
        comparable(tmp_path / "cached").drop(columns=["seconds"], errors="ignore"),
        comparable(tmp_path / "plain").drop(columns=["seconds"], errors="ignore"),
        check_exact=True,
    )
