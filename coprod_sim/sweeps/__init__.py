"""Policy sweeps for researchers: designs, replications on paired seeds, resumable results,
reports with intervals and costs, on the laptop's cores or a Dask cluster.

    from coprod_sim.sweeps import load_design, run_sweep, load_results, write_report
    design = load_design("experiments/smoke.toml")
    run_sweep(design, "results/smoke", workers=2)
    df = load_results("results/smoke")       # one row per run, a column per outcome
    write_report("results/smoke")            # results/smoke/report.md + figures/*.png

Modules, one job each: ``design`` (reading and checking a design), ``samplers`` (its points),
``runner`` (what a worker does), ``store`` (the Parquet dataset and manifest), ``engine``
(executors, seeds, resume, adaptive replications), ``stats`` (paired intervals, costs),
``sensitivity`` (SALib indices), ``report`` (Markdown and PNG), ``ema`` (EMA Workbench export),
``cli`` (the commands).
"""

from coprod_sim.sweeps.design import Design, DesignError, load_design
from coprod_sim.sweeps.engine import replication_seed, run_sweep
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


def write_report(out, metrics=None):  # noqa: ANN001, ANN201 - lazy: matplotlib only when asked
    """Write the sweep's Markdown report (see ``coprod_sim.sweeps.report.write_report``)."""
    from coprod_sim.sweeps.report import write_report as _write

    return _write(out, metrics)
