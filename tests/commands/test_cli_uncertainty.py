"""Calibration uncertainty by default (issue 25): ``coprod-sim run`` draws the world parameters
from the town's posterior when it is current, uses the declared defaults and says why when it
is stale, and ``--no-posterior`` / ``--posterior`` decide when given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import coprod_sim.calibration.posterior as posterior_module
from coprod_sim.calibration.targets import calibrated_parameters
from coprod_sim.commands.cli import app

TINY = ["--set", "n_residents=300", "--set", "burn_in_years=0", "--weeks", "2", "--seed", "3"]
QUIET = ["--no-progress", "--quiet"]


def _record(tmp_path: Path, name: str, *extra: str) -> dict:
    out = tmp_path / name
    r = CliRunner().invoke(app, ["run", *TINY, *QUIET, *extra, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return json.loads((out / "scenario.json").read_text())


def _fitted(record: dict) -> dict:
    return {p["name"]: record["parameters"].get(p["name"]) for p in calibrated_parameters()}


def test_a_current_posterior_is_drawn_from_without_asking(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(posterior_module, "fit_is_current", lambda fitted: True)
    drawn = _record(tmp_path, "auto")
    assert "posterior" in drawn and drawn["uncertainty"].startswith("calibration")
    defaults = _record(tmp_path, "off", "--no-posterior")
    assert "posterior" not in defaults and "uncertainty" not in defaults
    assert _fitted(drawn) != _fitted(defaults)
    assert _fitted(drawn) == {k: drawn["posterior"]["drawn"][k] for k in _fitted(drawn)}


def test_a_stale_posterior_is_not_drawn_from_and_the_run_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(posterior_module, "fit_is_current", lambda fitted: False)
    record = _record(tmp_path, "stale")
    assert "posterior" not in record
    assert record["uncertainty"].startswith("the seed only") and "stale" in record["uncertainty"]
    forced = _record(tmp_path, "forced", "--posterior")
    assert "posterior" in forced


@pytest.mark.parametrize("flag", ["--posterior", "--no-posterior"])
def test_the_flags_are_documented(flag: str) -> None:
    assert flag in CliRunner().invoke(app, ["run", "--help"]).output
