"""The data behind the charts, from small towns."""

from __future__ import annotations

import math

import numpy as np

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
    part = data["participation"][0]
    assert part["survey"].tolist() == [
        SURVEY_PARTICIPATION[k][1] for k in ("weekly", "monthly", "yearly", "rarely", "never")
    ]
    assert part["model"].notna().all()
    assert math.isclose(part["model"].iloc[3] + part["model"].iloc[4] + part["model"].iloc[2], 1.0)
    week_costs, cum = data["cost_week"][1], data["cost_cum"][1]
    assert "council: time bank" in week_costs and "services: professional staff" in week_costs
    assert np.allclose(cum["council: time bank"], week_costs["council: time bank"].cumsum())
    load = data["load"][0]["share of hours"].to_numpy()
    assert (np.diff(load) >= 0).all() and load[-1] <= 1
    assert data["barriers"][0]["share"].sum() == 1.0 or math.isclose(
        data["barriers"][0]["share"].sum(), 1.0
    )
    net = data["network"][0]
    assert len(net["state"]) == net["residents"] and sum(net["counts"].values()) == net["residents"]
    assert ((net["trust"] >= 0) & (net["trust"] <= 1)).all()
    for name in ("helping", "needs", "trust"):
        fig = figures.lines(list(zip("AB", data[name], strict=True)), name, 104)
        assert figures.png(fig)[:4] == b"\x89PNG"


def test_before_a_year_the_yearly_charts_say_nothing_yet():
    ctl = PairedFutures(TownChoice(residents=300, years=1, seed=1, burn_in_years=0))
    ctl.step(10)
    assert charts.participation(ctl.panels[0].model)["model"].isna().all()
    assert charts.barriers(ctl.panels[0].model)["share"].isna().all()


def test_difference_and_shared_weeks():
    ctl = PairedFutures(TownChoice(residents=400, years=1, seed=3, burn_in_years=0))
    ctl.step(8)
    a, b = ctl.panels[0].model, ctl.panels[1].model
    assert (charts.difference(a, b)["B minus A"].iloc[1:] == "no change").all()  # 0: no year yet
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
    other.loc[0, "survey"] = 0.5
    assert charts.digest(other) != charts.digest(df)
