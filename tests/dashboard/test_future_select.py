"""The dashboard's future beside the town: both panels follow it, a session keeps it."""

from __future__ import annotations

import pytest

from coprod_sim.dashboard import session
from coprod_sim.dashboard.controller import PairedFutures, TownChoice, check_town
from coprod_sim.dashboard.controls import future_choices
from coprod_sim.parameters import ScenarioError


def test_the_select_offers_the_shipped_futures() -> None:
    assert future_choices()[0] == "none"
    assert {"steady", "ageing", "austerity", "ageing_austerity"} <= set(future_choices())


def test_both_panels_follow_the_chosen_future_and_a_session_keeps_it() -> None:
    choice = check_town("demo", "500", "1", "3", "austerity")
    assert choice.future == "austerity"
    assert check_town("demo", "500", "1", "3", "none").future == ""
    choice = TownChoice("demo", 500, 2.0, 3, 0, "austerity")
    ctl = PairedFutures(choice)
    ctl.step(53)
    for p in ctl.panels:
        df = p.model.datacollector.get_model_vars_dataframe()
        assert df["budget_share"].iloc[0] == 1.0
        assert df["budget_share"].iloc[52] == pytest.approx(1 - 0.19 / 4)
    again = session.restore(session.save(ctl))
    assert again.choice.future == "austerity"


def test_an_unknown_future_is_refused_with_the_models_message() -> None:
    with pytest.raises(ScenarioError, match="utopia"):
        check_town("demo", "500", "1", "3", "utopia")


def test_the_settings_row_shows_a_future_select() -> None:
    """The page renders a select labelled Future beside the town, with the shipped futures."""
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard.app import Settings

    ctl = PairedFutures(TownChoice("demo", 300, 1.0, 1, 0))
    box, rc = solara.render(
        Settings(ctl, lambda _msg: None, lambda action, what="": None), handle_error=False
    )
    selects = rc.find(v.Select, label="Future")
    selects.assert_single()
    assert selects.widget.v_model == "none"
    assert "austerity" in selects.widget.items
