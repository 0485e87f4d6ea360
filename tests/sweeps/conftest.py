"""Shared sweep fixture: the smoke design run once locally (2 worker processes) as the
reference every other executor, worker count and interrupted run must reproduce."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sweep_helpers import SMOKE

from coprod_sim.sweeps import load_design, run_sweep


@pytest.fixture(scope="session")
def smoke_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("smoke") / "reference"
    run_sweep(load_design(SMOKE), out, workers=2)
    return out
