"""The command line, run in-process on a tiny town: outputs, comparisons, refusals, failures."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from typer.testing import CliRunner

from coprod_sim.analysis.summary import OUTPUT_FILES
from coprod_sim.commands.cli import app
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.parameters import param

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
TINY = ["--set", "n_residents=300", "--weeks", "60", "--no-progress"]
runner = CliRunner()


class Priced(Lever):
    """A test lever: costs money each week, changes nothing else."""

    name: ClassVar[str] = "test_priced"
    gbp_per_week: float = param(
        10.0, unit="GBP/week", role="policy", ge=0, le=1e6, source="test", doc="weekly cost"
    )

    def weekly_cost(self, model: Any) -> float:
        return self.gbp_per_week


class Breaks(Lever):
    """A test lever that fails in a given week (an unexpected error during a run)."""

    name: ClassVar[str] = "test_breaks"
    at_week: int = param(
        5, unit="week", role="policy", ge=0, le=1000, source="test", doc="week the failure happens"
    )

    def apply(self, model: Any) -> None:
        if model.week == self.at_week:
            raise RuntimeError("simulated failure")


@pytest.fixture
def test_levers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LEVERS, Priced.name, Priced)
    monkeypatch.setitem(LEVERS, Breaks.name, Breaks)


def invoke(*args: str) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def test_run_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = invoke("run", *TINY, "--seed", "3", "--out", out)
    assert r.exit_code == 0, r.output
    for name in (*OUTPUT_FILES, "scenario.json"):
        assert (out / name).is_file(), name
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert len(weekly) == 60
    summary = pd.read_csv(out / "summary.csv").set_index("metric")["value"]
    assert summary["weeks"] == 60 and summary["n_residents"] == 300
    rec = json.loads((out / "scenario.json").read_text())
    assert rec["status"] == "complete" and rec["seed"] == 3 and rec["weeks"] == 60
    assert rec["parameters"]["n_residents"] == 300 and rec["coprod_sim_version"]
    assert "Participation" in r.stdout and "survey" in r.stdout and "15%" in r.stdout
    assert 25 <= len(r.stdout.splitlines()) <= 55
    assert not (out / "comparison.csv").exists()  # no lever, no baseline
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_the_recorded_command_reproduces_the_run(tmp_path: Path) -> None:
    first = tmp_path / "a"
    assert invoke("run", *TINY, "--set", "fear_liability_mean=0.2", "--out", first).exit_code == 0
    rec = json.loads((first / "scenario.json").read_text())
    assert not rec["seed_given"]  # drawn, and recorded
    args = shlex.split(rec["reproduce"])[1:]
    args[args.index("--out") + 1] = str(tmp_path / "b")
    assert invoke(*args, "--no-progress").exit_code == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(first / "weekly.parquet"), pd.read_parquet(tmp_path / "b/weekly.parquet")
    )


def test_a_lever_adds_a_baseline_and_a_comparison(tmp_path: Path, test_levers: None) -> None:
    out = tmp_path / "p"
    r = invoke(
        "run", *TINY, "--seed", "2", "--out", out, "--set", f"{Priced.name}.gbp_per_week=100"
    )
    assert r.exit_code == 0, r.output
    for name in OUTPUT_FILES:
        assert (out / "baseline" / name).is_file()
    comp = pd.read_csv(out / "comparison.csv").set_index("metric")
    assert comp.loc[f"lever_cost_{Priced.name}", "policy"] == 100 * 60
    assert comp.loc["net_gbp", "change"] == -100 * 60
    assert comp.loc["needs_lapsed", "change"] == 0  # same streams: a costless no-op changes nothing
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert (weekly[f"cost_{Priced.name}"] == 100).all()
    assert "baseline" in r.stdout and Priced.name in r.stdout and "net GBP" in r.stdout
    rec = json.loads((out / "scenario.json").read_text())
    assert rec["levers"] == {Priced.name: {"start_week": 0, "end_week": 0, "gbp_per_week": 100.0}}


def test_a_scenario_file_with_flags_overriding_it(tmp_path: Path, test_levers: None) -> None:
    f = tmp_path / "s.toml"
    f.write_text(
        'town = "demo"\nn_residents = 300\n[run]\nweeks = 60\nseed = 1\n'
        f'out = "{(tmp_path / "from_file").as_posix()}"\n[policies.{Priced.name}]\n'
    )
    r = invoke("run", f, "--seed", "5", "--no-progress", "--quiet")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    rec = json.loads((tmp_path / "from_file" / "scenario.json").read_text())
    assert rec["seed"] == 5 and rec["scenario_file"] == str(f)
    assert Priced.name in rec["levers"]


def _toml(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


BAD = {
    "unknown parameter": (
        ["--set", "fear_of_spiders=0.3"],
        ["fear_of_spiders", "closest:", "fear_liability_mean"],
    ),
    "unknown lever": (["--policy", "free_lunch"], ["free_lunch", "allowed: one of"]),
    "unknown lever parameter": (
        ["--set", "test_priced.gbp=3"],
        ["test_priced.gbp", "gbp_per_week"],
    ),
    "wrong type": (["--set", "scale=big"], ["'scale'", "'big'", "number"]),
    "wrong type int": (["--set", "n_residents=2.5"], ["'n_residents'", "2.5", "whole number"]),
    "nan": (["--set", "fear_liability_mean=nan"], ["fear_liability_mean", "nan", ">= 0 and <= 1"]),
    "lever nan": (["--set", "test_priced.gbp_per_week=nan"], ["gbp_per_week", "nan"]),
    "out of range": (["--set", "share_retired=1.5"], ["'share_retired'", "1.5", ">= 0 and <= 1"]),
    "negative years": (["--years", "-1"], ["'years'", "-1", "> 0"]),
    "negative seed": (["--seed", "-4"], ["'seed'", "-4"]),
    "bad town": (["--town", "atlantis"], ["atlantis", "demo, darlington, reading"]),
    "years and weeks": (["--years", "1", "--weeks", "3"], ["--years or --weeks"]),
    "bad set syntax": (["--set", "scale"], ["name=value"]),
    "missing file": (["{tmp}/nope.toml"], ["nope.toml", "does not exist"]),
    "bad toml": (["{bad_toml}"], ["not valid TOML", "line 2"]),
    "unknown run key": (["{bad_run}"], ["run.yeras", "years, weeks"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_before_anything_runs(
    case: str, tmp_path: Path, test_levers: None
) -> None:
    args, needles = BAD[case]
    subs = {
        "tmp": str(tmp_path),
        "bad_toml": str(_toml(tmp_path, 'town = "demo"\nscale = 0.5 0.5\n')),
        "bad_run": str(_toml(tmp_path, "[run]\nyeras = 2\n", "bad_run.toml")),
    }
    out = tmp_path / "never"
    r = invoke("run", *[a.format(**subs) for a in args], "--out", out, "--no-progress")
    assert r.exit_code == 2, r.output
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr)
    assert "Traceback" not in r.output
    assert not out.exists()  # refused before anything ran or was written


def test_validate_every_example_scenario() -> None:
    assert {p.name for p in SCENARIOS} >= {
        "demo.toml",
        "darlington_time_bank.toml",
        "reading_baseline.toml",
    }
    for path in SCENARIOS:
        levers = tomllib.loads(path.read_text()).get("policies", {})
        missing = [name for name in levers if name not in LEVERS]
        r = invoke("validate", path)
        if missing:  # a lever not written yet must be reported clearly
            assert r.exit_code == 2, (path, r.output)
            assert f"unknown policy lever '{missing[0]}'" in r.stderr
        else:
            assert r.exit_code == 0, (path, r.output)
            assert r.stdout.startswith("ok") and len(r.stdout.strip().splitlines()) == 1


def test_validate_refuses_a_bad_file(tmp_path: Path) -> None:
    r = invoke("validate", _toml(tmp_path, "scale = nan\n"))
    assert r.exit_code == 2 and "'scale'" in r.stderr and "nan" in r.stderr
    assert invoke("validate", tmp_path / "missing.toml").exit_code == 2


def test_a_failure_during_the_run_exits_1_and_keeps_what_was_done(
    tmp_path: Path, test_levers: None
) -> None:
    out = tmp_path / "f"
    r = invoke("run", *TINY, "--out", out, "--set", f"{Breaks.name}.at_week=5")
    assert r.exit_code == 1
    assert "simulated failure" in r.stderr and "Traceback" not in r.output
    assert not out.exists()  # the chosen folder only ever holds complete runs
    (kept,) = tmp_path.glob("f.failed-*")
    assert str(kept) in r.stderr
    assert len(pd.read_parquet(kept / "weekly_partial.parquet")) == 5
    rec = json.loads((kept / "scenario.json").read_text())
    assert rec["status"] == "failed" and rec["stage"] == "the run"
    assert "simulated failure" in rec["error"]
    assert not (kept / "weekly.parquet").exists()


@pytest.mark.slow
def test_python_dash_m_works_like_the_command() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "coprod_sim", "validate", str(ROOT / "scenarios" / "demo.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")
