"""Population turnover (issue 24): residents age, die and move away, and newcomers with a
fresh history take their rows, so "never volunteered" settles instead of falling with the
length of the burn-in."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.data import DataFileError
from coprod_sim.mechanisms import local_groups, turnover
from coprod_sim.mechanisms.outcomes import participation_shares
from coprod_sim.state.ages import BANDS, TURNOVER_FILE, group_of, load_bands
from coprod_sim.state.population import LONG_AGO, RETIRED, WORKING, free_hours_of

SMALL = dict(n_residents=600, burn_in_years=0)
#: nobody dies or moves: ageing alone
NO_LEAVING = {"death": lambda qx: 0.0, "moving": lambda rate, scale: 0.0}


def test_everyone_ages_one_year_every_52_weeks_on_a_staggered_birthday() -> None:
    m = CoproductionModel(rng=1, rules=NO_LEAVING, **SMALL)
    start = m.pop.age_years.copy()
    rows = np.arange(len(start))
    m.run_weeks(26)  # weeks 0..25: rows with i % 52 < 26 have had their birthday
    np.testing.assert_array_equal(m.pop.age_years - start, (rows % 52 < 26).astype(int))
    m.run_weeks(26)
    np.testing.assert_array_equal(m.pop.age_years - start, 1)
    m.run_weeks(52)
    np.testing.assert_array_equal(m.pop.age_years - start, 2)
    assert m.events["deaths"] == m.events["moved_away"] == 0


def test_start_ages_lie_within_each_residents_age_group() -> None:
    m = CoproductionModel(rng=2, **SMALL)
    np.testing.assert_array_equal(group_of(m.pop.age_years), m.pop.age)
    assert m.pop.age_years.min() >= 18 and m.pop.age_years.max() <= 94


def test_age_group_work_and_free_hours_follow_the_age() -> None:
    """A 29-year-old becomes working at 30; a 64-year-old retires at 65 and stops work; free
    hours are recomputed with the set-up rule."""
    m = CoproductionModel(rng=3, rules=NO_LEAVING, **SMALL)
    pop = m.pop
    today = np.arange(0, len(pop), 52)  # birthday in week 0
    young, old = today[: len(today) // 2], today[len(today) // 2 :]
    pop.age_years[young], pop.age[young] = 29, 0
    pop.age_years[old], pop.age[old] = 64, WORKING
    pop.employed[today] = True
    pop.time_off[today] = 2.0  # granted by an employer (right_to_time_off)
    m.step()
    assert (pop.age_years[young] == 30).all() and (pop.age[young] == WORKING).all()
    assert pop.employed[young].all(), "work stays as it was from young to working"
    assert (pop.age_years[old] == 65).all() and (pop.age[old] == RETIRED).all()
    assert not pop.employed[old].any(), "retired residents are not employed"
    assert (pop.time_off[old] == 0).all() and (pop.time_off[young] == 2.0).all()
    want = free_hours_of(
        pop.free_hours_base[today], pop.age[today], pop.employed[today], pop.carer[today], m.params
    )
    np.testing.assert_allclose(pop.free_hours[today], want, rtol=1e-6)
    np.testing.assert_array_equal(group_of(pop.age_years), pop.age)
    # needs arise by age group: the groups the model draws owners from follow too
    assert set(m.age_groups.members[: m.age_groups.size[0]]) == set(np.flatnonzero(pop.age == 0))


def test_weekly_hazards_are_the_exact_conversion_of_the_annual_rates() -> None:
    m = CoproductionModel(rng=1, n_residents=50, burn_in_years=0, move_rate_scale=1.5)
    pd, pm = turnover.weekly_hazards(m)
    np.testing.assert_allclose(1 - (1 - pd) ** 52, BANDS.death_qx, rtol=1e-9)
    np.testing.assert_allclose(1 - (1 - pm) ** 52, np.minimum(BANDS.move_rate * 1.5, 1), rtol=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deaths_and_moves_happen_at_the_declared_hazards(seed: int) -> None:
    """On 30,000 residents over 8 weeks, deaths and moves away each fall within 4 Poisson
    standard deviations of the sum of every resident's weekly hazard (by band, that week)."""
    m = CoproductionModel(rng=seed, n_residents=30_000, burn_in_years=0)
    pd, pm = turnover.weekly_hazards(m)
    want_d = want_m = 0.0
    got_d = got_m = 0
    for _ in range(8):
        band = BANDS.band_of(m.pop.age_years)
        want_d += pd[band].sum()
        want_m += pm[band].sum()
        m.events.clear()
        turnover.step(m)
        got_d += m.events["deaths"]
        got_m += m.events["moved_away"]
        assert m.events["newcomers"] == m.events["deaths"] + m.events["moved_away"]
        m.week += 1  # the next week's stream
    assert abs(got_d - want_d) < 4 * np.sqrt(want_d), (got_d, want_d)
    assert abs(got_m - want_m) < 4 * np.sqrt(want_m), (got_m, want_m)
    assert len(m.pop.age_years) == len(m.residents) == 30_000


def test_the_town_keeps_its_size_and_turnover_off_is_the_closed_town() -> None:
    m = CoproductionModel(rng=4, **SMALL)
    m.run_weeks(104)
    assert len(m.pop) == 600 and all(len(getattr(m.pop, f)) == 600 for f in ("age", "nbhd"))
    arrived = m.pop.moved_in_week >= 0
    assert 0.05 < arrived.mean() < 0.3, "about 7-8% of adults leave a year"
    closed = CoproductionModel(rng=4, population_turnover=False, **SMALL)
    ages = closed.pop.age_years.copy()
    closed.run_weeks(60)
    np.testing.assert_array_equal(closed.pop.age_years, ages)
    assert (closed.pop.moved_in_week == LONG_AGO).all()


def _leavers_with_needs(m: CoproductionModel) -> tuple[np.ndarray, np.ndarray]:
    """Residents who own a need and residents who help with a need someone else owns."""
    n = m.needs
    owners = np.unique(n.owner[n.owner >= 0])
    helpers = np.unique(n.helper[(n.helper >= 0) & (n.owner >= 0)])
    return owners[:5], np.setdiff1d(helpers, owners)[:5]


def test_a_newcomer_starts_afresh_its_owners_needs_end_and_those_it_helped_reopen() -> None:
    m = CoproductionModel(rng=5, n_residents=800, burn_in_years=1)
    pop, n = m.pop, m.needs
    col = pop.add_column("lever_marker", np.float32, fill=7.0)
    col[:] = 1.0
    owners, helpers = _leavers_with_needs(m)
    assert len(owners) and len(helpers)
    leavers = np.union1d(owners, helpers)
    owned = int(np.isin(n.owner, leavers).sum())
    n_helped = int((np.isin(n.helper, leavers) & ~np.isin(n.owner, leavers)).sum())
    open_kept = int((n.open & ~np.isin(n.owner, leavers)).sum())
    assert pop.helped_ever[helpers].all()
    m.events.clear()
    turnover.replace(m, leavers, m.rng_for("turnover"))
    # the newcomers' history is reset
    assert not pop.helped_ever[leavers].any() and not pop.formal_ever[leavers].any()
    assert (pop.hours_given[leavers] == 0).all() and (pop.committed[leavers] == 0).all()
    assert (pop.last_help_week[leavers] == LONG_AGO).all()
    assert (pop.last_year_class_formal[leavers] == -1).all()
    assert (col[leavers] == 7.0).all() and (np.delete(col, leavers) == 1.0).all()
    assert (pop.moved_in_week[leavers] == m.week).all()
    np.testing.assert_array_equal(group_of(pop.age_years[leavers]), pop.age[leavers])
    agent = m.residents[int(leavers[0])]
    assert agent.moved_in_week == m.week and agent.age_years == pop.age_years[leavers[0]]
    # their needs end (not counted unmet); the needs they helped with are open again
    assert not np.isin(n.owner, leavers).any()
    assert m.events["needs_left_with_owner"] == owned
    assert m.events["needs_helper_left"] == n_helped > 0
    assert "lapsed" not in m.events
    assert not np.isin(n.helper, leavers).any()
    assert int(n.open.sum()) == open_kept + n_helped
    # committed hours agree with the needs helpers hold; ties start again from the newcomer
    held = np.zeros(len(pop))
    np.add.at(held, n.helper[n.helper >= 0], n.hours[n.helper >= 0])
    g = local_groups.roles(m)  # with the roles in local organisations still held
    roles = g.held(pop.moved_in_week)
    assert not np.isin(g.member[roles], leavers).any(), "a leaver's role is not held"
    np.add.at(held, g.member[roles], g.hours[roles])
    np.testing.assert_allclose(pop.committed, held, atol=1e-3)
    g = m.graph
    out = np.concatenate([np.arange(g.indptr[i], g.indptr[i + 1]) for i in leavers])
    np.testing.assert_array_equal(m.tie_trust[out], m.tie_trust_base[out])


def test_a_reopened_need_is_met_again_as_a_rematch() -> None:
    m = CoproductionModel(rng=6, n_residents=800, burn_in_years=1)
    _, helpers = _leavers_with_needs(m)
    turnover.replace(m, helpers, m.rng_for("turnover"))
    m.run_weeks(8)
    from coprod_sim.analysis.summary import summary_metrics

    assert summary_metrics(m)["rematches"] > 0


def test_the_age_bands_file_is_checked(tmp_path: Path) -> None:
    shutil.copy(files("coprod_sim.data").joinpath(TURNOVER_FILE), tmp_path / TURNOVER_FILE)
    path = tmp_path / TURNOVER_FILE
    path.write_text(path.read_text().replace("newcomer_share = 0.64", "newcomer_share = 0.5"))
    with pytest.raises(DataFileError, match="newcomer_share adds up to"):
        load_bands(tmp_path)


def _never_after(years: tuple[int, ...], seed: int, **kw: object) -> list[float]:
    """Formal "never" at the end of each year in ``years`` of one history from the drawn town
    (no lever acts, as in a burn-in: the end of year B is the town after a B-year burn-in)."""
    m = CoproductionModel(rng=seed, burn_in_years=0, **kw)
    out = []
    for year in range(1, max(years) + 1):
        m.run_weeks(52)
        if year in years:
            out.append(participation_shares(m.pop.last_year_class_formal)["never"])
    return out


@pytest.mark.slow
def test_never_settles_after_12_to_16_years_of_history() -> None:
    """Averaged over three seeds of the demo town (at 4,000 residents, to halve the noise),
    formal "never" after 12, 16 and 24 years agree within 1.5 points, where the closed town
    keeps falling. Not asserted: after 8 years "never" is still about 1.8 points above its
    level (experiments/never_steady_state.py; the founders who stay keep trying a first formal
    role for years, and after 8 years half of them are still there)."""
    kw = dict(n_residents=4000)
    runs = np.array([_never_after((12, 16, 24), seed, **kw) for seed in (1, 2, 3)])
    at12, at16, at24 = runs.mean(axis=0)
    assert abs(at16 - at12) < 0.015 and abs(at24 - at16) < 0.015, (at12, at16, at24)
    closed = np.array(
        [_never_after((12, 24), seed, population_turnover=False, **kw) for seed in (1, 2, 3)]
    ).mean(axis=0)
    assert closed[0] - closed[1] > at12 - at24, "without turnover it keeps falling"


def test_a_newcomers_fear_of_retaliation_fades_to_their_own_draw() -> None:
    from coprod_sim import CoproductionModel

    m = CoproductionModel(rng=1, n_residents=2000, burn_in_years=0)
    m.run_weeks(104)
    new = m.pop.moved_in_week >= 0
    assert new.sum() > 100
    # a column reset to its fill (0) would make every newcomer fearless in time
    assert m.pop.fear_retal_base[new].min() > 0.0
    assert abs(m.pop.fear_retal_base[new].mean() - m.pop.fear_retal_base[~new].mean()) < 0.05


def test_needs_leave_the_table_once_a_week_with_the_needs_of_leavers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coprod_sim.mechanisms.needs import NeedTable

    m = CoproductionModel(rng=8, n_residents=2000, burn_in_years=0)
    calls = []
    keep = NeedTable.keep
    monkeypatch.setattr(NeedTable, "keep", lambda self, mask: calls.append(1) or keep(self, mask))
    newcomers = 0
    for week in range(1, 21):
        m.step()
        newcomers += m.events["newcomers"]
        assert len(calls) <= week, "at most one compaction a week"
        assert not m.needs.leaving.any(), "every ended need has left by the week's end"
    assert newcomers > 5, "weeks with leavers were tried"


def test_a_need_already_ended_this_week_is_not_counted_as_left_with_its_owner() -> None:
    m = CoproductionModel(rng=9, n_residents=800, burn_in_years=1)
    n = m.needs
    owners, _ = _leavers_with_needs(m)
    leaver = owners[:1]
    rows = np.flatnonzero(n.owner == leaver[0])
    n.leaving[rows[0]] = True  # met or lapsed this week: it leaves as such
    m.events.clear()
    turnover.replace(m, leaver, m.rng_for("turnover"))
    assert m.events["needs_left_with_owner"] == len(rows) - 1
    assert not (n.owner == leaver[0]).any() and not n.leaving.any()
