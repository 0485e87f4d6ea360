"""The engine: same results whatever the executor and worker count, resumable after SIGKILL,
paired seeds across arms, adaptive replications within their cap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _sweep_helpers import SMOKE, comparable, tiny_design

from coprod_sim.sweeps import Design, load_design, load_results, run_sweep
from coprod_sim.sweeps.store import Store

BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_reference_has_every_run_once_with_paired_seeds(smoke_reference: Path) -> None:
    design = load_design(SMOKE)
    df = load_results(smoke_reference)
    n_arms = len(df["point"].unique())
    assert len(df) == n_arms * design.sweep.replications
    assert not df.duplicated(["point", "replication"]).any()
    seeds = df.pivot(index="replication", columns="point", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()  # replication r: the same seed in every arm
    assert seeds.iloc[:, 0].nunique() == design.sweep.replications
    assert (df["weeks"] == design.total_weeks).all()
    weekly = Store(smoke_reference).weekly_frame()
    assert len(weekly) == len(df) * design.total_weeks


@pytest.mark.slow
def test_one_worker_and_in_process_equal_two_workers(smoke_reference: Path, tmp_path: Path) -> None:
    design = load_design(SMOKE)
    run_sweep(design, tmp_path / "one", workers=1, batch_size=3)
    pd.testing.assert_frame_equal(comparable(tmp_path / "one"), comparable(smoke_reference))


def test_rerun_of_a_finished_sweep_runs_nothing(smoke_reference: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(smoke_reference, copy)
    man = run_sweep(load_design(SMOKE), copy, workers=0)
    assert man["sessions"][-1]["runs"] == 0
    assert len(Store(copy).parts()) == len(Store(smoke_reference).parts())


def _sweep_cmd(out: Path, *extra: str) -> list[str]:
    return [
        str(BIN / "coprod-sim"),
        "sweep",
        str(SMOKE),
        "--out",
        str(out),
        "--no-progress",
        *extra,
    ]


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_run(
    smoke_reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _sweep_cmd(out, "--workers", "1", "--batch-size", "1"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(Store(out).parts()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker, mid-run
    finally:
        proc.wait(timeout=30)
    finished = len(Store(out).parts())
    total = len(load_results(smoke_reference))
    assert 2 <= finished < total, "the kill must land part-way"
    res = subprocess.run(_sweep_cmd(out, "--workers", "0"), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert f"{total - finished} runs" in res.stdout  # only the missing runs ran
    long = pd.read_parquet(Store(out).parts())
    assert not long.duplicated(["point", "replication", "metric"]).any()  # none twice
    pd.testing.assert_frame_equal(comparable(out), comparable(smoke_reference))  # none lost


@pytest.fixture
def dask_cluster() -> str:
    """A real scheduler and two single-threaded workers on 127.0.0.1, ended by PID."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(SMOKE.parents[1])}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            start_new_session=True,
            env=env,
            **quiet,
        )
    ]
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                Client(address, timeout="2s").close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    start_new_session=True,
                    env=env,
                    **quiet,
                )
            )
        with Client(address) as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.mark.slow
def test_dask_cluster_equals_the_local_run(
    smoke_reference: Path, tmp_path: Path, dask_cluster: str
) -> None:
    out = tmp_path / "dask"
    res = subprocess.run(
        _sweep_cmd(out, "--scheduler", dask_cluster), capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(comparable(out), comparable(smoke_reference))


@pytest.mark.slow
def test_adaptive_replications_stop_at_tolerance_or_cap(tmp_path: Path) -> None:
    loose = tiny_design(
        replications=2,
        adaptive={"outcome": "volunteer_hours", "half_width": 1e9, "max_replications": 6},
    )
    man = run_sweep(Design.from_dict(loose), tmp_path / "loose", workers=0)
    assert set(man["replications"].values()) == {2}  # already below a huge tolerance
    tight = tiny_design(
        replications=2,
        weeks=20,  # long enough that the time bank changes volunteer hours in every pair
        adaptive={
            "outcome": "volunteer_hours",
            "half_width": 1e-9,
            "max_replications": 5,
            "step": 2,
        },
    )
    man = run_sweep(Design.from_dict(tight), tmp_path / "tight", workers=0)
    df = load_results(tmp_path / "tight")
    assert set(man["replications"].values()) == {5}  # never below: stops at the cap
    assert df.groupby("point").size().tolist() == [5, 5]
    assert man["adaptive_rounds"] == 3  # 2 -> 4 -> 5


@pytest.mark.slow
def test_replications_are_independent_draws(tmp_path: Path) -> None:
    # different replications use different seeds, so outcomes vary across them
    run_sweep(Design.from_dict(tiny_design(replications=4)), tmp_path / "o", workers=0)
    df = load_results(tmp_path / "o")
    base = df[df["arm"] == "baseline"]
    assert base["needs_arisen"].nunique() > 1
    assert np.all(df.groupby("replication")["seed"].nunique() == 1)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_batches_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        _sweep_cmd(out, "--workers", "0", "--batch-size", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(Store(out).parts()) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command to resume" in err and "Traceback" not in err
    assert Store(out).read_manifest()["status"] == "interrupted"
    assert len(Store(out).parts()) >= 1
