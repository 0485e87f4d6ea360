"""The ``calibrate`` command (registered on the main ``coprod-sim`` app).

    coprod-sim calibrate --town darlington                       # about 25 minutes on 2 cores
    coprod-sim calibrate --town demo --max-simulations 300 --out my_posterior.json
    coprod-sim calibrate --town demo --method history-matching     # docs/fit_methods.md

It fits the world parameters that declare a prior to the survey's ``calibrate`` rows and writes
the posterior file (by default ``posterior_<town>.json`` in the current folder; the shipped ones
are ``coprod_sim/data/posterior_<town>.json``), by one of two methods (docs/fit_methods.md says
when to use which):

- ``abc-smc`` (the default, ``coprod_sim.calibration.fit``) keeps pyabc's database next to the
  posterior (``abc_<town>.db``: ``pyabc.History`` plots it, ``--resume`` continues it);
- ``history-matching`` (``coprod_sim.calibration.history_matching``) keeps every simulation as
  a JSON line next to it (``hm_<town>.jsonl``, ``--resume`` reruns none of them).

Both run through ``run_fit``: the same workers, messages, posterior file and checks. Bad input
exits with code 2 before any simulation; Ctrl-C exits 130 and writes no posterior (a fit is
only meaningful whole), but the store keeps what was done.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from coprod_sim.calibration.fit import CalibrationSettings, default_db, write_posterior
from coprod_sim.calibration.fit import calibrate as abc_fit
from coprod_sim.calibration.history_matching import (
    HistoryMatchingSettings,
    default_store,
    history_match,
    min_wave_size,
)
from coprod_sim.calibration.targets import CHECK_RESIDENTS, calibrated_parameters
from coprod_sim.io.exits import (
    EXIT_INTERRUPTED,
    connect_scheduler,
    fail,
)
from coprod_sim.io.runtime import is_interrupt
from coprod_sim.parameters import ScenarioError, closest_names
from coprod_sim.state.towns import TOWNS

#: residents simulated per run unless --scale says otherwise (the fit's cost is linear in it):
#: the check's size (issue 25), where a town has enough professionals for its services to work
#: and one seed cannot decide a parameter set's verdict (at 1,000 residents a single seed moved
#: formal weekly participation from 2% to 16%)
FIT_RESIDENTS = CHECK_RESIDENTS


def default_scale(town: str) -> float:
    """The scale factor that simulates about ``FIT_RESIDENTS`` residents of a preset town."""
    return min(1.0, FIT_RESIDENTS / TOWNS[town].residents)


#: the fit methods ``--method`` takes (docs/fit_methods.md)
METHODS = ("abc-smc", "history-matching")
#: each method's default budget (``--max-simulations``): ABC-SMC's generations; history
#: matching's three waves of 300 and a final stage that accepted about 4% at epsilon 1
DEFAULT_BUDGET = {"abc-smc": 1500, "history-matching": 5000}


def calibrate(
    town: Annotated[str, typer.Option(help="Preset town to fit (see `coprod-sim list towns`).")],
    out: Annotated[
        Path | None, typer.Option(help="Posterior file to write (default: posterior_<town>.json).")
    ] = None,
    method: Annotated[
        str,
        typer.Option(help="abc-smc or history-matching (docs/fit_methods.md says which when)."),
    ] = "abc-smc",
    scale: Annotated[
        float | None,
        typer.Option(help=f"Scale factor of the town (default: about {FIT_RESIDENTS:,} residents)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the whole fit.")] = 20261129,
    population_size: Annotated[
        int, typer.Option(help="Accepted particles (a generation's, or the final stage's).")
    ] = 100,
    generations: Annotated[
        int | None, typer.Option(help="abc-smc: most ABC-SMC generations (default 8).")
    ] = None,
    max_simulations: Annotated[
        int | None,
        typer.Option(
            help="Budget: most simulations in all (default 1500 for abc-smc, 5000 for "
            "history-matching)."
        ),
    ] = None,
    min_epsilon: Annotated[
        float | None,
        typer.Option(
            help="abc-smc: stop when the distance threshold reaches this (1 = tolerance; "
            "default 0.5)."
        ),
    ] = None,
    waves: Annotated[
        int | None, typer.Option(help="history-matching: most waves (default 3).")
    ] = None,
    wave_size: Annotated[
        int | None, typer.Option(help="history-matching: simulations a wave (default 300).")
    ] = None,
    epsilon: Annotated[
        float | None,
        typer.Option(
            help="history-matching: the final stage accepts a set at this distance or less "
            "(1 = every target within its tolerance; default 1.0)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Local worker processes (0 = this process).")] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask.distributed scheduler, tcp://HOST:PORT."),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing posterior file and start the fit's store anew."
        ),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the fit stored in <out folder>/abc_<town>.db (abc-smc; raise "
            "--generations or --max-simulations to go further) or hm_<town>.jsonl "
            "(history-matching; reruns nothing stored; --waves may rise until the final stage "
            "has begun).",
        ),
    ] = False,
    progress: Annotated[
        bool, typer.Option(help="Show a progress bar with an ETA on stderr.")
    ] = True,
) -> None:
    """Fit the baseline's uncertain parameters to the survey (ABC-SMC, or history matching
    then ABC rejection) and write a posterior."""
    if town not in TOWNS:
        raise fail(
            f"--town: value {town!r} is not a preset town; "
            + closest_names(town, list(TOWNS), listing="towns")
        )
    if method not in METHODS:
        raise fail(f"--method: value {method!r} is not allowed; allowed: {' or '.join(METHODS)}")
    hm = method == "history-matching"
    mine, theirs = (("--waves", "--wave-size", "--epsilon"), ("--generations", "--min-epsilon"))
    given = {"--waves": waves, "--wave-size": wave_size, "--epsilon": epsilon,
             "--generations": generations, "--min-epsilon": min_epsilon}  # fmt: skip
    for name in theirs if hm else mine:
        if given[name] is not None:
            raise fail(
                f"{name}: value {given[name]} is not allowed with --method {method}; allowed: "
                f"only with --method {'abc-smc' if hm else 'history-matching'}"
            )
    budget = max_simulations if max_simulations is not None else DEFAULT_BUDGET[method]
    common = (
        ("--scale", scale, scale is None or 0 < scale <= 1, "a number in (0, 1]"),
        ("--population-size", population_size, population_size >= 5, "5 or more"),
        ("--workers", workers, workers >= 0, "0 or more"),
        ("--seed", seed, 0 <= seed < 2**63, "0 <= seed < 2**63"),
    )
    if hm:
        waves, wave_size = waves if waves is not None else 3, wave_size or 300
        epsilon = epsilon if epsilon is not None else 1.0
        smallest = min_wave_size(len(calibrated_parameters()))
        needed = waves * wave_size + population_size
        own = (
            ("--waves", waves, waves >= 1, "1 or more"),
            ("--wave-size", wave_size, wave_size >= smallest,
             f"{smallest} or more (the terms of a quadratic emulator in the fitted parameters)"),
            ("--epsilon", epsilon, epsilon > 0, "a number > 0"),
            ("--max-simulations", budget, budget >= needed,
             f"at least --waves x --wave-size + --population-size ({needed})"),
        )  # fmt: skip
    else:
        generations = generations if generations is not None else 8
        min_epsilon = min_epsilon if min_epsilon is not None else 0.5
        own = (
            ("--generations", generations, generations >= 1, "1 or more"),
            (
                "--max-simulations",
                budget,
                budget >= 2 * population_size,
                "at least twice --population-size (the first epsilon takes --population-size "
                "simulations from the prior, the first generation at least as many)",
            ),
            ("--min-epsilon", min_epsilon, min_epsilon >= 0, "0 or more"),
        )
    for name, value, ok, allowed in (*common[:2], *own, *common[2:]):
        if not ok:
            raise fail(f"{name}: value {value} is not allowed; allowed: {allowed}")
    if scheduler is not None and workers != 2:
        raise fail("give --scheduler or --workers, not both (the cluster has its own workers)")
    out = out or Path(f"posterior_{town}.json")
    if out.exists() and not overwrite:
        raise fail(f"--out: {out} exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        raise fail(f"--out: folder {out.parent} does not exist")
    store = (default_store if hm else default_db)(out.parent, town)
    if resume and not store.is_file():
        raise fail(f"--resume: no stored fit at {store}; run without --resume to start one")
    if store.exists() and not resume:
        if not overwrite:
            raise fail(
                f"--out: the fit's store {store} exists; pass --resume to continue that fit or "
                "--overwrite to start a new one"
            )
        store.unlink()
    fit_scale = scale if scale is not None else default_scale(town)
    kw = {"resume": resume, "show_progress": progress, "progress": typer.echo}
    if hm:
        settings: Any = HistoryMatchingSettings(
            town=town, scale=fit_scale, seed=seed, population_size=population_size, waves=waves,
            wave_size=wave_size, epsilon=epsilon, max_simulations=budget,
        )  # fmt: skip
        fit = partial(history_match, settings, store=store, **kw)
        what = (
            f"history matching {town} at scale {fit_scale:g} (at most {waves} waves of "
            f"{wave_size}, then simulations from the last region until {population_size} meet "
            f"epsilon {epsilon:g}; at most {budget} simulations in all, "
        )
    else:
        settings = CalibrationSettings(
            town=town, scale=fit_scale, seed=seed, population_size=population_size,
            max_generations=generations, max_simulations=budget, min_epsilon=min_epsilon,
        )  # fmt: skip
        fit = partial(abc_fit, settings, db=store, **kw)
        what = (
            f"calibrating {town} at scale {fit_scale:g} ({population_size} particles, at most "
            f"{generations} generations and {budget} simulations in all, "
        )
    typer.echo(
        what
        + (
            f"the stored ones included; continuing the fit in {store})"
            if resume
            else (
                ""
                if hm
                else f"the first {population_size} of them from the prior to set the "
                "first epsilon; "
            )
            + f"keeping the fit in {store})"
        )
    )
    run_fit(fit, out=out, store=store, workers=workers, scheduler=scheduler)


def run_fit(
    fit: Callable[..., dict[str, Any]],
    *,
    out: Path,
    store: Path,
    workers: int,
    scheduler: str | None,
) -> None:
    """Run a fit (either method: ``fit(executor=...)`` returns the posterior's payload) on the
    workers asked for, write the posterior, and say what came out: particles, effective sample
    size, simulations and whether every accepted set meets every tolerance. Bad settings exit
    2; Ctrl-C exits 130 with no posterior (the store keeps what was done)."""
    client = None
    try:
        if scheduler is not None:
            client, executor, _ = connect_scheduler(scheduler)
            payload = fit(executor=executor)
        elif workers > 0:
            pool: Executor
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
                payload = fit(executor=pool)
        else:
            payload = fit()
        write_posterior(payload, out)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    except BaseException as exc:  # KeyboardInterrupt, or numba's SystemError wrapping it
        if not isinstance(exc, KeyboardInterrupt) and not is_interrupt(exc):
            raise
        raise fail(
            f"interrupted; no posterior written; what was done is kept in {store} (--resume "
            "continues the fit)",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        if client is not None:
            client.close()
    typer.echo(f"wrote {out}: {fit_summary(payload)}; the fit's store: {store}")


def fit_summary(payload: dict[str, Any]) -> str:
    """One line on a fit's payload: particles, effective sample size, how it ran, the
    simulations, the final epsilon and whether every accepted set meets every tolerance."""
    fit = payload["fit"]
    weights = payload["weights"]
    ess = sum(weights) ** 2 / sum(w * w for w in weights)
    eps = payload["distance"]["epsilons"][-1]
    if fit.get("method") == "history-matching":
        how = (
            f"{fit['waves']} waves of history matching (region {fit['region_shares'][-1]:.2%} "
            f"of the prior) and {fit['final_stage_simulations']} final-stage simulations "
            f"({fit['acceptance']:.1%} accepted)"
        )
        if not fit["complete"]:
            wanted = fit["settings"]["population_size"]
            how += (
                f"; ONLY {fit['accepted']} of {wanted} accepted before the budget ran out "
                "(raise --max-simulations and --resume)"
            )
    else:
        how = f"{fit['generations']} generations"
    verdict = "all targets within tolerance" if eps <= 1 else "NOT all targets within tolerance"
    return (
        f"{len(weights)} particles (effective sample size {ess:.0f}) after {how}, "
        f"{fit['simulations']} simulations, final epsilon {eps:.3f} ({verdict})"
    )


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the main CLI."""
    app.command()(calibrate)
