"""Time calibration simulations as the fit runs them: 10,000 residents of the demo town.

    python benchmarks/calibration_sim.py                 # 5 seeds, then one timed by phase
    python benchmarks/calibration_sim.py --sims 9 --no-phases

Each simulation is ``calibration.fit.simulate_targets`` at the declared defaults (the town,
scale and burn-in the fit uses: ``cli.default_scale``, ``fit.default_burn_in``), one results
year, each with its own seed, in this process. Printed per simulation: CPU
(``time.process_time``: all threads) and wall for the build plus burn-in (the model's
constructor) and for the results year apart. ``simulate_targets`` itself is timed end to end,
and the build plus burn-in are timed again on a model built the same way, so the two figures
come from separate simulations of the same seed (the results are the same; the times are not).

Then one more simulation runs with every phase of ``schedule.WEEK`` (and each channel of
``channels.match``) timed by CPU: the phase table over all 468 weeks (burn-in and results).
Timing a phase costs two clock reads (~1 us), so the phase table's week is a little slower
than the untimed ones. The first simulation also pays numba's cache load and lazy imports
(``--warmup``, default 1, runs untimed first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed_phases(times: dict[str, float]):
    """``schedule.WEEK`` with each entry timed (CPU) into ``times`` by its name."""
    from coprod_sim import schedule

    def wrap(phase):
        name = phase.name if isinstance(phase, schedule.Phase) else f"levers: {phase.name}"

        def run(model) -> None:
            t = time.process_time()
            phase(model)
            times[name] = times.get(name, 0.0) + time.process_time() - t

        return run

    return tuple(wrap(p) for p in schedule.WEEK)


def timed_channels(times: dict[str, float]):
    """The core channels, each timed (CPU) into ``times`` as ``channels: <name>``."""
    from coprod_sim.mechanisms import channels

    def wrap(ch):
        key = f"  channel: {ch.name}"

        def run(model, rows, rng):
            t = time.process_time()
            try:
                return ch(model, rows, rng)
            finally:
                times[key] = times.get(key, 0.0) + time.process_time() - t

        run.name = ch.name
        return run

    return tuple(wrap(c) for c in channels.CORE_CHANNELS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sims", type=int, default=5, help="timed simulations (seeds 1..N)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed simulations first")
    ap.add_argument("--town", default="demo")
    ap.add_argument("--no-phases", action="store_true", help="skip the per-phase table")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    args = ap.parse_args(argv)

    from coprod_sim import model as model_module
    from coprod_sim.calibration.cli import default_scale
    from coprod_sim.calibration.fit import default_burn_in, simulate_targets
    from coprod_sim.mechanisms.outcomes import WEEKS_PER_YEAR

    scale = default_scale(args.town)
    burn_in = default_burn_in()

    def build(seed: int):
        return model_module.CoproductionModel(
            rng=seed, town=args.town, scale=scale, burn_in_years=burn_in
        )

    for w in range(args.warmup):
        simulate_targets({}, town=args.town, scale=scale, seed=10_000 + w)

    print(
        f"calibration simulation: town {args.town}, scale {scale:g}, burn-in {burn_in} years "
        f"+ 1 results year, {args.sims} seeds (CPU s / wall s)"
    )
    rows = []
    for seed in range(1, args.sims + 1):
        c0, w0 = time.process_time(), time.perf_counter()
        simulate_targets({}, town=args.town, scale=scale, seed=seed)
        c1, w1 = time.process_time(), time.perf_counter()
        model = build(seed)
        c2, w2 = time.process_time(), time.perf_counter()
        model.run_weeks(WEEKS_PER_YEAR)
        c3, w3 = time.process_time(), time.perf_counter()
        rows.append((c1 - c0, w1 - w0, c2 - c1, w2 - w1, c3 - c2, w3 - w2))
        n = model.n_residents
        print(
            f"  seed {seed}: simulation {c1 - c0:6.3f} / {w1 - w0:6.3f}   build+burn-in "
            f"{c2 - c1:6.3f} / {w2 - w1:6.3f}   results year {c3 - c2:6.3f} / {w3 - w2:6.3f}"
        )
    cols = list(zip(*rows, strict=True))
    med = [statistics.median(c) for c in cols]
    print(
        f"  median: simulation {med[0]:6.3f} / {med[1]:6.3f}   build+burn-in {med[2]:6.3f} / "
        f"{med[3]:6.3f}   results year {med[4]:6.3f} / {med[5]:6.3f}   ({n:,} residents)"
    )
    print(f"  min simulation CPU {min(cols[0]):.3f} s")
    out = {"sims": [dict(zip(FIELDS, r, strict=True)) for r in rows], "phases": {}}

    if args.no_phases:
        write(args.json, out)
        return 0
    times: dict[str, float] = {}
    week, core = model_module.WEEK, model_module.CORE_CHANNELS
    model_module.WEEK = timed_phases(times)
    model_module.CORE_CHANNELS = timed_channels(times)
    try:
        c0 = time.process_time()
        model = build(1)
        model.run_weeks(WEEKS_PER_YEAR)
        total = time.process_time() - c0
    finally:
        model_module.WEEK, model_module.CORE_CHANNELS = week, core
    weeks = WEEKS_PER_YEAR * (burn_in + 1)
    in_weeks = sum(v for k, v in times.items() if not k.startswith(" "))
    print(
        f"\nper phase (seed 1, CPU over {weeks} weeks; simulation {total:.3f} s, of which "
        f"weeks {in_weeks:.3f} s = {in_weeks / weeks * 1e3:.2f} ms/week, build and the rest "
        f"{total - in_weeks:.3f} s)"
    )
    order = sorted(times, key=lambda k: -times[k] if not k.startswith(" ") else 0)
    phases = [k for k in order if not k.startswith(" ")]
    for k in phases:
        v = times[k]
        print(f"  {k:<34} {v:7.3f} s {v / in_weeks:6.1%} {v / weeks * 1e3:7.3f} ms/week")
        if k == "channels":
            for c in sorted((c for c in times if c.startswith(" ")), key=lambda c: -times[c]):
                v = times[c]
                print(f"  {c:<34} {v:7.3f} s {v / in_weeks:6.1%} {v / weeks * 1e3:7.3f} ms/week")
    out["phases"] = {k.strip(): v for k, v in times.items()} | {"(simulation)": total}
    write(args.json, out)
    return 0


FIELDS = ("sim_cpu", "sim_wall", "burn_in_cpu", "burn_in_wall", "year_cpu", "year_wall")


def write(path: Path | None, out: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
