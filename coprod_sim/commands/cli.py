"""The command line: ``coprod-sim run``, ``rerun``, ``validate`` and ``list``.

    coprod-sim run --town demo --years 5 --seed 1 --out results/demo
    coprod-sim run scenarios/darlington_time_bank.toml --set time_bank.coordinator_hours=30
    coprod-sim run --town darlington --posterior   # world parameters drawn from its calibration
    coprod-sim rerun results/demo --out results/demo_again
    coprod-sim validate scenarios/demo.toml
    coprod-sim list parameters        # or: levers, towns; `coprod-sim params` is the same

Every input is checked before anything runs; bad input exits with code 2 and a message that
names the parameter, the value and what is allowed. A run writes into a temporary folder that
takes the chosen name only when complete (``run_folder``); a folder holding another run is
refused unless ``--overwrite``. A failure during a run exits with code 1, Ctrl-C with code 130;
either way what the run computed is kept in ``<out>.failed-<time>/`` or
``<out>.interrupted-<time>/`` with ``scenario.json`` saying so. When a lever is on, the same town
and seed are run again with no lever, so the comparison shows the levers' effect (common random
numbers).
"""

from __future__ import annotations

import enum
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from tqdm import tqdm

import coprod_sim
from coprod_sim.analysis.summary import (
    compare,
    comparison_frame,
    format_report,
    summary_metrics,
    weekly_series,
)
from coprod_sim.calibration.cli import register as register_calibration
from coprod_sim.calibration.posterior import (
    check_town,
    draw_for_run,
    load_posterior,
    posterior_by_default,
)
from coprod_sim.commands.listing import format_listing, listing
from coprod_sim.commands.odd import odd
from coprod_sim.dashboard import session_run
from coprod_sim.dashboard.cli import dashboard
from coprod_sim.io.exits import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_RUN_FAILED,
    fail,
)
from coprod_sim.io.run_files import write_outputs
from coprod_sim.io.run_folder import RunFolder, atomic_write, check_out, read_record
from coprod_sim.io.runtime import (
    INTERRUPT_REPORTED,
    StopOnInterrupt,
    available_memory,
    estimate_memory,
    gib,
    is_interrupt,
    needs_compiling,
)
from coprod_sim.io.scenario_file import (
    RunSpec,
    build_spec,
    load_run_file,
    parse_sets,
    run_record,
    same_run,
    spec_from_record,
    version_mismatches,
)
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError
from coprod_sim.results_version import stale_fit_note
from coprod_sim.scenario import make_scenario, town_size
from coprod_sim.sweeps.cli import register as register_sweeps

app = typer.Typer(
    name="coprod-sim",
    help="Agent-based simulation of community co-production of public services.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

#: First-run compile of the compiled passes, measured with numba's cache emptied
#: (``NUMBA_CACHE_DIR`` a new folder; demo town, 2026-12-06, AMD EPYC 2 cores, load 1): the
#: warm-up printed "compiled in 11 s"; 2026-11-29, busier: 17.5 s of CPU. See README "Speed".
COMPILE_SECONDS = "10-20"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coprod-sim {coprod_sim.__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Agent-based simulation of community co-production of public services."""


# ------------------------------------------------------------------ checks before a run
def check_memory(spec: RunSpec) -> None:
    """Refuse a run that would not fit in this machine's memory, with the estimate."""
    n = town_size(spec.scenario)
    models = 2 if spec.levers else 1  # the policy run and its baseline are kept side by side
    need = estimate_memory(n, models)
    have = available_memory()
    if have is not None and need > have:
        both = " (the policy run and its no-lever baseline)" if models == 2 else ""
        fits = max(0, int((have - estimate_memory(0)) / (need - estimate_memory(0)) * n))
        raise ScenarioError(
            f"parameter 'scale': a town of {n:,} residents{both} needs about {gib(need)} of "
            f"memory and this machine has {gib(have)} available; allowed: a town that fits "
            f"(about {fits:,} residents here)"
        )


# ------------------------------------------------------------------ running
def _warm_up(spec: RunSpec, quiet: bool, stop: StopOnInterrupt) -> None:
    """On a machine whose compiled-code cache is empty, compile the passes on a tiny town first
    and say so, instead of a progress bar whose first week takes half a minute."""
    if needs_compiling() is not True:
        return
    if not quiet:
        typer.echo(
            "compiling the model's fast passes, once per machine "
            f"(measured {COMPILE_SECONDS} s on a 2-core machine)...",
            err=True,
        )
    t0 = time.perf_counter()
    try:
        params = {**spec.params, "n_residents": 300, "n_neighbourhoods": 0, "burn_in_years": 1}
        model = CoproductionModel(rng=spec.seed, policies=spec.policies, **params)
        for _ in range(8):
            stop.check()
            model.step()
    except Exception:  # noqa: BLE001 - a warm-up only; the real run reports real errors
        pass
    if not quiet:
        typer.echo(f"compiled in {time.perf_counter() - t0:.0f} s", err=True)


def _simulate(
    spec: RunSpec,
    policies: bool,
    label: str,
    progress: bool,
    live: dict[str, Any],
    stop: StopOnInterrupt,
    cache: bool = True,
    compiled: bool = True,
) -> Any:
    """Build the town and run it week by week (the levers only if ``policies``); the burned-in
    town comes from the cache when it was computed before (``cache``).

    The model is put in ``live[label]`` before it runs, so a failure can still save the weeks
    it completed. Ctrl-C is acted on between weeks (``stop.check``).
    """
    # the constructor runs the burn-in (burn_in_years of the town without levers; not in the
    # outputs), so the model is at week 0 here; Ctrl-C during it stops at once
    with stop.at_once():
        model = CoproductionModel(
            rng=spec.seed, policies=spec.policies if policies else None, progress=progress,
            burn_in_cache=cache, compiled=compiled, **spec.params,
        )  # fmt: skip
    live[label] = model
    for _ in tqdm(range(spec.weeks), desc=label, unit="wk", disable=not progress, leave=True):
        stop.check()
        model.step()
    stop.check()
    return model


def _save_partial(folder: RunFolder, model: Any, name: str) -> str:
    """Save the weekly series of the weeks a stopped run completed; returns a note."""
    if model is None or model.week <= 0:
        return "no week of results was completed (the burn-in's weeks are not results)"
    try:
        df = weekly_series(model)
        atomic_write(folder.path(name), lambda p: df.to_parquet(p, index=False))
        weeks = f"{model.week} week" + ("s" if model.week != 1 else "")
        return f"the {weeks} completed are in {name}"
    except Exception as exc:  # noqa: BLE001 - report, never mask the first error
        return f"the weeks completed could not be saved ({type(exc).__name__}: {exc})"


def execute(
    spec: RunSpec,
    record: dict[str, Any],
    overwrite: bool,
    quiet: bool,
    progress: bool,
    compiled: bool = True,
    csv: bool = False,
) -> tuple[str, list[str]]:
    """Run ``spec`` into its folder; returns (report, written paths). Raises typer.Exit with
    code 1 (failed) or 130 (interrupted) after keeping what was computed. ``compiled=False``
    runs every pass and rule as plain Python (``--no-compile``; same results, slower)."""
    written: list[str] = []
    live: dict[str, Any] = {}
    stage = "starting"
    try:
        folder = RunFolder(spec.out, overwrite).open()
    except ScenarioError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    with StopOnInterrupt() as stop:
        try:
            try:
                folder.record({**record, "status": "running"})
                stage = "compiling"
                if compiled:
                    _warm_up(spec, quiet, stop)
                stage = "the run"
                label = "policy run" if spec.levers else "run"
                policy_model = _simulate(spec, True, label, progress, live, stop, compiled=compiled)
                stage = "writing the results"
                paths = write_outputs(folder.work, policy_model)
                paths += _csv_copies(paths) if csv else []
                written += [p.name for p in paths]
                baseline_model = None
                if spec.levers:
                    stage = "the baseline run (no lever)"
                    baseline_model = _simulate(
                        spec, False, "baseline", progress, live, stop, compiled=compiled
                    )
                    stage = "writing the baseline's results"
                    paths = write_outputs(folder.path("baseline"), baseline_model)
                    paths += _csv_copies(paths) if csv else []
                    written += [f"baseline/{p.name}" for p in paths]
                stage = "writing the comparison"
                report = _report(spec, folder, policy_model, baseline_model, written)
                stop.check()  # Ctrl-C while files were written: still "interrupted", 130
                folder.record({**record, "status": "complete"})
                stage = "moving the results into place"
                folder.complete()
            except BaseException as exc:
                status = "interrupted" if is_interrupt(exc) else "failed"
                what = f"{type(exc).__name__}: {exc}"
                note = _after_failure(folder, record, stage, status, what, live)
                where = folder.abandon(status)
                if status == "interrupted":
                    raise fail(
                        f"interrupted during {stage}; {note}; kept in {where}", EXIT_INTERRUPTED
                    ) from None
                raise fail(
                    f"{stage} failed ({what}); {note}; kept in {where}", EXIT_RUN_FAILED
                ) from None
        except KeyboardInterrupt:  # a second Ctrl-C while the folder was being put aside
            raise fail(f"interrupted during {stage}", EXIT_INTERRUPTED) from None
    return report, written


def _csv_copies(paths: list[Path]) -> list[Path]:
    """A CSV beside each Parquet table written (``--format csv``)."""
    out = []
    for p in paths:
        if p.suffix == ".parquet":
            frame = pd.read_parquet(p)
            target = p.with_suffix(".csv")
            atomic_write(target, lambda t, f=frame: f.to_csv(t, index=False))
            out.append(target)
    return out


def _report(spec: RunSpec, folder: RunFolder, model: Any, baseline: Any, written: list[str]) -> str:
    """Write the comparison (if there is a baseline); returns the table to print."""
    metrics = summary_metrics(model)
    base_metrics = result = None
    if baseline is not None:
        base_metrics = summary_metrics(baseline)
        result = compare(base_metrics, metrics)
        frame = comparison_frame(result)
        atomic_write(folder.path("comparison.csv"), lambda p: frame.to_csv(p, index=False))
        written.append("comparison.csv")
    s = spec.scenario
    levers = ", ".join(lv.name for lv in spec.levers) or "none"
    title = (
        f"coprod-sim {coprod_sim.__version__} | town {s.town}, {model.n_start:,} residents, "
        f"{spec.weeks} weeks ({spec.years:g} years) after a {s.burn_in_years}-year burn-in, "
        f"seed {spec.seed} | levers: {levers}"
    )
    return format_report(metrics, base_metrics, result, title=title)


def _after_failure(
    folder: RunFolder,
    record: dict[str, Any],
    stage: str,
    status: str,
    what: str,
    live: dict[str, Any],
) -> str:
    """Keep what was computed, record the status, and say what is there; never raises."""
    notes = []
    if stage.startswith("the baseline"):
        notes.append(_save_partial(folder, live.get("baseline"), "baseline_weekly_partial.parquet"))
    elif stage == "the run":
        model = next(iter(live.values()), None)
        notes.append(_save_partial(folder, model, "weekly_partial.parquet"))
    elif stage.startswith(("writing", "moving")):
        # the weeks were computed; what failed is putting them on disk (a full disk, no
        # permission): say so, and keep whatever files did get written
        done = [label for label, m in live.items() if m is not None and m.week > 0]
        notes.append(
            f"the simulation finished ({', '.join(done) or 'run'}: every week computed) but its "
            "results could not all be written; the files that were are kept"
        )
    try:
        folder.record({**record, "status": status, "stage": stage, "error": what})
    except Exception:  # noqa: BLE001, S110 - the first error is what the user needs
        pass
    return "; ".join(notes) or "nothing was computed"


def _finish(report: str, written: list[str], out: Path, quiet: bool) -> None:
    if not quiet:
        typer.echo(report)
        typer.echo(f"Wrote {out}/: {', '.join(['scenario.json', *written])}")


# ------------------------------------------------------------------ commands
OutOption = Annotated[
    str | None,
    typer.Option(
        "--out",
        help="Output folder (default results/<scenario or town>); must be new or empty, or "
        "hold an earlier run and --overwrite be given.",
        show_default=False,
    ),
]
OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite", help="Replace an earlier run in the output folder (whole, when complete)."
    ),
]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="No progress bar.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


@app.command()
def run(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario file (TOML); flags below override it.", show_default=False),
    ] = None,
    town: Annotated[
        str | None, typer.Option(help="Town preset: demo, darlington, reading.")
    ] = None,
    scale: Annotated[float | None, typer.Option(help="Multiplies the preset's residents.")] = None,
    future: Annotated[
        str | None,
        typer.Option(
            "--future",
            help="A future the town follows (its age mix, rates and budgets by year): a shipped "
            "one (coprod-sim list futures) or a future's .toml file.",
            show_default=False,
        ),
    ] = None,
    years: Annotated[
        float | None, typer.Option(help="Years to run (weeks = round(52 x years)); default 5.")
    ] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks to run (instead of --years).")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Run seed (default: drawn, and recorded).")
    ] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="name=value for a scenario parameter, or lever.param=value for a lever "
            "parameter (switches the lever on). Values are TOML literals. Repeatable.",
        ),
    ] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Switch a lever on with its defaults. Repeatable."),
    ] = None,
    posterior: Annotated[
        bool | None,
        typer.Option(
            "--posterior/--no-posterior",
            help="Draw the calibrated world parameters from the town's shipped posterior (one "
            "draw, from a child stream of the seed); a parameter set in the scenario file or "
            "with --set keeps its value. Default: draw when the town's posterior is current "
            "(fitted to this results version), else the declared defaults, saying why.",
            show_default=False,
        ),
    ] = None,
    posterior_file: Annotated[
        str | None,
        typer.Option(
            "--posterior-file",
            help="As --posterior, from this posterior file (.json), or a town's shipped one "
            "(its name).",
            show_default=False,
        ),
    ] = None,
    no_compile: Annotated[
        bool,
        typer.Option(
            "--no-compile",
            help="Run every weekly pass and rule as plain Python, not compiled with numba: the "
            "same results, much slower; for stepping through a rule you changed.",
        ),
    ] = False,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="parquet (the tables as Parquet), or csv: each table also as CSV beside it.",
        ),
    ] = "parquet",
    panel: Annotated[
        str | None,
        typer.Option(
            "--panel",
            help="With a dashboard session file (.json, 'Save session'): the panel to run (A, "
            "B or C), to the week the session was saved at unless --years/--weeks say otherwise.",
            show_default=False,
        ),
    ] = None,
    no_progress: NoProgress = False,
    quiet: Quiet = False,
) -> None:
    """Run a town week by week and write its results (and a no-lever baseline if levers are on)."""
    if panel is not None or (scenario is not None and scenario.suffix.lower() == ".json"):
        fixed = {"--town": town, "--scale": scale, "--seed": seed, "--set": set_,
                 "--policy": policy, "--posterior-file": posterior_file}  # fmt: skip
        fixed["--posterior"] = posterior or None
        run_session(
            scenario, panel, years, weeks, out, overwrite, format_, quiet,
            [k for k, v in fixed.items() if v],
        )  # fmt: skip
        return
    if format_ not in ("parquet", "csv"):
        raise fail(
            f"--format: value {format_!r} is not allowed; allowed: parquet or csv",
            EXIT_BAD_INPUT,
        )
    if years is not None and weeks is not None:
        raise fail(
            f"give --years or --weeks, not both (got --years {years:g} and --weeks {weeks})",
            EXIT_BAD_INPUT,
        )
    try:
        spec = build_spec(
            scenario,
            sets=set_ or (),
            policies=policy or (),
            overrides={"town": town, "scale": scale, "future": _future_value(future)},
            years=years,
            weeks=weeks,
            seed=seed,
            out=out,
            overwrite=overwrite,
            check_folder=False,  # after the up-to-date check below
        )
        extra: dict[str, Any] = {}
        if posterior is None and posterior_file is None:  # uncertainty by default
            posterior, why_not = posterior_by_default(spec.scenario.town)
            extra["uncertainty"] = why_not or "calibration (a posterior draw) and the seed"
        if posterior or posterior_file is not None:
            spec, extra["posterior"] = apply_posterior(
                spec, posterior_file, _explicit_params(scenario, set_ or ())
            )
        record = run_record(spec, **extra)
        if _up_to_date(spec.out, record, overwrite, quiet):
            return
        check_out(spec.out, overwrite)
        check_memory(spec)
    except ScenarioError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    if "posterior" in extra and not quiet:
        typer.echo(_posterior_line(extra["posterior"]), err=True)
    report, written = execute(
        spec, record, overwrite, quiet, progress=not (quiet or no_progress),
        compiled=not no_compile, csv=format_ == "csv",
    )  # fmt: skip
    _finish(report, written, spec.out, quiet)


def run_session(
    path: Path | None,
    panel: str | None,
    years: float | None,
    weeks: int | None,
    out: str | None,
    overwrite: bool,
    format_: str,
    quiet: bool,
    refused: list[str],
) -> None:
    """``run SESSION.json --panel B``: one panel of a dashboard session, as the room saw it."""
    try:
        if path is None or path.suffix.lower() != session_run.SUFFIX:
            raise ScenarioError(
                f"parameter 'panel': value {panel!r} needs a dashboard session file; allowed: "
                "coprod-sim run SESSION.json --panel A|B|C"
            )
        if panel is None:
            raise ScenarioError(
                f"parameter 'panel': missing for the session file {str(path)!r}; allowed: "
                "--panel A, B or C"
            )
        if refused:
            raise ScenarioError(
                f"parameter {refused[0]!r}: not allowed with a session file (the session fixes "
                "the town, size, seed and levers); allowed: --panel, --years/--weeks, --out, "
                "--overwrite, --format, --quiet"
            )
        if format_ not in ("parquet", "csv"):
            raise ScenarioError(
                f"--format: value {format_!r} is not allowed; allowed: parquet or csv"
            )
        if years is not None and weeks is not None:
            raise ScenarioError("give --years or --weeks, not both")
        if years is not None:
            weeks = int(round(years * 52))
        data = session_run.read_file(path)
        what = session_run.panel_plan(data, panel, weeks)
        target = Path(out or f"results/{path.stem}-{what['label']}")
        check_out(target, overwrite)
    except ScenarioError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    record = session_run.record(data, what["label"], what["weeks"])
    with RunFolder(target, overwrite) as folder:
        try:
            folder.record({**record, "status": "running"})
            model = session_run.run_panel(data, what["label"], what["weeks"])
            paths = write_outputs(folder.work, model)
            paths += _csv_copies(paths) if format_ == "csv" else []
            folder.record({**record, "status": "complete"})
            folder.complete()
        except Exception as exc:  # noqa: BLE001 - one line, the partial folder kept
            where = folder.abandon("failed")
            raise fail(
                f"the session run failed ({type(exc).__name__}: {exc}); kept in {where}",
                EXIT_RUN_FAILED,
            ) from None
    c = what["choice"]
    title = (
        f"coprod-sim {coprod_sim.__version__} | session {path.name}, panel {what['label']}: "
        f"town {c.town}, {model.n_start:,} residents, seed {c.seed}, {what['weeks']} weeks"
        f" | levers: {what['plan'].describe()}"
    )
    _finish(
        format_report(summary_metrics(model), None, None, title=title),
        [p.name for p in paths], target, quiet,
    )  # fmt: skip


def _up_to_date(out: Path, record: dict[str, Any], overwrite: bool, quiet: bool) -> bool:
    """Whether ``out`` already holds this very run, complete (as make and Snakemake do: the
    same command run again does nothing and succeeds). ``--overwrite`` always runs again."""
    if overwrite or not out.is_dir():
        return False
    earlier = read_record(out)
    if earlier is None or earlier.get("status") != "complete" or not same_run(earlier, record):
        return False
    if not quiet:
        typer.echo(
            f"{out} is up to date: it holds this run, complete (same scenario, levers, weeks, "
            f"seed {record['seed']}, coprod-sim {record['coprod_sim_version']} and results "
            f"version {record.get('results_version')}); nothing to "
            "do (--overwrite runs it again)"
        )
    return True


def _explicit_params(scenario: Path | None, sets: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The scenario parameters the user set (in the scenario file or with --set): these win
    over a posterior draw. (Already validated by ``build_spec``.)"""
    params: dict[str, Any] = {}
    if scenario is not None:
        params.update(load_run_file(scenario).parameters())
    params.update(parse_sets(sets)[0])
    return params


def apply_posterior(
    spec: RunSpec, source: str | None, explicit: dict[str, Any]
) -> tuple[RunSpec, dict[str, Any]]:
    """``spec`` with world parameters drawn from a posterior (``source``: a file or a town;
    None: the run's town's shipped one), and the record of the draw. The draw comes from a
    child stream of the run seed, so one seed gives one draw; parameters in ``explicit`` keep
    the user's value. Raises ``PosteriorError`` (a ScenarioError) for a bad posterior."""
    town = spec.scenario.town
    post = load_posterior(source if source is not None else town)
    check_town(post, town)
    applied, record = draw_for_run(post, spec.seed, explicit)
    scenario = make_scenario(**{**spec.params, **applied})
    return replace(spec, scenario=scenario), record


def _posterior_line(record: dict[str, Any]) -> str:
    values = ", ".join(f"{k}={v:g}" for k, v in record["applied"].items())
    kept = ", ".join(record["overridden"])
    return (
        f"world parameters drawn from posterior {record['file']} ({record['checksum'][:19]}): "
        f"{values or 'none'}"
        + (f"; kept as you set them: {kept}" if kept else "")
        + (f"\n{note}" if (note := _stale_fit(record)) else "")
    )


def _stale_fit(record: dict[str, Any]) -> str:
    return stale_fit_note(record.get("results_version"), town=str(record.get("town", "TOWN")))


@app.command()
def rerun(
    folder: Annotated[Path, typer.Argument(help="Folder of a stored run (has scenario.json).")],
    out: OutOption = None,
    overwrite: OverwriteOption = False,
    allow_version_mismatch: Annotated[
        bool,
        typer.Option(
            "--allow-version-mismatch",
            help="Run even if coprod-sim, Python or a package differ from the record.",
        ),
    ] = False,
    no_progress: NoProgress = False,
    quiet: Quiet = False,
) -> None:
    """Run a stored run again from its scenario.json: same parameters, levers, weeks and seed.

    The output goes to --out (default <folder>_rerun); the software versions must match the
    record's, or the run is refused naming each difference.
    """
    record = read_record(folder)
    if record is None:
        why = "is not a folder" if not folder.is_dir() else "has no readable scenario.json"
        raise fail(
            f"parameter 'folder': value '{folder}' {why}; allowed: the folder of a stored run",
            EXIT_BAD_INPUT,
        )
    if "coprod_sim_version" not in record or "parameters" not in record:
        raise fail(
            f"parameter 'folder': '{folder}/scenario.json' is not a run record (no "
            "coprod_sim_version or parameters); allowed: the folder of a run coprod-sim wrote",
            EXIT_BAD_INPUT,
        )
    target = out if out is not None else f"{str(folder).rstrip('/')}_rerun"
    mismatches = version_mismatches(record)
    if mismatches and not allow_version_mismatch:
        raise fail(
            "the software differs from the run's record, so the results may differ: "
            + "; ".join(mismatches)
            + "; allowed: the same versions, or --allow-version-mismatch",
            EXIT_BAD_INPUT,
        )
    try:
        spec = spec_from_record(record, target, overwrite, check_folder=False)
    except ScenarioError as exc:
        raise fail(f"{folder}/scenario.json: {exc}", EXIT_BAD_INPUT) from None
    extra = {"rerun_of": str(folder)}
    if isinstance(record.get("posterior"), dict):  # the recorded parameters hold its draw
        extra["posterior"] = record["posterior"]
    if "uncertainty" in record:  # what the run carried (uncertainty by default)
        extra["uncertainty"] = record["uncertainty"]
    if mismatches:
        extra["version_mismatches"] = mismatches
    rec = run_record(spec, **extra)
    if _up_to_date(spec.out, rec, overwrite, quiet):
        return
    try:
        check_out(spec.out, overwrite)
        check_memory(spec)
    except ScenarioError as exc:
        raise fail(f"{folder}/scenario.json: {exc}", EXIT_BAD_INPUT) from None
    report, written = execute(spec, rec, overwrite, quiet, progress=not (quiet or no_progress))
    _finish(report, written, spec.out, quiet)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML) to check.")],
    overwrite: OverwriteOption = False,
) -> None:
    """Check a scenario file without running it: prints "ok" and what it would run.

    An output folder that already holds a run is a note, not an error (``run`` would need
    ``--overwrite``); one that cannot be used at all is an error.
    """
    try:
        spec = build_spec(scenario, check_folder=False)
        check_out(spec.out, overwrite=True)
        check_memory(spec)
    except ScenarioError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    note = ""
    earlier = read_record(spec.out) if spec.out.is_dir() else None
    if earlier is not None and not overwrite:
        note = f" (note: {spec.out} holds an earlier run; `run` needs --overwrite to replace it)"
    typer.echo(f"ok: {scenario}: {spec.describe()}{note}")


class Listing(enum.StrEnum):
    parameters = "parameters"
    levers = "levers"
    towns = "towns"
    futures = "futures"


def _future_value(future: str | None) -> str | None:
    """A ``--future`` value as the scenario records it: a shipped name as given, a file's path
    made absolute (so the run folder's record names it wherever it is read)."""
    if future is None or future == "" or "/" not in future and not future.endswith(".toml"):
        return future
    path = Path(future)
    return str(path.resolve()) if path.is_file() else future


@app.command("list")
def list_(
    what: Annotated[Listing, typer.Argument(help="What to list.")] = Listing.parameters,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
) -> None:
    """List the scenario parameters (unit, default, range), the levers, the towns or the
    futures."""
    rows = listing(what.value)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    typer.echo(format_listing(what.value, rows))


@app.command()
def params(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
) -> None:
    """List the scenario parameters with unit, default and range (= `list parameters`)."""
    list_(Listing.parameters, as_json)


register_sweeps(app)  # coprod-sim sweep / report (coprod_sim/sweeps/cli.py)
register_calibration(app)  # coprod-sim calibrate (coprod_sim/calibration/cli.py)
app.command()(dashboard)
app.command()(odd)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``coprod-sim`` and ``python -m coprod_sim``.

    Ctrl-C at any moment exits with 130 and one line: during the import (``__main__``), in a
    command that reports it itself (a run, a sweep, a fit), and anywhere else (typer exits 130
    silently: the line is added here); an interrupt that reaches here wrapped in another error
    (numba's ``SystemError``) is still "interrupted", 130; any other error is one line, exit 1,
    never a traceback.
    """
    INTERRUPT_REPORTED.clear()
    try:
        app(args=argv, prog_name="coprod-sim")
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED and not INTERRUPT_REPORTED.is_set():
            typer.echo("coprod-sim: interrupted", err=True)
        raise
    except BaseException as exc:  # noqa: BLE001 - never a traceback for the user
        if is_interrupt(exc):
            typer.echo("coprod-sim: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        typer.echo(f"coprod-sim: error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_RUN_FAILED)
