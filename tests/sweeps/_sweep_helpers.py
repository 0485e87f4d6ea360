"""Helpers shared by the sweep tests (imported by name: pytest puts this folder on the path)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coprod_sim.sweeps import load_results

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke.toml"


def tiny_design(**sweep: object) -> dict:
    """A small arms design (two arms on a 200-resident town, 6 weeks) for in-process tests."""
    return {
        "sweep": {"name": "tiny", "seed": 7, "replications": 3, "weeks": 6, **sweep},
        "world": {"n_residents": 200},
        "arms": [{"name": "baseline"}, {"name": "time_bank", "levers": {"time_bank": {}}}],
    }


def comparable(out: Path) -> pd.DataFrame:
    """Results sorted by run, for exact comparison between executors."""
    return load_results(out).sort_values(["point", "replication"]).reset_index(drop=True)
