"""``coprod-sim run --posterior``: one draw per run seed from a posterior, recorded; what the
user sets wins; a bad posterior exits 2 with a message."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _posteriors import spread_posterior
from typer.testing import CliRunner

from coprod_sim.calibration import posterior as posterior_module
from coprod_sim.commands.cli import app

TINY = ["--set", "n_residents=300", "--set", "burn_in_years=0", "--weeks", "8", "--no-progress"]
runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def post_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid posterior of the demo town: 20 equally weighted particles spread over the
    calibrated parameters' priors, so that different seeds draw different sets."""
    post = spread_posterior(20)
    return post.save(tmp_path_factory.mktemp("posterior") / "posterior_demo.json")


def run(tmp_path: Path, name: str, post: Path, *extra: Any) -> tuple[Any, dict[str, Any]]:
    out = tmp_path / name
    r = invoke("run", *TINY, "--posterior-file", post, "--out", out, *extra)
    assert r.exit_code == 0, r.output
    return r, json.loads((out / "scenario.json").read_text())


def test_the_same_seed_gives_the_same_draw_and_results(tmp_path: Path, post_file: Path) -> None:
    r, a = run(tmp_path, "a", post_file, "--seed", "4")
    _, b = run(tmp_path, "b", post_file, "--seed", "4")
    _, c = run(tmp_path, "c", post_file, "--seed", "5")
    post = a["posterior"]
    assert post["file"] == str(post_file.resolve())
    assert post["checksum"] == json.loads(post_file.read_text())["checksum"]
    assert post["drawn"] == b["posterior"]["drawn"] != c["posterior"]["drawn"]
    for name, value in post["drawn"].items():  # the draw is what the run used
        assert a["parameters"][name] == value
    assert "drawn from posterior" in r.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a/weekly.parquet"),
        pd.read_parquet(tmp_path / "b/weekly.parquet"),
    )


def test_a_value_the_user_sets_wins_and_the_record_says_so(tmp_path: Path, post_file: Path) -> None:
    _, rec = run(tmp_path, "o", post_file, "--seed", "4", "--set", "help_intercept=0.123")
    post = rec["posterior"]
    assert rec["parameters"]["help_intercept"] == 0.123
    assert post["overridden"] == {"help_intercept": 0.123}
    assert "help_intercept" not in post["applied"]
    assert rec["parameters"]["awareness_rate"] == post["drawn"]["awareness_rate"]


def test_the_recorded_command_and_rerun_reproduce_a_posterior_run(
    tmp_path: Path, post_file: Path
) -> None:
    _, rec = run(tmp_path, "a", post_file, "--seed", "6")
    args = shlex.split(rec["reproduce"])[1:]  # the drawn values as --set: no posterior needed
    args[args.index("--out") + 1] = str(tmp_path / "b")
    assert invoke(*args, "--no-progress").exit_code == 0
    assert invoke("rerun", tmp_path / "a", "--out", tmp_path / "c", "--quiet").exit_code == 0
    again = json.loads((tmp_path / "c/scenario.json").read_text())
    assert again["posterior"] == rec["posterior"]
    for other in ("b", "c"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "a/weekly.parquet"),
            pd.read_parquet(tmp_path / other / "weekly.parquet"),
        )


def _damaged(tmp_path: Path, post_file: Path) -> Path:
    bad = tmp_path / "damaged.json"
    bad.write_text(post_file.read_text().replace('"town": "demo"', '"town": "demO"'))
    return bad


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("damaged", ["damaged.json", "checksum", "changed or damaged"]),
        ("truncated", ["truncated.json", "cut short"]),
        ("other town", ["fitted to town 'demo'", "town 'reading'"]),
        ("not shipped", ["no posterior is shipped for town 'demo' yet", "calibrate --town demo"]),
    ],
)
def test_a_bad_posterior_exits_2_with_the_reason(
    case: str,
    needles: list[str],
    tmp_path: Path,
    post_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args: list[Any] = []
    if case == "damaged":
        args = ["--posterior-file", _damaged(tmp_path, post_file)]
    elif case == "truncated":
        cut = tmp_path / "truncated.json"
        cut.write_text(post_file.read_text()[:300])
        args = ["--posterior-file", cut]
    elif case == "other town":
        args = ["--posterior-file", post_file, "--town", "reading", "--scale", "0.001"]
    else:
        monkeypatch.setattr(posterior_module, "SHIPPED", "posterior_{town}.missing-in-test.json")
        args = ["--posterior"]
    out = tmp_path / "never"
    r = invoke("run", *TINY, *args, "--out", out)
    assert r.exit_code == 2, r.output
    for needle in needles:
        assert needle in r.stderr, (needle, r.stderr)
    assert "Traceback" not in r.output
    assert not out.exists()


def test_a_value_set_in_the_scenario_file_wins_too(tmp_path: Path, post_file: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('town = "demo"\nawareness_rate = 0.7\n')
    out = tmp_path / "f"
    r = invoke("run", f, *TINY, "--seed", "4", "--posterior-file", post_file, "--out", out)
    assert r.exit_code == 0, r.output
    rec = json.loads((out / "scenario.json").read_text())
    assert rec["parameters"]["awareness_rate"] == 0.7
    assert rec["posterior"]["overridden"] == {"awareness_rate": 0.7}
    assert rec["parameters"]["help_intercept"] == rec["posterior"]["drawn"]["help_intercept"]
