"""A town that grows or shrinks with its future's ``population`` trajectory (issue 26).

``futures.follow_population`` brings the residents present to ``round(population(y) x start
size)`` at the start of each results year; the town has spare (vacant) rows for its largest
size (``state.occupancy``), inert and left out of every count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from coprod_sim import CoproductionModel
from coprod_sim.commands.cli import app
from coprod_sim.levers.insurance_cover import InsuranceCover
from coprod_sim.state.arrays import ordered_mean
from coprod_sim.state.population import RETIRED

HEAD = """description = "test"
[sources]
mortality = "a"
moving = "a"
free_time = "a"
demand = "a"
budget = "a"
population = "a"
"""
ROW = """
[[year]]
year = {year}
mortality = 1.0
moving = 1.0
free_time = 1.0
demand = {{ social_care = 1.0, public_safety = 1.0, early_years = 1.0 }}
budget = {{ social_care = 1.0, public_safety = 1.0, early_years = 1.0 }}
population = {size}
"""


def sized_future(tmp_path: Path, step: float, years: int = 4, name: str = "f") -> str:
    """A future whose size changes by ``step`` (of the start size) a year, linearly."""
    path = tmp_path / f"{name}.toml"
    rows = "".join(ROW.format(year=y, size=round(1.0 + step * y, 6)) for y in range(years))
    path.write_text(HEAD + rows, encoding="utf-8")
    return str(path)


def model(future: str, n: int = 400, seed: int = 1, **kw) -> CoproductionModel:
    return CoproductionModel(rng=seed, n_residents=n, burn_in_years=1, future=future, **kw)


@pytest.mark.parametrize("step", [0.1, -0.1])
def test_the_town_is_at_its_target_size_every_year(tmp_path: Path, step: float) -> None:
    n = 400
    m = model(sized_future(tmp_path, step), n=n)
    assert m.n_start == n and m.n_residents == (520 if step > 0 else n)  # the largest: 1.3 n
    assert int(m.pop.present.sum()) == n  # the burn-in keeps the start size
    m.run_weeks(3 * 52 + 1)
    df = m.datacollector.get_model_vars_dataframe()
    want = np.array([round((1.0 + step * min(w // 52, 3)) * n) for w in range(len(df))])
    assert np.array_equal(df["residents_present"].to_numpy(), want)
    moved = df["moved_in_growth"] if step > 0 else df["moved_out_shrinking"]
    year_starts = np.arange(0, len(df), 52)
    assert moved.to_numpy()[year_starts].tolist() == [0, 40, 40, 40]
    assert moved.sum() == 120
    assert int(m.pop.present.sum()) == want[-1]


def test_newcomers_have_a_share_of_the_stayers_ties(tmp_path: Path) -> None:
    """Newcomers' mean tie count / stayers' (before growth) is ``newcomer_tie_share`` within
    a tolerance of 0.12 (several seeds; 100 newcomers each); at share 0 they have none."""
    future = sized_future(tmp_path, 0.1, years=2)
    for share, low, high in ((0.5, 0.38, 0.62), (0.0, 0.0, 0.0)):
        ratios = []
        for seed in (1, 2, 3):
            m = model(future, n=1000, seed=seed, newcomer_tie_share=share)
            m.run_weeks(52)
            before = m.pop.present.copy()
            stayers_mean = m.graph.deg[before].mean()
            m.step()  # week 52: the town grows by 10%
            new = m.pop.present & ~before
            assert new.sum() == 100
            ratios.append(m.graph.deg[new].mean() / stayers_mean)
            # the graph stays mutual and ties only present residents
            owner = m.graph.owner_of_edges()
            assert m.pop.present[owner].all() and m.pop.present[m.graph.indices].all()
            assert len(m.tie_trust) == len(m.graph.indices) == len(m.tie_trust_base)
        assert low <= np.mean(ratios) <= high, ratios


@pytest.mark.parametrize("step", [0.1, -0.1])
def test_vacant_rows_never_own_or_help_a_need_nor_count(tmp_path: Path, step: float) -> None:
    m = model(
        sized_future(tmp_path, step, years=4),
        n=400,
        policies=["information_point", "time_bank", "personal_asks"],
    )
    for _ in range(2 * 52):  # ends as the second year closes
        m.step()
        pop, needs = m.pop, m.needs
        vacant = ~pop.present
        assert vacant.any() == (step > 0 or m.week > 52)  # a shrinking town's from year 1
        owner, helper = needs.owner, needs.helper
        assert pop.present[owner[owner >= 0]].all()
        assert pop.present[helper[helper >= 0]].all()
        assert (m.graph.deg[vacant] == 0).all() and (pop.free_hours[vacant] == 0).all()
        assert not pop.aware[vacant].any()
        # each resident's count of recent helpers among their ties stays exact
        recent = m.examples.recent[m.graph.indices]
        full = np.bincount(m.graph.owner_of_edges(), weights=recent, minlength=m.n_residents)
        assert np.array_equal(m.examples.count, full)
        st = m.stats
        here = pop.present
        assert st["residents_present"] == here.sum()
        assert st["mean_age"] == ordered_mean(pop.age_years[here].astype(np.float64))
        assert st["share_65_plus"] == np.count_nonzero(pop.age[here] == RETIRED) / here.sum()
        assert st["trust_neighbours"] == ordered_mean(pop.trust_nbr[here])
    for year in m.years:  # participation classes: shares of residents, summing to 1
        five = ("weekly", "monthly", "yearly", "rarely", "never")
        assert sum(year[f"participation_any_{c}"] for c in five) == pytest.approx(1.0)
    classes = m.pop.last_year_class[m.pop.present]  # the last year's, over residents only
    assert m.years[-1]["participation_any_never"] == np.mean(classes == 4)


def test_levers_newcomer_hooks_see_growth_newcomers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[np.ndarray] = []
    hook = InsuranceCover.newcomers

    def record(self, model, rows):  # noqa: ANN001, ANN202
        seen.append(np.asarray(rows).copy())
        return hook(self, model, rows)

    monkeypatch.setattr(InsuranceCover, "newcomers", record)
    m = model(sized_future(tmp_path, 0.1, years=2), policies={"insurance_cover": {"coverage": 1}})
    m.run_weeks(52)
    before = m.pop.present.copy()
    seen.clear()
    m.step()
    new = np.flatnonzero(m.pop.present & ~before)
    assert len(new) == 40
    assert any(np.array_equal(rows, new) for rows in seen)  # one call with the growth rows
    assert m.pop.insured[new].all()  # and what the hook gives them


def test_yearly_records_exclude_vacant_rows(tmp_path: Path) -> None:
    m = model(sized_future(tmp_path, -0.1, years=3), n=300)
    m.run_weeks(2 * 52)
    frame = m.agent_datacollector.get_agent_vars_dataframe()
    for time, recs in frame.groupby(level=0):  # a record at the end of week time - 1
        ids = recs.index.get_level_values(1).to_numpy()
        assert len(set(ids)) == len(ids)
        assert len(recs) == round(300 * (1 - 0.1 * ((int(time) - 1) // 52)))
    # the last year's records are the residents present now
    last = frame.xs(frame.index.get_level_values(0).max(), level=0)
    rows = last.index.to_numpy() - m.residents[0].unique_id
    assert m.pop.present[rows].all()


def test_a_future_past_five_million_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(HEAD + ROW.format(year=0, size=1.0) + ROW.format(year=5, size=3.0))
    r = CliRunner().invoke(app, ["run", "--future", str(path), "--set",
                                 "n_residents=2000000", "--weeks", "2", "--out",
                                 str(tmp_path / "out"), "-q"])  # fmt: skip
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "population" in lines[0] and "5,000,000" in lines[0], r.output
