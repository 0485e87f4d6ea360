"""A sweep owns its workers: after ``kill -9`` of ``coprod-sim sweep`` its worker processes end
within seconds, the folder reads as "interrupted", the report says which runs are missing, and
a second sweep into a folder another live sweep is writing is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _sweep_helpers import SMOKE

from coprod_sim.sweeps import write_report
from coprod_sim.sweeps.store import Store, effective_status

pytestmark = pytest.mark.slow  # real processes


def children(pid: int) -> set[int]:
    """Direct child processes of ``pid`` (Linux /proc)."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        out |= {int(x) for x in text.split()}
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its new parent) is not alive
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_kill_9_of_the_sweep_ends_its_workers_and_the_folder_reads_interrupted(
    tmp_path: Path,
) -> None:
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "coprod_sim", "sweep", str(SMOKE), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--batch-size", "1", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            workers = children(proc.pid)
            if len(workers) >= 2 and len(Store(out).parts()) >= 1:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the sweep never started its workers"
        proc.send_signal(signal.SIGKILL)  # the sweep only, not its process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(w) for w in workers), "a worker outlived its sweep"
    finally:
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "running" and effective_status(man) == "interrupted"
    text = write_report(out).read_text()
    assert "This sweep is incomplete (status: interrupted)" in text and "nan s" not in text


def test_a_second_sweep_into_a_folder_a_live_sweep_writes_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    first = subprocess.Popen(
        [sys.executable, "-m", "coprod_sim", "sweep", str(SMOKE), "--out", str(out),
         "--workers", "1", "--batch-size", "1", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (
            not (out / "manifest.json").exists()
            or "owner" not in (out / "manifest.json").read_text()
        ):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "coprod_sim", "sweep", str(SMOKE), "--out", str(out),
             "--workers", "0", "--no-progress"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
    assert second.returncode == 2, second.stderr
    assert "being written by another sweep" in second.stderr
    assert "Traceback" not in second.stderr
