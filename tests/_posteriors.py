"""A small valid posterior for tests (shared by the calibration, io and sweeps tests)."""

from __future__ import annotations

import numpy as np

from coprod_sim.calibration import Posterior
from coprod_sim.parameters import parameter_rows
from coprod_sim.scenario import Scenario


def spread_posterior(n: int, shift: float = 0.0, town: str = "demo") -> Posterior:
    """``n`` equally weighted particles spread evenly over the calibrated parameters' priors
    (moved by ``shift`` of each prior's width, wrapping round: a refit), so that different
    seeds draw different sets."""
    rows = [r for r in parameter_rows(Scenario) if r["prior"] is not None]
    return Posterior(
        town=town,
        scale=1.0,
        created="2026-11-29T17:00:00Z",
        parameters=[
            {"name": r["name"], "unit": r["unit"], "low": r["prior"][0], "high": r["prior"][1]}
            for r in rows
        ],
        particles=[
            [r["prior"][0] + (f + shift) % 1 * (r["prior"][1] - r["prior"][0]) for r in rows]
            for f in np.linspace(0.05, 0.95, n)
        ],
        weights=[1 / n] * n,
        distance={"name": "test"},
    )
