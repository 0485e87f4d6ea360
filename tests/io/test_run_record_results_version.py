"""A run folder records the results version; one made by another version (or before
versions) is not "up to date", and ``rerun`` says the results version differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.io.scenario_file import same_run, version_mismatches
from coprod_sim.results_version import RESULTS_VERSION

TINY = ["--set", "n_residents=300", "--weeks", "8", "--seed", "3", "--no-progress"]
runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _set_version(folder: Path, version: int | None) -> dict:
    rec = json.loads((folder / "scenario.json").read_text())
    if version is None:
        rec.pop("results_version")
    else:
        rec["results_version"] = version
    (folder / "scenario.json").write_text(json.dumps(rec))
    return rec


def test_a_run_of_another_results_version_is_not_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("run", *TINY, "--quiet", "--out", out).exit_code == 0
    rec = json.loads((out / "scenario.json").read_text())
    assert rec["results_version"] == RESULTS_VERSION
    r = invoke("run", *TINY, "--out", out)
    assert r.exit_code == 0 and "is up to date" in r.stdout
    assert f"results version {RESULTS_VERSION}" in r.stdout

    old = _set_version(out, RESULTS_VERSION - 1)
    assert not same_run(old, rec)
    r = invoke("run", *TINY, "--out", out)  # not up to date: it would run, and needs overwrite
    assert r.exit_code == 2 and "is up to date" not in r.stdout + r.stderr
    assert "holds another run" in r.stderr
    r = invoke("rerun", out, "--out", tmp_path / "again")
    assert r.exit_code == 2
    assert f"results_version {RESULTS_VERSION - 1} in the record, {RESULTS_VERSION} here" in (
        r.stderr
    )
    assert not (tmp_path / "again").exists()

    before = _set_version(out, None)
    assert not same_run(before, rec)
    assert any("made before results versions" in m for m in version_mismatches(before))
