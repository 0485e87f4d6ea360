"""Memory over a long run: resident memory (RSS) at the end of each simulated year.

A run that leaks (arrays or tables that grow without bound, a collector that keeps models
alive) shows RSS rising year after year; a healthy one levels off once the needs table and the
DataCollector reach their working size. Also prints the bytes per resident that the command
line's memory check uses (``coprod_sim.io.runtime.BYTES_PER_RESIDENT``).

    .venv/bin/python benchmarks/bench_memory.py                      # Reading, 10 years, all levers
    .venv/bin/python benchmarks/bench_memory.py --town demo --years 2 --levers none

Prints one line per year and writes ``benchmarks/out/memory_<town>.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path


def rss_bytes() -> int:
    """This process's resident memory now (VmRSS), in bytes."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--town", default="reading", help="town preset (default: the largest)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--levers", choices=("none", "all"), default="all")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from coprod_sim import CoproductionModel
    from coprod_sim.levers import LEVERS

    rss_import = rss_bytes()
    t0 = time.perf_counter()
    model = CoproductionModel(
        rng=args.seed,
        town=args.town,
        scale=args.scale,
        policies=list(LEVERS) if args.levers == "all" else None,
    )
    build = time.perf_counter() - t0
    rows = [{"year": 0, "rss_mib": rss_bytes() / 2**20, "seconds": build}]
    print(
        f"{args.town} x {args.scale:g}: {model.n_residents:,} residents, levers {args.levers}; "
        f"after import {rss_import / 2**20:.0f} MiB, built in {build:.1f} s: "
        f"{rows[0]['rss_mib']:.0f} MiB",
        flush=True,
    )
    for year in range(1, args.years + 1):
        t = time.perf_counter()
        model.run_weeks(52)
        gc.collect()
        rows.append(
            {
                "year": year,
                "rss_mib": rss_bytes() / 2**20,
                "seconds": time.perf_counter() - t,
                "open_needs": int(model.stats.get("open_needs", 0)),
                "needs_table_rows": int(len(model.needs.kind)),
            }
        )
        r = rows[-1]
        print(
            f"year {year:2d}: RSS {r['rss_mib']:7.1f} MiB  ({r['seconds']:.1f} s; needs table "
            f"{r['needs_table_rows']:,} rows, {r['open_needs']:,} open)",
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    later = [r["rss_mib"] for r in rows[2:]]
    drift = (later[-1] - later[0]) / max(len(later) - 1, 1) if len(later) > 1 else float("nan")
    per_resident = (peak - rss_import) / model.n_residents
    print(
        f"peak {peak / 2**20:.0f} MiB; model {per_resident:.0f} bytes per resident at peak; "
        f"drift from year 2 to year {args.years}: {drift:+.1f} MiB per year"
    )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / f"memory_{args.town}.json").write_text(
        json.dumps(
            {
                "town": args.town,
                "scale": args.scale,
                "residents": model.n_residents,
                "levers": args.levers,
                "rss_after_import_mib": rss_import / 2**20,
                "peak_mib": peak / 2**20,
                "bytes_per_resident": per_resident,
                "drift_mib_per_year": drift,
                "years": rows,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
