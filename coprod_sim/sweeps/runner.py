"""What a worker does: run a batch of (arm, replication) models and return their outcomes.

Workers are long-lived (a process pool or Dask workers) and run many models each; a batch is
several runs so the cost of sending work and results is paid once per batch, not per run. The
function only uses the model's public API, so it runs the same on any executor.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.analysis.summary import needs_by_deprivation, summary_metrics, weekly_series
from coprod_sim.model import CoproductionModel
from coprod_sim.outputs.agent_records import detach_agent_records
from coprod_sim.rules import load_rule
from coprod_sim.sweeps.design import matches

RUN_COLUMNS = ("point", "arm", "replication", "seed", "metric", "value")
#: summary fields that identify a run rather than measure it (kept as columns, not metrics)
NOT_METRICS = ("seed",)


def _numeric(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in metrics.items()
        if k not in NOT_METRICS and isinstance(v, int | float | np.number | bool)
    }


def _deprivation(model: CoproductionModel) -> dict[str, dict[int, float]]:
    """Needs met and lapsed (cumulative) and residents per deprivation quintile."""
    d = needs_by_deprivation(model)
    out: dict[str, dict[int, float]] = {}
    for col in ("residents", "needs_met", "needs_lapsed"):
        out[col] = {
            int(q): float(v) for q, v in zip(d["deprivation_quintile"], d[col], strict=True)
        }
    return out


def _deprivation_metrics(end: dict, start: dict | None) -> dict[str, float]:
    m: dict[str, float] = {}
    for q, res in end["residents"].items():
        met = end["needs_met"][q] - (start["needs_met"].get(q, 0.0) if start else 0.0)
        lapsed = end["needs_lapsed"][q] - (start["needs_lapsed"].get(q, 0.0) if start else 0.0)
        ended = met + lapsed
        m[f"dep_q{q}_needs_met"] = met
        m[f"dep_q{q}_needs_lapsed"] = lapsed
        m[f"dep_q{q}_lapsed_share"] = lapsed / ended if ended > 0 else float("nan")
        m[f"dep_q{q}_needs_per_1000_residents"] = 1000 * ended / max(res, 1.0)
    return m


def run_one(spec: dict[str, Any], task: dict[str, Any]) -> tuple[dict[str, float], Any, float]:
    """One model run; returns (metrics, weekly frame or None, seconds spent building)."""
    t0 = time.perf_counter()
    # every arm of a replication shares its burned-in town (same seed and world; levers are
    # set up after the burn-in): the first computes it, the others restore it from the cache
    rules = {name: load_rule(name, ref) for name, ref in spec.get("rules", {}).items()}
    model = CoproductionModel(
        rng=task["seed"],
        policies=task["levers"] or None,
        rules=rules or None,
        burn_in_cache=True,
        **task["world"],
    )
    detach_agent_records(model)  # a sweep keeps metrics, not per-resident records
    built = time.perf_counter() - t0
    burn = spec["burn_in_weeks"]
    start = dep_start = None
    if burn:
        model.run_weeks(burn)
        start = _numeric(summary_metrics(model))
        dep_start = _deprivation(model) if spec["by_deprivation"] else None
    model.run_weeks(spec["weeks"])
    end = _numeric(summary_metrics(model))
    metrics = {}
    for k, v in end.items():
        if start is not None and matches(k, spec["cumulative"]):
            v = v - start.get(k, 0.0)
        metrics[k] = v
    if spec["outcomes"]:
        metrics = {k: metrics[k] for k in spec["outcomes"] if k in metrics}
    if spec["by_deprivation"]:
        metrics.update(_deprivation_metrics(_deprivation(model), dep_start))
    weekly = None
    if spec["weekly"]:
        weekly = weekly_series(model)
        weekly.insert(0, "replication", task["replication"])
        weekly.insert(0, "point", task["point"])
    return metrics, weekly, built


def run_batch(spec: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``tasks`` one after the other; returns their rows (long format) and timings."""
    t0 = time.perf_counter()
    rows: dict[str, list] = {c: [] for c in RUN_COLUMNS}
    weekly = []
    build = 0.0
    for task in tasks:
        metrics, w, built = run_one(spec, task)
        build += built
        for k, v in metrics.items():
            rows["point"].append(task["point"])
            rows["arm"].append(task["arm"])
            rows["replication"].append(task["replication"])
            rows["seed"].append(task["seed"])
            rows["metric"].append(k)
            rows["value"].append(v)
        if w is not None:
            weekly.append(w)
    frame = pd.DataFrame(rows).astype(
        {"point": "int64", "replication": "int64", "seed": "int64", "value": "float64"}
    )
    return {
        "runs": frame,
        "weekly": pd.concat(weekly, ignore_index=True) if weekly else None,
        "seconds": time.perf_counter() - t0,
        "build_seconds": build,
        "n": len(tasks),
    }
