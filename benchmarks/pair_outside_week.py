"""Paired, in-process A/B of three costs outside the weekly step (issue 27, 2026-12-07):

- ``build``: building the model (all levers, ``burn_in_years=0``); A = ``Resident.__setattr__``
  as before (every attribute looks for a resident column), B = this checkout's.
- ``records``: one year-end collection of the resident records; A = Mesa's
  ``DataCollector`` with the per-resident reporters of ``--ref``'s ``agent_records.py``,
  B = this checkout's ``ResidentRecords``. Both record the same sample of the same model.
- ``barriers``: the year end's barrier attribution (``outcomes.barriers`` on the residents who
  gave no help in the year); A = its product on NumPy's default BLAS threads, B = on one
  (``state.arrays.one_blas_thread``). The clock runs on for 0.3 s after each call, so a BLAS
  thread's busy wait after the call is counted (CPU of all threads: ``time.process_time``).

    python benchmarks/pair_outside_week.py barriers --residents 100000 --reps 9

A and B alternate (A B, then B A, ...); reports the medians and the median of the paired
ratios B/A with a 95% bootstrap interval.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time
import types
from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pair_functions import source_at  # noqa: E402 (benchmarks/ is the script's folder)


def old_setattr(self, name, value) -> None:  # noqa: ANN001
    """``Resident.__setattr__`` before ``Resident.OWN``: every name looks for a column."""
    pop = self._pop_with(name)
    if pop is None:
        mesa.Agent.__setattr__(self, name, value)
    else:
        getattr(pop, name)[self.idx] = value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["build", "records", "barriers"])
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--ref", default="daba5d5", help="git ref of A's agent_records.py")
    args = ap.parse_args(argv)

    from coprod_sim import CoproductionModel
    from coprod_sim.agents import Resident
    from coprod_sim.levers import LEVERS
    from coprod_sim.mechanisms import outcomes
    from coprod_sim.outputs.agent_records import ResidentRecords

    kw = {"rng": 1, "n_residents": args.residents, "burn_in_years": 0, "policies": list(LEVERS)}
    model = CoproductionModel(**kw)
    if args.what != "build":
        model.run_weeks(52 + 51)  # in the second year, a week before its end
    new_setattr, new_blas = Resident.__setattr__, outcomes.one_blas_thread
    old_reporters = {}
    if args.what == "records":
        path = "coprod_sim/outputs/agent_records.py"
        src = source_at(args.ref, path)
        old = types.ModuleType("old_agent_records")
        exec(compile(src, f"<{args.ref} {path}>", "exec"), old.__dict__)
        old_reporters = dict(old.REPORTERS)
    non = (model.pop.weeks_year == 0).nonzero()[0]

    def run(which: str) -> float:
        b = which == "B"
        if args.what == "build":
            Resident.__setattr__ = new_setattr if b else old_setattr
            gc.collect()
            t = time.process_time()
            CoproductionModel(**kw)
            return time.process_time() - t
        if args.what == "records":
            c = ResidentRecords() if b else mesa.DataCollector(agent_reporters=old_reporters)
            view = SimpleNamespace(agents=model.agent_record_set, time=model.time)
            t = time.process_time()
            c.collect(view)
            return time.process_time() - t
        outcomes.one_blas_thread = new_blas if b else contextlib.nullcontext
        time.sleep(0.3)  # an earlier call's BLAS threads have gone to sleep
        t = time.process_time()
        outcomes.barriers(model, non)
        time.sleep(0.3)
        return time.process_time() - t

    times: dict[str, list[float]] = {"A": [], "B": []}
    try:
        for rep in range(args.reps):
            for which in "AB" if rep % 2 == 0 else "BA":
                times[which].append(run(which))
    finally:
        Resident.__setattr__, outcomes.one_blas_thread = new_setattr, new_blas
    a, b = np.array(times["A"]), np.array(times["B"])
    r = b / a
    boots = np.median(np.random.default_rng(0).choice(r, (4000, len(r))), axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    extra = f", {len(non):,} residents without help" if args.what == "barriers" else ""
    print(
        f"{args.what}, {args.residents:,} residents{extra}: A {np.median(a) * 1e3:.1f} ms, "
        f"B {np.median(b) * 1e3:.1f} ms, paired B/A {np.median(r):.3f} "
        f"(95% {lo:.3f}-{hi:.3f}, {args.reps} pairs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
