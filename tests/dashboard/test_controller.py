"""Paired futures without a browser: common random numbers, branching, switches, replay."""

from __future__ import annotations

import pytest

from coprod_sim.dashboard.controller import (
    PairedFutures,
    Plan,
    Switch,
    TownChoice,
    advance,
    build_model,
    check_town,
    copy_model,
    lever_is_on,
    switch_lever,
)
from coprod_sim.parameters import ScenarioError

SMALL = TownChoice(town="demo", residents=500, years=2, seed=4, burn_in_years=0)


def frame(model):
    return model.datacollector.get_model_vars_dataframe()


def test_panels_without_levers_are_identical():
    ctl = PairedFutures(SMALL)
    ctl.step(20)
    assert frame(ctl.panels[0].model).equals(frame(ctl.panels[1].model))


def test_lever_in_b_changes_b_and_not_a():
    ctl = PairedFutures(SMALL)
    alone = build_model(SMALL, Plan())
    ctl.set_lever(1, "time_bank", True, {"coordinator_hours": 40.0})
    ctl.step(30)
    alone.run_weeks(30)
    assert frame(ctl.panels[0].model).equals(frame(alone))  # A as if B did not exist
    assert not frame(ctl.panels[1].model).equals(frame(alone))
    assert ctl.panels[1].model.policy_levers[0].coordinator_hours == 40.0


@pytest.mark.parametrize("lever", ["time_bank", "personal_asks", "community_dividend"])
def test_copy_model_gives_identical_futures(lever):
    model = build_model(SMALL, Plan(start={lever: {}}))
    model.run_weeks(15)
    twin = copy_model(model)
    model.run_weeks(20)
    twin.run_weeks(20)
    assert frame(model).equals(frame(twin))
    assert model.needs.kind.tolist() == twin.needs.kind.tolist()


def test_switching_the_copy_leaves_the_original_alone():
    """The time bank's after-channels hook is a function closing over its lever: the copy's must
    follow the copy's lever, so switching it off in the copy changes nothing in the original."""
    model = build_model(SMALL, Plan(start={"time_bank": {}}))
    model.run_weeks(10)
    reference = copy_model(model)
    twin = copy_model(model)
    switch_lever(twin, Switch(twin.week, "time_bank", on=False))
    assert lever_is_on(model, "time_bank") and not lever_is_on(twin, "time_bank")
    for m in (model, reference, twin):
        m.run_weeks(20)
    assert frame(model).equals(frame(reference))
    assert not frame(twin).equals(frame(model))
    assert (frame(twin)["cost_time_bank"].iloc[10:] == 0).all()


def test_branch_shares_history_then_differs():
    ctl = PairedFutures(SMALL)
    ctl.step(26)
    ctl.branch(0, 1)
    ctl.set_lever(1, "time_bank", True)
    ctl.step(26)
    a, b = frame(ctl.panels[0].model), frame(ctl.panels[1].model)
    assert list(b.columns) == [*a.columns, "cost_time_bank"]  # the lever's cost joins B's series
    assert a.iloc[:26].equals(b[a.columns].iloc[:26])
    assert not a.iloc[26:].equals(b[a.columns].iloc[26:])
    assert (b["cost_time_bank"].iloc[:26] == 0).all() and (b["cost_time_bank"].iloc[26:] > 0).all()
    assert ctl.panels[1].plan.describe() == "time bank on from week 26"


def test_reset_replays_switches_made_during_the_run():
    ctl = PairedFutures(SMALL)
    ctl.step(10)
    ctl.set_lever(1, "insurance_cover", True)
    ctl.step(10)
    ctl.set_lever(1, "insurance_cover", False)
    ctl.step(10)
    live = frame(ctl.panels[1].model)
    ctl.reset()
    assert ctl.week == 0
    ctl.step(30)
    assert frame(ctl.panels[1].model).equals(live)
    # the same plan in a fresh model (as a worker process runs it)
    fresh = build_model(SMALL, ctl.panels[1].plan)
    advance(fresh, ctl.panels[1].plan, 30)
    assert frame(fresh).equals(live)


def test_steps_stop_at_the_end_of_the_run():
    ctl = PairedFutures(TownChoice(residents=300, years=0.25, seed=1, burn_in_years=0))
    assert ctl.step(100) == 13
    assert ctl.finished and ctl.step(1) == 0


def test_third_panel_joins_at_the_current_week():
    ctl = PairedFutures(SMALL)
    ctl.step(5)
    ctl.set_panels(3)
    assert [p.model.week for p in ctl.panels] == [5, 5, 5]
    assert frame(ctl.panels[2].model).equals(frame(ctl.panels[0].model))
    ctl.set_panels(2)
    assert len(ctl.panels) == 2 and len(ctl.drafts) == 2


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"years": "abc"}, "years"),
        ({"years": 0}, "years"),
        ({"years": 51}, "years"),
        ({"seed": "-1"}, "seed"),
        ({"seed": "1.5"}, "seed"),
        ({"residents": "many"}, "residents"),
        ({"town": "atlantis"}, "town"),
    ],
)
def test_bad_settings_are_refused_naming_the_parameter(kwargs, name):
    args = {"town": "demo", "residents": 0, "years": 5, "seed": 1, **kwargs}
    with pytest.raises(ScenarioError, match=f"'{name}'"):
        check_town(**args)


def test_settings_typed_as_text_are_read():
    assert check_town("demo", "10,000", "2.5", "7") == TownChoice("demo", 10_000, 2.5, 7)


def test_bad_lever_values_change_nothing():
    ctl = PairedFutures(SMALL)
    before = ctl.version
    with pytest.raises(ScenarioError, match="time_bank.coordinator_hours"):
        ctl.set_lever(1, "time_bank", True, {"coordinator_hours": -5.0})
    with pytest.raises(ScenarioError, match="unknown policy lever"):
        ctl.set_lever(1, "time_machine", True)
    assert ctl.version == before and ctl.panels[1].plan.describe() == "no lever"
