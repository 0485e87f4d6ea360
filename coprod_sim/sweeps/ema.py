"""Export a sweep's results in EMA Workbench's shape, for scenario discovery.

EMA Workbench (``ema_workbench`` 3.0) analyses ``(experiments, outcomes)``: a DataFrame with one
row per run and a column per uncertainty or lever (plus ``scenario``, ``policy`` and ``model``),
and a dict of outcome name to a NumPy array in the same row order. ``to_ema`` builds exactly
that from a results folder, so PRIM and feature scoring run on it directly:

    from ema_workbench.analysis import feature_scoring, prim
    from coprod_sim.sweeps.ema import to_ema

    x, y = to_ema("results/levers")
    pays = y["cost_total"] <= 0                       # the arm costs the public purse nothing
    box = prim.Prim(x.drop(columns=["scenario", "policy", "model"]), pays).find_box()
    box.inspect()
    scores = feature_scoring.get_feature_scores_all(
        x.drop(columns=["scenario", "policy", "model"]), y)

Columns: every scenario parameter, lever switch (``time_bank``: 1.0 on, 0.0 off) and lever parameter
(``time_bank.coordinator_hours``) that takes more than one value across the sweep's arms (a
lever parameter: across the arms where its lever is on; elsewhere it holds that lever's first
value, as it has no effect there);
with a posterior (``posterior`` in the design), also every drawn world parameter, as each run
used it (its replication's draw, or the arm's own value where the design sets it);
``scenario`` is the replication's seed (runs with the same seed share their random numbers),
``policy`` the arm's name, ``model`` ``"coprod_sim"``. Numbers and switches are float64 and
text is categorical, so PRIM's ``inspect()`` and ``show_tradeoff()`` work (``_ema_dtype``).
Every outcome is a declared metric (``coprod_sim.analysis.metrics``); ``outcome_kinds`` gives
EMA's MAXIMIZE/MINIMIZE/INFO for each from the registry's direction.
Leave ``scenario``, ``policy`` and ``model`` out of ``x`` for PRIM, as above: a box restricted
on a categorical column cannot be inspected in EMA Workbench 3.0 with pandas 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.analysis import metrics as registry
from coprod_sim.sweeps import stats
from coprod_sim.sweeps.store import Store


def _flatten(point: dict[str, Any], levers: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = dict(point["world"])
    for lever in sorted(levers):
        row[lever] = lever in point["levers"]
    for lever, params in point["levers"].items():
        for k, v in params.items():
            row[f"{lever}.{k}"] = v
    return row


def _drawn(out: str | Path, wide: pd.DataFrame, pts: list[dict]) -> dict[str, np.ndarray]:
    """With a posterior: each run's value of each drawn parameter (its replication's draw, or
    the arm's own value where the design sets it), in ``wide``'s row order."""
    draws = Store(Path(out)).draws()
    if draws is None:
        return {}
    table = draws.pivot(index="replication", columns="parameter", values="value")
    out_cols = {}
    for name in table.columns:
        drawn = wide["replication"].map(table[name]).to_numpy(float)
        fixed = wide["point"].map(lambda p, n=name: pts[p]["world"].get(n, np.nan))
        out_cols[name] = np.where(fixed.notna(), fixed.to_numpy(float), drawn)
    return out_cols


def outcome_kinds(names: list[str] | tuple[str, ...]) -> dict[str, int]:
    """EMA Workbench's kind of each outcome from the metric registry: ``ScalarOutcome``'s
    MAXIMIZE where higher is better, MINIMIZE where lower is, INFO where neither (an
    undeclared name raises ``UnknownMetricError``)."""
    # EMA Workbench is imported when used (heavy)
    from ema_workbench import ScalarOutcome

    kinds = {
        "higher": ScalarOutcome.MAXIMIZE,
        "lower": ScalarOutcome.MINIMIZE,
        "neither": ScalarOutcome.INFO,
    }
    return {n: kinds[registry.direction(n)] for n in names}


def _ema_dtype(col: pd.Series) -> pd.Series:
    """A factor column in a dtype EMA Workbench 3.0's PRIM handles through ``inspect`` and
    ``show_tradeoff``: numbers, integers and lever switches as float64 (a switch is 0.0 off,
    1.0 on), anything else (text) as a categorical.

    With pandas 3, PRIM's ``inspect`` writes a restricted categorical or boolean dimension
    (a set such as ``{True}``) into a float table and fails (``TypeError: Invalid value
    '{True}' for dtype 'float64'``); a 0/1 float is restricted as an interval instead.
    """
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    values = col.dropna()
    if len(values) and values.map(lambda v: isinstance(v, bool | np.bool_)).all():
        return col.astype("float64")  # object column of booleans (with gaps)
    return col.astype("category")


def to_ema(out: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """(experiments, outcomes) of the results folder ``out``, one row per finished run."""
    man = Store(Path(out)).read_manifest()
    wide = stats.load_results(out)
    pts = man["points"]
    levers = {name for p in pts for name in p["levers"]}
    flat = pd.DataFrame([_flatten(p, levers) for p in pts])
    varying = []
    for c in flat.columns:
        if "." in c:  # a lever parameter matters only where its lever is on
            on = flat[c.split(".")[0]].astype(bool)
            if flat.loc[on, c].astype(str).nunique() > 1:
                varying.append(c)
        elif flat[c].astype(str).nunique(dropna=False) > 1:
            varying.append(c)
    factors = flat[varying].copy()
    for c in factors.columns:
        if "." in c and factors[c].isna().any():
            # where the lever is off its parameters do nothing: give them the first value used
            # with the lever on, so PRIM and feature scoring see no split that does not exist
            factors[c] = factors[c].fillna(factors[c].dropna().iloc[0])
    factors["point"] = range(len(pts))
    exp = wide[["point", "seed", "arm"]].merge(factors, on="point", how="left")
    exp = exp.rename(columns={"seed": "scenario", "arm": "policy"})
    exp["model"] = "coprod_sim"
    drawn = _drawn(out, wide, pts)
    for name, values in drawn.items():
        exp[name] = values
    varying += [n for n in drawn if n not in varying]
    exp = exp[[*varying, "scenario", "policy", "model"]]
    for c in varying:
        exp[c] = _ema_dtype(exp[c])
    for c in ("policy", "model"):
        exp[c] = exp[c].astype("category")
    metric_cols = [c for c in wide.columns if c not in stats.ID_COLUMNS]
    for m in metric_cols:  # every outcome is a declared metric (unit, direction, label)
        registry.metric(m)
    outcomes = {m: wide[m].to_numpy(float) for m in metric_cols}
    return exp.reset_index(drop=True), outcomes
