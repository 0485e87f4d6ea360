"""The report of a lever-mix search: the Pareto front, the cheapest mix that meets the target on
fresh seeds (with its interval), and the cases in which it fails (PRIM).

    from coprod_sim.sweeps.optimise_report import write_optimise_report
    write_optimise_report("results/cheapest_mix")   # report.md + figures/front.png

It reads only the search's folder (manifest, runs, ``front.json``); the failing cases are the
cheapest mix's re-evaluation cases that miss the target, described by the uncertainty factors
that vary over the cases (the design's factors and, with a posterior, each case's drawn world
parameters) with EMA Workbench's PRIM.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats as sps  # noqa: E402

from coprod_sim.analysis import metrics as registry  # noqa: E402
from coprod_sim.results_version import markdown_stamp, png_metadata  # noqa: E402
from coprod_sim.sweeps.design import DesignError  # noqa: E402
from coprod_sim.sweeps.ema import _ema_dtype  # noqa: E402
from coprod_sim.sweeps.optimise import (  # noqa: E402
    constraint_values,
    design_from_dict,
    load_front,
    read_candidates,
    score,
)
from coprod_sim.sweeps.optimise_spec import OptimiseSpec, optimise_spec  # noqa: E402
from coprod_sim.sweeps.stats import t_interval  # noqa: E402
from coprod_sim.sweeps.store import Store  # noqa: E402


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share k/n."""
    if n == 0:
        return math.nan, math.nan
    z = float(sps.norm.ppf(0.5 + level / 2))
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def _runs(folder: Path) -> dict[str, pd.DataFrame]:
    store = Store(folder)
    if not store.parts():
        return {}
    long = pd.read_parquet(store.parts())
    long = long.drop_duplicates(subset=["arm", "point", "replication", "metric"])
    out = {}
    for key, g in long.groupby("arm", sort=False):
        wide = g.pivot(index=["point", "replication"], columns="metric", values="value")
        wide = wide.reset_index()
        wide.columns.name = None
        out[str(key)] = wide
    return out


def _better(spec: OptimiseSpec, obj: str, values: list[float]) -> int:
    """Index of the best of ``values`` for objective ``obj``."""
    arr = np.asarray(values, float)
    return int(np.nanargmin(arr) if spec.directions[obj] == "lower" else np.nanargmax(arr))


def cheapest(front: list[dict[str, Any]], spec: OptimiseSpec, where: str) -> dict | None:
    """The front member best on the first objective among those feasible in ``where``
    ("search" or "reevaluation"), or None."""
    ok = [p for p in front if p[where]["feasible"]]
    if not ok:
        return None
    obj = spec.objectives[0]
    return ok[_better(spec, obj, [p[where]["objectives"][obj] for p in ok])]


def case_factors(out: Path, cases: pd.DataFrame) -> pd.DataFrame:
    """The uncertainty factors of each re-evaluation case that vary over the cases: the design
    point's factor values and world, and the replication's posterior draw."""
    man = Store(out / "cases" / "reevaluation").read_manifest()
    pts = {int(p["point"]): {**p["world"], **p.get("values", {})} for p in man["points"]}
    rows = [dict(pts[int(pt)]) for pt in cases["point"]]
    x = pd.DataFrame(rows, index=cases.index)
    draws = Store(out / "cases" / "reevaluation").draws()
    if draws is not None:
        table = draws.pivot(index="replication", columns="parameter", values="value")
        for name in table.columns:
            drawn = cases["replication"].map(table[name]).to_numpy(float)
            if name in x:  # a value the design point sets itself wins over the draw
                x[name] = np.where(x[name].notna(), x[name], drawn)
            else:
                x[name] = drawn
    keep = [c for c in x.columns if x[c].astype(str).nunique(dropna=False) > 1]
    return pd.DataFrame({c: _ema_dtype(x[c]) for c in keep}, index=x.index)


def prim_lines(x: pd.DataFrame, fails: np.ndarray, minimum: int) -> list[str]:
    """Scenario discovery on the failing cases: PRIM's box, or why there is none."""
    n_fail, n = int(fails.sum()), len(fails)
    if n_fail == 0:
        return [f"It meets the target in all {n} re-evaluation cases: no failing case to explain."]
    if n_fail < minimum:
        return [
            f"Too few failing cases for scenario discovery: {n_fail} of {n} re-evaluation cases "
            f"fail (PRIM needs at least {minimum}, `optimise.prim_min_failures`); more "
            "`reevaluation_seeds` would give PRIM enough."
        ]
    if x.shape[1] == 0:
        return [
            f"{n_fail} of {n} re-evaluation cases fail, but no uncertainty factor varies over "
            "the cases (no design factor, no posterior): the failures are seed noise alone, "
            "which PRIM cannot describe."
        ]
    # heavy: EMA Workbench (seaborn, statsmodels, scikit-learn), only when some cases fail
    from ema_workbench.analysis import prim

    box = prim.Prim(x, fails.astype(bool), peel_alpha=0.1).find_box()
    if box is None:
        return [f"{n_fail} of {n} cases fail; PRIM found no box (failures spread evenly)."]
    traj = box.peeling_trajectory
    # the densest box that still holds at least half the failing cases (fewest dimensions on
    # a tie): PRIM's last box is densest, but it often covers few cases and restricts noise
    ok = traj[traj["coverage"] >= 0.5]
    i = int(ok.sort_values(["density", "res_dim"], ascending=[False, True]).index[0])
    stats, lims = box.inspect(i, style="data")[0]
    lines = [
        f"{n_fail} of {n} re-evaluation cases fail. PRIM (EMA Workbench) finds the box below: "
        f"it holds {stats['coverage']:.0%} of the failing cases (coverage), and "
        f"{stats['density']:.0%} of the cases in it fail (density; all cases: "
        f"{n_fail / n:.0%}). Restrictions whose quasi-p value is above 0.05 on both sides "
        "are left out as not significant.",
        "",
    ]
    qp = lims.iloc[:, 2:].astype(float)
    keep = [name for name in lims.index if np.nanmin(qp.loc[name].to_numpy()) <= 0.05]
    if not keep:
        lines.append("The box restricts no factor significantly: failures are not concentrated.")
        return lines
    lines += ["| factor | from | to | whole range | quasi-p |", "|---|---|---|---|---|"]
    for name in keep:
        lo, hi = lims.loc[name].iloc[0], lims.loc[name].iloc[1]
        p = np.nanmin(qp.loc[name].to_numpy())
        lines.append(
            f"| {name} | {_num(lo)} | {_num(hi)} | {_num(x[name].min())} - "
            f"{_num(x[name].max())} | {p:.2g} |"
        )
    return lines


def _num(v: Any) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _plot(
    path: Path,
    spec: OptimiseSpec,
    search: dict[str, Any],
    front: list[dict[str, Any]],
    best: dict | None,
) -> None:
    obj = spec.objectives
    c = spec.constraint
    target = c.at_most if c.at_most is not None else c.at_least
    unit = " per 1,000 residents a year" if c.per_1000_residents_a_year else ""
    ncols = 2 if len(obj) > 1 else 1
    fig, axes = plt.subplots(1, ncols, figsize=(6.2 * ncols, 4.6), squeeze=False)
    ax = axes[0][0]
    xs = [s.objectives[obj[0]] for s in search.values()]
    ys = [s.quantile_value for s in search.values()]
    feas = [s.feasible for s in search.values()]
    ax.scatter(
        [x for x, f in zip(xs, feas, strict=True) if f],
        [y for y, f in zip(ys, feas, strict=True) if f],
        s=14, c="tab:blue", alpha=0.5, label="candidate, meets target (search)",
    )  # fmt: skip
    ax.scatter(
        [x for x, f in zip(xs, feas, strict=True) if not f],
        [y for y, f in zip(ys, feas, strict=True) if not f],
        s=14, c="tab:grey", alpha=0.5, label="candidate, misses target (search)",
    )  # fmt: skip
    for p in front:
        s, r = p["search"], p["reevaluation"]
        ax.annotate(
            "", xy=(r["objectives"][obj[0]], r["quantile_value"]),
            xytext=(s["objectives"][obj[0]], s["quantile_value"]),
            arrowprops={"arrowstyle": "->", "color": "tab:orange", "lw": 0.8},
        )  # fmt: skip
    ax.scatter(
        [p["reevaluation"]["objectives"][obj[0]] for p in front],
        [p["reevaluation"]["quantile_value"] for p in front],
        s=40, facecolors="none", edgecolors="tab:orange", label="Pareto set, fresh seeds",
    )  # fmt: skip
    if best is not None:
        ax.scatter(
            [best["reevaluation"]["objectives"][obj[0]]], [best["reevaluation"]["quantile_value"]],
            marker="*", s=180, c="tab:red", label="cheapest mix meeting the target",
        )  # fmt: skip
    ax.axhline(target, color="k", lw=0.8, ls="--", label="target")
    ax.set_xlabel(f"mean {registry.label_with_unit(obj[0])}")
    which = "highest" if c.at_most is not None else "lowest"
    ax.set_ylabel(f"{c.metric}{unit}\n({which} in {c.quantile:.0%} of cases)")
    ax.legend(fontsize=7)
    ax.set_title("Candidates and the Pareto set")
    if ncols > 1:
        ax2 = axes[0][1]
        for where, style in (("search", "o"), ("reevaluation", "s")):
            ax2.scatter(
                [p[where]["objectives"][obj[0]] for p in front],
                [p[where]["objectives"][obj[1]] for p in front],
                marker=style, s=30, alpha=0.7,
                label="Pareto set, " + ("search seeds" if where == "search" else "fresh seeds"),
            )  # fmt: skip
        ax2.set_xlabel(f"mean {registry.label_with_unit(obj[0])}")
        ax2.set_ylabel(f"mean {registry.label_with_unit(obj[1])}")
        ax2.legend(fontsize=7)
        ax2.set_title("The front on the first two objectives")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=png_metadata())
    plt.close(fig)


def write_optimise_report(out: str | Path, command: str | None = None) -> Path:
    """Write ``out/report.md`` and ``out/figures/front.png`` from a finished search."""
    out = Path(out)
    man = Store(out).read_manifest()
    if man.get("kind") != "optimise":
        raise DesignError(f"folder '{out}' is not an optimise --out folder")
    design = design_from_dict(man["design"])
    spec = optimise_spec(design)
    weeks = design.weeks
    front = load_front(out)["pareto"]
    mixes = read_candidates(out)
    search = {k: score(w, spec, weeks) for k, w in _runs(out).items()}
    reeval = _runs(out / "reevaluation")
    best = cheapest(front, spec, "reevaluation")
    fallback = best or cheapest(front, spec, "search")
    _plot(out / "figures" / "front.png", spec, search, front, best)

    c = spec.constraint
    obj = spec.objectives
    unit = " per 1,000 residents a year" if c.per_1000_residents_a_year else ""
    rule = f"at most {c.at_most:g}" if c.at_most is not None else f"at least {c.at_least:g}"
    label = registry.metric(c.metric).label
    sessions = man.get("sessions", [])
    runs = sum(s["search_runs"] + s["reevaluation_runs"] for s in sessions)
    sec = spec.section
    cmd = command or f"coprod-sim optimise {man.get('design_file') or 'DESIGN.toml'} --out {out}"
    lines = [
        f"# Cheapest lever mix: {design.sweep.name}",
        "",
        markdown_stamp(cmd),
        "",
        f"Search: NSGA-II (Platypus), seed {man['seed']}, population {sec.population}, "
        f"{sec.generations} generations after the first; {len(mixes)} lever mixes evaluated, "
        f"each on the same {man.get('cases_search')} uncertainty cases (common random numbers); "
        f"the final Pareto set ({len(front)} mix{'es' if len(front) != 1 else ''}) re-evaluated "
        f"on {man.get('cases_reevaluation')} fresh cases. {runs} runs, "
        f"{man.get('seconds_total', 0):.0f} s over "
        f"{len(sessions)} session(s).",
        "",
        f"Target: {label} ({c.metric}){unit} {rule} in at least {c.quantile:.0%} of the cases. "
        f"Objectives: mean {', '.join(obj)} over the cases ({obj[0]} is the cost the cheapest "
        "mix is chosen by).",
        "",
        "Searched levers: "
        + "; ".join(
            lv.lever
            + (" (on/off)" if lv.switch else " (always on)")
            + (f", {lv.parameter} {lv.low:g} - {lv.high:g}" if lv.parameter else "")
            + (f", with {lv.fixed}" if lv.fixed else "")
            for lv in spec.levers
        ),
        "",
        "![Pareto front](figures/front.png)",
        "",
        "## The cheapest mix that meets the target on fresh seeds",
        "",
    ]
    if best is None:
        lines.append(
            "No mix of the Pareto set meets the target on the fresh seeds"
            + (
                f"; the cheapest that met it in the search, {fallback['mix']}, meets it in "
                f"{fallback['reevaluation']['share_met']:.0%} of the fresh cases (the target "
                f"asks for {c.quantile:.0%})."
                if fallback
                else "; none met it in the search either."
            )
        )
    else:
        r = reeval[best["key"]]
        m, hw, n = t_interval(r[obj[0]].to_numpy(float))
        met = int(round(best["reevaluation"]["share_met"] * n))
        lo, hi = wilson(met, n)
        lines += [
            f"**{best['mix']}**: mean {registry.label_with_unit(obj[0])} {m:,.0f} "
            f"(95% interval {m - hw:,.0f} to {m + hw:,.0f}, {n} fresh cases); "
            f"the target holds in {met} of {n} fresh cases ({met / n:.0%}, 95% interval "
            f"{lo:.0%} to {hi:.0%}); the {c.metric}{unit} its "
            f"{c.quantile:.0%}-quantile case reaches is "
            f"{best['reevaluation']['quantile_value']:.1f} "
            f"(search: {best['search']['quantile_value']:.1f}).",
        ]
        for o in obj[1:]:
            mo, ho, _ = t_interval(r[o].to_numpy(float))
            lines.append(f"Mean {registry.label_with_unit(o)}: {mo:,.0f} (+/- {ho:,.0f}).")
    lines += ["", "## The Pareto set", ""]
    head = "| mix | " + " | ".join(f"{o} (search / fresh)" for o in obj)
    lines += [
        head + f" | {c.metric}{unit} at {c.quantile:.0%} (search / fresh) | target met "
        "(search / fresh) |",
        "|---|" + "---|" * (len(obj) + 2),
    ]
    order = sorted(front, key=lambda p: p["reevaluation"]["objectives"][obj[0]])
    for p in order:
        s, r = p["search"], p["reevaluation"]
        cells = [p["mix"]]
        cells += [f"{s['objectives'][o]:,.0f} / {r['objectives'][o]:,.0f}" for o in obj]
        cells.append(f"{s['quantile_value']:.1f} / {r['quantile_value']:.1f}")
        cells.append(f"{s['share_met']:.0%} / {r['share_met']:.0%}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Where it fails", ""]
    if fallback is None:
        lines.append("No mix to examine.")
    else:
        r = reeval[fallback["key"]].sort_values(["point", "replication"]).reset_index(drop=True)
        v = constraint_values(r, spec, weeks)
        fails = ~(v <= c.at_most) if c.at_most is not None else ~(v >= c.at_least)
        lines.append(f"Cases of {fallback['mix']} on the fresh seeds:")
        lines.append("")
        lines += prim_lines(case_factors(out, r), np.asarray(fails), sec.prim_min_failures)
    lines += [
        "",
        "How to read this: docs/optimise.md. Each candidate's runs are in `runs/`, the "
        "re-evaluation's in `reevaluation/runs/`, the mixes in `candidates.jsonl`, the Pareto "
        "set in `front.json`.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
