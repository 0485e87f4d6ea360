"""Replications in background worker processes: an ensemble band instead of one stochastic line.

"Run 20 replications" rebuilds a panel from its plan (levers from the start and switches at
their weeks, ``controller.advance``) under 20 seeds and keeps a few weekly series of each. The
seeds come from the town's seed through ``numpy.random.SeedSequence.spawn``, and every panel gets
the same 20, so the bands of two panels are paired as the single runs are. Workers are separate
processes (``spawn``: safe beside a web server's threads), so the page stays responsive.

Calibration uncertainty, as ``coprod-sim run`` carries it: when the town's shipped posterior is
current (``calibration.posterior.posterior_by_default``), each replication draws its world
parameters from it with its own seed (``draw_for_run``: the same draw in every panel, so bands
stay paired), so a band shows calibration and chance together. The live run on screen keeps
the declared world parameters (one run, the town as declared); the page says which is which.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np
import pandas as pd

from coprod_sim.calibration.posterior import draw_for_run, load_posterior, posterior_by_default
from coprod_sim.dashboard.controller import Plan, TownChoice, advance, build_model
from coprod_sim.outputs.agent_records import detach_agent_records

#: the weekly series an ensemble keeps (enough for the headline charts' bands)
ENSEMBLE_SERIES: tuple[str, ...] = (
    "helping_share",
    "helping_share_formal",
    "needs_lapsed_residents",
    "needs_lapsed",
    "crises",
    "trust_neighbours",
    "fear_of_commitment",
    "cost_total",
)
DEFAULT_REPLICATIONS = 20


def replication_seeds(seed: int, n: int) -> list[int]:
    """``n`` seeds drawn from ``seed`` (the same for every panel: replications are paired)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, np.uint32)[0]) for c in children]


def run_replication(
    choice: TownChoice, plan: Plan, seed: int, series: tuple[str, ...] = ENSEMBLE_SERIES
) -> dict[str, np.ndarray]:
    """One replication of a panel (in a worker process): the weekly series it keeps.

    The per-resident yearly records (``io.agent_records``) are not kept: a band needs the
    weekly series only, and at 10,000 residents Mesa's agent reporters took 60% of a
    replication's time (2.2 of 3.7 s, measured). Recording draws from a stream of its own
    and writes nothing into the model, so leaving it out changes no result (tested).
    """
    run_choice = dataclasses.replace(choice, seed=seed)
    model = build_model(run_choice, plan, world=replication_world(choice.town, seed))
    detach_agent_records(model)
    advance(model, plan, run_choice.weeks)
    df = model.datacollector.get_model_vars_dataframe()
    return {s: df[s].to_numpy(np.float64) for s in series}


def replication_world(town: str, seed: int) -> dict[str, float]:
    """The world parameters replication ``seed`` draws from ``town``'s posterior (none when
    that posterior is stale: the declared ones run, and ``uncertainty`` says so)."""
    if not posterior_by_default(town)[0]:
        return {}
    return draw_for_run(load_posterior(town), seed)[0]


def uncertainty(town: str) -> str:
    """What a band carries, in words for the page."""
    current, why_not = posterior_by_default(town)
    if current:
        return "each replication draws the town's world from its calibration (posterior)"
    return "chance only: " + why_not


def band(results: list[dict[str, np.ndarray]], lo: float = 0.1, hi: float = 0.9) -> pd.DataFrame:
    """Per week and series: median and the 10th-90th percentile band over replications."""
    if not results:
        return pd.DataFrame({"week": np.zeros(0, np.int64)})
    weeks = len(next(iter(results[0].values())))
    out = pd.DataFrame({"week": np.arange(1, weeks + 1)})
    for s in results[0]:
        m = np.vstack([r[s] for r in results])
        out[f"{s}_median"] = np.median(m, axis=0)
        out[f"{s}_low"] = np.quantile(m, lo, axis=0)
        out[f"{s}_high"] = np.quantile(m, hi, axis=0)
    return out


@dataclass
class EnsembleRun:
    """Replications of one panel under way in worker processes."""

    seeds: list[int]
    futures: list[Future] = field(default_factory=list)
    executor: ProcessPoolExecutor | None = None

    @property
    def done(self) -> int:
        return sum(f.done() for f in self.futures)

    @property
    def finished(self) -> bool:
        return bool(self.futures) and all(f.done() for f in self.futures)

    def error(self) -> str | None:
        """The first failure, as one line (never a traceback), or None."""
        for f in self.futures:
            if f.done() and f.exception() is not None:
                exc = f.exception()
                return f"a replication failed ({type(exc).__name__}: {exc})"
        return None

    def result(self) -> pd.DataFrame:
        """The band over the replications (waits for them)."""
        out = band([f.result() for f in self.futures])
        self.close()
        return out

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None


def start_ensemble(
    choice: TownChoice, plan: Plan, n: int = DEFAULT_REPLICATIONS, workers: int | None = None
) -> EnsembleRun:
    """Start ``n`` replications of a panel in worker processes; returns at once."""
    if not 1 <= n <= 200:
        raise ValueError(f"parameter 'replications': value {n!r} is not allowed; allowed: 1-200")
    workers = workers or max(1, min(n, os.cpu_count() or 1))
    seeds = replication_seeds(choice.seed, n)
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    futures = [ex.submit(run_replication, choice, plan, s) for s in seeds]
    return EnsembleRun(seeds=seeds, futures=futures, executor=ex)


def describe(run: EnsembleRun) -> str:
    """Progress in words."""
    err = run.error()
    if err:
        return err
    return f"{run.done} of {len(run.seeds)} replications done"
