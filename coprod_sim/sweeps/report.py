"""``coprod-sim report results/NAME``: a Markdown report with PNG plots, readable on its own.

It reads only the results folder (manifest and Parquet dataset), so a report can be rebuilt at
any time, on any machine, from a finished or a partial sweep.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from coprod_sim.analysis import metrics as registry  # noqa: E402
from coprod_sim.results_version import markdown_stamp, stale_fit_note, stamp_png  # noqa: E402
from coprod_sim.sweeps import stats  # noqa: E402
from coprod_sim.sweeps.design import DEFAULT_COSTS, LEGACY_COSTS, Design  # noqa: E402
from coprod_sim.sweeps.factors import SENSITIVITY_KINDS  # noqa: E402
from coprod_sim.sweeps.samplers import baseline_point  # noqa: E402
from coprod_sim.sweeps.store import Store, effective_status, missing_runs  # noqa: E402

REPORT = "report.md"
FIGURES = "figures"


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        if not math.isfinite(v):
            return "-"
        a = abs(v)
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 10:
            return f"{v:.1f}"
        if a >= 0.01 or a == 0:
            return f"{v:.3f}"
        return f"{v:.2e}"
    return str(v).replace("|", "/")


def markdown_table(df: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (numbers rounded for reading)."""
    if df.empty:
        return "(no rows)\n"
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body]) + "\n"


def _title(metric: str) -> str:
    """A figure's name for a metric: its label and unit from the registry (the variable name
    where a design's outcome is not declared)."""
    found = registry.find(metric)
    return found.label_with_unit if found is not None else metric


def _legend(names: list[str]) -> pd.DataFrame:
    """What each reported metric is: its label, unit and which way is better (registry)."""
    rows = []
    for n in names:
        found = registry.find(n)
        rows.append(
            {
                "metric": n,
                "meaning": found.label if found else "(not declared)",
                "unit": found.unit if found else "",
                "better": found.direction if found else "",
            }
        )
    return pd.DataFrame(rows, columns=["metric", "meaning", "unit", "better"])


def _forest(diff: pd.DataFrame, metric: str, path: Path) -> None:
    d = diff[diff["metric"] == metric].sort_values("difference")
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(d) + 1.4))
    y = np.arange(len(d))
    err = np.vstack([d["difference"] - d["ci_low"], d["ci_high"] - d["difference"]])
    ax.errorbar(d["difference"], y, xerr=np.nan_to_num(err), fmt="o", capsize=3, color="C0")
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, d["arm"])
    better = d["better"].iloc[0] if len(d) else ""
    which = "neither way is better" if better == "neither" else f"{better} is better"
    ax.set_xlabel(f"arm - baseline, paired (95% t interval; {which})")
    ax.set_title(f"{_title(metric)}: difference from the baseline")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _deprivation_plot(dep: pd.DataFrame, path: Path) -> None:
    d = dep[dep["measure"] == "lapsed_share"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for arm, g in d.groupby("arm", sort=False):
        g = g.sort_values("quintile")
        ax.plot(g["quintile"], g["mean"], marker="o", label=arm)
    ax.set_xlabel("deprivation quintile (1 = most deprived fifth of residents)")
    ax.set_ylabel("share of ended needs that lapsed unmet")
    ax.set_xticks(sorted(d["quintile"].unique()))
    ax.legend(fontsize=7, loc="best")
    ax.set_title("Unmet need by deprivation (mean over replications)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _indices_plot(si: pd.DataFrame, kind: str, metric: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(si) + 1.5))
    y = np.arange(len(si))
    if kind == "sobol":
        ax.barh(y - 0.2, si["S1"], 0.4, xerr=si["S1_conf"], label="first order S1", capsize=2)
        ax.barh(y + 0.2, si["ST"], 0.4, xerr=si["ST_conf"], label="total ST", capsize=2)
        ax.set_xlabel("Sobol index (95% bootstrap interval)")
    elif kind == "morris":
        ax.barh(y, si["mu_star"], 0.6, xerr=si["mu_star_conf"], label="mu*", capsize=2)
        ax.set_xlabel("Morris mu* (95% bootstrap interval)")
    else:
        ax.barh(y, si["spearman"], 0.6, label="Spearman rho")
        ax.set_xlabel("Spearman rank correlation with the outcome")
    ax.set_yticks(y, si["parameter"])
    ax.axvline(0, color="grey", lw=1)
    ax.legend(fontsize=8)
    ax.set_title(f"Sensitivity of {_title(metric)}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _effects_plot(eff: pd.DataFrame, metric: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(eff) + 1.5))
    y = np.arange(len(eff))
    err = np.vstack([eff["effect"] - eff["ci_low"], eff["ci_high"] - eff["effect"]])
    ax.errorbar(eff["effect"], y, xerr=np.nan_to_num(err), fmt="s", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, eff["term"])
    ax.set_xlabel("effect (95% t interval over paired replications)")
    ax.set_title(f"Factorial effects on {_title(metric)}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cluster_note(man: dict[str, Any], n_runs: int, seconds: float) -> str:
    name = man["design"]["sweep"]["name"]
    per_run = seconds / n_runs if n_runs else math.nan
    return (
        "## Running it at full size on a cluster\n\n"
        "Start a Dask cluster (`dask scheduler` on one machine, `dask worker tcp://HOST:8786 "
        "--nthreads 1` on each core of the others, all with this package installed at the same "
        "commit), raise the town size (`[world] scale` or `n_residents`, or "
        '`town = "darlington"` at scale 1) and `replications` in the design file, then:\n\n'
        f"    coprod-sim sweep {man.get('design_file') or 'DESIGN.toml'} --out results/{name}-full "
        "--scheduler tcp://HOST:8786\n"
        f"    coprod-sim report results/{name}-full\n\n"
        f"Here a run took {per_run:.2f} s of worker time on average. Run time grows about "
        "linearly with residents x weeks (see benchmarks/README.md for measured town sizes), and "
        "a sweep's wall time is about runs x time per run / workers. Interrupting and running "
        "the same command again resumes where it stopped.\n"
    )


def uncertainty(man: dict[str, Any]) -> str:
    """What the spread over replications holds: seed noise only, or seed noise and the
    calibration's uncertainty (with the posterior file, and the parameters arms set themselves)."""
    post = man.get("posterior")
    if not isinstance(post, dict):
        return (
            "seed noise only (every run has the declared world parameters, or the design's; "
            "no posterior draws)"
        )
    text = (
        f"seed noise and calibration uncertainty (posterior draws from {post.get('file')}, "
        f"{str(post.get('checksum'))[:19]}; fitted to town {post.get('town')}; replication r "
        "of every arm uses the same draw of "
        + ", ".join(f"`{n}`" for n in post.get("parameters", []))
        + ", so arms are compared within one parameter set and the intervals include the "
        "spread over draws; the draws are in posterior_draws.parquet)"
    )
    note = stale_fit_note(
        post.get("results_version"), man.get("results_version"), str(post.get("town"))
    )
    if note:
        text += f". {note}"
    over = post.get("overridden_by_design") or {}
    sets = {tuple(v) for v in over.values()}
    if over and len(sets) == 1 and len(over) == len(man.get("points", [])):
        text += "; set by the design in every arm instead of drawn: " + ", ".join(sets.pop())
    elif over:
        text += "; set by the design instead of drawn: " + "; ".join(
            f"{arm}: {', '.join(names)}" for arm, names in over.items()
        )
    return text


def _ranking(diff: pd.DataFrame, ce: pd.DataFrame, headline: list[str]) -> str:
    """Arms ranked by their paired effect on the first headline outcome, with cost per need."""
    if diff.empty or not headline:
        return ""
    m = headline[0]
    d = diff[diff["metric"] == m].copy()
    if d.empty:
        return ""
    better = d["better"].iloc[0]
    d = d.sort_values("difference", ascending=better == "lower")
    table = d[["arm", "difference", "ci_low", "ci_high", "p_beats"]].rename(
        columns={"difference": f"{m} vs baseline"}
    )
    if not ce.empty and "public_purse_cost_gbp" in set(ce["payer_cost"]):
        purse = ce[ce["payer_cost"] == "public_purse_cost_gbp"].set_index("arm")
        table["net_gbp (public purse saving)"] = table["arm"].map(-purse["extra_cost_gbp"])
    paying = ce[ce["extra_cost_gbp"].abs() > 0] if not ce.empty else ce  # accounts that move
    for payer in paying["payer_cost"].unique() if not ce.empty else []:
        c = ce[ce["payer_cost"] == payer].set_index("arm")["gbp_per_extra_need_met"]
        table[f"GBP per extra need met ({payer})"] = table["arm"].map(c)
    which = "neither way is better" if better == "neither" else f"{better} is better"
    return (
        f"## Summary: arms ranked by {m}, {_title(m)} ({which})\n\n"
        "Paired difference from the baseline with its 95% t interval; cost per extra need met "
        "(for the accounts whose cash changes) is the mean extra cost over the mean extra "
        "needs met (negative with more needs met: the arm saves that account money; with "
        "fewer needs met, it is the money saved per need "
        "lost; undefined when no extra need is met).\n\n" + markdown_table(table)
    )


def futures_section(
    wide: pd.DataFrame, pts: list[dict[str, Any]], headline: list[str], lower: Any = None
) -> str:
    """Each arm's mean under each future and its regret (how far it falls short of the best
    arm in that future, in the metric's better direction; 0 for the best), with the largest
    regret over the futures: "" unless the points run under two or more futures."""
    future = {
        p["point"]: p["values"].get("future") or p["world"].get("future") or "none" for p in pts
    }
    arm = {p["point"]: p["arm"].rsplit(" @ ", 1)[0] for p in pts}
    if len(set(future.values())) < 2:
        return ""
    order = list(dict.fromkeys(future[p["point"]] for p in pts))
    w = wide.assign(future=wide["point"].map(future), base_arm=wide["point"].map(arm))
    out = [
        "## Under each future\n",
        "Each arm's mean over replications under each future, and its regret: how far it "
        "falls short of the best arm in the same future (in the metric's better direction; 0 "
        "for the best). `max regret` is the largest over the futures: an arm with a small one "
        "keeps working whatever the future. Differences from the baseline elsewhere in this "
        "report compare with the baseline under the first future.\n",
    ]
    for m in headline:
        sign = stats.better_sign(m, lower)
        means = w.groupby(["base_arm", "future"], sort=False)[m].mean().unstack("future")
        means = means[[f for f in order if f in means.columns]]
        table = means.copy()
        if sign != 0:
            regret = (means.max() - means) if sign > 0 else (means - means.min())
            for f in means.columns:
                table[f"regret {f}"] = regret[f]
            table["max regret"] = regret.max(axis=1)
            table = table.sort_values("max regret", kind="stable")
        out.append(f"### {m}\n")
        out.append(markdown_table(table.reset_index().rename(columns={"base_arm": "arm"})))
    return "\n".join(out)


def took(man: dict) -> str:
    """How long the sweep took, or why that is not known (never "nan s")."""
    seconds = man.get("seconds_total")
    if isinstance(seconds, int | float) and math.isfinite(seconds):
        return f"Took {seconds:.0f} s wall time here"
    return "Wall time unknown: the sweep did not complete"


def completeness(man: dict, store: Store) -> str:
    """A warning paragraph for a sweep that did not finish: its status and the runs missing
    (arm x replication); empty for a complete sweep."""
    status = effective_status(man)
    missing = missing_runs(man, store.done())
    if status == "complete" and not missing:
        return ""
    shown = ", ".join(f"{arm} #{r}" for arm, r in missing[:20])
    more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
    return (
        f"**This sweep is incomplete (status: {status}).** {len(missing)} of the runs it asks "
        f"for have no results: {shown or 'none'}{more}. Figures below use the finished runs "
        "only; run the same `coprod-sim sweep` command on this folder to finish it.\n"
    )


def write_report(out: str | Path, metrics: list[str] | None = None) -> Path:
    """Write ``report.md`` and ``figures/*.png`` into the results folder; returns the report."""
    out = Path(out)
    store = Store(out)
    man = store.read_manifest()
    design = Design.from_dict(man["design"], source=man.get("design_source"), check_posterior=False)
    wide = stats.load_results(out)
    pts = man["points"]
    s = design.sweep
    kind = design.model.design.kind
    headline = [m for m in (metrics or s.headline) if m in wide.columns]
    base = baseline_point(design)
    figs = out / FIGURES
    figs.mkdir(exist_ok=True)
    n_runs = len(wide)
    worker = sum(x.get("worker_seconds", 0.0) for x in man.get("sessions", []))
    lines: list[str] = []
    add = lines.append
    made = man.get("results_version")
    add(f"# Sweep report: {s.name}\n")
    add(
        markdown_stamp(
            f"coprod-sim sweep {man.get('design_file') or 'DESIGN.toml'} --out {out.as_posix()}"
            f" && coprod-sim report {out.as_posix()}",
            made,
        )
        + "\n"
    )
    if s.description:
        add(s.description.strip() + "\n")
    world = man["design"].get("world", {})
    residents = wide["n_residents"].iloc[0] if "n_residents" in wide.columns else math.nan
    add(
        f"- Design: **{kind}**, {len(pts)} arms, {n_runs} finished runs "
        f"(replications per arm: {s.replications}"
        + (f", adaptive up to {s.adaptive.max_replications}" if s.adaptive else "")
        + ")\n"
        f"- Town: {world.get('town', 'demo')}, {residents:,.0f} residents; "
        f"{design.weeks} weeks measured after {s.burn_in_weeks} weeks of burn-in "
        "(levers start when the burn-in ends)\n"
        f"- Seeds: replication r of every arm uses seed r of design seed {s.seed} "
        "(common random numbers: runs of different arms are paired by replication)\n"
        f"- Uncertainty carried: {uncertainty(man)}\n"
        f"- Results version: {made if made is not None else 'none (made before versions)'} "
        "(`coprod_sim.results_version`: the model that made these runs)\n"
        f"- {took(man)} ({worker:.0f} s of worker time in completed sessions; "
        f"{man.get('python')} / coprod-sim {man['packages'].get('coprod-sim')} / "
        f"commit {man.get('git_commit')})\n"
        f"- Reproduce: `coprod-sim sweep {man.get('design_file') or 'DESIGN.toml'} --out "
        f"{out.as_posix()}` then `coprod-sim report {out.as_posix()}` (the design's text is "
        "also in manifest.json, `design_source`)\n"
    )
    incomplete = completeness(man, store)
    if incomplete:
        add(incomplete)
    if base is not None:
        add(f"Baseline arm: **{pts[base]['arm']}**.\n")
    add("## Metrics shown\n")
    add(markdown_table(_legend(headline)))

    # ---- outcome means
    if kind not in SENSITIVITY_KINDS:
        add("## Outcomes by arm (mean over replications)\n")
        g = wide.groupby(["point", "arm"])[headline].mean().reset_index().drop(columns="point")
        g.insert(1, "runs", wide.groupby("point").size().to_numpy())
        add(markdown_table(g))

    # ---- under each future
    if kind not in SENSITIVITY_KINDS:
        add(futures_section(wide, pts, headline, s.lower_is_better))

    # ---- adaptive
    if s.adaptive is not None:
        a = s.adaptive
        add("## Adaptive replications\n")
        add(
            f"Replications were added {a.step} at a time until the 95% half-width of each arm's "
            f"paired difference in `{a.outcome}` was below {a.half_width:g} (cap "
            f"{a.max_replications}).\n"
        )
        hw = stats.half_widths(wide, a.outcome, base)
        counts = wide.groupby("point").size()
        rows = [
            {
                "arm": pts[p]["arm"],
                "replications": int(counts[p]),
                "half_width": hw.get(p, math.nan),
                "below tolerance": bool(hw.get(p, math.inf) <= a.half_width),
            }
            for p in counts.index
        ]
        add(markdown_table(pd.DataFrame(rows)))

    # ---- paired differences
    diff = stats.differences(wide, base, headline, s.lower_is_better) if base is not None else None
    if diff is not None and diff.empty:  # an incomplete sweep: no arm paired with the baseline
        add("## Differences from the baseline\n")
        add("No arm has a finished run paired with a finished baseline run yet.\n")
        diff = None
    if diff is not None:
        costs = list(DEFAULT_COSTS) if tuple(s.costs) == LEGACY_COSTS else list(s.costs)
        ce = stats.cost_effectiveness(wide, base, costs)
        add(_ranking(diff, ce, headline))
        add("## Differences from the baseline (paired, 95% t intervals)\n")
        add(
            "`difference` is the mean over replications of arm minus baseline with the same seed; "
            "the interval is mean +- t(0.975, n-1) x sd / sqrt(n). `p_beats` is the share of "
            "replications in which the arm did better than its paired baseline run; "
            "`p_mean_better` the t distribution's probability that the mean difference favours "
            "the arm.\n"
        )
        cols = [
            "arm",
            "metric",
            "n",
            "baseline_mean",
            "arm_mean",
            "difference",
            "ci_low",
            "ci_high",
            "better",
            "p_beats",
            "p_mean_better",
        ]
        add(markdown_table(diff[cols]))
        for m in headline:
            f = f"diff_{m}.png"
            _forest(diff, m, figs / f)
            add(f"![{m}]({FIGURES}/{f})\n")
        if not ce.empty:
            add("## Costs per extra need met and per crisis averted, by payer\n")
            add(
                "Money is counted once, by who pays, as `coprod-sim run` reports it: "
                "`cost_<payer>_gbp` is the cash each payer paid over the run (council services' "
                "staff, council levers, employers, central government), "
                "`public_purse_cost_gbp` the council's and central government's (its extra cost "
                "is minus `net_gbp`, the public purse's saving), `cost_total` every payer's, "
                "`lever_cost_total` the levers' (whoever pays) and `professional_cost_gbp` the "
                "services' staff pay. Ratios are of mean paired differences, with "
                "paired percentile-bootstrap 95% intervals; a ratio is undefined (-) when the "
                "arm meets no extra needs or averts no crises on average, and its interval is left "
                "out (-) when the extra needs met or crises averted are not clear of zero. "
                "A negative cost per "
                "need met with more needs met means the arm saves money.\n"
            )
            add(markdown_table(ce.drop(columns="point")))
    # ---- factorial effects
    if kind == "factorial":
        add("## Main effects and two-way interactions\n")
        add(
            "Two-level factors only. An effect is the mean change from a factor's first to its "
            "second level (for a lever: from off to on) averaged over the other factors; an "
            "interaction A x B is half the difference between A's effect with B at its second "
            "and at its first level. Paired "
            "by replication, 95% t intervals; an interval that excludes 0 is an interaction "
            "the replications can see.\n"
        )
        for m in headline:
            eff = stats.factorial_effects(wide, pts, m)
            if eff.empty:
                continue
            add(f"### {m}\n")
            add(markdown_table(eff))
            f = f"effects_{m}.png"
            _effects_plot(eff, m, figs / f)
            add(f"![effects on {m}]({FIGURES}/{f})\n")
    # ---- deprivation
    dep = stats.deprivation_table(wide, base)
    if not dep.empty and kind not in SENSITIVITY_KINDS:
        add("## By deprivation\n")
        add(
            "Neighbourhoods are put in resident-weighted quintiles of deprivation (1 = most "
            "deprived). A small town may leave a quintile empty.\n"
        )
        show = dep[dep["measure"] == "lapsed_share"].drop(columns=["point", "measure"])
        add("Share of ended needs that lapsed unmet, and the paired difference from baseline:\n")
        add(markdown_table(show))
        _deprivation_plot(dep, figs / "deprivation.png")
        add(f"![by deprivation]({FIGURES}/deprivation.png)\n")
    # ---- sensitivity
    if kind in SENSITIVITY_KINDS:
        # sensitivity imports SALib: only a sensitivity design needs it
        from coprod_sim.sweeps.sensitivity import indices

        add("## Sensitivity indices\n")
        add(
            {
                "sobol": "Sobol first-order (S1) and total (ST) indices with 95% bootstrap "
                "intervals (SALib, Saltelli/Jansen estimators); each point's outcome is its mean "
                "over replications.",
                "morris": "Morris elementary effects: mu* (mean absolute effect) with its 95% "
                "bootstrap interval and sigma (non-linearity or interactions), from SALib.",
                "lhs": "Spearman rank correlation of each parameter with the outcome over the "
                "Latin hypercube.",
            }[kind]
            + "\n"
        )
        for m in headline:
            try:
                si = indices(design, wide, m)
            except ValueError as exc:
                add(f"{m}: not computed ({exc}).\n")
                continue
            add(f"### {m}\n")
            add(markdown_table(si))
            f = f"sensitivity_{m}.png"
            _indices_plot(si, kind, m, figs / f)
            add(f"![sensitivity of {m}]({FIGURES}/{f})\n")
        spread = wide[headline].describe().T[["mean", "std", "min", "max"]].reset_index()
        add("### Spread of the outcomes over the sample\n")
        add(markdown_table(spread.rename(columns={"index": "metric"})))
    add(_cluster_note(man, n_runs, worker))
    path = out / REPORT
    text = "\n".join(lines)
    for name in set(re.findall(rf"\]\({FIGURES}/([^)]+\.png)\)", text)):
        stamp_png(figs / name, made)  # each figure keeps the results version of its runs
    path.write_text(text, encoding="utf-8")
    return path
