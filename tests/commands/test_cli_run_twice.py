"""The README's main command can be run again: an up-to-date run is not recomputed (as make and
Snakemake do), a different run is still refused, and --overwrite still replaces it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from coprod_sim.commands.cli import app

runner = CliRunner()
TINY = ["--set", "n_residents=300", "--set", "burn_in_years=0", "--weeks", "20", "--no-progress"]


def _run(*args: str):
    return runner.invoke(app, ["run", *args])


def test_the_same_run_again_is_up_to_date_and_not_recomputed(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = _run(*TINY, "--seed", "1", "--out", str(out))
    assert first.exit_code == 0, first.output
    stamp = (out / "summary.csv").stat().st_mtime_ns
    record = json.loads((out / "scenario.json").read_text())
    again = _run(*TINY, "--seed", "1", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output and "nothing to do" in again.output
    assert (out / "summary.csv").stat().st_mtime_ns == stamp  # nothing was rewritten
    assert json.loads((out / "scenario.json").read_text()) == record


def test_a_different_run_in_the_folder_is_still_refused(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert _run(*TINY, "--seed", "1", "--out", str(out)).exit_code == 0
    other_seed = _run(*TINY, "--seed", "2", "--out", str(out))
    assert other_seed.exit_code == 2
    assert "holds another run" in other_seed.output and "--overwrite" in other_seed.output
    other_weeks = _run(
        *TINY[:-3], "--weeks", "21", "--no-progress", "--seed", "1", "--out", str(out)
    )
    assert other_weeks.exit_code == 2 and "holds another run" in other_weeks.output


def test_overwrite_runs_it_again(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert _run(*TINY, "--seed", "1", "--out", str(out)).exit_code == 0
    again = _run(*TINY, "--seed", "1", "--out", str(out), "--overwrite")
    assert again.exit_code == 0 and "up to date" not in again.output


def test_an_unfinished_run_is_not_up_to_date(tmp_path: Path) -> None:
    """A folder whose record is not "complete" (a run that failed) is never taken as done."""
    out = tmp_path / "demo"
    assert _run(*TINY, "--seed", "1", "--out", str(out)).exit_code == 0
    rec = json.loads((out / "scenario.json").read_text())
    (out / "scenario.json").write_text(json.dumps({**rec, "status": "failed"}))
    again = _run(*TINY, "--seed", "1", "--out", str(out))
    assert again.exit_code == 2 and "holds another run" in again.output


def test_rerun_twice_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert _run(*TINY, "--seed", "3", "--out", str(out)).exit_code == 0
    first = runner.invoke(app, ["rerun", str(out), "--no-progress"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["rerun", str(out), "--no-progress"])
    assert second.exit_code == 0 and "up to date" in second.output
