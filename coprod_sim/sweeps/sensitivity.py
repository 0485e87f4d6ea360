"""Sensitivity indices of a sensitivity design's outcomes (SALib), with 95% intervals.

Sobol designs give first-order and total indices (Saltelli 2010, Jansen estimators via
``SALib.analyze.sobol``); Morris designs give mu* and sigma (Campolongo et al. 2007 via
``SALib.analyze.morris``); Latin hypercubes give Spearman rank correlations with their p-values.
An outcome at a sample point is its mean over the point's replications (the same seeds at every
point, so seed noise is common to all points rather than mistaken for a parameter's effect).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from coprod_sim.sweeps.design import Design
from coprod_sim.sweeps.samplers import problem, sample_matrix


def point_means(wide: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    """Mean of ``metric`` per point in point order (NaN where a point has no finished run)."""
    m = wide.groupby("point")[metric].mean()
    return m.reindex(range(n_points)).to_numpy(float)


def indices(design: Design, wide: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per parameter with the design's indices and their 95% confidence half-widths."""
    kind = design.model.design.kind
    prob = problem(design)
    x = sample_matrix(design)
    y = point_means(wide, metric, len(x))
    if not np.all(np.isfinite(y)):
        raise ValueError(
            f"sensitivity of '{metric}': {int(np.sum(~np.isfinite(y)))} of {len(y)} sample "
            "points have no finished run or a non-finite value; finish the sweep first"
        )
    seed = design.sweep.seed % (2**31)
    if kind == "sobol":
        # SALib is imported by the analysis that needs it (heavy)
        from SALib.analyze import sobol

        si = sobol.analyze(prob, y, calc_second_order=False, conf_level=0.95, seed=seed)
        return pd.DataFrame(
            {
                "parameter": prob["names"],
                "metric": metric,
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        )
    if kind == "morris":
        # heavy: SALib, only for Morris designs
        from SALib.analyze import morris

        si = morris.analyze(
            prob, x, y, conf_level=0.95, num_levels=design.model.design.levels, seed=seed
        )
        return pd.DataFrame(
            {
                "parameter": prob["names"],
                "metric": metric,
                "mu_star": si["mu_star"],
                "mu_star_conf": si["mu_star_conf"],
                "sigma": si["sigma"],
            }
        )
    rows = []
    for i, name in enumerate(prob["names"]):
        rho, pval = stats.spearmanr(x[:, i], y)
        rows.append({"parameter": name, "metric": metric, "spearman": rho, "p_value": pval})
    return pd.DataFrame(rows)
