"""What `coprod-sim run` writes: a full disk while writing is reported as what it is (the weeks
were computed, writing failed: exit 1, one line, never "nothing was computed"); --format csv
writes each table as CSV too."""

from __future__ import annotations

import errno
from pathlib import Path

from typer.testing import CliRunner

from coprod_sim.analysis import summary
from coprod_sim.commands.cli import app

runner = CliRunner()


def test_a_full_disk_while_writing_says_the_weeks_were_computed(
    tmp_path: Path, monkeypatch
) -> None:
    def full(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(summary.pd.DataFrame, "to_parquet", full)
    out = tmp_path / "r"
    # the declared defaults (--no-posterior): the only line is the failure's
    r = runner.invoke(
        app,
        ["run", "--set", "n_residents=300", "--set", "burn_in_years=0", "--weeks", "8",
         "--seed", "1", "--out", str(out), "--no-progress", "--no-posterior"],
    )  # fmt: skip
    assert r.exit_code == 1, r.output
    assert "No space left on device" in r.output
    assert "every week computed" in r.output and "nothing was computed" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.glob("r.failed-*"))


def test_format_csv_writes_each_table_as_csv_too(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["run", "--set", "n_residents=300", "--set", "burn_in_years=0", "--weeks", "8"]
    r = runner.invoke(
        app, [*args, "--policy", "time_bank", "--out", str(out), "--format", "csv", "--no-progress"]
    )
    assert r.exit_code == 0, r.output
    for folder in (out, out / "baseline"):
        for parquet in folder.glob("*.parquet"):
            assert parquet.with_suffix(".csv").is_file(), parquet
    import pandas as pd

    assert pd.read_csv(out / "weekly.csv").equals(pd.read_parquet(out / "weekly.parquet"))
    bad = runner.invoke(app, [*args, "--out", str(tmp_path / "x"), "--format", "xls"])
    assert bad.exit_code == 2 and "allowed: parquet or csv" in bad.output
