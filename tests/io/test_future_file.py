"""A future file: a bad one is refused with one line and exit 2; a good one runs from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.data.future_file import FutureError, load_future
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import make_scenario

runner = CliRunner()

GOOD_ROW = """
[[year]]
year = {year}
mortality = 1.0
moving = {moving}
free_time = 1.0
demand = {{ social_care = 1.0, public_safety = 1.0, early_years = 1.0 }}
budget = {{ social_care = {budget}, public_safety = 1.0, early_years = 1.0 }}
"""
HEAD = """description = "test"
[sources]
mortality = "a"
moving = "a"
free_time = "a"
demand = "a"
budget = "a"
"""


def future_text(*rows: dict) -> str:
    return HEAD + "".join(
        GOOD_ROW.format(**{"year": 0, "moving": 1.0, "budget": 1.0, **r}) for r in rows
    )


def population_text(*sizes: object, source: bool = True) -> str:
    """A future whose rows (years 0, 5, 10, ...) carry ``population`` (None: left out)."""
    text = HEAD + ('population = "a"\n' if source else "")
    for i, size in enumerate(sizes):
        text += GOOD_ROW.format(year=5 * i, moving=1.0, budget=1.0)
        if size is not None:
            text += f"population = {size}\n"
    return text


BAD = {
    "missing year": future_text({}).replace("year = 0\n", "", 1),
    "no year 0": future_text({"year": 2}),
    "negative rate": future_text({}, {"year": 3, "moving": -0.5}),
    "unknown service": future_text({}).replace(
        "early_years = 1.0 }\nbudget", "early_yrs = 1.0 }\nbudget"
    ),
    "unknown key": future_text({}).replace("mortality = 1.0", "mortality = 1.0\nbirths = 2.0"),
    "years not increasing": future_text({}, {"year": 5}, {"year": 3}),
    "missing source": future_text({}).replace('budget = "a"\n', ""),
    "missing service": future_text({}).replace(
        "social_care = 1.0, public_safety = 1.0, early_years = 1.0 }\n", "social_care = 1.0 }\n"
    ),
    "negative population": population_text(1.0, -0.5),
    "zero population": population_text(1.0, 0.0),
    "population too large": population_text(1.0, 50.0),
    "population missing in a row": population_text(1.0, None, 1.2),
    "population not 1 in year 0": population_text(1.1, 1.2),
    "population without a source": population_text(1.0, 1.2, source=False),
}
WORDS = {
    "missing year": "year",
    "no year 0": "year 0",
    "negative rate": "moving",
    "unknown service": "early_yrs",
    "unknown key": "births",
    "years not increasing": "increasing",
    "missing source": "budget",
    "missing service": "public_safety",
    "negative population": "population",
    "zero population": "population",
    "population too large": "population",
    "population missing in a row": "population",
    "population not 1 in year 0": "population",
    "population without a source": "population",
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_future_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD[case], encoding="utf-8")
    with pytest.raises(FutureError) as exc:
        load_future(str(path))
    message = str(exc.value)
    assert "\n" not in message and WORDS[case] in message, message
    with pytest.raises(ScenarioError):  # the scenario parameter refuses it too
        make_scenario(future=str(path))
    r = runner.invoke(app, ["run", "--future", str(path), "--set", "n_residents=300",
                            "--weeks", "2", "--out", str(tmp_path / "out"), "-q"])  # fmt: skip
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "future" in lines[0] and "Traceback" not in r.output, r.output


def test_an_unknown_future_name_is_refused(tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", "--future", "utopia", "--set", "n_residents=300", "-q",
                            "--weeks", "2", "--out", str(tmp_path / "out")])  # fmt: skip
    assert r.exit_code == 2
    assert "utopia" in r.output and "steady" in r.output  # names what is allowed


def test_list_futures_shows_the_shipped_ones() -> None:
    r = runner.invoke(app, ["list", "futures", "--json"])
    assert r.exit_code == 0
    names = {row["name"] for row in json.loads(r.output)}
    assert {"steady", "ageing", "austerity", "ageing_austerity"} <= names


def test_run_with_a_future_file_reports_the_age_mix_and_budget(tmp_path: Path) -> None:
    path = tmp_path / "half.toml"
    path.write_text(future_text({"budget": 0.5}), encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "--future", str(path), "--set", "n_residents=300",
                            "--set", "burn_in_years=0", "--weeks", "3", "--out", str(out),
                            "-q", "--seed", "1"])  # fmt: skip
    assert r.exit_code == 0, r.output
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert {"share_65_plus", "share_80_plus", "budget_share", "needs_arisen_per_1000"} <= set(
        weekly.columns
    )
    assert weekly["budget_share"].iloc[0] == pytest.approx((0.5 + 1 + 1) / 3)
    scenario = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert json.dumps(scenario).count(str(path.resolve())) >= 1


def test_a_population_trajectory_is_read_and_a_run_follows_it(tmp_path: Path) -> None:
    """``population`` is read and checked (interpolated like every key), and a run with it
    grows the town (issue 26; the rule's own tests: tests/mechanisms/test_growth.py)."""
    path = tmp_path / "growing.toml"
    path.write_text(population_text(1.0, 1.2), encoding="utf-8")
    f = load_future(str(path))
    assert f.at(0).population == 1.0
    assert f.at(2.5).population == pytest.approx(1.1)
    assert f.at(30).population == pytest.approx(1.2)
    assert (
        load_future("steady").population is None and load_future("steady").at(3).population is None
    )
    assert make_scenario(future=str(path)).future == str(path)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "--future", str(path), "--set", "n_residents=300",
                            "--set", "burn_in_years=0", "--weeks", "53", "--out", str(out),
                            "-q", "--seed", "1"])  # fmt: skip
    assert r.exit_code == 0, r.output
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert weekly["residents_present"].iloc[0] == 300
    assert weekly["residents_present"].iloc[-1] == round(300 * 1.04)
