"""docs/calibration.md from the shipped posteriors: fit, targets, parameters, levers, checks.

    .venv/bin/python experiments/calibration/report.py                 # about 10 min, 2 cores
    .venv/bin/python experiments/calibration/report.py --draws 10 --full-size-draws 3

For each preset town it reads ``coprod_sim/data/posterior_<town>.json`` and runs, from fresh
seeds (none used by the fit):

1. posterior predictive: ``--draws`` parameter sets drawn from the posterior, one new seed
   each, at the fit's scale: each target's simulated median and 90% interval against the survey;
2. for Darlington, ``--full-size-draws`` of those sets at full size (100,000 residents): the
   same targets, to show the fit does not depend on the scale it was made at;
3. the lever effects of the time bank and personal asks, paired against no lever, with the
   single default parameter set (seed noise only) and with posterior draws (seed noise and
   calibration uncertainty);
4. the out-of-sample checks of the ``policy_effect`` rows (``coprod_sim.calibration.checks``).

It writes docs/calibration.md (the prose around the numbers is in this script's template) and
the plots in docs/calibration/. Every number in the document comes from this run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from coprod_sim.results_version import RESULTS_VERSION, markdown_stamp, png_metadata

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FIGS = DOCS / "calibration"
TOWNS = ("demo", "darlington", "reading")
#: seeds of the report's runs start here (the fit's simulations draw theirs from its own seed)
SEED0 = 9_000_000
LEVERS = ("time_bank", "personal_asks")
LEVER_YEARS = 2
TOWNS_N: dict[str, int] = {}
EFFECTS = (
    ("needs_residents_unmet", "residents' needs left unmet (2 years)", -1),
    ("participation_formal_at_least_yearly", "formal participation, at least yearly", 1),
)


# ------------------------------------------------------------------------------ runs
def _targets_task(args: tuple[str, float, int, dict[str, float]]) -> dict[str, float]:
    from coprod_sim.calibration.fit import simulate_targets

    town, scale, seed, params = args
    return simulate_targets(params, town=town, scale=scale, seed=seed)


def _lever_task(args: tuple[str, float, int, dict[str, float], str]) -> dict[str, float]:
    from coprod_sim import CoproductionModel
    from coprod_sim.analysis.summary import summary_metrics

    town, scale, seed, params, lever = args
    out = {}
    for policies in ([], [lever]):
        model = CoproductionModel(rng=seed, town=town, scale=scale, policies=policies, **params)
        model.run_weeks(LEVER_YEARS * 52)
        m = summary_metrics(model)
        for key, _, _ in EFFECTS:
            out[f"{key}:{'lever' if policies else 'base'}"] = float(m[key])
    return {key: out[f"{key}:lever"] - out[f"{key}:base"] for key, _, _ in EFFECTS}


def _outcome_task(args: tuple[str, float, int, dict[str, float]]) -> dict[str, float]:
    """The outcome side of one baseline run (no levers, the first results year): the share of
    residents' own needs that lapsed unmet, and older people's unmet everyday care."""
    from coprod_sim import CoproductionModel
    from coprod_sim.analysis.summary import summary_metrics

    town, scale, seed, params = args
    model = CoproductionModel(rng=seed, town=town, scale=scale, **params)
    model.run_weeks(52)
    m = summary_metrics(model)
    arisen = float(m["needs_residents_arisen"])
    year = [y for y in model.years if not y["burn_in"]][0]
    return {
        "residents_unmet_share": float(m["needs_residents_unmet"]) / arisen if arisen else np.nan,
        "older_unmet_care_share": float(year["older_unmet_care_share"]),
    }


def _prior_draws(post: Any, n: int, offset: int) -> list[tuple[int, dict[str, float]]]:
    """``n`` parameter sets from the fit's uniform priors, each with a fresh seed."""
    rng = np.random.default_rng(SEED0 + 90_000 + offset)
    out = []
    for i in range(n):
        params = {p.name: float(rng.uniform(p.low, p.high)) for p in post.parameters}
        out.append((SEED0 + 90_000 + offset + i, params))
    return out


def _check_task(args: tuple[str, str, float, int, dict[str, float]]) -> float:
    from coprod_sim.calibration.checks import CHECKS

    check_id, town, scale, seed, params = args
    check = next(c for c in CHECKS if c.id == check_id)
    return check.run(params, town=town, scale=scale, seed=seed)


def _draws(post: Any, n: int, offset: int) -> list[tuple[int, dict[str, float]]]:
    from coprod_sim.calibration.posterior import draw_for_run

    seeds = [SEED0 + offset + i for i in range(n)]
    return [(s, draw_for_run(post, s)[0]) for s in seeds]


# ------------------------------------------------------------------------------ numbers
def interval(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    return float(np.median(v)), float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def pinned(post: Any) -> list[dict[str, Any]]:
    """Per parameter: prior, posterior median and 90% interval, and the interval's share of
    the prior's width (under 0.5: the data pin it down; over 0.8: they hardly do)."""
    q = post.quantiles([0.05, 0.5, 0.95])
    rows = []
    for p in post.parameters:
        lo, med, hi = q[p.name]
        share = (hi - lo) / (p.high - p.low)
        verdict = "pinned down" if share < 0.5 else ("weakly" if share < 0.8 else "not pinned down")
        rows.append(
            {"name": p.name, "unit": p.unit, "low": p.low, "high": p.high, "median": med,
             "q05": lo, "q95": hi, "share": share, "verdict": verdict}
        )  # fmt: skip
    return rows


def correlations(post: Any, threshold: float = 0.3) -> list[tuple[str, str, float]]:
    """Weighted correlations between posterior parameters above ``threshold`` in size."""
    x, w = np.asarray(post.particles, float), np.asarray(post.weights, float)
    centred = x - (w[:, None] * x).sum(0)
    cov = (centred.T * w) @ centred
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    names = post.names
    return [
        (names[i], names[j], float(r[i, j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if abs(r[i, j]) > threshold
    ]


# ------------------------------------------------------------------------------ plots
def plot_targets(results: dict[str, dict[str, list[dict[str, float]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coprod_sim.calibration.targets import TARGETS

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(len(results), 1)
    for i, (label, runs) in enumerate(results.items()):
        for j, t in enumerate(TARGETS):
            med, lo, hi = interval([r[t.measure] for r in runs["runs"]])
            x = j + (i - (len(results) - 1) / 2) * width
            ax.errorbar(x, med, yerr=[[med - lo], [hi - med]], fmt="o", color=f"C{i}",
                        label=label if j == 0 else None, capsize=3)  # fmt: skip
    for j, t in enumerate(TARGETS):
        ax.plot([j - 0.4, j + 0.4], [t.value, t.value], "k-", lw=2)
        top = 1.0 if t.lower_bound else t.value + t.tolerance
        ax.fill_between([j - 0.4, j + 0.4], t.value - t.tolerance, top, color="0.85")
    ax.set_xticks(range(len(TARGETS)), [t.id for t in TARGETS])
    ax.set_ylim(0, 0.7)
    ax.set_ylabel("share of adults (formal volunteering)")
    ax.set_title("Survey (black line, grey: tolerance) against posterior predictive (median, 90%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=png_metadata())
    plt.close(fig)


def plot_marginals(posts: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = next(iter(posts.values()))
    n = len(first.parameters)
    cols = 4
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows))
    for k, p in enumerate(first.parameters):
        ax = axes.flat[k]
        for i, (town, post) in enumerate(posts.items()):
            x = np.asarray(post.particles, float)[:, k]
            ax.hist(x, bins=15, range=(p.low, p.high), weights=post.weights, density=True,
                    histtype="step", color=f"C{i}", label=town)  # fmt: skip
        ax.axhline(1 / (p.high - p.low), color="k", ls="--", lw=1, label="prior")
        ax.set_title(p.name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Marginal posteriors (weighted) against the uniform priors (dashed)")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=png_metadata())
    plt.close(fig)


# ------------------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--towns", nargs="+", default=list(TOWNS))
    ap.add_argument("--draws", type=int, default=30, help="posterior draws at the fit scale")
    ap.add_argument("--full-size-draws", type=int, default=4)
    ap.add_argument("--lever-reps", type=int, default=20)
    ap.add_argument(
        "--check-draws", type=int, default=12, help="draws at the check scale and per check"
    )
    ap.add_argument(
        "--outcome-draws", type=int, default=12,
        help="prior and posterior draws per town for the unmet-need spread (check scale)",
    )  # fmt: skip
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DOCS / "calibration.md")
    args = ap.parse_args()

    from coprod_sim.calibration.checks import CHECKS
    from coprod_sim.calibration.posterior import load_posterior
    from coprod_sim.calibration.targets import check_scale
    from coprod_sim.state.towns import TOWNS as PRESETS

    TOWNS_N.update({t: PRESETS[t].residents for t in PRESETS})

    FIGS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    posts = {town: load_posterior(town) for town in args.towns}
    pool = ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn"))
    predictive: dict[str, dict[str, Any]] = {}
    for t_i, (town, post) in enumerate(posts.items()):
        draws = _draws(post, args.draws, 1000 * t_i)
        for scale in sorted({post.scale, check_scale(town)}):
            n = f"{TOWNS_N[town] * scale:,.0f}"
            use = draws if scale == post.scale else draws[: args.check_draws]
            runs = list(pool.map(_targets_task, [(town, scale, s, p) for s, p in use]))
            tags = [t for t, at in (("fit", post.scale), ("check", check_scale(town)))
                    if scale == at]  # fmt: skip
            label = f"{town}, {n} ({' and '.join(tags)} scale)"
            predictive[label] = {"town": town, "runs": runs}
            print(f"{label}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    full: dict[str, Any] = {}
    if "darlington" in posts and args.full_size_draws > 0:
        post = posts["darlington"]
        draws = _draws(post, args.full_size_draws, 1000)  # the first sets of the scaled checks
        runs = list(pool.map(_targets_task, [("darlington", 1.0, s, p) for s, p in draws]))
        predictive["darlington, 100,000 (full size)"] = {"town": "darlington", "runs": runs}
        full = {"n": len(runs)}
        print(f"full size done ({time.perf_counter() - started:.0f} s)", flush=True)

    lever_town = "darlington" if "darlington" in posts else args.towns[0]
    lpost = posts[lever_town]
    lscale = check_scale(lever_town)
    lever_rows: dict[str, dict[str, list[dict[str, float]]]] = {}
    for lever in LEVERS:
        seeds = [SEED0 + 50_000 + r for r in range(args.lever_reps)]
        default = [(lever_town, lpost.scale, s, {}, lever) for s in seeds]
        drawn = [
            (lever_town, lpost.scale, s, p, lever)
            for s, p in _draws(lpost, args.lever_reps, 50_000)
        ]  # noqa: E501
        lever_rows[lever] = {
            "default": list(pool.map(_lever_task, default)),
            "posterior": list(pool.map(_lever_task, drawn)),
        }
        print(f"{lever} done ({time.perf_counter() - started:.0f} s)", flush=True)

    check_rows: dict[str, list[float]] = {}
    for check in CHECKS:
        tasks = [(check.id, lever_town, lscale, s, p)
                 for s, p in _draws(lpost, args.check_draws, 70_000)]  # fmt: skip
        check_rows[check.id] = list(pool.map(_check_task, tasks))
    outcome_rows: dict[str, dict[str, list[dict[str, float]]]] = {}
    for t_i, (town, post) in enumerate(posts.items()):
        scale = check_scale(town)
        sets = {
            "prior": _prior_draws(post, args.outcome_draws, 1000 * t_i),
            "posterior": _draws(post, args.outcome_draws, 90_000 + 1000 * t_i),
        }
        outcome_rows[town] = {
            name: list(pool.map(_outcome_task, [(town, scale, s, p) for s, p in use]))
            for name, use in sets.items()
        }
        print(f"{town} outcomes done ({time.perf_counter() - started:.0f} s)", flush=True)
    pool.shutdown()
    seconds = time.perf_counter() - started
    print(f"all runs done in {seconds:.0f} s", flush=True)

    plot_targets(predictive, FIGS / "targets.png")
    plot_marginals(posts, FIGS / "marginals.png")
    text = render(
        args, posts, predictive, full, lever_town, lever_rows, check_rows, outcome_rows, seconds
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


def render(
    args, posts, predictive, full, lever_town, lever_rows, check_rows, outcome_rows, seconds
) -> str:  # noqa: ANN001, E501
    from coprod_sim.calibration.checks import CHECKS
    from coprod_sim.calibration.targets import CHECK_RESIDENTS as CHECK_N
    from coprod_sim.calibration.targets import CHECK_TOLERANCES, TARGETS

    out: list[str] = []
    w = out.append
    w("# Calibration\n")
    w(markdown_stamp("python experiments/calibration/report.py") + "\n")
    made = ", ".join(
        f"{t} {p.results_version or 'none (before versions)'}" for t, p in posts.items()
    )
    w(f"Results version {RESULTS_VERSION} (`coprod_sim.results_version`); the posteriors' own: "
      f"{made}.\n")  # fmt: skip
    w(INTRO)
    methods = sorted({method_of(p) for p in posts.values()})
    w("**Method.** " + "; and ".join(METHOD_HEAD[m] for m in methods) + ":\n")
    w(METHOD_COMMON.rstrip("\n"))
    for m in methods:
        w(METHOD_TEXT[m])
    left_out = [t for t in TOWNS if t not in posts]
    if left_out:
        w(f"**Not reported here:** {', '.join(left_out)} (its shipped posterior is pending a "
          "refit on this results version: `experiments/regenerate_all.py --list`; a run "
          "there uses the declared defaults).\n")  # fmt: skip
    w("## The fits\n")
    w("| town | scale (residents) | generations or waves | simulations | wall time | "
      "final epsilon | particles | effective sample size |")  # fmt: skip
    w("|---|---|---|---|---|---|---|---|")
    for town, post in posts.items():
        fit = post.fit
        eps = post.distance.epsilons[-1]
        wt = np.asarray(post.weights, float)
        ess = wt.sum() ** 2 / (wt**2).sum()
        n = f"{TOWNS_N[town] * post.scale:,.0f}"
        steps = fit.get("generations")
        if method_of(post) == "history-matching":
            steps = (f"{fit['waves']} waves (region {fit['region_shares'][-1]:.2%} of the prior), "
                     f"final stage {fit['final_stage_simulations']} ({fit['acceptance']:.0%} "
                     "accepted)")  # fmt: skip
        w(f"| {town} | {post.scale:g} ({n}) | {steps} | {fit['simulations']} | "
          f"{fit['wall_seconds'] / 60:.1f} min | {eps:.2f} | {len(post.weights)} | "
          f"{ess:.0f} |")  # fmt: skip
    w("")
    note = kernel_note(posts)
    if note:
        w(note)
    w(fit_notes(posts))
    w("## Targets: survey against the calibrated model\n")
    w("Posterior predictive: each row draws parameter sets from the town's posterior, one "
      "fresh seed each (seeds the fit never used), and runs the baseline: the simulated median "
      "and 90% interval of each target over the draws. **missed**: the median is outside the "
      "tolerance. The fit scale is the scale the posterior was fitted at; the check scale "
      f"({CHECK_N:,} residents, or the town's full size if smaller) is the scale the tests "
      "check the shipped posteriors at.\n")  # fmt: skip
    w("| runs (residents) | n | " + " | ".join(t.id for t in TARGETS) + " |")
    w("|---|---|" + "---|" * len(TARGETS))
    w("| **survey** (tolerance) | | " + " | ".join(
        f"{pct(t.value)}{' or more' if t.lower_bound else ''} (±{100 * t.tolerance:.0f})"
        for t in TARGETS
    ) + " |")  # fmt: skip
    for label, runs in predictive.items():
        cells = []
        for t in TARGETS:
            med, lo, hi = interval([r[t.measure] for r in runs["runs"]])
            ok = "" if t.within(med) else " **missed**"
            cells.append(f"{pct(med)} ({pct(lo)}-{pct(hi)}){ok}")
        w(f"| {label} | {len(runs['runs'])} | " + " | ".join(cells) + " |")
    w("")
    eps = [post.distance.epsilons[-1] for post in posts.values()]
    w(f"**The check the tests make** (`tests/calibration/test_shipped.py`, on fewer draws): at "
      "the check scale, the mean of each target over the draws must lie within "
      f"{CHECK_TOLERANCES:g} tolerance(s) of the survey. The fits' final epsilons are "
      f"{min(eps):.2f}-{max(eps):.2f} (at 1, every accepted set meets every tolerance). Mean "
      "over the draws, and the miss in tolerances:\n")  # fmt: skip
    w("| town | " + " | ".join(t.id for t in TARGETS) + " | check |")
    w("|---|" + "---|" * (len(TARGETS) + 1))
    for label, runs in predictive.items():
        if "check scale" not in label:
            continue
        cells, ok = [], True
        for t in TARGETS:
            mean = float(np.mean([r[t.measure] for r in runs["runs"]]))
            miss = abs(t.compared(mean) - t.value) / t.tolerance
            ok &= miss <= CHECK_TOLERANCES
            cells.append(f"{pct(mean)} ({miss:.1f})")
        w(f"| {runs['town']} | " + " | ".join(cells) + f" | {'pass' if ok else '**fail**'} |")
    w("")
    w("![Targets against the posterior predictive](calibration/targets.png)\n")
    w("**Stated willingness as an upper bound.** Every accepted parameter set of every fit "
      "kept each activity's share of helpers at or under its stated-willingness "
      "share: ")  # fmt: skip
    w(
        ", ".join(
            f"{town} {'yes' if post.checks['willingness_upper_bounds']['all_accepted_within'] else 'NO'}"  # noqa: E501
            for town, post in posts.items()
        )
        + ".\n"
    )
    if full:
        n_fit = TOWNS_N["darlington"] * posts["darlington"].scale
        w(FULL_SIZE_NOTE.format(n=f"{n_fit:,.0f}"))
    from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS

    sessions = {k.name: k.every_weeks for k in DEFAULT_NEED_KINDS if k.every_weeks > 1}
    if sessions:
        w(STRUCTURE.format(sessions=", ".join(f"{k} every {n}" for k, n in sessions.items())))
    w(NOT_ROWS)
    w("## Unmet need: how much the fit narrows it\n")
    w(f"Participation targets alone left the outcome a policy is judged on loose (results "
      f"version 1: posterior draws gave residents' unmet share anywhere from 4% to 28%). Each "
      f"town here runs {args.outcome_draws} parameter sets drawn from the fit's uniform priors "
      f"and {args.outcome_draws} from its posterior, one fresh seed each, at the check scale, "
      "for one results year without levers: the share of residents' own needs that lapsed "
      "unmet, and older people's unmet everyday care (the fitted outcome target). Median and "
      "90% interval; the last column is the posterior interval's width over the prior's "
      "(under 1: the fit narrows it).\n")  # fmt: skip
    w("| town | measure | prior draws | posterior draws | width ratio |")
    w("|---|---|---|---|---|")
    narrowing = []
    for town, rows in outcome_rows.items():
        for key, label in (("residents_unmet_share", "residents' needs unmet"),
                           ("older_unmet_care_share", "older people's unmet care")):  # fmt: skip
            pr = interval([r[key] for r in rows["prior"]])
            po = interval([r[key] for r in rows["posterior"]])
            ratio = (po[2] - po[1]) / (pr[2] - pr[1]) if pr[2] > pr[1] else float("nan")
            narrowing.append(ratio)
            w(f"| {town} | {label} | {pct(pr[0])} ({pct(pr[1])}-{pct(pr[2])}) | "
              f"{pct(po[0])} ({pct(po[1])}-{pct(po[2])}) | {ratio:.2f} |")  # fmt: skip
    w("")
    finite = [r for r in narrowing if np.isfinite(r)]
    if finite:
        w(f"Width ratios {min(finite):.2f}-{max(finite):.2f}. With {args.outcome_draws} draws "
          "a 90% interval is itself rough (its ends are near the extreme draws), so read a "
          "ratio as a size, not to two decimals.\n")  # fmt: skip
    w("## Parameters: what the data pin down\n")
    for town, post in posts.items():
        w(f"**{town}**\n")
        w("| parameter | unit | prior (uniform) | posterior median | 90% interval | "
          "interval / prior width | |")  # fmt: skip
        w("|---|---|---|---|---|---|---|")
        for r in pinned(post):
            w(f"| `{r['name']}` | {r['unit']} | [{r['low']:g}, {r['high']:g}] | "
              f"{r['median']:.3g} | {r['q05']:.3g} - {r['q95']:.3g} | {r['share']:.2f} | "
              f"{r['verdict']} |")  # fmt: skip
        w("")
    w("![Marginal posteriors against priors](calibration/marginals.png)\n")
    w(PARAM_NOTES)
    for town, post in posts.items():
        pairs = correlations(post)
        text = "; ".join(f"`{a}` and `{b}` {r:+.2f}" for a, b, r in pairs) or "none"
        w(f"- {town}: {text}")
    w("")
    w(f"## Lever effects: one parameter set against the posterior ({lever_town})\n")
    w(f"Each lever runs {LEVER_YEARS} years against the paired no-lever run (same seed, same "
      f"parameters), at the check scale ({CHECK_N:,} residents), {args.lever_reps} "
      "replications: *default* uses the "
      "declared defaults and new seeds (seed noise only); *posterior* draws each replication's "
      "parameters from the posterior (seed noise and calibration uncertainty). Median and 90% "
      "interval of the paired differences.\n")  # fmt: skip
    w("| lever | effect on | default parameters | posterior draws | interval width ratio |")
    w("|---|---|---|---|---|")
    ratios, same_sign = [], True
    for lever, rows in lever_rows.items():
        for key, label, _ in EFFECTS:
            d = interval([r[key] for r in rows["default"]])
            p = interval([r[key] for r in rows["posterior"]])
            fmt = pct if "participation" in key else (lambda x: f"{x:+.1f}")
            ratio = (p[2] - p[1]) / (d[2] - d[1]) if d[2] > d[1] else float("nan")
            ratios += [ratio] if np.isfinite(ratio) else []
            same_sign &= bool(np.sign(d[0]) == np.sign(p[0]))
            w(f"| {lever} | {label} | {fmt(d[0])} ({fmt(d[1])} to {fmt(d[2])}) | "
              f"{fmt(p[0])} ({fmt(p[1])} to {fmt(p[2])}) | {ratio:.2f} |")  # fmt: skip
    w("")
    w(LEVER_NOTES)
    w(f"Here the ratios run from {min(ratios):.2f} to {max(ratios):.2f}, and the posterior "
      f"{'keeps' if same_sign else 'does not keep'} the sign of every median effect. With "
      f"{args.lever_reps} replications a 90% interval's width is itself uncertain by roughly "
      "a third, so only ratios well above 1 show calibration uncertainty adding to seed noise; "
      "a ratio below 1 is noise.\n")  # fmt: skip
    w("## Out-of-sample checks (not fitted)\n")
    w(f"Each check draws {args.check_draws} parameter sets from the {lever_town} posterior "
      "(one fresh seed each) and compares the model measure with the source.\n")  # fmt: skip
    w("| source row | source figure | model measure | model median (90%) | verdict |")
    w("|---|---|---|---|---|")
    for c in CHECKS:
        med, lo, hi = interval(check_rows[c.id])
        verdict = "pass" if c.passes(med, c.value) else "**fail**"
        w(f"| {c.id} | {c.value:g} | {c.measure} | {med:.2f} ({lo:.2f}-{hi:.2f}) | {verdict} |")
    w("")
    w(CHECK_NOTES)
    w("## Reproduce\n")
    w(REPRODUCE.format(seconds=seconds / 60, fit=FIT_COMMAND[methods[-1]]))
    for m in methods:
        w(DATABASE[m])
    return "\n".join(out) + "\n"


INTRO = """\
The sources call the evidence "thin and uneven". The model's job is to show how much its
conclusions depend on what is uncertain, not to hide that behind one hand-tuned parameter set.
So the baseline's uncertain world parameters are fitted to the survey's `calibrate` rows with
approximate Bayesian computation, and the result is a posterior sample, not a point. Every
preset town ships its posterior (`coprod_sim/data/posterior_<town>.json`). `coprod-sim run`
draws from it by default when it is current (`--no-posterior` runs the declared defaults, the
posteriors' centre), as do the dashboard's replications and sweeps (unless a design says
`posterior = false`), so a policy result carries calibration uncertainty as well as seed noise.
"""

#: the method paragraph's first line, by ``fit.method`` (a posterior without one is ABC-SMC)
METHOD_HEAD = {
    "abc-smc": "ABC-SMC (Del Moral et al. 2012; Beaumont et al. 2009) with pyabc\n"
    "(`coprod_sim/calibration/fit.py`)",
    "history-matching": "History matching (Vernon, Goldstein and Bower 2010; Andrianakis et "
    "al. 2015), then ABC\nrejection inside the region it leaves "
    "(`coprod_sim/calibration/history_matching.py`; docs/fit_methods.md)",
}

METHOD_COMMON = """\
- It is pattern-oriented: every `calibrate` row is fitted at once (the targets table below
  lists them with their tolerances). Participation is measured as the survey asked it
  (volunteering with an organisation, so formal help: weekly, at least monthly, at least yearly
  as a lower bound, rarely, never); the outcome side is older people's unmet everyday care
  (Age UK 2018, from ELSA). Each is measured on the first results year after the 8-year
  burn-in, with no levers.
- The distance is the largest miss of any target divided by its tolerance
  (`coprod_sim/calibration/targets.py` says why each tolerance is what it is). At epsilon 1,
  every target is within its tolerance.
- The `willingness` rows are upper bounds: an accepted set must keep each activity's share of
  helpers under its stated-willingness share.
- The priors are uniform on the `prior` each fitted parameter declares (ODD, section 6 Input
  data). Every other parameter keeps its declared default.
"""

#: what is particular to each method (after the common bullets)
METHOD_TEXT = {
    "abc-smc": """\
- The fit is reproducible from its seed. Every simulation gets its own child of one
  `SeedSequence`, and the first accepted proposals are kept in the order they were proposed. So
  the posterior is the same on 1 or 2 workers (`tests/calibration/test_fit.py`). It should also
  be the same on a dask cluster (`--scheduler`), since dask's executor keeps map's order, but
  that is not tested.

**Why ABC-SMC and pyabc.** The model has no likelihood to write down, only simulations. ABC
needs nothing but a simulator and a distance. Its sequential Monte Carlo form spends the
simulations where the fit is good and returns a weighted sample whose spread is the answer to
"what do the data pin down". pyabc is a maintained, documented implementation. Its adaptive
epsilon, its transition kernels and its storage replace what we would otherwise write by hand.
Its own parallel samplers reseed workers from the operating system, which breaks
reproducibility, so a 40-line sampler (`SeededSampler`) maps seeded simulations over any
`concurrent.futures` executor. A scheme on `scipy.stats.qmc` designs was the fallback and was
not needed.
""",
    "history-matching": """\
- **History matching.** Wave 0 simulates a scrambled Sobol sample of the priors; after each
  wave a quadratic ridge emulator per target, fitted on the simulations inside the region the
  wave sampled, rules out the parameter sets whose emulated targets cannot meet the distance at
  epsilon (implausibility above 3, the emulator's cross-validated error included); the next
  wave samples what is left. The waves stop when the region shrinks by less than a third.
- **ABC rejection.** Parameter sets drawn uniformly from the last region are simulated until
  100 meet every tolerance (distance at most epsilon 1). The posterior is those sets with equal
  weights, so its effective sample size is the number of particles.
- The fit is reproducible from its seed: every simulation's seed is a child of one
  `SeedSequence` by its wave and index, and the emulators' cross-validation and the Sobol
  samples have their own, so the posterior is the same on any number of workers
  (`tests/calibration/test_history_matching.py`).

**Why history matching.** At 10,000 residents a fraction of a per cent of the prior meets
every tolerance at once (the region's share after each wave is recorded in each posterior,
`fit.region_shares`). ABC-SMC shrinks its epsilon a generation at a time and, in the trials
docs/fit_methods.md reports, needed far more simulations to reach epsilon 1 than one session
allows. History matching spends its first simulations on emulators that cost nothing to
evaluate, so the final stage simulates only where the survey can be met, and every accepted
set meets every tolerance.
""",
}


def method_of(post: Any) -> str:
    """The fit method's key (``--method``): ABC-SMC fits record pyabc's name and version."""
    return "history-matching" if post.fit.get("method") == "history-matching" else "abc-smc"


def kernel_note(posts: dict[str, Any]) -> str:
    """How each fit proposed parameter sets (``Posterior.kernel``: a file that records no
    kernel was fitted with pyabc's default). Said only once some posterior records its kernel
    or another method, so the report of posteriors that all predate it reads as before."""
    if not any("kernel" in p.fit or p.fit.get("method") == "history-matching"
               for p in posts.values()):  # fmt: skip
        return ""
    kernels = "; ".join(f"{town}: {post.kernel()}" for town, post in posts.items())
    return (f"Proposal kernels (docs/fit_methods.md): {kernels}.\n")  # fmt: skip


def fit_notes(posts: dict[str, Any]) -> str:
    """How the fits ran, from what each posterior file records."""
    lines = []
    for town, post in posts.items():
        fit = post.fit
        per = fit["wall_seconds"] / max(fit["simulations"], 1)
        lines.append(f"{town} {per:.2f} s")
    budget = ""
    if any(method_of(p) == "abc-smc" for p in posts.values()):
        budget = ("- pyabc's budget (`--max-simulations`) is checked between generations, so the "
                  "last generation\n  can take a fit past it.\n")  # fmt: skip
    return FIT_NOTES.format(per_sim="; ".join(lines), budget=budget)


FIT_NOTES = """\
Each fit ran on this 2-core machine (2 worker processes) at about 10,000 residents (the scale
in the table; the same neighbourhood structure), with its settings and seed recorded in its
file (`fit.settings`, `seeds`).

- One simulation is 9 years: the 8-year burn-in that "never" needs, plus the year measured.
  Wall time per simulation over the whole fit (two at a time): {per_sim}.
- A final epsilon above 1 means that not every accepted set meets every tolerance.
{budget}
**Why 10,000 residents.** The fits of results versions 1 and 2 ran at 1,000 residents, where a
town employs about six professionals: whether its services open their doors to volunteers then
rests on the attitudes of two or three people, seeds diverge widely, and ABC accepts parameter
sets partly for their lucky seeds. At 10,000 residents the spread between seeds is several
times smaller, so one parameter set gets one verdict, and the fit scale is the check scale.
Darlington is also checked at its full size.
"""

STRUCTURE = """\
## The weekly bias: its structural cause and the fix

Up to results version 4 the fits left formal weekly participation 2-5 points above the
survey's 15%, and "rarely" 4-7 points under its 21%, in every town. The cause was structural,
not a parameter value: every recurring volunteer role the services offer met every week, so
every holder of one, a member of a police priority meeting as much as a child's mentor, was a
weekly volunteer; and the services' roles were the only volunteering with an organisation the
model had, while the survey asked about any local organisation (a sports club, a faith group,
a charity shop). Two rules fix it, and both are fitted here:

- **Sessions** (`needs.session_hours`, the need kinds' `every_weeks`): a recurring role meets
  in sessions ({sessions} weeks; assumptions stated in `coprod_sim/data/need_kinds.toml`),
  each session taking the hours of the weeks between, so the hours a year are unchanged.
  Alone, at the fits of version 4, it took the weekly class from 18% to 4% and moved it into
  "at least monthly" and "at least yearly" (docs/drafts/v5_rules.md).
- **Other local organisations** (mechanism 13, `mechanisms/local_groups.py`): local groups ask
  aware residents willing to help at `group_ask_rate` a week; a role meets every week with
  chance `group_weekly_share`, else every four weeks; its sessions are formal help in the
  participation records, not the services' volunteer hours or costs.

Both new parameters draw on the same aware, willing residents as the services' roles, so the
fit moves every world parameter together (the parameters section shows where they settled).

The fits' record (commands, stores of every simulation, figures) is
`experiments/calibration/refit_v5/README.md`. One rule was fixed after the fits ran: local
groups' sessions now count as an example of helping for the holder's ties, as any help does.
Its recheck there re-simulates each fit's 100 accepted sets with the fixed code: 81-84 of 100
stay within every tolerance on the fit's own seeds, no target's mean moves by more than 0.14
points, and on fresh seeds the fixed code keeps as many as the fitted one did (demo: 52 of 100
against 44), so the posteriors stand for the rules that ship.
"""

NOT_ROWS = """\
## Outcome patterns that are not calibrate rows

Besides older people's unmet care, the services' waiting and response times and their
capacity per resident were considered as outcome-side targets. None is a `calibrate` row:

- **Waiting times.** Published social-care waits time a statutory step (from a request to a
  needs assessment) the model does not have. A need in the model waits for help of any kind,
  a neighbour's, a volunteer's or a professional's, until it is met or until its kind's longest
  wait (`max_wait_weeks`, 2-52 weeks), so its waits measure something else. Runs report them
  (`wait_median_weeks_<service>`, `wait_p90_weeks_<service>` in a run's summary) unfitted.
- **Response times.** Police response times are minutes from an emergency call. The model's
  step is a week, so it counts emergency responses and does not time them.
- **Capacity per resident.** Frontline staff per 1,000 adults (`staff_per_1000`) is an input
  of the model, not an output, so fitting it would fit an input to itself. Its value is an
  assumption (ODD, section 6): a published workforce figure should set it as a source, which
  is not done.
"""

FULL_SIZE_NOTE = """\
**Full size.** The Darlington fit ran at {n} residents. The row "full size" runs the first
draws of the check at the preset's full 100,000 residents (about 20 s a run); compare it with
the row at the fit scale.
"""

PARAM_NOTES = """\
A parameter is "pinned down" when its posterior 90% interval covers less than half of its
prior's width. "Not pinned down" means the participation pattern is about as likely across most
of its prior. Results that depend on such a parameter carry its uncertainty when drawn from the
posterior.

The survey rows constrain participation frequencies, not the mechanisms behind them. Several
parameter combinations reproduce them, and the joint posterior keeps those trade-offs. That is
why the posterior, not a point estimate, is what runs use. The trade-offs are the weighted
correlations between parameters in the posterior; those with |r| > 0.3 are:
"""

LEVER_NOTES = """\
The interval width ratio compares the posterior's 90% interval with the default set's. Above 1,
calibration uncertainty adds to seed noise, and a conclusion drawn from the default set alone
would be overconfident by about that factor.
"""

CHECK_NOTES = """\
Neither check was used to fit the world parameters, and each is reported as it comes out;
the second is in-sample for the time bank's own `confidence_gain`, fitted to it by
`experiments/lever_fits.py`.

- **`timecredit_engagement`** measures something else than the source. The source's "at least
  100 per cent" is a before-and-after count of people a scheme engaged (self-selected, no
  counterfactual). The model's measure is the whole town's paired difference, and services'
  volunteer roles are fixed by need. The lever's module docstring
  (`coprod_sim/levers/time_credits.py`) discusses why.
- **`timebank_confidence`** is compared on the share of residents who gave through the time bank
  and whose confidence rose by at least 0.05. This threshold is an assumption
  (`checks.CONFIDENCE_STEP`), and the verdict depends on it and on the lever's
  `confidence_gain`. A share above the source's means the model's members gain confidence
  faster than the Spice volunteers reported. `confidence_gain` is now fitted to this row
  (`experiments/lever_fits.py`), so the check shows the posterior's world parameters keep the
  fit, not an independent test.
"""

REPRODUCE = """\
```bash
# a fit (writes posterior_<town>.json; the shipped ones are in coprod_sim/data/)
{fit}
# this document and its plots (all runs: {seconds:.0f} min on 2 cores)
.venv/bin/python experiments/calibration/report.py
```

`tests/calibration/` checks the following:

- the shipped posteriors reproduce the targets on a few draws and seeds;
- a damaged posterior is refused, and so is one for other parameter names or another version;
- one seed gives one posterior.
"""

#: how the shipped fits are made again, by method
FIT_COMMAND = {
    "abc-smc": ".venv/bin/coprod-sim calibrate --town darlington \\\n"
    "    --out coprod_sim/data/posterior_darlington.json --overwrite",
    "history-matching": ".venv/bin/coprod-sim calibrate --town darlington --method "
    "history-matching --waves 6 \\\n    --out coprod_sim/data/posterior_darlington.json "
    "--overwrite",
}

#: the section on a fit's kept database and its budget (written by hand; kept here so the
#: document regenerates with it)
DATABASE_ABC = """\
## Your fit's database

`coprod-sim calibrate` keeps pyabc's database next to the posterior file:
`<out folder>/abc_<town>.db` (SQLite). It holds every generation: particles, weights, distances,
epsilons and the simulations each took. pyabc reads it directly:

<!-- doctest: first (coprod-sim calibrate --town darlington --out posterior_darlington.json) -->
```python
import pyabc

history = pyabc.History("sqlite:///abc_darlington.db")
frame, weights = history.get_distribution()  # the last generation
pyabc.visualization.plot_epsilons(history)
pyabc.visualization.plot_kde_1d(frame, weights, x=frame.columns[0])  # a fitted parameter
```

`--resume` continues the stored fit: the same town, scale, seed, population size, years,
burn-in and overrides (a different one is refused), with `--generations` and
`--max-simulations` bounding the whole fit, the stored part included. So raise them to go
further, and add `--overwrite` if the posterior file exists. A resumed fit draws its
simulations' seeds from a branch of the seed's `SeedSequence` of its own. It is reproducible,
but it is not the same as an uninterrupted fit. Ctrl-C writes no posterior, but the database
keeps every completed generation. A database that exists stops a new fit unless you pass
`--resume` or `--overwrite` (which starts it anew).

**The budget.** `--max-simulations` bounds every simulation of the fit. The first
`--population-size` of them are drawn from the prior to set the first epsilon (pyabc's
calibration sample), so the budget must be at least twice the population size. A generation
the budget cuts off is not kept: the posterior is the last complete generation, and the posterior
file counts the cut-off simulations (`fit.simulations_cut_off`). On a process pool, a
generation's last batch also runs its proposals past the last acceptance. They are discarded
and not counted, which keeps the posterior equal on any number of workers. While it runs, the
fit shows a progress bar over the budget with an ETA on stderr, and a line for each
generation with its epsilon and acceptances (`--no-progress` turns it off).

The shipped fits were run with this budget (results version 3, 10,000 residents): each
posterior file records its budget (`fit.settings.max_simulations`), the simulations it ran and
those a cut-off generation lost, and `experiments/regenerate_all.py --list` shows the command
that refits each with the budget its shipped fit used.
"""

DATABASE_HM = """\
## Your fit's store

`coprod-sim calibrate --method history-matching` keeps every simulation of the fit as one JSON
line of `<out folder>/hm_<town>.jsonl` as it completes (`stage` is the wave's number or
`"final"`, then `index`, `params`, `stats` and `seconds`), after a header line with the
settings. A few lines of pandas read it:

<!-- doctest: skip (needs a fit's store: calibrate --town demo --method history-matching) -->
```python
import json

import pandas as pd

lines = open("hm_demo.jsonl").read().splitlines()[1:]
sims = pd.json_normalize([json.loads(line) for line in lines])
sims.groupby("stage")["stats.raw:participation_formal_weekly"].describe()
```

`--resume` replays the fit from the store and runs only what is not in it, so a resumed fit is
the uninterrupted fit (the town, scale, seed, population size, wave size, epsilon, years,
burn-in and overrides must match; `--waves` may rise until the final stage has begun, and
`--max-simulations` bounds the whole fit). Ctrl-C writes no posterior, but the store keeps
every completed simulation.
"""

#: the store section by method
DATABASE = {"abc-smc": DATABASE_ABC, "history-matching": DATABASE_HM}


if __name__ == "__main__":
    main()
