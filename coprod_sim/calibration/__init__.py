"""Calibration: fit the baseline's uncertain world parameters to the survey (``fit``), against
the targets and priors of ``targets``; and use the fit (``posterior``).

``posterior`` reads, checks, writes and draws from a posterior file (the sample of accepted
parameter sets with their weights); runs (``coprod-sim run --posterior``) and sweeps
(``posterior = true``) draw their world parameters from it, so results carry calibration
uncertainty as well as seed noise.
"""

from coprod_sim.calibration.posterior import (
    Posterior,
    PosteriorError,
    checksum_of,
    load_posterior,
    posterior_rng,
)

__all__ = ["Posterior", "PosteriorError", "checksum_of", "load_posterior", "posterior_rng"]
