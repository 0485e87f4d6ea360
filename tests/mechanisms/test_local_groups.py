"""Mechanism 13, other local organisations (issue 25): inert at ``group_ask_rate`` 0; switched
on (as at the shipped defaults since results version 5), aware willing residents take roles
whose sessions count as formal help, not as the services' volunteer hours, whose hours are
committed time, and which end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.mechanisms import local_groups
from coprod_sim.mechanisms.needs import CHANNELS

SEEDS = (1, 2, 3)


def _run(seed: int, weeks: int, n: int = 1500, **world) -> CoproductionModel:
    model = CoproductionModel(rng=seed, n_residents=n, burn_in_years=0, **world)
    model.run_weeks(weeks)
    return model


def _series(model: CoproductionModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


@pytest.mark.parametrize("seed", SEEDS)
def test_at_rate_zero_nothing_changes_and_nothing_is_drawn(seed: int) -> None:
    """group_ask_rate 0: the other group parameters do not matter, the series are identical to
    the bit and the mechanism's stream is never used."""
    a = _run(seed, 60, group_ask_rate=0.0)
    b = _run(
        seed,
        60,
        group_ask_rate=0.0,
        group_hours=10.0,
        group_weekly_share=1.0,
        group_leave_hazard=0.5,
    )
    pd.testing.assert_frame_equal(_series(a), _series(b), check_exact=True)
    assert (_series(a)["group_share"] == 0).all() and (_series(a)["group_hours"] == 0).all()
    assert not [k for k in a.streams._streams if "local_groups" in k]
    assert summary_metrics(a)["group_hours"] == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_only_aware_residents_willing_for_an_activity_join(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    ask = local_groups._ask

    def watched(model, rng):
        pop, before = model.pop, len(local_groups.roles(model))
        aware, willing = pop.aware.copy(), pop.willing.copy()
        ask(model, rng)
        seen.append((local_groups.roles(model).member[before:], aware, willing))

    monkeypatch.setattr(local_groups, "_ask", watched)
    _run(seed, 30, group_ask_rate=0.02)
    joined = np.concatenate([m for m, _, _ in seen])
    assert len(joined) > 20
    for members, aware, willing in seen:  # as they were when asked
        assert aware[members].all()
        assert (willing[members] != 0).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_roles_form_and_count_as_formal_help_but_not_as_the_services_hours(seed: int) -> None:
    model = _run(seed, 51, group_ask_rate=0.01)
    s = _series(model)
    assert s["group_share"].iloc[-1] > 0.02
    assert s["group_hours"].sum() == pytest.approx(summary_metrics(model)["group_hours"])
    pop = model.pop
    # residents whose only help was a group's sessions: formal weeks of help, no hours given
    group_only = (pop.weeks_year_formal > 0) & (pop.hours_year == 0)
    assert group_only.sum() > 10
    # the services' volunteer hours are the hours of the channels, without the groups'
    base = _run(seed, 51, group_ask_rate=0.0)
    assert not ((base.pop.weeks_year > 0) & (base.pop.hours_year == 0)).any()
    volunteer_channels = [f"hours_{c}" for c in CHANNELS if c != "professional"]
    assert s["volunteer_hours"].sum() == pytest.approx(s[volunteer_channels].sum().sum(), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_committed_hours_include_the_roles(seed: int) -> None:
    model = _run(seed, 40, group_ask_rate=0.01)
    pop, g = model.pop, local_groups.roles(model)
    needs_only = np.zeros(model.n_residents, np.float32)
    np.add.at(needs_only, model.needs.helper[model.needs.helper >= 0],
              model.needs.hours[model.needs.helper >= 0])  # fmt: skip
    held = g.held(pop.moved_in_week)
    assert held.sum() > 20
    expected = needs_only.astype(np.float64)
    np.add.at(expected, g.member[held], g.hours[held])
    model.recount_committed()
    np.testing.assert_allclose(pop.committed, expected, atol=1e-3)
    assert (pop.committed[g.member[held]] >= model.params.group_hours - 1e-4).all()


def test_weekly_share_moves_the_weekly_class() -> None:
    """Roles that all meet weekly give more weekly formal helpers than roles that all meet
    every 4 weeks (mean over three seeds; each seed by at least 1 point)."""
    diffs = []
    for seed in SEEDS:
        got = {}
        for share in (0.0, 1.0):
            m = _run(seed, 104, group_ask_rate=0.01, group_weekly_share=share)
            got[share] = summary_metrics(m)["participation_formal_weekly"]
        diffs.append(got[1.0] - got[0.0])
    assert min(diffs) > 0.01, diffs


@pytest.mark.parametrize("seed", SEEDS)
def test_the_leave_hazard_ends_roles(seed: int) -> None:
    """With asks stopped, roles end at about the leave hazard (plus burnout and moving away):
    after 20 weeks at 0.1 a week at most a quarter are left (exp(-2) = 0.14 expected)."""
    model = _run(seed, 30, group_ask_rate=0.02, group_leave_hazard=0.0)
    before = len(local_groups.roles(model))
    assert before > 50
    model.params.group_ask_rate = 0.0
    model.params.group_leave_hazard = 0.1
    model.run_weeks(20)
    after = len(local_groups.roles(model))
    assert 0 < after < 0.25 * before


@pytest.mark.parametrize("seed", SEEDS)
def test_a_leaving_resident_holds_no_role(seed: int) -> None:
    """A role whose holder left the town is not held by the newcomer (not in their committed
    hours, not in ``group_share``) and ends in the next week's phase."""
    model = _run(seed, 52, group_ask_rate=0.02, move_rate_scale=3.0)
    pop, ended = model.pop, 0
    for _ in range(8):
        model.run_weeks(1)
        g = local_groups.roles(model)
        gone = ~g.held(pop.moved_in_week)
        # only those who left in the week just run (model.week has moved on by one)
        assert (pop.moved_in_week[g.member[gone]] == model.week - 1).all()
        ended += int(gone.sum())
        held = g.held(pop.moved_in_week)
        assert _series(model)["group_share"].iloc[-1] == held.sum() / model.n_residents
    assert ended > 0
