"""The ``calibrate`` command (registered on the main ``coprod-sim`` app).

    coprod-sim calibrate --town darlington                       # about 25 minutes on 2 cores
    coprod-sim calibrate --town demo --max-simulations 300 --out my_posterior.json

It fits the world parameters that declare a prior to the survey's ``calibrate`` rows
(``coprod_sim.calibration.fit``) and writes the posterior file (by default
``posterior_<town>.json`` in the current folder; the shipped ones are
``coprod_sim/data/posterior_<town>.json``) and keeps pyabc's database next to it
(``abc_<town>.db``: ``pyabc.History`` plots it, ``--resume`` continues it). Bad input exits
with code 2 before any simulation; Ctrl-C exits 130 and writes no posterior (a fit is only
meaningful whole), but the database keeps every completed generation.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from coprod_sim.calibration.fit import CalibrationSettings, default_db, write_posterior
from coprod_sim.calibration.fit import calibrate as fit
from coprod_sim.calibration.targets import CHECK_RESIDENTS
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


def calibrate(
    town: Annotated[str, typer.Option(help="Preset town to fit (see `coprod-sim list towns`).")],
    out: Annotated[
        Path | None, typer.Option(help="Posterior file to write (default: posterior_<town>.json).")
    ] = None,
    scale: Annotated[
        float | None,
        typer.Option(help=f"Scale factor of the town (default: about {FIT_RESIDENTS:,} residents)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the whole fit.")] = 20261129,
    population_size: Annotated[int, typer.Option(help="Accepted particles a generation.")] = 100,
    generations: Annotated[int, typer.Option(help="Most ABC-SMC generations.")] = 8,
    max_simulations: Annotated[int, typer.Option(help="Budget: most simulations in all.")] = 1500,
    min_epsilon: Annotated[
        float, typer.Option(help="Stop when the distance threshold reaches this (1 = tolerance).")
    ] = 0.5,
    workers: Annotated[int, typer.Option(help="Local worker processes (0 = this process).")] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask.distributed scheduler, tcp://HOST:PORT."),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing posterior file and start the fit's db anew."
        ),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the fit stored in <out folder>/abc_<town>.db (the settings bound the "
            "whole fit: raise --generations or --max-simulations to go further).",
        ),
    ] = False,
    progress: Annotated[
        bool, typer.Option(help="Show a progress bar with an ETA on stderr.")
    ] = True,
) -> None:
    """Fit the baseline's uncertain parameters to the survey (ABC-SMC) and write a posterior."""
    if town not in TOWNS:
        raise fail(
            f"--town: value {town!r} is not a preset town; "
            + closest_names(town, list(TOWNS), listing="towns")
        )
    checks = (
        ("--scale", scale, scale is None or 0 < scale <= 1, "a number in (0, 1]"),
        ("--population-size", population_size, population_size >= 5, "5 or more"),
        ("--generations", generations, generations >= 1, "1 or more"),
        (
            "--max-simulations",
            max_simulations,
            max_simulations >= 2 * population_size,
            "at least twice --population-size (the first epsilon takes --population-size "
            "simulations from the prior, the first generation at least as many)",
        ),
        ("--min-epsilon", min_epsilon, min_epsilon >= 0, "0 or more"),
        ("--workers", workers, workers >= 0, "0 or more"),
        ("--seed", seed, 0 <= seed < 2**63, "0 <= seed < 2**63"),
    )
    for name, value, ok, allowed in checks:
        if not ok:
            raise fail(f"{name}: value {value} is not allowed; allowed: {allowed}")
    if scheduler is not None and workers != 2:
        raise fail("give --scheduler or --workers, not both (the cluster has its own workers)")
    out = out or Path(f"posterior_{town}.json")
    if out.exists() and not overwrite:
        raise fail(f"--out: {out} exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        raise fail(f"--out: folder {out.parent} does not exist")
    db = default_db(out.parent, town)
    if resume and not db.is_file():
        raise fail(f"--resume: no stored fit at {db}; run without --resume to start one")
    if db.exists() and not resume:
        if not overwrite:
            raise fail(
                f"--out: the fit database {db} exists; pass --resume to continue that fit or "
                "--overwrite to start a new one"
            )
        db.unlink()
    settings = CalibrationSettings(
        town=town,
        scale=scale if scale is not None else default_scale(town),
        seed=seed,
        population_size=population_size,
        max_generations=generations,
        max_simulations=max_simulations,
        min_epsilon=min_epsilon,
    )
    typer.echo(
        f"calibrating {town} at scale {settings.scale:g} ({population_size} particles, at most "
        f"{generations} generations and {max_simulations} simulations in all, "
        + (
            f"the stored ones included; continuing the fit in {db})"
            if resume
            else f"the first {population_size} of them from the prior to set the first "
            f"epsilon; keeping the fit in {db})"
        )
    )
    kw = {"db": db, "resume": resume, "show_progress": progress}
    client = None
    try:
        if scheduler is not None:
            client, executor, _ = connect_scheduler(scheduler)
            payload = fit(settings, executor=executor, progress=typer.echo, **kw)
        elif workers > 0:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
                payload = fit(settings, executor=pool, progress=typer.echo, **kw)
        else:
            payload = fit(settings, progress=typer.echo, **kw)
        write_posterior(payload, out)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    except BaseException as exc:  # KeyboardInterrupt, or numba's SystemError wrapping it
        if not isinstance(exc, KeyboardInterrupt) and not is_interrupt(exc):
            raise
        raise fail(
            f"interrupted; no posterior written; the completed generations are in {db} "
            "(--resume continues the fit)",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        if client is not None:
            client.close()
    eps = payload["distance"]["epsilons"][-1]
    verdict = "all targets within tolerance" if eps <= 1 else "NOT all targets within tolerance"
    typer.echo(
        f"wrote {out}: {len(payload['weights'])} particles after "
        f"{payload['fit']['generations']} generations, {payload['fit']['simulations']} "
        f"simulations, final epsilon {eps:.3f} ({verdict}); the fit's database: {db}"
    )


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the main CLI."""
    app.command()(calibrate)
