"""``coprod-sim calibrate``: bad input exits 2 before any simulation; a run writes a posterior
that loads back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coprod_sim.calibration.posterior import load_posterior
from coprod_sim.commands.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--town", "darlingtn"], "closest: 'darlington'"),
        (["--town", "demo", "--scale", "0"], "--scale: value 0"),
        (["--town", "demo", "--scale", "1.5"], "allowed: a number in (0, 1]"),
        (["--town", "demo", "--population-size", "2"], "--population-size"),
        (["--town", "demo", "--generations", "0"], "--generations"),
        (["--town", "demo", "--max-simulations", "150"], "at least twice --population-size"),
        (["--town", "demo", "--min-epsilon", "-1"], "--min-epsilon"),
        (["--town", "demo", "--workers", "-1"], "--workers"),
        (["--town", "demo", "--out", "no/such/folder/p.json"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_the_reason(args: list[str], needle: str) -> None:
    result = runner.invoke(app, ["calibrate", *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_an_existing_posterior_is_kept_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    out.write_text("{}")
    result = runner.invoke(app, ["calibrate", "--town", "demo", "--out", str(out)])
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert out.read_text() == "{}"


@pytest.mark.slow
def test_a_tiny_fit_writes_a_posterior_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "posterior_demo.json"
    args = ["calibrate", "--town", "demo", "--scale", "0.15", "--population-size", "5",
            "--generations", "1", "--max-simulations", "40", "--workers", "0", "--seed", "3",
            "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    post = load_posterior(out)
    assert post.town == "demo" and post.scale == 0.15
    assert len(post.weights) == 5
    assert post.seeds["seed"] == 3
    assert set(post.fit["per_target"]) == {t["id"] for t in post.model_dump()["targets"]}
    assert "at most 1 generations and 40 simulations in all, the first 5 of them" in result.output
    assert post.fit["simulations"] <= 40
    assert (tmp_path / "abc_demo.db").is_file()  # kept for pyabc.History and --resume
    again = runner.invoke(app, [*args[:-1], str(tmp_path / "q.json")])
    assert again.exit_code == 2 and "--resume" in again.output  # the stored fit is not replaced


def test_resume_without_a_stored_fit_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["calibrate", "--town", "demo", "--resume", "--out", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2
    assert "no stored fit" in result.output
