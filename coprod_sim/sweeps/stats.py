"""Paired statistics over a sweep's results: differences from the baseline with 95% t intervals,
the probability an arm beats the baseline, costs per extra need met or crisis averted, and
factorial main effects and interactions.

Every arm's replication r shares its seed with the baseline's replication r (common random
numbers), so the statistics are on the per-replication differences: their spread is what is
left of seed noise after pairing. Intervals use scipy's t quantiles
(``scipy.stats.t.ppf(0.975, n - 1)``), never a table or 1.96.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from coprod_sim.analysis import metrics as registry
from coprod_sim.sweeps.design import LEGACY_LOWER_IS_BETTER, matches
from coprod_sim.sweeps.store import Store

ID_COLUMNS = ["point", "arm", "replication", "seed"]


def load_results(out: str | Path) -> pd.DataFrame:
    """One row per finished run: point, arm, replication, seed and a column per metric."""
    long = Store(Path(out)).long()
    wide = long.pivot(index=ID_COLUMNS, columns="metric", values="value")
    wide.columns.name = None
    return wide.reset_index().sort_values(["point", "replication"], ignore_index=True)


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, int]:
    """(mean, half-width, n) of a t interval for the mean of ``x`` (NaNs dropped)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, n
    sd = float(x.std(ddof=1))
    return mean, float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n), n


def paired(wide: pd.DataFrame, baseline: int, metric: str) -> dict[int, np.ndarray]:
    """Per arm: metric(arm, r) - metric(baseline, r) over replications both have."""
    if metric not in wide.columns:
        return {}
    table = wide.pivot(index="replication", columns="point", values=metric)
    base = table[baseline]
    return {
        int(p): (table[p] - base).dropna().to_numpy(float) for p in table.columns if p != baseline
    }


def half_widths(wide: pd.DataFrame, metric: str, baseline: int | None) -> dict[int, float]:
    """95% half-width of each arm's paired difference (or of its mean with no baseline)."""
    if baseline is None:
        return {int(p): t_interval(g[metric])[1] for p, g in wide.groupby("point")}
    out = {p: t_interval(d)[1] for p, d in paired(wide, baseline, metric).items()}
    return out


def better_sign(metric: str, lower: list[str] | tuple[str, ...] | None = None) -> float:
    """-1 where lower is better, +1 where higher is, 0 where neither (no "better" exists).

    The direction is the metric registry's (``coprod_sim.analysis.metrics``). ``lower``: a
    design's explicit ``lower_is_better`` patterns (``name``, ``prefix_``, ``*suffix``); a
    metric they match is lower-is-better, the others keep the registry's direction (an
    undeclared metric is then higher-is-better, as before the registry). None, or the list
    designs recorded before the registry: the registry alone (an undeclared metric raises
    ``UnknownMetricError``).
    """
    if lower is None or tuple(lower) == LEGACY_LOWER_IS_BETTER:
        return registry.sign(metric)
    if matches(metric, lower):
        return -1.0
    found = registry.find(metric)
    return registry.sign(metric) if found is not None else 1.0


def lower_is_better(metric: str, patterns: list[str] | tuple[str, ...] | None = None) -> bool:
    return better_sign(metric, patterns) < 0


def differences(
    wide: pd.DataFrame,
    baseline: int,
    metrics: list[str],
    lower: list[str] | tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Arm x metric: baseline and arm means, paired difference with 95% interval, and
    the probability the arm beats the baseline.

    ``p_beats`` is the share of replications in which the arm did better than the baseline run
    with the same seed (ties count half); ``p_mean_better`` is the t distribution's probability
    that the mean difference favours the arm (a flat-prior reading of the interval). Which way
    is better comes from the metric registry (``better_sign``); for a metric where neither way
    is better (``better`` "neither") both are NaN.
    """
    arms = wide.groupby("point")["arm"].first()
    rows = []
    for metric in metrics:
        if metric not in wide.columns:
            continue
        sign = better_sign(metric, lower)
        means = wide.groupby("point")[metric].mean()
        for p, d in paired(wide, baseline, metric).items():
            mean, half, n = t_interval(d)
            good = sign * d
            p_beats = float(np.mean((good > 0) + 0.5 * (good == 0))) if n else math.nan
            if sign == 0:
                p_beats = p_mean = math.nan
            elif n >= 2 and np.std(d, ddof=1) > 0:
                se = np.std(d, ddof=1) / math.sqrt(n)
                p_mean = float(stats.t.cdf(sign * mean / se, n - 1))
            else:
                p_mean = math.nan if n < 2 else float(sign * mean > 0) + 0.5 * (mean == 0)
            rows.append(
                {
                    "point": p,
                    "arm": arms[p],
                    "metric": metric,
                    "n": n,
                    "baseline_mean": float(means[baseline]),
                    "arm_mean": float(means[p]),
                    "difference": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "half_width": half,
                    "better": {-1.0: "lower", 1.0: "higher"}.get(sign, "neither"),
                    "p_beats": p_beats,
                    "p_mean_better": p_mean,
                }
            )
    return pd.DataFrame(rows)


def _ratio_ci(num: np.ndarray, den: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """Ratio of mean differences and a paired percentile-bootstrap 95% interval.

    The interval is given only when the denominator's own 95% t interval excludes 0: otherwise
    resamples with a denominator near 0 make the ratio unbounded and any interval misleading.
    """
    ok = np.isfinite(num) & np.isfinite(den)
    num, den = num[ok], den[ok]
    if len(num) == 0 or den.mean() == 0:
        return math.nan, math.nan, math.nan
    ratio = float(num.mean() / den.mean())
    mean, half, n = t_interval(den)
    if n < 3 or not abs(mean) > half:  # denominator not clear of 0: the ratio has no interval
        return ratio, math.nan, math.nan
    res = stats.bootstrap(
        (num, den),
        lambda a, b, axis=-1: np.mean(a, axis=axis) / np.mean(b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    lo, hi = res.confidence_interval
    return ratio, float(lo), float(hi)


def cost_effectiveness(
    wide: pd.DataFrame,
    baseline: int,
    costs: list[str],
    needs_met: str = "needs_met_total",
    crises: str = "crises",
) -> pd.DataFrame:
    """Arm x cost metric (payer): extra cost, extra needs met, crises averted, and the cost per
    extra need met and per crisis averted (ratio of mean paired differences, bootstrap 95%)."""
    arms = wide.groupby("point")["arm"].first()
    cost_cols = [c for c in wide.columns if c not in ID_COLUMNS and matches(c, costs)]
    extra_met = paired(wide, baseline, needs_met)
    averted = {p: -d for p, d in paired(wide, baseline, crises).items()}
    rows = []
    for c in cost_cols:
        for p, dc in paired(wide, baseline, c).items():
            dm = extra_met.get(p, np.array([]))
            da = averted.get(p, np.array([]))
            per_need = _ratio_ci(dc, dm) if len(dm) == len(dc) else (math.nan,) * 3
            per_crisis = _ratio_ci(dc, da) if len(da) == len(dc) else (math.nan,) * 3
            rows.append(
                {
                    "point": p,
                    "arm": arms[p],
                    "payer_cost": c,
                    "extra_cost_gbp": float(np.mean(dc)) if len(dc) else math.nan,
                    "extra_needs_met": float(np.mean(dm)) if len(dm) else math.nan,
                    "crises_averted": float(np.mean(da)) if len(da) else math.nan,
                    "gbp_per_extra_need_met": per_need[0],
                    "per_need_ci_low": per_need[1],
                    "per_need_ci_high": per_need[2],
                    "gbp_per_crisis_averted": per_crisis[0],
                    "per_crisis_ci_low": per_crisis[1],
                    "per_crisis_ci_high": per_crisis[2],
                }
            )
    return pd.DataFrame(rows)


def deprivation_table(wide: pd.DataFrame, baseline: int | None) -> pd.DataFrame:
    """Arm x quintile (1 = most deprived): lapsed share and needs per 1000 residents, with
    the paired difference from the baseline and its 95% interval."""
    rows = []
    qs = sorted({int(c[5]) for c in wide.columns if c.startswith("dep_q")})
    arms = wide.groupby("point")["arm"].first()
    for q in qs:
        for what in ("lapsed_share", "needs_per_1000_residents"):
            col = f"dep_q{q}_{what}"
            if col not in wide.columns:
                continue
            means = wide.groupby("point")[col].mean()
            diffs = paired(wide, baseline, col) if baseline is not None else {}
            for p in means.index:
                mean, half, n = t_interval(diffs[p]) if p in diffs else (math.nan, math.nan, 0)
                rows.append(
                    {
                        "point": int(p),
                        "arm": arms[p],
                        "quintile": q,
                        "measure": what,
                        "mean": float(means[p]),
                        "difference": mean,
                        "ci_low": mean - half,
                        "ci_high": mean + half,
                    }
                )
    return pd.DataFrame(rows)


def factorial_effects(wide: pd.DataFrame, points: list[dict], metric: str) -> pd.DataFrame:
    """Main effects and two-way interactions of two-level factors, paired by replication.

    For factors A and B (each at two levels: low is the first level in the design, or off for a
    lever), per replication: main effect of A = mean over the other factors' cells of
    y(A high) - y(A low); interaction AB = half the difference between
    A's effect at B high and at B low. Intervals are t intervals over replications.
    """
    factors = [k for k in points[0]["values"]] if points else []
    levels: dict[str, list[str]] = {}
    for f in factors:  # levels in design order; a lever's are off then on
        seen = list(dict.fromkeys(repr(p["values"][f]) for p in points))
        levels[f] = ["False", "True"] if sorted(seen) == ["False", "True"] else seen
    two = [f for f in factors if len(levels[f]) == 2]
    if not two or metric not in wide.columns:
        return pd.DataFrame()
    code = {}
    for p in points:
        code[p["point"]] = {f: (1.0 if repr(p["values"][f]) == levels[f][1] else -1.0) for f in two}
    table = wide.pivot(index="replication", columns="point", values=metric).dropna()
    rows = []
    n_cells = len(points)
    terms = [(f,) for f in two] + list(itertools.combinations(two, 2))
    for term in terms:
        contrast = np.array(
            [np.prod([code[int(p)][f] for f in term]) for p in table.columns], float
        )
        per_rep = table.to_numpy(float) @ contrast / (n_cells / 2)
        mean, half, n = t_interval(per_rep)
        rows.append(
            {
                "term": " x ".join(term),
                "metric": metric,
                "effect": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "n": n,
            }
        )
    return pd.DataFrame(rows)
