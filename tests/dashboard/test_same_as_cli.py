"""The dashboard's figures are the command line's: the same town, seed and levers give the
numbers ``coprod-sim run`` writes to summary.csv (panel A = the baseline, panel B = the
policy run), in the difference strip, the participation chart and the cost chart."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.dashboard import charts, top_charts
from coprod_sim.dashboard.controller import PairedFutures, TownChoice

TOWN = TownChoice(town="demo", residents=600, years=1.25, seed=11, burn_in_years=1)


@pytest.fixture(scope="module")
def cli_summaries(tmp_path_factory) -> dict[str, dict[str, float]]:
    out = tmp_path_factory.mktemp("run") / "out"
    args = [
        "run", "--town", "demo", "--set", "n_residents=600", "--set", "burn_in_years=1",
        "--years", "1.25", "--seed", "11", "--policy", "time_bank", "--out", str(out),
        "--quiet", "--no-posterior",  # the dashboard runs the declared defaults
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    read = {}
    for label, path in (("A", out / "baseline" / "summary.csv"), ("B", out / "summary.csv")):
        df = pd.read_csv(path)
        read[label] = dict(zip(df["metric"], df["value"].astype(float), strict=True))
    return read


@pytest.fixture(scope="module")
def dashboard() -> PairedFutures:
    ctl = PairedFutures(TOWN)
    ctl.set_lever(1, "time_bank", True)
    ctl.step(TOWN.weeks)
    return ctl


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def test_difference_strip_is_summary_csv(cli_summaries, dashboard):
    a, b = (p.model for p in dashboard.panels)
    strip = charts.difference(a, b)
    assert list(strip["metric"][: charts.HEADLINE_ROWS]) == [
        "participation_formal_at_least_monthly",
        "needs_residents_unmet",
        "crises",
        "public_purse_cost_gbp",
    ]
    for _, row in strip.iterrows():
        for col, label in (("value A", "A"), ("value B", "B")):
            want = cli_summaries[label][row["metric"]]
            assert same(row[col], want), (row["metric"], label, row[col], want)
    # the lever made a difference the strip shows (else this test would prove little)
    assert (strip["value A"] != strip["value B"]).sum() >= 3


def test_top_charts_are_summary_csv(cli_summaries, dashboard):
    data = top_charts.prepare(dashboard)
    part = data["frames"]["participation"]
    for label in ("A", "B"):
        want = cli_summaries[label]
        for _, r in part[part["panel"] == label].iterrows():
            key = dict((lbl, k) for lbl, k, _ in charts.PARTICIPATION_ROWS)[r["frequency"]]
            metric = f"participation_{r['series']}_{key}"
            assert same(r["value"], 100 * want[metric]), (label, metric)
        # the cumulative public purse at the last week is the run's public purse cost
        purse = data["frames"]["purse"]
        last = purse[(purse["panel"] == label) & (purse["series"] == "public purse")].iloc[-1]
        assert last["week"] == TOWN.weeks
        assert math.isclose(1000 * last["value"], want["public_purse_cost_gbp"], rel_tol=1e-9)
        # weekly residents' needs unmet add up to the run's total
        frame = charts.weekly(dashboard.panels["AB".index(label)].model)
        assert frame["needs_lapsed_residents"].sum() == want["needs_residents_unmet"]
    survey = part[part["panel"] == "survey"]
    assert len(survey) == len(charts.PARTICIPATION_ROWS)
