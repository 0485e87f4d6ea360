"""Run a design on any ``concurrent.futures``-style executor, resumably, with paired seeds.

    from coprod_sim.sweeps import load_design, run_sweep
    run_sweep(load_design("experiments/smoke.toml"), "results/smoke", workers=2)

Common random numbers: replication r of every arm runs with the same seed, derived from the
design seed with NumPy's ``SeedSequence`` (child r), so each arm is paired with the baseline run
of the same replication, and the seed of a run does not depend on the executor, the number of
workers or the order runs finish. With ``posterior`` in the design, replication r also draws one
world-parameter set from the calibration's posterior (from a child stream of its seed) that
every arm of r shares, so arms are compared within a parameter set and the spread over
replications carries calibration uncertainty as well as seed noise.

The executor is a local ``ProcessPoolExecutor`` by default (long-lived workers running many
models), or any object with ``submit`` returning futures (a Dask ``Client.get_executor()``, an
MPI pool).
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.calibration.posterior import posterior_rng
from coprod_sim.model import CoproductionModel
from coprod_sim.rules import replaced_in_module
from coprod_sim.sweeps.design import Design, DesignError
from coprod_sim.sweeps.runner import run_batch
from coprod_sim.sweeps.samplers import baseline_point, points
from coprod_sim.sweeps.store import Store, live_owner, open_store, owner_record


def replication_seed(design_seed: int, replication: int) -> int:
    """Seed of replication ``r`` (the same for every arm): child r of the design's SeedSequence."""
    ss = np.random.SeedSequence(design_seed, spawn_key=(replication,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits int64


def replication_seeds(design: Design, n: int) -> list[int]:
    return [replication_seed(design.sweep.seed, r) for r in range(n)]


def max_replications(design: Design) -> int:
    a = design.sweep.adaptive
    return a.max_replications if a is not None else design.sweep.replications


def run_spec(design: Design) -> dict[str, Any]:
    """What every worker needs besides its tasks (small and picklable)."""
    s = design.sweep
    return {
        "weeks": design.weeks,
        "burn_in_weeks": s.burn_in_weeks,
        "outcomes": s.outcomes,
        "cumulative": list(s.cumulative),
        "weekly": s.weekly,
        "by_deprivation": s.by_deprivation,
        "rules": design.rule_refs(),
    }


def check_outcomes(design: Design, pts: list[dict]) -> None:
    """Refuse outcomes the model does not report (checked on a tiny town, before any run)."""
    wanted = design.sweep.outcomes
    if not wanted:
        return
    levers: dict[str, dict] = {}
    for p in pts:
        for name in p["levers"]:
            levers[name] = {}
    world = {k: v for k, v in pts[0]["world"].items() if k not in ("n_residents", "scale")}
    model = CoproductionModel(
        rng=0, policies=levers or None, **{**world, "n_residents": 60, "burn_in_years": 0}
    )
    known = set(summary_metrics(model))
    for name in wanted:
        if name not in known:
            raise DesignError(
                f"sweep.outcomes: unknown outcome '{name}'; allowed: "
                + ", ".join(sorted(known - {"seed"}))
            )


def posterior_draws(design: Design, seeds: list[int]) -> list[dict[str, Any]] | None:
    """The world parameters each replication draws from the design's posterior (None without
    one): replication r draws from the child stream of its seed (``posterior_rng``), so every
    arm of replication r shares one parameter set, whatever the executor or worker count."""
    post = design.posterior()
    if post is None:
        return None
    return [post.draw(posterior_rng(seed), 1)[0] for seed in seeds]


def posterior_record(
    design: Design, pts: list[dict[str, Any]], draws: list[dict[str, Any]] | None
) -> dict[str, Any] | None:
    """What the manifest keeps of the posterior: the file, its checksum, and which parameters
    each arm sets itself (those override the draw)."""
    post = design.posterior()
    if post is None or draws is None:
        return None
    names = set(post.names)
    overridden = {p["arm"]: sorted(names & set(p["world"])) for p in pts}
    return {
        **post.record(),
        "given": design.sweep.posterior,
        "stream": "child 'posterior' of each replication seed",
        "overridden_by_design": {a: v for a, v in overridden.items() if v},
    }


class Sweep:
    """A design bound to its results folder: what is done, what is left, how to run it."""

    def __init__(self, design: Design, out: str | Path) -> None:
        self.design = design
        self.points = points(design)
        check_outcomes(design, self.points)
        self.seeds = replication_seeds(design, max_replications(design))
        self.draws = posterior_draws(design, self.seeds)
        self.store: Store = open_store(
            Path(out),
            design,
            self.points,
            self.seeds,
            posterior=posterior_record(design, self.points, self.draws),
            draws=self.draws,
        )
        self.baseline = baseline_point(design, self.points)

    def world(self, point: dict[str, Any], replication: int) -> dict[str, Any]:
        """The scenario parameters of one run: the replication's posterior draw (if any), with
        the parameters the design sets for the arm taking precedence."""
        if self.draws is None:
            return point["world"]
        return {**self.draws[replication], **point["world"]}

    def tasks(self, reps: dict[int, int]) -> list[dict[str, Any]]:
        """Runs not yet finished, replication-major so a partial sweep is balanced over arms."""
        done = self.store.done()
        out = []
        for r in range(max(reps.values(), default=0)):
            for p in self.points:
                if r < reps[p["point"]] and (p["point"], r) not in done:
                    out.append(
                        {
                            "point": p["point"],
                            "arm": p["arm"],
                            "replication": r,
                            "seed": self.seeds[r],
                            "world": self.world(p, r),
                            "levers": p["levers"],
                        }
                    )
        return out


def _batches(tasks: list, workers: int, batch_size: int | None) -> list[list]:
    """Batches of runs of one replication each, ordered so that batches started together are
    of different replications: the first run of a replication burns its town in (and caches
    it), the replication's later batches restore it instead of burning it in again at the
    same time on another worker."""
    if batch_size is None:  # about four batches per worker, at most 8 runs per batch
        batch_size = max(1, min(8, math.ceil(len(tasks) / max(1, workers * 4))))
    by_rep: dict[int, list] = {}
    for t in tasks:
        by_rep.setdefault(t["replication"], []).append(t)
    per_rep = [
        [runs[i : i + batch_size] for i in range(0, len(runs), batch_size)]
        for runs in by_rep.values()
    ]
    order: list[list] = []
    for k in range(max(map(len, per_rep), default=0)):  # the k-th batch of every replication
        order += [batches[k] for batches in per_rep if k < len(batches)]
    return order


def execute(
    sweep: Sweep,
    tasks: list[dict[str, Any]],
    executor: Executor | None,
    workers: int,
    progress: bool,
    batch_size: int | None = None,
    on_batch: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, float]:
    """Run ``tasks`` in batches on ``executor`` (None: in this process), writing each batch."""
    spec = run_spec(sweep.design)
    batches = _batches(tasks, workers, batch_size)
    stats = {"runs": 0, "worker_seconds": 0.0, "build_seconds": 0.0, "write_seconds": 0.0}
    bar = tqdm(total=len(tasks), unit="run", disable=not progress, desc=sweep.design.sweep.name)

    def record(result: dict[str, Any]) -> None:
        t = time.perf_counter()
        sweep.store.write_batch(result["runs"], result["weekly"])
        stats["write_seconds"] += time.perf_counter() - t
        stats["runs"] += result["n"]
        stats["worker_seconds"] += result["seconds"]
        stats["build_seconds"] += result["build_seconds"]
        bar.update(result["n"])
        if on_batch is not None:
            on_batch(result)

    try:
        if executor is None:
            for b in batches:
                record(run_batch(spec, b))
        else:
            futures: list[Future] = [executor.submit(run_batch, spec, b) for b in batches]
            try:
                for f in as_completed(futures):
                    record(f.result())
            finally:
                for f in futures:
                    f.cancel()
    finally:
        bar.close()
    return stats


def _local_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: workers start clean (no copied threads or locks) on every OS; each is long-lived
    # and ends with the sweep however the sweep ends (``watch_parent``)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("spawn"),
        initializer=watch_parent,
        initargs=(os.getpid(),),
    )


def watch_parent(parent: int, every: float = 0.5) -> None:
    """In a worker: end this process when the sweep process ``parent`` is gone, however it
    ended (Ctrl-C, a crash, ``kill -9``), so no worker outlives its sweep. On Linux the kernel
    is asked to do it at once (``PR_SET_PDEATHSIG``); everywhere a daemon thread checks the
    parent every ``every`` seconds."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent ended before this worker started
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="watch-sweep-process", daemon=True).start()


def run_sweep(
    design: Design,
    out: str | Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = False,
    batch_size: int | None = None,
) -> dict[str, Any]:
    """Run (or resume) ``design`` into ``out``; returns the manifest as written at the end.

    ``executor``: any ``concurrent.futures``-style executor (it is not shut down here);
    otherwise a local process pool of ``workers`` processes (default: the CPU count), or this
    process when ``workers == 0``. Adaptive designs add replications in rounds until each arm's
    paired 95% half-width is below the tolerance or the cap is reached.
    """
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    replaced = replaced_in_module()
    if replaced and (executor is not None or n_workers > 0):
        raise DesignError(
            f"rules: {', '.join(replaced)} replaced in its module in this process; a sweep's "
            "workers import the package afresh and would run the default. Allowed: name the "
            "rule in the design (rules = {" + f'{replaced[0]} = "module:function"' + "}, or "
            '"file.py:function"), or run in this process (workers=0)'
        )
    sweep = Sweep(design, out)
    store = sweep.store
    own_pool = None
    if executor is None and n_workers > 0:
        own_pool = executor = _local_pool(n_workers)
    started = time.perf_counter()
    reps = {p["point"]: design.sweep.replications for p in sweep.points}
    prior = store.read_manifest()
    if (other := live_owner(prior)) is not None:
        raise DesignError(
            f"out: '{out}' is being written by another sweep ({other}); allowed: another "
            "folder, or wait for that sweep to end (or stop it), then run this command again to "
            "resume"
        )
    reps.update({int(k): v for k, v in prior.get("replications", {}).items()})
    store.update_manifest(
        status="running",
        owner=owner_record(),
        replications={str(k): v for k, v in reps.items()},
    )
    totals = {"runs": 0, "worker_seconds": 0.0, "build_seconds": 0.0, "write_seconds": 0.0}
    rounds = []
    try:
        while True:
            tasks = sweep.tasks(reps)
            if tasks:
                st = execute(sweep, tasks, executor, max(n_workers, 1), progress, batch_size)
                for k in totals:
                    totals[k] += st[k]
            more = _adaptive_more(sweep, reps)
            rounds.append({k: v for k, v in reps.items()})
            if not more:
                break
            reps.update(more)
            store.update_manifest(replications={str(k): v for k, v in reps.items()})
    except BaseException:  # Ctrl-C, SIGTERM (as SystemExit), a crash: not complete
        store.update_manifest(status="interrupted")
        raise
    finally:
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)
    elapsed = time.perf_counter() - started
    old = store.read_manifest()
    history = [*old.get("sessions", []), {"seconds": round(elapsed, 2), **totals}]
    return store.update_manifest(
        status="complete",
        replications={str(k): v for k, v in reps.items()},
        sessions=history,
        seconds_total=round(sum(s["seconds"] for s in history), 2),
        adaptive_rounds=len(rounds),
    )


def _adaptive_more(sweep: Sweep, reps: dict[int, int]) -> dict[int, int]:
    """New replication counts for arms whose half-width is above the tolerance (under the cap)."""
    a = sweep.design.sweep.adaptive
    if a is None:
        return {}
    # stats imports scipy.stats: only adaptive replications need it
    from coprod_sim.sweeps.stats import half_widths, load_results

    wide = load_results(sweep.store.out)
    hw = half_widths(wide, a.outcome, sweep.baseline)
    more: dict[int, int] = {}
    for point, h in hw.items():
        if (not np.isfinite(h) or h > a.half_width) and reps[point] < a.max_replications:
            more[point] = min(reps[point] + a.step, a.max_replications)
    if more and sweep.baseline is not None:  # the baseline is paired with every arm
        need = max(more.values())
        if reps[sweep.baseline] < need:
            more[sweep.baseline] = need
    return more
