"""A cheap stand-in for the model in calibration tests: the fit's measures as a smooth function
of the calibrated parameters plus seeded noise (the seed comes from NumPy's global stream, as
the fit's ``Simulator`` takes it), so a fit runs in seconds and its truth is known."""

from __future__ import annotations

import numpy as np

from coprod_sim.calibration.fit import summary_statistics
from coprod_sim.calibration.targets import MEASURE_KEYS, calibrated_parameters
from coprod_sim.state.willingness import ACTIVITIES

ROWS = calibrated_parameters()
#: the synthetic model meets every target at these positions in the priors (scaled to [0, 1])
TRUTH = {"u0": 0.4, "u1": 0.6, "u2": 0.5, "u3": 0.5, "u4": 0.5}
NOISE_SD = 0.004


def unit(pars: dict[str, float]) -> list[float]:
    """A parameter set's position in the priors, each scaled to [0, 1]."""
    return [(pars[r["name"]] - r["prior"][0]) / (r["prior"][1] - r["prior"][0]) for r in ROWS]


def synthetic(pars: dict[str, float]) -> dict[str, float]:
    """Summary statistics of a parameter set: linear in four parameters, quadratic in a fifth,
    flat in the last two, noise of sd ``NOISE_SD`` on every measure."""
    rng = np.random.default_rng(np.random.randint(0, 2**31))  # noqa: NPY002 (the fit's seed)
    u = unit(pars)
    m = dict.fromkeys(MEASURE_KEYS, 0.0)
    m["participation_formal_weekly"] = 0.15 + 0.25 * (u[0] - 0.4)
    m["participation_formal_at_least_monthly"] = 0.25 + 0.25 * (u[1] - 0.6) + 0.1 * (u[0] - 0.4)
    m["participation_formal_at_least_yearly"] = 0.40 + 0.25 * (u[2] - 0.5)
    m["participation_formal_rarely"] = 0.21 + 0.2 * (u[3] - 0.5)
    m["participation_formal_never"] = 0.37 - 0.25 * (u[2] - 0.5)
    m["older_unmet_care_share"] = 0.14 + 0.4 * (u[4] - 0.5) ** 2
    for a, (_, share) in ACTIVITIES.items():
        m[f"helped_{a}"] = share - 0.03 + 0.02 * u[5]
    return summary_statistics({k: v + rng.normal(0.0, NOISE_SD) for k, v in m.items()})
