"""Run summaries, tables, files and the policy-versus-baseline comparison."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import (
    COMPARED,
    OUTPUT_FILES,
    compare,
    comparison_frame,
    deprivation_quintiles,
    format_report,
    needs_by_deprivation,
    needs_by_kind_channel,
    needs_by_neighbourhood,
    summary_metrics,
)
from coprod_sim.io.run_files import write_outputs
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.mechanisms.needs import CHANNELS
from coprod_sim.parameters import param

TINY = {"n_residents": 300}
WEEKS = 60


class Noop(Lever):
    """Costs money, changes nothing: with common random numbers every difference is zero."""

    name: ClassVar[str] = "test_noop"
    gbp_per_week: float = param(
        10.0,
        unit="GBP/week",
        role="policy",
        ge=0,
        le=1e6,
        source="test",
        doc="what the lever costs each week",
    )

    def weekly_cost(self, model: Any) -> float:
        return self.gbp_per_week


class StaffCut(Lever):
    """Removes a share of professional capacity (like a budget cut), at no cost."""

    name: ClassVar[str] = "test_staff_cut"
    cut: float = param(
        0.9, unit="share", role="policy", ge=0, le=1, source="test", doc="share of capacity removed"
    )

    def apply(self, model: Any) -> None:
        model.capacity_cut[:] = self.cut


@pytest.fixture
def levers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LEVERS, Noop.name, Noop)
    monkeypatch.setitem(LEVERS, StaffCut.name, StaffCut)


def run(seed: int, weeks: int = WEEKS, **kw: Any) -> CoproductionModel:
    m = CoproductionModel(rng=seed, **{"burn_in_years": 0, **{**TINY, **kw}})
    m.run_weeks(weeks)
    return m


@pytest.fixture(scope="module")
def model() -> CoproductionModel:
    return run(1)


def test_deprivation_quintiles_by_residents() -> None:
    q = deprivation_quintiles(np.array([0.1, 0.5, 0.3, 0.2, 0.4]), np.full(5, 100))
    assert q.tolist() == [5, 1, 3, 4, 2]  # 1 = most deprived, as the IMD
    # one neighbourhood holding most residents spans the middle quintiles: it takes its middle
    q = deprivation_quintiles(np.array([0.9, 0.5, 0.1]), np.array([10, 980, 10]))
    assert q.tolist() == [1, 3, 5]


def test_tables_add_up_to_the_model_counters(model: CoproductionModel) -> None:
    kc = needs_by_kind_channel(model)
    assert list(kc["kind"]) == list(model.kinds.names)
    assert kc["met_total"].sum() == model.met_by_kind_channel.sum()
    for c, name in enumerate(CHANNELS):
        assert kc[f"met_{name}"].sum() == model.met_by_kind_channel[:, c].sum()
    assert kc["lapsed"].sum() == model.lapsed_by_kind.sum() > 0
    nb = needs_by_neighbourhood(model)
    assert nb["residents"].sum() == model.n_residents
    assert nb["needs_met"].sum() == model.met_by_nbhd.sum()
    assert kc["open_end"].sum() == nb["needs_open_end"].sum()
    dq = needs_by_deprivation(model)
    assert dq["residents"].sum() == model.n_residents
    assert dq["needs_lapsed"].sum() == model.lapsed_by_nbhd.sum()
    assert set(dq["deprivation_quintile"]) <= {1, 2, 3, 4, 5}


def test_summary_metrics(model: CoproductionModel) -> None:
    m = summary_metrics(model)
    shares = [m[f"participation_{c}"] for c in ("weekly", "monthly", "yearly", "rarely", "never")]
    assert sum(shares) == pytest.approx(1.0)
    assert m["needs_met_total"] == sum(m[f"needs_met_{c}"] for c in CHANNELS)
    assert m["professional_hours"] == pytest.approx(model.professional_hours_total)
    assert m["professional_cost_gbp"] == pytest.approx(
        m["professional_hours_paid"] * m["professional_hour_cost"]
    )
    weekly = model.datacollector.get_model_vars_dataframe()
    assert m["needs_arisen"] == weekly["needs_arisen"].sum()
    assert m["volunteer_hours"] == pytest.approx(weekly["volunteer_hours"].sum(), rel=1e-4)
    assert 0 < m["top10_hours_share"] <= 1
    assert sum(m[k] for k in m if k.startswith("barrier_")) == pytest.approx(1.0)
    # before the first complete year there is no participation to report
    early = summary_metrics(run(1, weeks=10))
    assert math.isnan(early["participation_weekly"]) and math.isnan(early["barrier_time"])


def test_a_lever_that_does_nothing_changes_nothing_but_cost(levers: None) -> None:
    # exact, not statistical: with common random numbers the baseline is the same run
    base = run(2)
    pol = run(2, policies={Noop.name: {"gbp_per_week": 25.0, "start_week": 10}})
    res = compare(base, pol)
    assert res["same_seed"] and res["weeks"] == WEEKS
    for key in COMPARED:
        if key in ("cost_council_levers_gbp", "public_purse_cost_gbp"):  # its cost
            continue
        c = res["metrics"][key]  # retention is undefined (NaN) in both without two years
        assert c["change"] == 0 or (math.isnan(c["baseline"]) and math.isnan(c["policy"])), key
    assert res["levers"] == {Noop.name: 25.0 * (WEEKS - 10)}
    assert res["lever_cost_gbp"] == 25.0 * (WEEKS - 10)
    assert res["net_gbp"] == -res["lever_cost_gbp"]


def test_a_staff_cut_shows_in_hours_money_and_crises(levers: None) -> None:
    averted = 0.0
    for seed in (1, 2, 3):
        base = run(seed, n_residents=1000)
        pol = run(seed, n_residents=1000, policies={StaffCut.name: {"cut": 0.9}})
        res = compare(base, pol)
        unpaid = base.costs_total["professional_staff"] - pol.costs_total["professional_staff"]
        assert unpaid == pytest.approx(
            0.9 * res["metrics"]["professional_hours_paid"]["baseline"] * 35.0
        )
        assert res["metrics"]["needs_met_professional"]["change"] < 0
        averted += res["crises_averted"]
        # the pay of the staff cut, once, less the emergency responses to the crises the
        # smaller services did not take on in time (NHS or the service's budget)
        extra = sum(
            pol.costs_total[k] - base.costs_total[k]
            for k in set(pol.costs_total) | set(base.costs_total)
            if k.startswith("emergency_")
        )
        assert extra > 0
        assert res["net_gbp"] == pytest.approx(unpaid - extra)
        m = res["metrics"]["needs_lapsed"]
        assert m["change"] == m["policy"] - m["baseline"]
    assert averted < 0  # fewer professionals: more crises, summed over three seeds


def test_compare_accepts_metric_dicts_and_refuses_runs_of_different_length(
    model: CoproductionModel,
) -> None:
    same = compare(summary_metrics(model), model)
    assert all(v["change"] == 0 or math.isnan(v["change"]) for v in same["metrics"].values())
    with pytest.raises(ValueError, match="differ in length"):
        compare(model, run(1, weeks=20))
    frame = comparison_frame(same)
    assert list(frame.columns) == ["metric", "baseline", "policy", "change"]
    assert {"net_gbp", "crises_averted", "professional_hours_freed"} <= set(frame["metric"])


def test_outputs_are_written_and_other_files_left_alone(
    model: CoproductionModel, tmp_path: Path
) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    (tmp_path / "summary.csv").write_text("stale")
    written = write_outputs(tmp_path, model)
    # the per-resident records of each completed results year come too, once there is one
    yearly = ["residents_yearly.parquet"] if WEEKS >= 52 else []
    assert sorted(p.name for p in written) == sorted([*OUTPUT_FILES, *yearly])
    weekly = pd.read_parquet(tmp_path / "weekly.parquet")
    assert len(weekly) == WEEKS and weekly["week"].tolist() == list(range(1, WEEKS + 1))
    assert {"needs_lapsed", "professional_hours", "met_informal", "cost_total"} <= set(weekly)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == ["metric", "value", "unit", "direction", "label"]
    assert summary.set_index("metric").loc["weeks", "value"] == WEEKS
    assert len(pd.read_parquet(tmp_path / "needs_by_kind_channel.parquet")) == len(
        model.kinds.names
    )
    assert keep.read_text() == "mine"
    assert not list(tmp_path.glob(".*.tmp"))


def test_printed_table_is_compact_and_shows_the_survey(levers: None) -> None:
    base = run(1)
    pol = run(1, policies=[Noop.name])
    one = format_report(summary_metrics(base))
    assert 25 <= len(one.splitlines()) <= 50  # formal and informal participation, money by payer
    assert "15%" in one and "37%" in one  # survey weekly and never
    bm, pm = summary_metrics(base), summary_metrics(pol)
    two = format_report(pm, bm, compare(bm, pm))
    assert 25 <= len(two.splitlines()) <= 60
    assert "baseline" in two and Noop.name in two and "net GBP" in two
