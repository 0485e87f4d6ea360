"""A future drives turnover, needs and services year by year (mechanism 12).

The steady future equals no future bit for bit; a future's age mix is followed within a stated
tolerance; demand per resident follows the age mix; a budget path changes capacity and the
council's staff pay as declared; free time scales residents' free hours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.costs import costs_by_payer
from coprod_sim.data.future_file import load_future
from coprod_sim.mechanisms.needs import SERVICES

#: how close the town's shares stay to the future's target at each year's start (percentage
#: points, at 3,000 residents: one resident is 0.03 points, a year's newcomers about 7%)
TOLERANCE_65 = 0.015
TOLERANCE_80 = 0.012


def write_future(folder: Path, name: str, rows: list[dict], shares: bool = True) -> str:
    """A future file of ``rows`` (year, and any value that differs from 1), with sources."""
    keys = ["mortality", "moving", "free_time", "demand", "budget"]
    if shares:
        keys += ["share_65_plus", "share_80_plus"]
    lines = ['description = "a test future"', "[sources]"]
    lines += [f'{k} = "test"' for k in keys]
    for r in rows:
        lines += ["[[year]]", f"year = {r['year']}"]
        for k in ("mortality", "moving", "free_time"):
            lines.append(f"{k} = {r.get(k, 1.0)}")
        if shares:
            lines += [f"share_65_plus = {r['s65']}", f"share_80_plus = {r['s80']}"]
        for k in ("demand", "budget"):
            v = r.get(k, {})
            lines.append(
                f"{k} = {{ " + ", ".join(f"{s} = {v.get(s, 1.0)}" for s in SERVICES) + " }"
            )
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def series(model: CoproductionModel) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


@pytest.mark.parametrize("policies", [(), ("budget_cuts", "time_bank")])
def test_steady_future_equals_no_future_bit_for_bit(policies: tuple[str, ...]) -> None:
    """Two years (the second year's start included) with a burn-in: every column the run
    without a future reports is identical, and so are the costs and the residents."""
    runs = []
    for future in ("", "steady"):
        m = CoproductionModel(
            rng=5, n_residents=1500, burn_in_years=1, future=future, policies=list(policies)
        )
        m.run_weeks(60)
        runs.append(m)
    plain, steady = runs
    a, b = series(plain), series(steady)
    assert set(a.columns) < set(b.columns)  # the future's columns are extra
    for col in a.columns:
        assert np.array_equal(a[col].to_numpy(), b[col].to_numpy(), equal_nan=True), col
    assert dict(plain.costs_total) == dict(steady.costs_total)
    assert np.array_equal(plain.pop.age_years, steady.pop.age_years)
    assert np.array_equal(plain.pop.free_hours, steady.pop.free_hours)


@pytest.fixture(scope="module")
def ageing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[CoproductionModel, list]:
    """A town that ages fast (65+ share +12 points, 80+ +4 in eight years), year by year."""
    folder = tmp_path_factory.mktemp("futures")
    path = write_future(
        folder,
        "fast_ageing",
        [dict(year=0, s65=0.24, s80=0.07), dict(year=8, s65=0.36, s80=0.11, mortality=0.9)],
    )
    m = CoproductionModel(rng=11, n_residents=3000, burn_in_years=0, future=path)
    res = ~m.kinds.by_service
    by_group = m.kinds.rate[res].sum(axis=0) * m.params.need_rate_scale  # per resident-week

    def expected() -> float:
        """Residents' needs a week the kinds' rates give this town: each resident's age
        group's rate times the deprivation multiplier of their neighbourhood."""
        dep = m.nb.deprivation[m.pop.nbhd]
        return float(np.sum(by_group[m.pop.age] * (1 + m.params.deprivation_need_effect * dep)))

    years = []
    for _ in range(8):
        before = expected()
        m.run_weeks(52)
        years.append(52 * (before + expected()) / 2 / m.n_residents)
    return m, years


def test_age_mix_follows_the_futures_trajectory(ageing_run) -> None:
    m, _ = ageing_run
    df = series(m)
    start = df.iloc[0]
    # at each year's end (the week before the next year's start) the shares are on target
    ends = df.iloc[51::52]
    err65 = (ends["share_65_plus"] - ends["share_65_plus_target"]).abs()
    err80 = (ends["share_80_plus"] - ends["share_80_plus_target"]).abs()
    assert err65.max() < TOLERANCE_65, err65.to_list()
    assert err80.max() < TOLERANCE_80, err80.to_list()
    # and the targets are the future's change from the town's own start
    assert ends["share_65_plus_target"].iloc[-1] == pytest.approx(
        m.future_start_shares[0] + 0.12, abs=1e-9
    )
    assert df["share_65_plus"].iloc[-1] > start["share_65_plus"] + 0.09


def test_demand_per_resident_follows_the_age_mix(ageing_run) -> None:
    """Residents' needs per resident each year equal (within 5%, Poisson noise) what the kinds'
    rates by age group predict for the year's residents, while that rises by more than a fifth
    as the town ages: demand follows the age mix."""
    m, predicted = ageing_run
    predicted = np.array(predicted)
    weekly = series(m)["needs_arisen_per_1000"].to_numpy() / 1000  # by rates, per resident
    observed = weekly.reshape(8, 52).sum(axis=1)
    ratio = observed / predicted
    assert predicted[-1] / predicted[0] > 1.2
    assert ratio == pytest.approx(np.ones(8), abs=0.05), ratio  # each year (sd about 1.5%)
    assert ratio.mean() == pytest.approx(1.0, abs=0.02)


def test_budget_path_changes_capacity_and_cost_by_payer(tmp_path: Path) -> None:
    """Social care's budget at 60% from year 0, public safety's rising to 120% at year 1:
    paid hours, capacity and the council's staff pay follow exactly; early years unchanged."""
    path = write_future(
        tmp_path,
        "budgets",
        [
            dict(year=0, budget={"social_care": 0.6}),
            dict(year=1, budget={"social_care": 0.6, "public_safety": 1.2}),
        ],
        shares=False,
    )
    runs = {}
    for future in ("", path):
        m = CoproductionModel(rng=2, n_residents=1500, burn_in_years=0, future=future)
        m.run_weeks(53)
        runs[future] = m
    plain, cut = series(runs[""]), series(runs[path])
    for week, factors in ((0, (0.6, 1.0, 1.0)), (52, (0.6, 1.2, 1.0))):
        for s, f in zip(SERVICES, factors, strict=True):
            col = f"professional_hours_paid_{s}"
            assert cut[col].iloc[week] == pytest.approx(f * plain[col].iloc[week], rel=1e-12)
    assert cut["professional_capacity"].iloc[0] == pytest.approx(
        plain["professional_capacity"].iloc[0]
        - 0.4 * plain["professional_hours_paid_social_care"].iloc[0]
    )
    price = runs[path].params.professional_hour_cost
    for m, df in ((runs[""], plain), (runs[path], cut)):  # staff pay is paid hours x price
        staff = m.costs_total["professional_staff"]
        assert staff == pytest.approx(df["professional_hours_paid"].sum() * price, rel=1e-9)
    # the council (its staff's payer) pays less: social care's 40% cut outweighs safety's rise
    assert (
        costs_by_payer(runs[path])["council_services"]
        < costs_by_payer(runs[""])["council_services"]
    )
    assert cut["budget_share"].iloc[0] == pytest.approx((0.6 + 1 + 1) / 3)


def test_free_time_and_mortality_multipliers(tmp_path: Path) -> None:
    """Free time at 50% halves every resident's free hours; mortality x3 triples deaths about."""
    path = write_future(
        tmp_path, "hard", [dict(year=0, free_time=0.5, mortality=3.0)], shares=False
    )
    plain = CoproductionModel(rng=4, n_residents=2000, burn_in_years=0)
    hard = CoproductionModel(rng=4, n_residents=2000, burn_in_years=0, future=path)
    hard.step()
    plain.step()
    np.testing.assert_allclose(
        hard.pop.free_hours, (plain.pop.free_hours * np.float32(0.5)), rtol=1e-6
    )
    plain.run_weeks(103)
    hard.run_weeks(103)
    d_plain, d_hard = series(plain)["deaths"].sum(), series(hard)["deaths"].sum()
    assert 2.2 < d_hard / d_plain < 3.8


def test_shipped_futures_load_and_steady_changes_nothing() -> None:
    for name in ("steady", "ageing", "austerity", "ageing_austerity"):
        f = load_future(name)
        assert f.years[0] == 0
        for key in ("mortality", "moving", "free_time", "demand", "budget"):
            assert f.sources[key]
    steady = load_future("steady").at(7.5)
    assert (steady.mortality, steady.moving, steady.free_time) == (1.0, 1.0, 1.0)
    assert steady.share_65_plus is None
    assert np.all(steady.budget == 1.0) and np.all(steady.demand == 1.0)
    aus = load_future("austerity")
    assert aus.at(2).budget == pytest.approx([1 - 0.19 / 2] * 3)  # linear between years
    assert aus.at(30).budget == pytest.approx([0.81] * 3)  # flat after the last year


def test_a_futures_outputs_are_declared_metrics() -> None:
    """The columns and summary figures a future adds are declared (unit, direction, label)."""
    from coprod_sim.analysis import metrics
    from coprod_sim.analysis.summary import summary_metrics, weekly_series

    m = CoproductionModel(rng=1, n_residents=600, burn_in_years=0, future="ageing_austerity")
    m.run_weeks(53)
    summary = summary_metrics(m)
    names = set(weekly_series(m).columns) | set(summary)
    assert not [n for n in names if not metrics.is_declared(n)]
    assert summary["professional_capacity_last_year"] < summary["professional_capacity_first_year"]
    assert summary["demand_per_1000_first_year"] > 0


def test_trajectory_scales_act_as_declared(tmp_path: Path) -> None:
    """Sampled trajectories: budget b becomes b ** s and demand d becomes d ** s at the year's
    start; a scale of 1 is the future as written, bit for bit."""
    path = write_future(
        tmp_path,
        "scaled",
        [dict(year=0, budget={"social_care": 0.81}, demand={"social_care": 1.2})],
        shares=False,
    )
    runs = {}
    for scales in ({}, {"future_budget_scale": 1.0}, {"future_budget_scale": 2.0,
                   "future_demand_scale": 0.0}, {"future_budget_scale": 0.0}):  # fmt: skip
        m = CoproductionModel(rng=3, n_residents=1000, burn_in_years=0, future=path, **scales)
        m.run_weeks(3)
        runs[tuple(scales.items())] = m
    written, one, doubled, none = runs.values()
    pd.testing.assert_frame_equal(series(written), series(one))
    sc = list(SERVICES).index("social_care")
    assert written.capacity_cut[sc] == pytest.approx(1 - 0.81)
    assert doubled.capacity_cut[sc] == pytest.approx(1 - 0.81**2)
    assert none.capacity_cut[sc] == 0.0
    assert written.future_now.values.demand[sc] == pytest.approx(1.2)
    assert doubled.future_now.values.demand[sc] == 1.0


def test_ageing_scale_multiplies_the_change_in_the_age_mix() -> None:
    targets = {}
    for k in (0.0, 1.0, 2.0):
        m = CoproductionModel(
            rng=5, n_residents=1000, burn_in_years=0, future="ageing", future_ageing_scale=k
        )
        m.run_weeks(1)
        start = m.future_start_shares[0]
        targets[k] = m.future_now.target_65 - start
    assert targets[0.0] == pytest.approx(0.0, abs=1e-12)
    assert targets[1.0] > 0
    assert targets[2.0] == pytest.approx(2 * targets[1.0], rel=1e-9)
