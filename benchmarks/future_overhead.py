"""What a future costs a week: the same town with no future, the steady future and another
future, run side by side (interleaved blocks of weeks in one process, so a busy machine slows
all alike), 10,000 residents by default.

    .venv/bin/python benchmarks/future_overhead.py                      # 2 years, ageing_austerity
    .venv/bin/python benchmarks/future_overhead.py --residents 100000 --years 1 --future ageing

Two ratios are printed. ``steady / none`` is the machinery's own cost (the steady future changes
nothing, so both towns do the same work): the issue's target is at most 1.10. ``<future> /
none`` also includes the work the future's world makes (an older town has more needs, a cut
service matches fewer): a description of the model, not an overhead. The last line is
``ratio steady/none: X``. JSON goes to benchmarks/out/future_overhead.json.

A growing town (issue 26): when the future carries a ``population`` trajectory (the shipped
``ageing`` and ``ageing_austerity`` do), a fourth town runs the same future with its population
lines removed (written to benchmarks/out/), and ``ratio growing/fixed size`` is the growth
rule's cost: the spare rows, the ``present`` masks of every week and the yearly follow. Both
towns start with the same residents count but are not the same draws (the growing town is
built with its spare rows); ``--years`` above 1 includes a year's growth step.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from coprod_sim import CoproductionModel
from coprod_sim.data.future_file import load_future, resolve

BLOCK = 4  # weeks each town runs before the next takes its turn (the order rotates)


def own_code_seconds(model: CoproductionModel, repeat: int = 200) -> float:
    """Seconds a week of the code a future adds (a stable measure on a busy machine, where the
    ratios of whole weeks move by several per cent run to run): the weekly figures it adds
    every week, plus its year-start phase (once in 52 weeks) timed at a year's start."""
    from coprod_sim.mechanisms import futures
    from coprod_sim.outputs.reporters import future_stats

    t0 = time.perf_counter()
    for _ in range(repeat):
        future_stats(model)
    weekly = (time.perf_counter() - t0) / repeat
    week = model.week
    model.week = 52 * (week // 52 + 1)  # a year's start: the phase does its work
    t0 = time.perf_counter()
    for _ in range(max(repeat // 20, 1)):
        futures.year_start(model)
    yearly = (time.perf_counter() - t0) / max(repeat // 20, 1)
    model.week = week
    return weekly + yearly / 52


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", type=int, default=10_000)
    ap.add_argument("--years", type=float, default=2.0)
    ap.add_argument("--future", default="ageing_austerity")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    weeks = round(52 * a.years)
    folder = Path(__file__).parent / "out"
    folder.mkdir(exist_ok=True)
    futures = {"none": "", "steady": "steady", a.future: a.future}
    fixed = f"{Path(a.future).stem} fixed size"
    if load_future(a.future).population is not None:  # the same future, no growth
        text = resolve(a.future).read_text(encoding="utf-8").splitlines()
        path = folder / f"{Path(a.future).stem}_fixed_size.toml"
        kept = [ln for ln in text if not ln.startswith("population")]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
        futures[fixed] = str(path)
    names = tuple(futures)
    models = {
        n: CoproductionModel(
            rng=a.seed, n_residents=a.residents, burn_in_years=0, future=futures[n]
        )
        for n in names
    }
    for m in models.values():  # compile and warm up outside the timing
        m.run_weeks(1)
    blocks: dict[str, list[float]] = {n: [] for n in names}
    done, turn = 1, 0
    while done < weeks:
        step = min(BLOCK, weeks - done)
        k = turn % len(names)
        order = names[k:] + names[:k]  # who goes first rotates
        turn += 1
        for n in order:
            m = models[n]
            t0 = time.perf_counter()
            m.run_weeks(step)
            blocks[n].append((time.perf_counter() - t0) / step)
        done += step
    median = {n: statistics.median(b) for n, b in blocks.items()}
    own = own_code_seconds(models[a.future])
    total = {n: sum(b) * BLOCK for n, b in blocks.items()}
    print(f"{a.residents:,} residents, {weeks} weeks, blocks of {BLOCK} weeks interleaved")
    for n in names:
        print(f"  {n:<18} median {1000 * median[n]:7.1f} ms/week   total {total[n]:6.1f} s")
    out = {
        "residents": a.residents,
        "weeks": weeks,
        "median_seconds_per_week": median,
        "ratio_steady": median["steady"] / median["none"],
        f"ratio_{a.future}": median[a.future] / median["none"],
    }
    if fixed in median:
        out["ratio_growing_fixed"] = median[a.future] / median[fixed]
        # the mean week includes the yearly growth step, which a median leaves out
        out["ratio_growing_fixed_mean"] = total[a.future] / total[fixed]
        out["residents_end"] = {n: int(models[n].pop.present.sum()) for n in names}
    (folder / "future_overhead.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(
        f"the future's own code: {1e6 * own:.0f} microseconds a week "
        f"({100 * own / median['none']:.2f}% of a week without a future)"
    )
    out["own_code_seconds_per_week"] = own
    print(f"ratio {a.future}/none: {out[f'ratio_{a.future}']:.3f} (includes the future's work)")
    if fixed in median:
        ends = out["residents_end"]
        print(
            f"ratio growing/fixed size: {out['ratio_growing_fixed']:.3f} (median week; mean "
            f"week, the yearly step included: {out['ratio_growing_fixed_mean']:.3f}; residents "
            f"at the end {ends[a.future]:,} against {ends[fixed]:,})"
        )
    print(f"ratio steady/none: {out['ratio_steady']:.3f}")


if __name__ == "__main__":
    main()
