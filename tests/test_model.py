"""Whole runs: reproducible for a seed, different across seeds, usable by Mesa's own tools."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.mechanisms import local_groups
from coprod_sim.outputs.reporters import WEEKLY_SERIES
from coprod_sim.state.towns import TOWNS


def _state(m: CoproductionModel) -> dict[str, np.ndarray]:
    out = {f"pop.{name}": getattr(m.pop, name) for name in m.pop.columns}
    out |= {f"needs.{c.name}": getattr(m.needs, c.name) for c in m.needs.COLUMNS}
    out |= {
        "tie_trust": m.tie_trust,
        "indices": m.graph.indices,
        "met": m.met_by_kind_channel,
        "crises": m.crises_by_kind,
    }
    return out


def test_same_seed_same_run_bit_for_bit(run_town) -> None:
    a, b = run_town(7, weeks=78), run_town(7, weeks=78)
    pd.testing.assert_frame_equal(
        a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe()
    )
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for key in sa:
        assert np.array_equal(sa[key], sb[key]), key


def test_different_seeds_differ(run_town) -> None:
    a = run_town(7, weeks=30).datacollector.get_model_vars_dataframe()
    b = run_town(8, weeks=30).datacollector.get_model_vars_dataframe()
    assert not a.equals(b)
    assert not np.array_equal(
        run_town(7, weeks=0).pop.free_hours, run_town(8, weeks=0).pop.free_hours
    )


def test_a_seed_sequence_or_generator_seeds_reproducibly() -> None:
    runs = []
    for rng in (np.random.SeedSequence(5), np.random.SeedSequence(5)):
        m = CoproductionModel(rng=rng, n_residents=300, burn_in_years=0)
        m.run_weeks(10)
        runs.append(m.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(*runs)


def test_no_arguments_give_the_demo_town() -> None:
    m = CoproductionModel(rng=1, burn_in_years=0)
    assert m.params.town == "demo" and m.n_residents == TOWNS["demo"].residents


def test_weekly_series_are_collected_every_week(run_town) -> None:
    m = run_town(1, weeks=12)
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 12 and m.week == 12 and m.steps == 12
    for name in WEEKLY_SERIES:
        assert name in df.columns
        assert np.isfinite(df[name].to_numpy(dtype=float)).all(), name
    assert (df["helping_share"].between(0, 1)).all()
    # a service books ahead at most one need a week beyond its hours (channels.fill_queue)
    biggest = float(m.kinds.hours.max()) * m.params.crisis_hours_multiplier * 3
    assert (df["professional_hours"] <= df["professional_capacity"] + biggest).all()


def test_counts_are_consistent(baseline_runs) -> None:
    for m in baseline_runs:
        df = m.datacollector.get_model_vars_dataframe()
        met = sum(
            df[f"met_{c}"].sum()
            for c in ("informal", "open_call", "referral", "time_bank", "professional")
        )
        assert met == m.met_by_kind_channel.sum() == m.met_by_nbhd.sum()
        assert df["needs_lapsed"].sum() == m.lapsed_by_kind.sum() == m.lapsed_by_nbhd.sum()
        assert df["crises"].sum() == m.crises_by_kind.sum()
        assert np.isclose(df["professional_hours"].sum(), m.professional_hours_total)
        assert np.isclose(
            df["cost_professional_staff"].sum(),
            df["professional_hours_paid"].sum() * m.params.professional_hour_cost,
        )
        # residents who left took their hours with them (turnover resets the row)
        stayed = m.pop.hours_given.sum()
        assert stayed <= df["volunteer_hours"].sum() * (1 + 1e-4)
        if (m.pop.moved_in_week < 0).all():
            assert np.isclose(stayed, df["volunteer_hours"].sum(), rtol=1e-4)


def test_batch_run_works() -> None:
    results = mesa.batch_run(
        CoproductionModel,
        {"n_residents": [300], "burn_in_years": [0]},
        rng=[1, 2],
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 2 and sorted(df["rng"]) == [1, 2]
    assert set(df["n_residents"]) == {300} and (df["Step"] == 5).all()
    # the same seed through batch_run gives the same figures as a direct run
    direct = CoproductionModel(rng=1, n_residents=300, burn_in_years=0)
    direct.run_weeks(5)
    row = df[df["rng"] == 1].iloc[0]
    assert row["helping_share"] == direct.stats["helping_share"]
    assert "helping_share" in df.columns


def test_a_lever_at_an_unknown_point_is_refused() -> None:
    def lever(model: CoproductionModel) -> None:
        pass

    lever.point = "lunchtime"
    with pytest.raises(ValueError, match="lunchtime"):
        CoproductionModel(rng=1, n_residents=200, levers=[lever], burn_in_years=0)


def test_lever_functions_run_at_their_point_every_week(run_town) -> None:
    calls: list[tuple[str, int]] = []

    def make(point: str):
        def lever(model: CoproductionModel) -> None:
            calls.append((point, model.week))

        lever.point = point
        return lever

    points = ("start_of_week", "before_channels", "after_channels", "end_of_week")
    run_town(1, weeks=3, levers=[make(p) for p in reversed(points)])
    assert calls == [(p, w) for w in range(3) for p in points]


def test_a_bigger_town_runs(run_town) -> None:
    m = run_town(1, weeks=4, n_residents=2000, n_neighbourhoods=10)
    assert len(m.nb.start) == 10 and m.stats["week"] == 4


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_bookkeeping_matches_a_recount(seed: int) -> None:
    """The count of ties who helped within ``example_weeks`` weeks, kept incrementally for
    speed (``model.examples``), equals a brute-force recount week after week."""
    from coprod_sim.levers import LEVERS

    m = CoproductionModel(
        rng=seed, n_residents=1_500, policies={k: {} for k in LEVERS}, burn_in_years=0
    )
    g = m.graph
    src = g.owner_of_edges()
    weeks = m.params.example_weeks
    assert m.examples.weeks == weeks
    for week in range(70):
        m.step()
        recent = (m.week - 1 - m.pop.last_help_week) < weeks
        expect = np.bincount(src[recent[g.indices]], minlength=m.n_residents)
        assert np.array_equal(m.examples.count, expect), f"example counts, week {week}"
        assert np.array_equal(m.examples.recent, recent)
        assert m.example_count is m.examples.count, "the decision reads the same array"
        # committed hours at the end of a week: the hours of the needs helpers still meet
        n = m.needs
        vol = n.helper >= 0
        want = np.bincount(n.helper[vol], weights=n.hours[vol], minlength=m.n_residents)
        roles = local_groups.roles(m)  # and the hours of roles in other local organisations
        held = roles.held(m.pop.moved_in_week)
        want += np.bincount(roles.member[held], weights=roles.hours[held], minlength=m.n_residents)
        assert np.allclose(m.pop.committed, want, atol=1e-3), f"committed hours, week {week}"


@pytest.mark.parametrize("weeks", [0, -5, 2.5, True, "3"])
def test_run_weeks_refuses_no_negative_or_fractional_weeks(weeks) -> None:
    m = CoproductionModel(rng=1, n_residents=200, burn_in_years=0)
    with pytest.raises(ScenarioError, match=r"parameter 'weeks': value .* at least 1"):
        m.run_weeks(weeks)
    assert m.week == 0


def test_a_model_is_ready_at_week_0_and_a_step_is_one_week() -> None:
    """The burn-in runs in the constructor (as a Mesa user expects a model ready to step), not
    hidden in the first ``step()``."""
    m = CoproductionModel(rng=1, n_residents=200, burn_in_years=1)
    assert m.week == 0 and m.steps == 0
    m.step()
    assert m.week == 1 and m.steps == 1
    m.burn_in()  # already done: nothing happens
    assert m.week == 1
