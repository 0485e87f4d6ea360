"""The command line: ``coprod-sim run`` and ``coprod-sim validate``.

    coprod-sim run --town demo --years 5 --seed 1 --out results/demo
    coprod-sim run scenarios/darlington_time_bank.toml --set time_bank.coordinator_hours=30
    coprod-sim validate scenarios/demo.toml

Every input is checked before anything runs; bad input exits with code 2 and a message that
names the parameter, the value and what is allowed. A failure during a run exits with code 1
after saving what the run had computed. When a lever is on, the same town and seed are run
again with no lever, so the comparison shows the levers' effect (common random numbers).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

import coprod_sim
from coprod_sim.analysis.summary import (
    atomic_write,
    compare,
    comparison_frame,
    format_report,
    summary_metrics,
    weekly_series,
    write_outputs,
)
from coprod_sim.io.scenario_file import RunSpec, build_spec, run_record
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError

app = typer.Typer(
    name="coprod-sim",
    help="Agent-based simulation of community co-production of public services.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"coprod-sim: error: {message}", err=True)
    return typer.Exit(code)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, default=str) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def _simulate(
    spec: RunSpec, policies: bool, label: str, progress: bool, live: dict[str, Any]
) -> Any:
    """Build the town and run it week by week (the levers only if ``policies``).

    The model is put in ``live[label]`` before it runs, so a failure can still save the weeks
    it completed.
    """
    model = CoproductionModel(
        rng=spec.seed, policies=spec.policies if policies else None, **spec.params
    )
    live[label] = model
    model.burn_in(progress)  # burn_in_years of the town without levers; not in the outputs
    for _ in tqdm(range(spec.weeks), desc=label, unit="wk", disable=not progress, leave=True):
        model.step()
    return model


def _save_partial(spec: RunSpec, model: Any, name: str) -> str:
    """Save the weekly series of the weeks a failed run completed; returns a note for the user."""
    if model is None or model.week <= 0:
        return "no week of results was completed (the burn-in's weeks are not results)"
    try:
        df = weekly_series(model)
        path = spec.out / name
        atomic_write(path, lambda p: df.to_parquet(p, index=False))
        return f"the {model.week} weeks completed are in {path}"
    except Exception as exc:  # noqa: BLE001 - report, never mask the first error
        return f"the weeks completed could not be saved ({type(exc).__name__}: {exc})"


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
    years: Annotated[
        float | None, typer.Option(help="Years to run (weeks = round(52 x years)); default 5.")
    ] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks to run (instead of --years).")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Run seed (default: drawn, and recorded).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/<scenario or town>).")
    ] = None,
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
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run a town week by week and write its results (and a no-lever baseline if levers are on)."""
    if years is not None and weeks is not None:
        raise _fail(
            f"give --years or --weeks, not both (got --years {years:g} and --weeks {weeks})",
            EXIT_BAD_INPUT,
        )
    try:
        spec = build_spec(
            scenario,
            sets=set_ or (),
            policies=policy or (),
            overrides={"town": town, "scale": scale},
            years=years,
            weeks=weeks,
            seed=seed,
            out=out,
        )
        spec.out.mkdir(parents=True, exist_ok=True)
    except ScenarioError as exc:
        raise _fail(str(exc), EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise _fail(
            f"parameter 'out': folder '{out}' cannot be created ({exc.strerror or exc}); "
            "allowed: a folder path you can write to",
            EXIT_BAD_INPUT,
        ) from None

    progress = not (quiet or no_progress)
    record = run_record(spec)
    written: list[Path] = []
    stage = "starting"
    live: dict[str, Any] = {}
    try:
        _write_json(spec.out / "scenario.json", {**record, "status": "running"})
        written.append(spec.out / "scenario.json")
        stage = "the run"
        label = "policy run" if spec.levers else "run"
        policy_model = _simulate(spec, True, label, progress, live)
        stage = "writing the results"
        write_outputs(spec.out, policy_model, written)  # kept even if the baseline fails
        baseline_model = None
        if spec.levers:
            stage = "the baseline run (no lever)"
            baseline_model = _simulate(spec, False, "baseline", progress, live)
            stage = "writing the baseline's results"
            write_outputs(spec.out / "baseline", baseline_model, written)
        stage = "writing the comparison"
        report = _report(spec, policy_model, baseline_model, written)
        _write_json(spec.out / "scenario.json", {**record, "status": "complete"})
    except KeyboardInterrupt:
        note = _after_failure(spec, record, stage, "interrupted", written, live)
        raise _fail(f"interrupted during {stage}; {note}", EXIT_INTERRUPTED) from None
    except Exception as exc:  # noqa: BLE001 - any failure: short message, exit 1
        what = f"{type(exc).__name__}: {exc}"
        note = _after_failure(spec, record, stage, what, written, live)
        raise _fail(f"{stage} failed ({what}); {note}", EXIT_RUN_FAILED) from None

    if not quiet:
        typer.echo(report)
        names = ", ".join(p.relative_to(spec.out).as_posix() for p in written)
        typer.echo(f"Wrote {spec.out}/: {names}")


def _report(spec: RunSpec, model: Any, baseline: Any, written: list[Path]) -> str:
    """Write the comparison (if there is a baseline); returns the table to print."""
    metrics = summary_metrics(model)
    base_metrics = result = None
    if baseline is not None:
        base_metrics = summary_metrics(baseline)
        result = compare(base_metrics, metrics)
        frame = comparison_frame(result)
        atomic_write(spec.out / "comparison.csv", lambda p: frame.to_csv(p, index=False))
        written.append(spec.out / "comparison.csv")
    s = spec.scenario
    levers = ", ".join(lv.name for lv in spec.levers) or "none"
    title = (
        f"coprod-sim {coprod_sim.__version__} | town {s.town}, {model.n_residents:,} residents, "
        f"{spec.weeks} weeks ({spec.years:g} years) after a {s.burn_in_years}-year burn-in, "
        f"seed {spec.seed} | levers: {levers}"
    )
    return format_report(metrics, base_metrics, result, title=title)


def _after_failure(
    spec: RunSpec,
    record: dict[str, Any],
    stage: str,
    what: str,
    written: list[Path],
    live: dict[str, Any],
) -> str:
    """Keep what was computed and say where it is; never remove files."""
    notes = []
    if stage.startswith("the baseline"):
        notes.append(_save_partial(spec, live.get("baseline"), "baseline_weekly_partial.parquet"))
    elif stage == "the run":
        model = next(iter(live.values()), None)
        notes.append(_save_partial(spec, model, "weekly_partial.parquet"))
    if written:
        notes.append("files written: " + ", ".join(str(p) for p in written))
    try:
        _write_json(
            spec.out / "scenario.json", {**record, "status": f"failed during {stage}: {what}"}
        )
    except Exception:  # noqa: BLE001, S110 - the first error is what the user needs
        pass
    return "; ".join(notes) or "nothing was written"


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML) to check.")],
) -> None:
    """Check a scenario file without running it: prints "ok" and what it would run."""
    try:
        spec = build_spec(scenario)
    except ScenarioError as exc:
        raise _fail(str(exc), EXIT_BAD_INPUT) from None
    typer.echo(f"ok: {scenario}: {spec.describe()}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``coprod-sim`` and ``python -m coprod_sim``."""
    try:
        app(args=argv, prog_name="coprod-sim")
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        typer.echo(f"coprod-sim: error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_RUN_FAILED)
