"""Profile one year of a 100,000-resident town: time per phase of the week, top functions.

    python benchmarks/profile_year.py                     # 100k residents, 52 weeks
    python benchmarks/profile_year.py --residents 1000000 --weeks 10 --levers all
    python benchmarks/profile_year.py --warmup 52         # profile the second year

The phases are the functions of the week's schedule (``schedule.WEEK``: each is called by
``Phase.__call__`` or, for levers, ``LeverPoint.__call__``), read from cProfile's caller edges,
so a phase added to the schedule shows up without editing this script. The channels called by
``channels.match`` and each lever's ``apply`` are broken out below them.
cProfile adds a little overhead per Python call; the phase shares are what matter.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    p = Path(path)
    mod = p.stem if "coprod_sim" in p.parts else f"{p.parent.name}/{p.stem}"
    return f"{mod}.{name}"


def edges_from(stats: pstats.Stats, caller_name: str, caller_file: str):
    """(callee, cumulative seconds, calls) for every function called by ``caller_name``."""
    out = []
    for func, (_cc, _nc, _tt, _ct, callers) in stats.stats.items():
        for caller, edge in callers.items():
            if caller[2] == caller_name and caller[0].endswith(caller_file):
                cc, nc, tt, ct = edge
                out.append((func, ct, nc))
    return sorted(out, key=lambda x: -x[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--warmup", type=int, default=0, help="weeks run before profiling")
    ap.add_argument("--levers", choices=["none", "all"], default="none")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--dump", type=Path, default=None, help="write the raw cProfile stats here")
    args = ap.parse_args(argv)

    from coprod_sim import CoproductionModel
    from coprod_sim.levers import LEVERS

    kw = {"rng": args.seed, "n_residents": args.residents, "burn_in_years": 0}  # a year, not 9
    if args.levers == "all":
        kw["policies"] = {name: {} for name in LEVERS}
    t0 = time.perf_counter()
    model = CoproductionModel(**kw)
    t_build = time.perf_counter() - t0
    for _ in range(args.warmup):
        model.step()

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(args.weeks):
        model.step()
    prof.disable()
    wall = time.perf_counter() - t0
    if args.dump:
        prof.dump_stats(str(args.dump))

    stats = pstats.Stats(prof)
    print(
        f"{args.residents:,} residents, weeks {args.warmup}-{args.warmup + args.weeks} "
        f"(levers {args.levers}: {', '.join(LEVERS) if args.levers == 'all' else '-'}); "
        f"build {t_build:.2f} s; profiled wall {wall:.2f} s "
        f"({wall / args.weeks * 1000:.1f} ms/week)"
    )
    # the phases are the functions ``schedule.Phase.__call__`` runs (``schedule.WEEK``), and
    # the levers those ``schedule.LeverPoint.__call__`` runs: both are ``__call__`` in schedule.py
    step_edges = edges_from(stats, "__call__", "schedule.py")
    total = sum(ct for _, ct, _ in step_edges) or 1.0
    print("\nphase of the week (schedule.WEEK, as step() runs it)      seconds  share  ms/week")
    small = 0.0
    for func, ct, _nc in step_edges:
        if ct / total < 0.002:
            small += ct
            continue
        print(f"  {label(func):<52} {ct:7.2f} {ct / total:6.1%} {ct / args.weeks * 1000:8.1f}")
        if func[2] == "match" and func[0].endswith("channels.py"):  # the channels, in order
            for sub, sct, _ in edges_from(stats, "match", "channels.py"):
                if sct / total >= 0.002:
                    print(f"      {label(sub):<48} {sct:7.2f} {sct / total:6.1%}")
        if func[2] == "__call__" and func[0].endswith("levers/__init__.py"):  # each lever
            for lv, lct, _ in edges_from(stats, "__call__", "levers/__init__.py"):
                if lct / total >= 0.002:
                    print(f"      {label(lv):<48} {lct:7.2f} {lct / total:6.1%}")
    print(f"  {'(the rest, each < 0.2%)':<52} {small:7.2f} {small / total:6.1%}")
    print(f"  {'(sum)':<52} {total:7.2f}")

    print(f"\ntop {args.top} functions by own time (tottime):")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(args.top)
    text = buf.getvalue()
    start = text.find("   ncalls")
    print(text[start:].rstrip() if start >= 0 else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
