"""The data behind the charts, from small towns."""

from __future__ import annotations

import math

import numpy as np

from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.dashboard import charts, figures
from coprod_sim.dashboard.controller import PairedFutures, TownChoice
from coprod_sim.mechanisms.outcomes import SURVEY_PARTICIPATION


def test_prepare_gives_every_chart_for_every_panel():
    ctl = PairedFutures(TownChoice(residents=400, years=2, seed=2, burn_in_years=0))
    ctl.set_lever(1, "time_bank", True)
    ctl.step(53)
    data = charts.prepare(ctl, 0)
    for name in charts.CHART_ORDER:
        assert len(data[name]) == 2, name
    week_costs, cum = data["cost_week"][1], data["cost_cum"][1]
    assert "council: time bank" in week_costs and "services: professional staff" in week_costs
    assert np.allclose(cum["council: time bank"], week_costs["council: time bank"].cumsum())
    load = data["load"][0]["share of hours"].to_numpy()
    assert (np.diff(load) >= 0).all() and load[-1] <= 1
    assert math.isclose(data["barriers"][0]["share"].sum(), 1.0)
    net = data["network"][0]
    assert len(net["state"]) == net["residents"] and sum(net["counts"].values()) == net["residents"]
    assert ((net["trust"] >= 0) & (net["trust"] <= 1)).all()
    for name in ("needs", "trust"):
        fig = figures.lines(
            list(zip("AB", data[name], strict=True)), name, 104, branches=[None, 30]
        )
        assert figures.png(fig)[:4] == b"\x89PNG"


def test_participation_is_formal_against_the_survey_with_informal_beside_it():
    ctl = PairedFutures(TownChoice(residents=400, years=2, seed=2, burn_in_years=0))
    ctl.step(53)
    model = ctl.panels[0].model
    part = charts.participation(model)
    assert part["survey (formal)"].tolist() == [
        SURVEY_PARTICIPATION[k][1] for k in ("weekly", "monthly", "yearly", "rarely", "never")
    ]
    m = summary_metrics(model)
    assert part["formal (model)"].tolist() == [
        m[f"participation_formal_{k}"] for _, k, _ in charts.PARTICIPATION_ROWS
    ]
    assert part["informal (model)"].tolist() == [
        m[f"participation_informal_{k}"] for _, k, _ in charts.PARTICIPATION_ROWS
    ]
    # formal is not all help: all help is at least formal help, and differs from it here
    assert m["participation_at_least_monthly"] >= m["participation_formal_at_least_monthly"]
    assert m["participation_at_least_monthly"] != m["participation_formal_at_least_monthly"]
    f = part["formal (model)"]
    assert math.isclose(f.iloc[2] + f.iloc[3] + f.iloc[4], 1.0)  # yearly + rarely + never


def test_before_a_year_the_yearly_charts_say_nothing_yet():
    ctl = PairedFutures(TownChoice(residents=300, years=1, seed=1, burn_in_years=0))
    ctl.step(10)
    part = charts.participation(ctl.panels[0].model)
    assert part[["formal (model)", "informal (model)"]].isna().all().all()
    assert charts.barriers(ctl.panels[0].model)["share"].isna().all()


def test_difference_and_shared_weeks():
    ctl = PairedFutures(TownChoice(residents=400, years=1, seed=3, burn_in_years=0))
    ctl.step(8)
    a, b = ctl.panels[0].model, ctl.panels[1].model
    diff = charts.difference(a, b)
    assert diff["metric"].iloc[0] == "participation_formal_at_least_monthly"
    yearly = diff["metric"].str.startswith("participation_")
    assert (diff["B minus A"][yearly] == "n/a").all()  # no complete year yet
    assert (diff["B minus A"][~yearly] == "no change").all()
    assert charts.shared_weeks(a, b) == 8
    ctl.branch(0, 1)
    ctl.set_lever(1, "time_bank", True)
    ctl.step(8)
    assert 8 <= charts.shared_weeks(a, ctl.panels[1].model) < 16


def test_digest_follows_content():
    df = charts.participation(
        PairedFutures(TownChoice(residents=200, years=1, burn_in_years=0)).panels[0].model
    )
    assert charts.digest(df) == charts.digest(df.copy())
    other = df.copy()
    other.loc[0, "survey (formal)"] = 0.5
    assert charts.digest(other) != charts.digest(df)
