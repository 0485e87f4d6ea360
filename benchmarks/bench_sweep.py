"""Sweep throughput: demo-town runs per minute with 1 and 2 local workers, and the overhead per
run (worker start, serialisation, writing) against the model's own time.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 40] [--weeks 52] [--repeats 2]

Each configuration runs the same design (``--arms`` arms x runs/arms replications of the demo
town) through ``run_sweep`` into a fresh folder, with an empty cache of burned-in towns
(``COPROD_SIM_CACHE=off`` in the environment: every run computes its burn-in, as before
issue 27). Workers are started and warmed (imports, compiled passes
loaded) before the clock starts, so "runs per minute" is the steady state a long sweep sees;
the start-up is reported on its own. The load average is printed: other processes on the
machine lower the 2-worker figure, so the script also measures the ceiling: how much faster a
pure CPU loop runs in 2 processes than in 1 at that moment.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path

from coprod_sim.sweeps import Design, run_sweep
from coprod_sim.sweeps.engine import Sweep, run_spec
from coprod_sim.sweeps.runner import run_batch


def _design(runs: int, weeks: int, arms: int = 2) -> Design:
    from coprod_sim.levers import LEVERS

    levers = list(LEVERS)[: arms - 1]
    return Design.from_dict(
        {
            "sweep": {"name": "bench", "seed": 5, "replications": runs // arms, "weeks": weeks},
            "world": {"town": "demo"},
            "arms": [{"name": "baseline"}]
            + [{"name": name, "levers": {name: {}}} for name in levers],
        }
    )


def _warm(_: int) -> float:
    """Import the model and run a tiny town (loads the compiled passes); returns the seconds."""
    t = time.perf_counter()
    from coprod_sim import CoproductionModel

    CoproductionModel(rng=0, n_residents=100, policies=["time_bank"]).run_weeks(2)
    time.sleep(0.3)  # keep this worker busy so the next warm-up goes to another
    return time.perf_counter() - t


def _pool(workers: int) -> tuple[ProcessPoolExecutor, float]:
    t = time.perf_counter()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
    wait([pool.submit(_warm, i) for i in range(workers)])
    return pool, time.perf_counter() - t


def _timed_sweep(design: Design, workers: int, tmp: Path) -> tuple[float, dict]:
    out = tmp / f"w{workers}"
    shutil.rmtree(out, ignore_errors=True)
    # each sweep starts with an empty cache of burned-in towns (set before the workers start,
    # which inherit it): a sweep burns each replication in once, never reusing another's
    if os.environ.get("COPROD_SIM_CACHE", "").lower() != "off":
        cache = tmp / f"cache-{time.perf_counter_ns()}"
        os.environ["COPROD_SIM_CACHE"] = str(cache)
    if workers == 0:
        t = time.perf_counter()
        man = run_sweep(design, out, workers=0)
        return time.perf_counter() - t, man
    pool, _ = _pool(workers)
    try:
        t = time.perf_counter()
        man = run_sweep(design, out, executor=pool, workers=workers)
        return time.perf_counter() - t, man
    finally:
        pool.shutdown()


def _busy(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def _ceiling() -> float:
    """Speed-up of a pure CPU loop with 2 processes over 1: what this machine gives right now."""
    times = {}
    for w in (1, 2):
        with ProcessPoolExecutor(w, mp_context=mp.get_context("spawn")) as p:
            list(p.map(_busy, [10] * w))
            t = time.perf_counter()
            list(p.map(_busy, [2_000_000] * 8))
            times[w] = time.perf_counter() - t
    return times[1] / times[2]


def _serialisation(design: Design, tmp: Path) -> tuple[float, int]:
    """Seconds and bytes to pickle one run's task and its result, both ways."""
    sweep = Sweep(design, tmp / "ser")
    tasks = sweep.tasks({p["point"]: 1 for p in sweep.points})[:1]
    spec = run_spec(design)
    result = run_batch(spec, tasks)
    t = time.perf_counter()
    n = 50
    for _ in range(n):
        a = pickle.dumps((spec, tasks))
        b = pickle.dumps(result)
        pickle.loads(a)
        pickle.loads(b)
    return (time.perf_counter() - t) / n, len(a) + len(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--arms", type=int, default=2, help="arms: the baseline and arms-1 levers")
    a = ap.parse_args()
    design = _design(a.runs, a.weeks, a.arms)
    cache = os.environ.get("COPROD_SIM_CACHE", "")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()}")
    how = (
        "computed every run"
        if cache.lower() == "off"
        else "computed once per replication (cache emptied per sweep)"
    )
    print(
        f"design: demo town (2,000 residents), {a.weeks} weeks, {a.runs} runs per sweep, "
        f"{a.arms} arms; burned-in towns {how}"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        _timed_sweep(_design(4, 4), 0, tmp)  # load compiled passes in this process
        starts = [_pool(w)[1] for w in (1, 2)]
        times: dict[int, list[float]] = {0: [], 1: [], 2: []}
        writes: list[float] = []
        for _ in range(a.repeats):
            for w in (0, 1, 2):
                sec, man = _timed_sweep(design, w, tmp)
                times[w].append(sec)
                writes.append(man["sessions"][-1]["write_seconds"] / a.runs)
        ser_s, ser_b = _serialisation(design, tmp)
        ceilings = [_ceiling() for _ in range(2)]
    med = {w: statistics.median(v) for w, v in times.items()}
    rpm = {w: 60 * a.runs / s for w, s in med.items()}
    compute = med[0] / a.runs
    print(f"in this process (no pool):  {rpm[0]:6.1f} runs/min  ({1000 * compute:.0f} ms/run)")
    print(f"1 worker:                   {rpm[1]:6.1f} runs/min")
    print(f"2 workers:                  {rpm[2]:6.1f} runs/min  (speed-up {rpm[2] / rpm[1]:.2f}x)")
    best = {w: 60 * a.runs / min(v) for w, v in times.items()}
    print(
        f"fastest of {a.repeats}: in process {best[0]:.1f}, 1 worker {best[1]:.1f}, 2 workers "
        f"{best[2]:.1f} runs/min (speed-up {best[2] / best[1]:.2f}x)"
    )
    print(f"overhead per run, 1 worker: {1000 * (med[1] / a.runs - compute):.1f} ms")
    print(
        f"  of which: writing {1000 * statistics.median(writes):.1f} ms; "
        f"serialisation {1000 * ser_s:.2f} ms ({ser_b / 1024:.0f} KiB per run, both ways)"
    )
    print(
        f"worker start (spawn, imports, compiled passes): 1 worker {starts[0]:.1f} s, "
        f"2 workers {starts[1]:.1f} s (once per sweep)"
    )
    print(
        "machine ceiling: a pure CPU loop in 2 processes ran "
        + ", ".join(f"{c:.2f}x" for c in ceilings)
        + " as fast as in 1 (2.0x on two idle cores)"
    )
    print(f"times (s): {times}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
