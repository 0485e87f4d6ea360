"""A sweep's totals cover the measured weeks only, after its burn_in_weeks: money by payer adds
up to cost_total, as in `coprod-sim run` (the payers' cash once counted the burn-in too)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _sweep_helpers import tiny_design

from coprod_sim.analysis import costs
from coprod_sim.sweeps import Design, load_results, run_sweep

PAYERS = [f"cost_{payer}_gbp" for payer in costs.PAYERS]  # the NHS pays emergency responses


def test_payers_add_up_to_cost_total_after_a_sweep_burn_in(tmp_path: Path) -> None:
    design = Design.from_dict(tiny_design(burn_in_weeks=5))
    run_sweep(design, tmp_path / "out", workers=0)
    wide = load_results(tmp_path / "out")
    assert (wide["cost_total"] > 0).all()
    np.testing.assert_allclose(wide[PAYERS].sum(axis=1), wide["cost_total"], rtol=1e-12)
    assert (wide["roles_arisen"] >= 0).all() and (wide["professional_hours_paid"] > 0).all()
