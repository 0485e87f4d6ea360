"""The charts at the top: panels on one axis, the branch week marked, bands, CSV, in words."""

from __future__ import annotations

import io
import json

import pandas as pd

from coprod_sim.dashboard import top_charts
from coprod_sim.dashboard.controller import PairedFutures, TownChoice
from coprod_sim.dashboard.ensemble import band


def test_options_put_panels_on_one_axis_with_the_branch_marked():
    ctl = PairedFutures(TownChoice(residents=400, years=2, seed=2, burn_in_years=0))
    ctl.step(30)
    ctl.branch(0, 1)
    ctl.set_lever(1, "time_bank", True)
    ctl.step(30)
    data = top_charts.prepare(ctl)
    assert data["branches"] == {"B": 30}
    weeks = pd.Series(range(1, 61))
    fake = pd.DataFrame({"week": weeks})
    for s in ("helping_share_formal", "needs_lapsed_residents", "crises"):
        fake = fake.assign(**{f"{s}_low": 0.1, f"{s}_high": 0.3, f"{s}_median": 0.2})
    for chart in top_charts.TOP_CHARTS:
        opt = top_charts.option(chart.name, data, {"B": fake})
        json.dumps(opt)  # what the browser gets: plain JSON
        names = [s["name"] for s in opt["series"]]
        assert any(n.startswith("A") for n in names) and any(n.startswith("B") for n in names)
        if chart.name == "participation":
            assert "survey (formal)" in names
            continue
        assert opt["xAxis"]["max"] == 104
        marks = opt["series"][0]["markLine"]["data"]
        assert [m["xAxis"] for m in marks] == [30]
        if chart.name in top_charts.BAND_OF:
            assert "B: 80% of replications" in names and "A: 80% of replications" not in names
        # the data offered as CSV is the chart's
        csv = pd.read_csv(io.BytesIO(top_charts.csv_bytes(data["frames"][chart.name])))
        assert set(csv["panel"]) == {"A", "B"} and csv["week"].max() == 60


def test_difference_in_words():
    a = {"participation_formal_at_least_monthly": 0.20, "needs_residents_unmet": 500.0,
         "crises": 40.0, "public_purse_cost_gbp": 1_000_000.0}  # fmt: skip
    b = {"participation_formal_at_least_monthly": 0.23, "needs_residents_unmet": 302.0,
         "crises": 40.0, "public_purse_cost_gbp": 1_050_000.0}  # fmt: skip
    assert top_charts.in_words(a, b) == (
        "B: 3.0 pp more residents volunteering formally monthly, 198 fewer residents' needs "
        "unmet, £50,000 more to the public purse"
    )
    assert top_charts.in_words(a, a, "C") == "C: no difference yet"


def test_band_of_replications_feeds_the_charts():
    runs = [{"helping_share_formal": [0.1, 0.2]}, {"helping_share_formal": [0.3, 0.4]}]
    b = band([{k: pd.Series(v).to_numpy() for k, v in r.items()} for r in runs])
    assert {"helping_share_formal_low", "helping_share_formal_high"} <= set(b.columns)
