"""The faults of the reliability issue, tried on the command line in-process: reused output
folders, failures and Ctrl-C, towns too big for the limit or for this machine, reruns, and the
listings a new user needs."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from typer.testing import CliRunner

import coprod_sim
from coprod_sim.commands import cli
from coprod_sim.commands.cli import app
from coprod_sim.io import runtime
from coprod_sim.io.scenario_file import software_versions
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.parameters import param

TINY = ["--set", "n_residents=300", "--weeks", "30", "--no-progress", "--quiet"]
runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


class CtrlC(Lever):
    """A test lever that presses Ctrl-C (sends SIGINT to this process) in a given week."""

    name: ClassVar[str] = "test_ctrl_c"
    at_week: int = param(3, unit="week", role="policy", ge=0, le=100, source="test", doc="week")

    def apply(self, model: Any) -> None:
        if model.week == self.at_week:
            os.kill(os.getpid(), signal.SIGINT)


class WrappedInterrupt(Lever):
    """A test lever that fails as numba's dispatcher does when Ctrl-C lands in a compiled pass:
    a SystemError whose cause is the KeyboardInterrupt."""

    name: ClassVar[str] = "test_wrapped_interrupt"
    at_week: int = param(3, unit="week", role="policy", ge=0, le=100, source="test", doc="week")

    def apply(self, model: Any) -> None:
        if model.week == self.at_week:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as exc:
                raise SystemError(
                    "CPUDispatcher(<function decide_pairs>) returned a result with an exception set"
                ) from exc


@pytest.fixture
def test_levers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LEVERS, CtrlC.name, CtrlC)
    monkeypatch.setitem(LEVERS, WrappedInterrupt.name, WrappedInterrupt)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ output folders
def test_a_folder_holding_another_run_is_refused_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert invoke("run", *TINY, "--seed", "1", "--out", out, "--policy", "training").exit_code == 0
    assert (out / "comparison.csv").exists() and (out / "baseline").is_dir()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    r = invoke("run", *TINY, "--seed", "2", "--out", out)  # a no-lever run into the same folder
    assert r.exit_code == 2
    assert f"'{out}'" in r.stderr and "holds another run" in r.stderr and "--overwrite" in r.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # untouched

    r = invoke("run", *TINY, "--seed", "2", "--out", out, "--overwrite")
    assert r.exit_code == 0, r.output
    assert not (out / "comparison.csv").exists() and not (out / "baseline").exists()  # replaced
    assert json.loads((out / "scenario.json").read_text())["seed"] == 2
    assert listing(tmp_path) == ["r"]


def test_a_folder_holding_other_files_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    for extra in ([], ["--overwrite"]):
        r = invoke("run", *TINY, "--out", out, *extra)
        assert r.exit_code == 2 and "holds no run" in r.stderr and "thesis.docx" in r.stderr
    assert listing(out) == ["thesis.docx"]


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert invoke("run", *TINY, "--out", out).exit_code == 0
    assert (out / "weekly.parquet").is_file()


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("", "value '' is not allowed"),
        (".", "current folder"),
        ("/", "current folder, one above it, or the root"),
        ("{tmp}/a_file/sub", "is not a folder"),
        ("/proc/coprod-sim-test/r", "'/proc/coprod-sim-test/r'"),
    ],
)
def test_bad_output_folders_are_named_and_refused(tmp_path: Path, out: str, needle: str) -> None:
    (tmp_path / "a_file").write_text("x")
    before = listing(tmp_path)
    r = invoke("run", *TINY, "--out", out.format(tmp=tmp_path))
    assert r.exit_code == 2, r.output
    assert needle in r.stderr and "parameter 'out'" in r.stderr and "None" not in r.stderr
    assert "Traceback" not in r.output
    assert listing(tmp_path) == before


def test_an_unwritable_out_from_a_scenario_file_names_the_folder(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('n_residents = 300\n[run]\nweeks = 5\nout = "/proc/coprod-sim-test/x"\n')
    r = invoke("run", f, "--no-progress")
    assert r.exit_code == 2 and "'/proc/coprod-sim-test/x'" in r.stderr
    assert "'None'" not in r.stderr


# ------------------------------------------------------------------ failures and Ctrl-C
def test_ctrl_c_during_a_run_is_interrupted_exit_130(tmp_path: Path, test_levers: None) -> None:
    out = tmp_path / "c"
    r = invoke("run", *TINY, "--out", out, "--set", f"{CtrlC.name}.at_week=4")
    assert r.exit_code == 130, r.output
    assert "interrupted during the run" in r.stderr and "Traceback" not in r.output
    assert not out.exists()
    (kept,) = tmp_path.glob("c.interrupted-*")
    rec = json.loads((kept / "scenario.json").read_text())
    assert rec["status"] == "interrupted"
    assert len(pd.read_parquet(kept / "weekly_partial.parquet")) == 5  # stops after that week
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_an_interrupt_wrapped_in_a_systemerror_is_still_interrupted(
    tmp_path: Path, test_levers: None
) -> None:
    """numba's dispatcher turns Ctrl-C inside a compiled pass into SystemError (2 of 4 tries
    were reported as 'run failed (SystemError: CPUDispatcher...)', exit 1)."""
    out = tmp_path / "w"
    r = invoke("run", *TINY, "--out", out, "--set", f"{WrappedInterrupt.name}.at_week=2")
    assert r.exit_code == 130, r.output
    assert "interrupted" in r.stderr and "failed" not in r.stderr
    (kept,) = tmp_path.glob("w.interrupted-*")
    assert json.loads((kept / "scenario.json").read_text())["status"] == "interrupted"


def test_is_interrupt_follows_causes_and_contexts() -> None:
    assert runtime.is_interrupt(KeyboardInterrupt())
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise SystemError("returned a result with an exception set")  # noqa: B904
    except SystemError as exc:
        assert runtime.is_interrupt(exc)
    assert not runtime.is_interrupt(SystemError("x")) and not runtime.is_interrupt(None)


# ------------------------------------------------------------------ sizes and memory
def test_a_town_over_the_limit_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    r = invoke("run", "--town", "reading", "--scale", "100", "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert "16,000,000 residents" in r.stderr and "at most 5,000,000" in r.stderr
    assert listing(tmp_path) == []
    r = invoke("validate", _file(tmp_path, 'town = "reading"\nscale = 100.0\n'))
    assert r.exit_code == 2 and "16,000,000" in r.stderr


def test_a_run_that_would_not_fit_in_memory_is_refused_with_the_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "available_memory", lambda: 2 * 2**30)
    r = invoke("run", "--town", "reading", "--scale", "20", "--out", tmp_path / "x")
    assert r.exit_code == 2
    need = runtime.estimate_memory(3_200_000)
    assert "3,200,000 residents" in r.stderr and runtime.gib(need) in r.stderr
    assert "2.00 GiB available" in r.stderr
    r = invoke(
        "run", "--town", "reading", "--scale", "7", "--policy", "training", "--out", tmp_path / "y"
    )
    assert r.exit_code == 2 and "policy run and its no-lever baseline" in r.stderr
    assert listing(tmp_path) == []


def test_the_memory_estimate_is_of_the_right_order() -> None:
    """Measured: 0.74 KiB per resident at 100k-400k residents; the estimate leaves a margin."""
    assert 0.7 * 2**10 <= runtime.BYTES_PER_RESIDENT <= 2 * 2**10
    assert runtime.estimate_memory(1_000_000, 2) > 2 * runtime.estimate_memory(0)
    have = runtime.available_memory()
    assert have is None or have > 0


def _file(tmp_path: Path, text: str) -> Path:
    f = tmp_path.parent / f"{tmp_path.name}.toml"
    f.write_text(text)
    return f


# ------------------------------------------------------------------ rerun
@pytest.mark.slow
def test_rerun_reproduces_the_stored_files_exactly(tmp_path: Path) -> None:
    first = tmp_path / "first"
    r = invoke(
        "run", *TINY, "--out", first, "--set", "fear_liability_mean=0.25", "--policy", "training"
    )
    assert r.exit_code == 0, r.output
    again = tmp_path / "again"
    r = invoke("rerun", first, "--out", again, "--no-progress", "--quiet")
    assert r.exit_code == 0, r.output
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "scenario.json":
            assert (first / rel).read_bytes() == (again / rel).read_bytes(), rel
    a, b = (json.loads((d / "scenario.json").read_text()) for d in (first, again))
    assert a["parameters"] == b["parameters"] and a["levers"] == b["levers"]
    assert (a["seed"], a["weeks"]) == (b["seed"], b["weeks"]) and b["rerun_of"] == str(first)


def test_rerun_refuses_other_software_versions_naming_them(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert invoke("run", *TINY, "--out", first).exit_code == 0
    rec = json.loads((first / "scenario.json").read_text())
    rec["packages"]["numpy"] = "1.0.0"
    rec["coprod_sim_version"] = "0.0.1"
    (first / "scenario.json").write_text(json.dumps(rec))
    r = invoke("rerun", first, "--out", tmp_path / "b")
    assert r.exit_code == 2
    assert "numpy 1.0.0 in the record" in r.stderr and "coprod_sim_version 0.0.1" in r.stderr
    assert not (tmp_path / "b").exists()
    r = invoke("rerun", first, "--out", tmp_path / "b", "--allow-version-mismatch", "-q")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "b/scenario.json").read_text())["version_mismatches"]


def test_rerun_of_a_folder_without_a_record_is_refused(tmp_path: Path) -> None:
    r = invoke("rerun", tmp_path)
    assert r.exit_code == 2 and "has no readable scenario.json" in r.stderr
    (tmp_path / "scenario.json").write_text('{"parameters": {"scael": 1}, "levers": {}}')
    r = invoke("rerun", tmp_path, "--out", tmp_path / "x")
    assert r.exit_code == 2 and "is not a run record" in r.stderr
    rec = {"parameters": {"scael": 1}, "levers": {}, "weeks": 3, "seed": 1}
    (tmp_path / "scenario.json").write_text(json.dumps({**rec, **software_versions()}))
    r = invoke("rerun", tmp_path, "--out", tmp_path / "x")
    assert r.exit_code == 2 and "unknown parameter 'scael'" in r.stderr
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------ what a new user asks
def test_version() -> None:
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"coprod-sim {coprod_sim.__version__}"


def test_list_parameters_levers_and_towns() -> None:
    r = invoke("list", "parameters")
    assert r.exit_code == 0
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("fear_commitment_mean"))
    assert "0.45" in line and "0 to 1" in line and "0-1" in line
    assert "0 to 5,000,000" in r.stdout and invoke("params").stdout == r.stdout
    r = invoke("list", "levers")
    assert "time_bank.coordinator_hours" in r.stdout and "hours/week" in r.stdout
    assert len([ln for ln in r.stdout.splitlines() if not ln.startswith(" ")]) == len(LEVERS) + 1
    r = invoke("list", "towns")
    assert "reading" in r.stdout and "160,000" in r.stdout and "31.25" in r.stdout
    rows = json.loads(invoke("list", "levers", "--json").stdout)
    assert {row["name"] for row in rows} == set(LEVERS)
    assert invoke("list", "nonsense").exit_code == 2


def test_the_first_run_says_it_is_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "needs_compiling", lambda: True)
    r = invoke("run", "--set", "n_residents=300", "--weeks", "3", "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "compiling" in r.stderr and "once per machine" in r.stderr
    monkeypatch.setattr(cli, "needs_compiling", lambda: False)
    r = invoke("run", "--set", "n_residents=300", "--weeks", "3", "--out", tmp_path / "p")
    assert "compiling" not in r.stderr


def test_needs_compiling_reads_the_cache_of_this_process() -> None:
    from coprod_sim.model import CoproductionModel

    # every pass loaded or compiled (and cached), as the command line's warm-up does
    CoproductionModel(rng=1, n_residents=300, policies=list(LEVERS), burn_in_years=0).run_weeks(8)
    assert runtime.needs_compiling() is False


def test_validate_notes_an_earlier_run_in_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert invoke("run", *TINY, "--out", out).exit_code == 0
    f = _file(tmp_path, f'n_residents = 300\n[run]\nout = "{out.as_posix()}"\n')
    r = invoke("validate", f)
    assert r.exit_code == 0 and r.stdout.startswith("ok") and "needs --overwrite" in r.stdout
    (tmp_path / "file").write_text("x")
    f.write_text(f'[run]\nout = "{(tmp_path / "file").as_posix()}"\n')
    r = invoke("validate", f)
    assert r.exit_code == 2 and "is not a folder" in r.stderr
