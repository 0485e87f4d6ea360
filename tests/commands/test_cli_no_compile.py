"""``coprod-sim run --no-compile``: every pass and rule as plain Python, the same results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from coprod_sim.commands.cli import app

TINY = ["--set", "n_residents=300", "--weeks", "8", "--seed", "3", "--no-progress", "--quiet"]


def test_no_compile_gives_the_compiled_run(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, extra in (("compiled", []), ("plain", ["--no-compile"])):
        r = runner.invoke(app, ["run", *TINY, *extra, "--out", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "compiled" / "weekly.parquet"),
        pd.read_parquet(tmp_path / "plain" / "weekly.parquet"),
        check_exact=True,
    )
    assert "--no-compile" in runner.invoke(app, ["run", "--help"]).output
