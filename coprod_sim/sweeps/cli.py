"""The ``sweep`` and ``report`` commands (registered on the main ``coprod-sim`` app).

    coprod-sim sweep experiments/smoke.toml --out results/smoke [--workers 2]
    coprod-sim sweep study.toml --out results/study --scheduler tcp://HOST:8786
    coprod-sim report results/smoke
    coprod-sim optimise experiments/cheapest_mix/design.toml --out results/cheapest_mix

Bad input (design, folder, scheduler address) exits with code 2 and a one-line reason before
any run; an interrupted sweep exits 130 and keeps every finished batch for the next run.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from coprod_sim.io.exits import (
    EXIT_INTERRUPTED,
    EXIT_RUN_FAILED,
    connect_scheduler,
    fail,
)
from coprod_sim.io.runtime import is_interrupt
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import make_scenario
from coprod_sim.sweeps.design import load_design
from coprod_sim.sweeps.engine import check_outcomes, run_sweep
from coprod_sim.sweeps.optimise import load_optimise, run_optimise
from coprod_sim.sweeps.samplers import points
from coprod_sim.sweeps.store import MANIFEST, Store

#: ``--no-posterior`` of ``sweep`` and ``optimise`` (issue 25: calibration uncertainty by default)
NoPosterior = Annotated[
    bool,
    typer.Option(
        "--no-posterior",
        help="Draw no world parameters from a posterior (the seed only), whatever the design "
        "says; by default a design that names none draws from its town's shipped one.",
    ),
]


def sweep(
    design: Annotated[Path, typer.Argument(help="Design file (TOML).")],
    out: Annotated[Path, typer.Option(help="Results folder (created; rerun to resume).")],
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask.distributed scheduler, tcp://HOST:PORT."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Local worker processes (default: CPU count; 0 = this process)."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Runs per batch sent to a worker (default: automatic).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the design and say what it would run.")
    ] = False,
    no_posterior: NoPosterior = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="parquet (the dataset), or csv: also results.csv, one row per run (the table "
            "BehaviorSpace users expect).",
        ),
    ] = "parquet",
) -> None:
    """Run a sweep design (arms x replications) into a resumable Parquet results folder."""
    if format_ not in ("parquet", "csv"):
        raise fail(f"--format: value {format_!r} is not allowed; allowed: parquet or csv")
    if workers is not None and workers < 0:
        raise fail(f"--workers: value {workers} is not allowed; allowed: 0 or more")
    if batch_size is not None and batch_size < 1:
        raise fail(f"--batch-size: value {batch_size} is not allowed; allowed: 1 or more")
    if scheduler is not None and workers is not None:
        raise fail("give --scheduler or --workers, not both (the cluster has its own workers)")
    try:
        d = load_design(design)
        if no_posterior:
            d = d.without_posterior()
        if dry_run:
            check_outcomes(d, points(d))
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    if dry_run:
        typer.echo(f"ok: {design}: {d.describe()}")
        typer.echo(estimate_line(d, workers))
        return
    client = executor = None
    n = workers
    if scheduler is not None:
        client, executor, n = connect_scheduler(scheduler)
    try:
        man = run_sweep(
            d,
            out,
            executor=executor,
            workers=n,
            progress=not no_progress,
            batch_size=batch_size,
        )
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail(
            f"interrupted; finished runs are kept in {out}; run the same command to resume",
            EXIT_INTERRUPTED,
        ) from None
    except OSError as exc:  # a full disk, no permission, a file where a folder should be
        raise fail(
            f"writing to {out} failed ({os_error(exc)}); {stored_runs(out)}; run the same "
            "command to resume once that is fixed",
            EXIT_RUN_FAILED,
        ) from None
    except Exception as exc:
        if not is_interrupt(exc):  # numba reports an interrupt in a pass as SystemError
            raise
        raise fail(
            f"interrupted; finished runs are kept in {out}; run the same command to resume",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        if client is not None:
            client.close()
    if format_ == "csv":
        # stats imports scipy.stats: only the commands that need it import it
        from coprod_sim.sweeps.stats import load_results

        load_results(out).to_csv(out / "results.csv", index=False)
    last = man["sessions"][-1]
    typer.echo(
        f"{d.sweep.name}: {last['runs']} runs in {last['seconds']:.1f} s "
        f"({man['seconds_total']:.1f} s over all sessions); results in {out}/. "
        f"Next: coprod-sim report {out}"
    )


def os_error(exc: OSError) -> str:
    """An OS error in a few words: its code name and message (``ENOSPC: No space left``)."""
    name = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return f"{name}: {exc.strerror or exc}"


def stored_runs(out: Path) -> str:
    """How many finished runs the folder holds (they are kept, and a rerun resumes)."""
    try:
        n = len(Store(out).done())
    except Exception:  # noqa: BLE001 - an account, never a second error
        return "the finished runs written before it are kept"
    return f"{n} finished run{'s' if n != 1 else ''} are stored there and kept"


def estimate_line(design: object, workers: int | None) -> str:
    """An estimate of the sweep's time, from one short run of its first arm timed here."""
    pts = points(design)
    first = pts[0]
    world = dict(first["world"])
    burn_years = world.pop("burn_in_years", None)
    model = CoproductionModel(rng=0, policies=first["levers"] or None, burn_in_years=0, **world)
    model.run_weeks(2)  # compiled passes loaded, first weeks' one-off costs paid
    t0 = time.perf_counter()
    model.run_weeks(4)
    week = (time.perf_counter() - t0) / 4
    burn_weeks = 52 * (burn_years if burn_years is not None else make_scenario().burn_in_years)
    reps = design.sweep.replications
    runs = len(pts) * reps
    seconds = week * (runs * (design.weeks + design.sweep.burn_in_weeks) + reps * burn_weeks)
    n = workers if workers is not None else (os.cpu_count() or 1)
    wall = seconds / max(n, 1)
    return (
        f"estimate: {runs} runs, about "
        + (f"{wall:.0f} s" if wall < 120 else f"{wall / 60:.0f} min")
        + f" on {max(n, 1)} worker(s) "
        f"({week * 1000:.1f} ms per week of the first arm here; burn-in once per replication; "
        "an estimate, not a promise)"
    )


def report(
    out: Annotated[Path, typer.Argument(help="Results folder of a sweep.")],
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="Outcome to report (default: the design's headline)."),
    ] = None,
) -> None:
    """Write report.md with PNG plots into a sweep's results folder."""
    # report imports matplotlib and scipy.stats: only `sweep report` needs them
    from coprod_sim.sweeps.report import write_report

    if not (out / MANIFEST).is_file():
        raise fail(f"results folder '{out}' has no {MANIFEST}; allowed: a sweep's --out folder")
    try:
        path = write_report(out, metric or None)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {path}")


def optimise(
    design: Annotated[Path, typer.Argument(help="Design file (TOML) with an [optimise] table.")],
    out: Annotated[Path, typer.Option(help="Search folder (created; --resume continues it).")],
    workers: Annotated[
        int | None,
        typer.Option(help="Local worker processes (default: CPU count; 0 = this process)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask.distributed scheduler, tcp://HOST:PORT."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="The search's seed (default: optimise.seed or sweep.seed).")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the search in --out (stored runs kept).")
    ] = False,
    no_posterior: NoPosterior = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress lines.")] = False,
) -> None:
    """Search lever mixes for the lowest cost that meets a target in most uncertainty cases;
    writes report.md with the Pareto front (docs/optimise.md)."""
    # heavy: the optimise report imports matplotlib and scipy.stats; only `optimise` needs it
    from coprod_sim.sweeps.optimise_report import write_optimise_report

    if workers is not None and workers < 0:
        raise fail(f"--workers: value {workers} is not allowed; allowed: 0 or more")
    if seed is not None and not 0 <= seed < 2**63:
        raise fail(f"--seed: value {seed} is not allowed; allowed: 0 to 2**63 - 1")
    if scheduler is not None and workers is not None:
        raise fail("give --scheduler or --workers, not both (the cluster has its own workers)")
    try:
        d, spec = load_optimise(design, no_posterior=no_posterior)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    client = executor = None
    n = workers
    if scheduler is not None:
        client, executor, n = connect_scheduler(scheduler)
    t0 = time.perf_counter()

    def said(generation: int, runs: int) -> None:
        if not no_progress:
            typer.echo(
                f"generation {generation}/{spec.section.generations}: {runs} runs so far, "
                f"{time.perf_counter() - t0:.0f} s",
                err=True,
            )

    try:
        man = run_optimise(
            d, spec, out, seed=seed, executor=executor, workers=n, resume=resume,
            on_generation=said,
        )  # fmt: skip
        path = write_optimise_report(out)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail(
            f"interrupted; finished runs are kept in {out}; add --resume to continue",
            EXIT_INTERRUPTED,
        ) from None
    except OSError as exc:
        raise fail(
            f"writing to {out} failed ({os_error(exc)}); add --resume to continue once fixed",
            EXIT_RUN_FAILED,
        ) from None
    except Exception as exc:
        if not is_interrupt(exc):
            raise
        raise fail(
            f"interrupted; finished runs are kept in {out}; add --resume to continue",
            EXIT_INTERRUPTED,
        ) from None
    finally:
        if client is not None:
            client.close()
    last = man["sessions"][-1]
    typer.echo(
        f"{d.sweep.name}: {man['candidates']} mixes; {last['search_runs']} search and "
        f"{last['reevaluation_runs']} re-evaluation runs in {last['seconds']:.1f} s; wrote {path}"
    )


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``report`` and ``optimise`` to the main CLI."""
    app.command()(sweep)
    app.command()(report)
    app.command()(optimise)
