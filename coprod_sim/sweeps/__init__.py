"""Policy sweeps for researchers: designs, replications on paired seeds, resumable results,
reports with intervals and costs, on the laptop's cores or a Dask cluster.

    from coprod_sim.sweeps import load_design, run_sweep, load_results, write_report
    design = load_design("experiments/smoke.toml")
    run_sweep(design, "results/smoke", workers=2)
    df = load_results("results/smoke")       # one row per run, a column per outcome
    write_report("results/smoke")            # results/smoke/report.md + figures/*.png

Modules, one job each: ``design`` (reading and checking a design;
its file's schema in ``design_schema``), ``samplers`` (its points),
``runner`` (what a worker does), ``store`` (the Parquet dataset and manifest), ``engine``
(executors, seeds, resume, adaptive replications), ``stats`` (paired intervals, costs),
``sensitivity`` (SALib indices), ``report`` (Markdown and PNG), ``ema`` (EMA Workbench export),
``cli`` (the commands).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> its module; imported on first use, so ``coprod-sim run`` (which registers the
#: sweep commands) does not load SciPy's statistics, SALib or Dask
_EXPORTS = {
    "Design": "coprod_sim.sweeps.design",
    "DesignError": "coprod_sim.sweeps.design",
    "load_design": "coprod_sim.sweeps.design",
    "replication_seed": "coprod_sim.sweeps.engine",
    "run_sweep": "coprod_sim.sweeps.engine",
    "load_results": "coprod_sim.sweeps.stats",
    "write_report": "coprod_sim.sweeps.report",
}

if TYPE_CHECKING:
    from coprod_sim.sweeps.design import Design, DesignError, load_design
    from coprod_sim.sweeps.engine import replication_seed, run_sweep
    from coprod_sim.sweeps.report import write_report
    from coprod_sim.sweeps.stats import load_results

__all__ = [
    "Design",
    "DesignError",
    "load_design",
    "load_results",
    "replication_seed",
    "run_sweep",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coprod_sim.sweeps' has no attribute {name!r}")
