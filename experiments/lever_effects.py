"""Each lever against no lever, over paired replications: a thin use of the sweep engine.

The same study as ``experiments/levers/design.toml``, built in Python for a quick look at a few
levers; ``coprod-sim sweep`` and ``coprod-sim report`` do the work (paired seeds, t intervals,
costs per extra need met, resumable results):

    .venv/bin/python experiments/lever_effects.py --town demo --years 3 --seeds 8
    .venv/bin/python experiments/lever_effects.py --lever time_bank --lever insurance_cover \\
        --set n_residents=5000 --seeds 10 --workers 2 --out results/lever_effects
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coprod_sim import ScenarioError
from coprod_sim.io.scenario_file import parse_sets
from coprod_sim.levers import LEVERS
from coprod_sim.sweeps import Design, run_sweep, write_report


def design(
    levers: Sequence[str], seeds: int, years: float, world: dict[str, Any], seed: int = 1
) -> Design:
    """A baseline arm plus one arm per lever (defaults), ``seeds`` paired replications."""
    arms = [{"name": "baseline"}] + [{"name": lv, "levers": {lv: {}}} for lv in levers]
    return Design.from_dict(
        {
            "sweep": {"name": "lever_effects", "seed": seed, "replications": seeds, "years": years},
            "world": world,
            "arms": arms,
        }
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lever", action="append", help="lever name (default: every lever)")
    ap.add_argument("--town", default="demo")
    ap.add_argument("--years", type=float, default=3.0)
    ap.add_argument("--seeds", type=int, default=6, help="replications per lever")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], help="scenario parameter name=value")
    ap.add_argument("--out", type=Path, default=Path("results/lever_effects"))
    a = ap.parse_args(argv)
    try:
        world, lever_sets = parse_sets(a.set)
        if lever_sets:
            raise ScenarioError("--set: lever parameters are not taken here; use a design file")
        d = design(a.lever or list(LEVERS), a.seeds, a.years, {"town": a.town, **world})
        run_sweep(d, a.out, workers=a.workers, progress=True)
    except ScenarioError as exc:
        print(f"lever_effects: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {write_report(a.out)}")
    return 0


if __name__ == "__main__":  # the guard lets worker processes import this module safely
    raise SystemExit(main())
