"""A handful of real processes: exit codes as a shell sees them, Ctrl-C as a user presses it,
and the same scenario and seed giving byte-identical files in two fresh processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "coprod_sim"]
pytestmark = pytest.mark.slow  # real processes


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def test_exit_codes_of_a_real_process(tmp_path: Path) -> None:
    r = run("run", "--set", "scale=big", "--out", "x", cwd=tmp_path)
    assert r.returncode == 2 and "'scale'" in r.stderr and "Traceback" not in r.stderr
    r = run("run", "--years", "lots", cwd=tmp_path)  # refused by the option parser
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("attempt", [1, 2])
def test_ctrl_c_in_a_real_process_is_interrupted_exit_130(tmp_path: Path, attempt: int) -> None:
    args = ["run", "--set", "n_residents=20000", "--weeks", "3000", "--seed", str(attempt)]
    proc = subprocess.Popen(
        [*CLI, *args, "--out", "r", "--no-progress", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(tmp_path.glob(".r.running-*/scenario.json")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        time.sleep(0.5 * attempt)  # while building the town, then while weeks run
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and "SystemError" not in err
    (kept,) = tmp_path.glob("r.interrupted-*")
    assert json.loads((kept / "scenario.json").read_text())["status"] == "interrupted"
    assert not (tmp_path / "r").exists()


def test_same_scenario_and_seed_are_byte_identical_in_two_fresh_processes(tmp_path: Path) -> None:
    args = ["run", "--set", "n_residents=800", "--weeks", "60", "--seed", "11"]
    args += ["--policy", "time_bank", "--no-progress", "--quiet"]
    for name in ("a", "b"):
        r = run(*args, "--out", name, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    # 5 outputs and the yearly resident records, the baseline's 6, comparison.csv, scenario.json
    assert len(files) == 14
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "scenario.json":
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    ra, rb = (json.loads((d / "scenario.json").read_text()) for d in (a, b))
    for key in ("parameters", "levers", "seed", "weeks", "packages"):
        assert ra[key] == rb[key], key


def test_an_empty_compiled_code_cache_is_detected(tmp_path: Path) -> None:
    """The first run on a machine says it is compiling: numba's cache read from an empty folder
    (NUMBA_CACHE_DIR) must count as "needs compiling"."""
    code = "from coprod_sim.io.runtime import needs_compiling; print(needs_compiling())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert r.returncode == 0 and r.stdout.strip() == "True", r.stderr


@pytest.mark.parametrize("delay", [0.1, 0.2, 0.5, 0.9])
def test_ctrl_c_during_start_up_exits_130_with_one_line(tmp_path: Path, delay: float) -> None:
    """Ctrl-C while the command line is still importing (NumPy, numba, Mesa: about a second)
    gives exit 130 and one line, never Python's traceback."""
    # a run long enough that the signal never lands while the process is exiting (when
    # Python has put the default handler back): during the import, or building the town
    args = ["run", "--set", "n_residents=20000", "--weeks", "3000", "--out", "r", "--quiet"]
    proc = subprocess.Popen(
        [*CLI, *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "interrupted" in err


def test_an_interrupted_import_is_one_line_exit_130(monkeypatch, capsys) -> None:
    """The same, made certain: the command line's import raises KeyboardInterrupt."""
    import importlib.abc

    import coprod_sim.__main__ as entry

    class Interrupting(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "coprod_sim.commands.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "coprod_sim.commands.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as stop:
        entry.main(["list", "towns"])
    assert stop.value.code == 130
    assert capsys.readouterr().err == "coprod-sim: interrupted\n"
