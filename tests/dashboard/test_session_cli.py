"""``coprod-sim run SESSION.json --panel B`` gives panel B's figures as the room saw them."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from coprod_sim.analysis.summary import summary_metrics, weekly_series
from coprod_sim.commands.cli import app
from coprod_sim.dashboard import session
from coprod_sim.dashboard.controller import PairedFutures, TownChoice

TOWN = TownChoice(town="demo", residents=600, years=1.5, seed=13, burn_in_years=1)


@pytest.fixture(scope="module")
def room() -> PairedFutures:
    """A session as a room makes it: a lever from the start, switches later, a branch."""
    ctl = PairedFutures(TOWN)
    ctl.set_lever(1, "time_bank", True, {"coordinator_hours": 25.0})  # B, from the start
    ctl.step(20)
    ctl.set_lever(1, "personal_asks", True)  # B, from week 20
    ctl.step(10)
    ctl.branch(1, 0)  # A becomes a copy of B at week 30
    ctl.set_lever(0, "time_bank", False)  # and A switches the time bank off
    ctl.step(14)
    ctl.set_lever(1, "time_bank", False)  # B too, at week 44
    ctl.step(8)
    return ctl


def run_cli(*args: str):
    return CliRunner().invoke(app, ["run", *args])


def read_summary(folder) -> dict[str, float]:
    df = pd.read_csv(folder / "summary.csv")
    return dict(zip(df["metric"], df["value"].astype(float), strict=True))


@pytest.mark.parametrize("panel", ["B", "A"])
def test_session_panel_through_the_cli_is_the_dashboard(room, tmp_path, panel):
    path = tmp_path / "session.json"
    path.write_bytes(session.save(room))
    out = tmp_path / f"out-{panel}"
    result = run_cli(str(path), "--panel", panel.lower(), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    model = room.panels["AB".index(panel)].model
    want = summary_metrics(model)  # what the page shows for the panel
    got = read_summary(out)
    assert set(got) == set(want)
    for k, v in want.items():
        assert (math.isnan(v) and math.isnan(got[k])) or math.isclose(got[k], v, rel_tol=1e-12), k
    # every week, not only the totals
    weekly = pd.read_parquet(out / "weekly.parquet")
    pd.testing.assert_frame_equal(weekly, weekly_series(model), check_dtype=False)
    record = json.loads((out / "scenario.json").read_text())
    assert record["panel"] == panel and record["weeks"] == room.week == 52
    assert record["status"] == "complete"


def test_the_panels_differ(room):
    """Else the test above would prove little."""
    a, b = (summary_metrics(p.model) for p in room.panels)
    assert sum(a[k] != b[k] for k in a if not math.isnan(a[k])) >= 3


def test_weeks_override_the_saved_week(room, tmp_path):
    path = tmp_path / "session.json"
    path.write_bytes(session.save(room))
    out = tmp_path / "out"
    result = run_cli(str(path), "--panel", "B", "--weeks", "30", "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "weekly.parquet")) == 30


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, ["--panel", "C"], "parameter 'panel': value 'C' is not allowed; allowed: A, B"),
        ("{not json", ["--panel", "B"], "not a session file"),
        ('{"format": "other"}', ["--panel", "B"], "format"),
        (None, [], "parameter 'panel': missing"),
        (None, ["--panel", "B", "--seed", "3"], "'--seed': not allowed with a session file"),
        (None, ["--panel", "B", "--weeks", "0"], "parameter 'weeks'"),
    ],
)
def test_bad_session_or_panel_exits_2(room, tmp_path, content, args, message):
    path = tmp_path / "session.json"
    path.write_bytes(session.save(room) if content is None else content.encode())
    result = run_cli(str(path), *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_missing_session_file_exits_2(tmp_path):
    result = run_cli(str(tmp_path / "nowhere.json"), "--panel", "B")
    assert result.exit_code == 2 and "cannot be read" in result.output


def test_panel_without_a_session_file_exits_2(tmp_path):
    result = run_cli("--panel", "B", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "needs a dashboard session file" in result.output
