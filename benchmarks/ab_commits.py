"""Two versions of the model raced side by side: the ratio of their times, run interleaved.

    python benchmarks/ab_commits.py 22ca094 HEAD                        # default cases
    python benchmarks/ab_commits.py 22ca094 WORKTREE --reps 5 --case 100000:all:52:200

This machine's speed drifts by 20-40% over an hour (shared host), so absolute times from
different moments cannot be compared. Here each case runs in a fresh subprocess, in pairs
(A B, then B A, ...), and the ratio of medians B / A is reported. Each revision is checked out
with ``git worktree`` into a temporary folder (``WORKTREE`` means the working tree as it is);
both run with this project's venv.

Each pair's ratio B_i / A_i is taken too (the two ran back to
back, in the same phase of the host): their median and a 95% bootstrap interval say whether
the difference is clear of the noise (with 5 pairs the interval is wide: use 7 or more for a
change of a few percent).

A case is ``residents:levers:weeks:warmup``: residents 0 means the demo town; levers ``none``
or ``all``; with ``warmup`` 0 the build is timed with the weeks, otherwise ``warmup`` weeks run
untimed first (steady state). Both revisions run from the drawn town: where a revision has a
burn-in (``burn_in_years``, run in the constructor since issue 23, at the first ``step()``
before), it is set to 0, so neither side times 416 weeks the other does not. The burn-in
itself is timed apart by ``benchmarks/baseline_agent_loop.py``.

``--cpu`` times the process's CPU seconds (``time.process_time``) instead of wall seconds: on a
host busy with other work a run waits for a core, and that wait is in its wall time, not in
its CPU time (sharing caches with the other work still slows both).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = ("0:all:260:0", "0:none:260:0", "10000:none:52:0", "100000:all:52:104")

CHILD = r"""
import sys, time
sys.path.insert(0, {root!r})
from coprod_sim import CoproductionModel
from coprod_sim.levers import LEVERS
n, levers, weeks, warmup = {args!r}
kw = {{"rng": 1}}
import coprod_sim
scenario = getattr(coprod_sim, "Scenario", None)
if scenario is not None and "burn_in_years" in getattr(scenario, "model_fields", {{}}):
    kw["burn_in_years"] = 0  # equal work on both sides: the weeks from the drawn town
if n:
    kw["n_residents"] = n
if levers == "all":
    kw["policies"] = {{k: {{}} for k in LEVERS}}
clock = time.{clock}
t0 = clock()
m = CoproductionModel(**kw)
for _ in range(warmup):
    m.step()
t1 = clock()
for _ in range(weeks):
    m.step()
t2 = clock()
print((t2 - t1) + (t1 - t0 if warmup == 0 else 0.0))
"""


def parse_case(case: str) -> tuple[int, str, int, int]:
    try:
        n, levers, weeks, warmup = case.split(":")
        out = (int(n), levers, int(weeks), int(warmup))
    except ValueError:
        msg = f"--case {case!r}: give residents:levers:weeks:warmup, e.g. 0:all:260:0"
        raise SystemExit(msg) from None
    if levers not in ("none", "all"):
        raise SystemExit(f"--case {case!r}: levers must be 'none' or 'all', not {levers!r}")
    return out


def checkout(rev: str, into: Path) -> Path:
    if rev == "WORKTREE":
        return ROOT
    dest = into / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(dest), rev], check=True
    )
    return dest


def time_case(root: Path, args: tuple[int, str, int, int], cpu: bool = False) -> float:
    code = CHILD.format(root=str(root), args=args, clock="process_time" if cpu else "perf_counter")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False
    )
    if out.returncode:
        raise SystemExit(f"run failed in {root}:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def paired(a: list[float], b: list[float], n_boot: int = 4000) -> str:
    """The median of the per-repetition ratios B_i / A_i (each pair ran back to back, in the
    same phase of the host) with a 95% bootstrap interval, and what it allows one to say."""
    import numpy as np

    r = np.asarray(b) / np.asarray(a)
    boots = np.median(np.random.default_rng(0).choice(r, (n_boot, len(r))), axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    verdict = "B faster" if hi < 1 else "B slower" if lo > 1 else "no clear difference"
    return (
        f"paired B/A {np.median(r):.3f}, 95% bootstrap interval {lo:.3f}-{hi:.3f} "
        f"({len(r)} pairs): {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", help="git revision A (the reference), or WORKTREE")
    ap.add_argument("b", help="git revision B, or WORKTREE")
    ap.add_argument("--reps", type=int, default=3, help="runs of each case per revision")
    ap.add_argument("--case", action="append", default=None, help="residents:levers:weeks:warmup")
    ap.add_argument("--cpu", action="store_true", help="CPU seconds, not wall (a busy host)")
    args = ap.parse_args(argv)
    if args.reps < 1:
        raise SystemExit(f"--reps {args.reps}: give at least 1")
    cases = [parse_case(c) for c in (args.case or DEFAULT_CASES)]
    with tempfile.TemporaryDirectory(prefix="ab_commits_") as tmp:
        roots = [checkout(args.a, Path(tmp)), checkout(args.b, Path(tmp))]
        try:
            for root in roots:  # compile and cache the numba passes of each checkout first
                time_case(root, (300, "all", 3, 0))
            unit = "CPU seconds" if args.cpu else "seconds"
            print(f"A = {args.a}, B = {args.b}; {args.reps} interleaved runs each, {unit}")
            for case in cases:
                times: list[list[float]] = [[], []]
                for rep in range(args.reps):
                    # A B, then B A, ...: neither always runs first
                    for i in (0, 1) if rep % 2 == 0 else (1, 0):
                        times[i].append(time_case(roots[i], case, args.cpu))
                ma, mb = (statistics.median(t) for t in times)
                label = ":".join(map(str, case))
                print(
                    f"{label:22s} A median {ma:7.3f} (min {min(times[0]):.3f})  "
                    f"B median {mb:7.3f} (min {min(times[1]):.3f})  B/A {mb / ma:.3f}"
                )
                print(f"{'':22s} {paired(times[0], times[1])}")
        finally:
            for root in roots:
                if root != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(root)],
                        check=False,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
