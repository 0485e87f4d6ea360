"""What a user can cause gets one line and the right account: a file where the results folder
should be, a full disk during a sweep (the finished runs are kept and counted); --dry-run gives
the number of runs and an estimated time; --format csv writes results.csv beside the Parquet."""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.sweeps import store as store_module

runner = CliRunner()


def design_file(tmp_path: Path) -> Path:
    """``_sweep_helpers.tiny_design`` as a TOML file."""
    text = (
        '[sweep]\nname = "tiny"\nseed = 7\nreplications = 3\nweeks = 6\n'
        "[world]\nn_residents = 200\n"
        '[[arms]]\nname = "baseline"\n'
        '[[arms]]\nname = "time_bank"\n[arms.levers.time_bank]\n'
    )
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def test_a_file_as_out_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    r = runner.invoke(app, ["sweep", str(design_file(tmp_path)), "--out", str(tmp_path / "afile")])
    assert r.exit_code == 2 and "is not a folder" in r.output
    assert "Traceback" not in r.output and "NotADirectoryError" not in r.output


def test_a_full_disk_keeps_and_counts_the_finished_runs(tmp_path: Path, monkeypatch) -> None:
    real = store_module.Store.write_batch
    calls = {"n": 0}

    def write_batch(self, runs, weekly):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, runs, weekly)

    monkeypatch.setattr(store_module.Store, "write_batch", write_batch)
    out = tmp_path / "res"
    args = ["sweep", str(design_file(tmp_path)), "--out", str(out), "--workers", "0"]
    r = runner.invoke(app, [*args, "--batch-size", "1", "--no-progress"])
    assert r.exit_code == 1, r.output
    assert "ENOSPC" in r.output and "2 finished runs are stored there" in r.output
    assert "resume" in r.output and "nothing was computed" not in r.output
    monkeypatch.setattr(store_module.Store, "write_batch", real)
    again = runner.invoke(app, [*args, "--no-progress", "--format", "csv"])
    assert again.exit_code == 0 and "4 runs" in again.output  # only the missing ones
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 6 and {"arm", "replication"} <= set(table.columns)


def test_dry_run_says_the_runs_and_an_estimated_time(tmp_path: Path) -> None:
    r = runner.invoke(app, ["sweep", str(design_file(tmp_path)), "--out", "x", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "estimate: 6 runs, about" in r.output and "an estimate" in r.output
    assert not Path("x").exists()


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    r = runner.invoke(app, ["sweep", str(design_file(tmp_path)), "--out", "x", "--format", "xlsx"])
    assert r.exit_code == 2 and "allowed: parquet or csv" in r.output
