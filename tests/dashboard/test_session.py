"""A saved session reopens as the room left it: same town, levers, switches, week, figures."""

from __future__ import annotations

import json

import pytest

from coprod_sim.dashboard import session
from coprod_sim.dashboard.controller import PairedFutures, TownChoice
from coprod_sim.parameters import ScenarioError

SMALL = TownChoice(town="demo", residents=500, years=2, seed=6, burn_in_years=0)


def frame(model):
    return model.datacollector.get_model_vars_dataframe()


def test_saved_session_restores_the_same_futures():
    ctl = PairedFutures(SMALL)
    ctl.set_lever(1, "time_bank", True, {"coordinator_hours": 30.0})
    ctl.step(20)
    ctl.branch(1, 0)  # A becomes a copy of B at week 20, then switches the time bank off
    ctl.set_lever(0, "time_bank", False)
    ctl.step(15)
    data = session.save(ctl)
    again = session.restore(data)
    assert again.choice == ctl.choice and again.week == 35
    for p, q in zip(ctl.panels, again.panels, strict=True):
        assert p.plan.describe() == q.plan.describe()
        assert frame(p.model).equals(frame(q.model))
    assert again.panels[0].branch_week == 20
    assert json.loads(data)["panels"][1]["start"] == {"time_bank": {"coordinator_hours": 30.0}}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(seed=-1), "'seed'"),
        (lambda d: d.update(week=10_000), "week"),
        (lambda d: d["panels"][1]["start"].update(time_machine={}), "unknown policy lever"),
        (
            lambda d: d["panels"][1]["start"].update(time_bank={"coordinator_hours": -3}),
            "time_bank",
        ),
        (lambda d: d.update(panels=[]), "panels"),
    ],
)
def test_bad_session_files_are_refused_with_one_line(edit, message):
    d = session.to_dict(PairedFutures(SMALL))
    edit(d)
    with pytest.raises(ScenarioError, match=message) as err:
        session.read(json.dumps(d))
    assert "\n" not in str(err.value)


def test_not_json_is_refused():
    with pytest.raises(ScenarioError, match="not a session file"):
        session.read(b"\x89PNG not a session")


def test_link_round_trips_the_session():
    ctl = PairedFutures(SMALL)
    ctl.set_lever(1, "time_bank", True, {"coordinator_hours": 30.0})
    ctl.step(3)
    token = session.to_link(ctl)
    assert token.replace("-", "").replace("_", "").isalnum() and len(token) < 600
    assert json.loads(session.from_link(token)) == session.to_dict(ctl)


@pytest.mark.parametrize(
    "token",
    [
        "not a link!",
        "AAAA",
        # a compressed bomb: a few hundred characters that would unpack to 50 MB
        __import__("base64")
        .urlsafe_b64encode(__import__("zlib").compress(b" " * 50_000_000))
        .decode(),
    ],
)
def test_bad_links_are_refused_with_one_line(token):
    with pytest.raises(ScenarioError, match="session link") as err:
        session.from_link(token)
    assert "\n" not in str(err.value)
