"""The metric registry: every output metric is declared once, with a unit and a direction, and
the statistics and reports read which way is better from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod_sim.analysis import metrics
from coprod_sim.analysis.summary import (
    COMPARISON_FIGURES,
    summary_metrics,
    weekly_series,
)
from coprod_sim.io.run_files import write_outputs
from coprod_sim.levers import LEVERS
from coprod_sim.model import CoproductionModel
from coprod_sim.sweeps import Design, load_results, run_sweep, write_report
from coprod_sim.sweeps.design import LEGACY_LOWER_IS_BETTER
from coprod_sim.sweeps.stats import ID_COLUMNS, differences


@pytest.fixture(scope="module")
def all_levers() -> CoproductionModel:
    model = CoproductionModel(
        rng=3, town="demo", n_residents=600, burn_in_years=0, policies=list(LEVERS)
    )
    model.run_weeks(4)
    return model


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("metrics") / "sweep"
    design = Design.from_dict(
        {
            "sweep": {"name": "tiny", "seed": 11, "replications": 3, "weeks": 6, "weekly": True},
            "world": {"n_residents": 300, "burn_in_years": 0},
            "arms": [
                {"name": "baseline"},
                {"name": "everything", "levers": {name: {} for name in LEVERS}},
            ],
        }
    )
    run_sweep(design, out, workers=0)
    return out


def _assert_declared(names: set[str], where: str) -> None:
    missing = sorted(n for n in names if not metrics.is_declared(n))
    assert not missing, (
        f"{where}: metrics not declared in coprod_sim/analysis/metrics.py: {missing}"
    )
    for n in names:
        m = metrics.metric(n)
        assert m.unit and m.direction in metrics.DIRECTIONS and m.label, n


def test_every_output_metric_is_declared(all_levers: CoproductionModel, tiny_sweep: Path) -> None:
    _assert_declared(set(summary_metrics(all_levers)), "summary_metrics")
    _assert_declared(set(weekly_series(all_levers).columns), "weekly series")
    _assert_declared(set(COMPARISON_FIGURES), "compare")
    wide = load_results(tiny_sweep)
    produced = set(wide.columns) - set(ID_COLUMNS)
    assert {"dep_q1_needs_lapsed", "lever_cost_time_bank", "cost_employers_gbp"} <= produced
    _assert_declared(produced, "sweep outputs")
    weekly = pd.read_parquet(tiny_sweep / "weekly")
    _assert_declared(set(weekly.columns) - {"point", "replication"}, "sweep weekly series")


def test_directions_the_reports_rely_on() -> None:
    for name in (
        "needs_residents_unmet",
        "cost_council_levers_gbp",
        "cost_employers_gbp",
        "cost_council_services_gbp",
        "cost_central_government_gbp",
        "public_purse_cost_gbp",
        "dropout_12m_formal",
        *(f"dep_q{q}_needs_lapsed" for q in range(1, 6)),
        "lever_cost_time_bank",
        "cost_time_bank",
    ):
        assert metrics.direction(name) == "lower", name
    for name in ("needs_met_total", "participation_formal_at_least_monthly", "net_gbp"):
        assert metrics.direction(name) == "higher", name
    assert metrics.direction("needs_arisen") == "neither"
    assert (
        metrics.label_with_unit("needs_residents_unmet") == "residents' needs lapsed unmet (count)"
    )
    assert metrics.label_with_unit("lever_cost_time_bank") == "cost of lever time bank (GBP)"
    assert metrics.metric("dep_q3_lapsed_share").label.endswith("quintile 3")


def test_an_undeclared_metric_is_refused_by_name() -> None:
    with pytest.raises(metrics.UnknownMetricError, match="'happiness' is not declared"):
        metrics.direction("happiness")
    with pytest.raises(KeyError):  # a KeyError too, for callers that catch lookups
        metrics.metric("dep_qx_needs_met")


def _paired(arm_minus_base: np.ndarray, metric: str) -> pd.DataFrame:
    base = 500 + np.random.default_rng(1).normal(0, 40, len(arm_minus_base))
    rows = []
    for p, values in ((0, base), (1, base + arm_minus_base)):
        for r, v in enumerate(values):
            rows.append({"point": p, "arm": "ab"[p], "replication": r, "seed": r, metric: v})
    return pd.DataFrame(rows)


def test_a_lever_that_lowers_unmet_needs_beats_the_baseline() -> None:
    m = "needs_residents_unmet"
    wide = _paired(-76.6 + np.random.default_rng(2).normal(0, 10, 8), m)
    for lower in (None, list(LEGACY_LOWER_IS_BETTER)):  # old manifests record the old list
        d = differences(wide, 0, [m], lower).iloc[0]
        assert d["better"] == "lower" and d["p_beats"] == 1.0 and d["p_mean_better"] > 0.999
    # an explicit override still wins: here it says lower is better for needs met
    wide = _paired(np.full(6, 5.0) + np.arange(6), "needs_met_total")
    assert differences(wide, 0, ["needs_met_total"]).iloc[0]["p_beats"] == 1.0
    flipped = differences(wide, 0, ["needs_met_total"], ["needs_met_total"]).iloc[0]
    assert flipped["better"] == "lower" and flipped["p_beats"] == 0.0
    # neither way is better: no probability of beating the baseline
    wide = _paired(np.arange(5.0), "needs_arisen")
    d = differences(wide, 0, ["needs_arisen"]).iloc[0]
    assert d["better"] == "neither" and np.isnan(d["p_beats"]) and np.isnan(d["p_mean_better"])


def test_the_real_sweep_path_ranks_unmet_needs_lower_better(tiny_sweep: Path) -> None:
    wide = load_results(tiny_sweep)
    m = "needs_residents_unmet"
    d = differences(wide, 0, [m]).iloc[0]
    table = wide.pivot(index="replication", columns="point", values=m)
    diff = table[1] - table[0]
    assert d["better"] == "lower"
    assert d["p_beats"] == pytest.approx(float(np.mean((diff < 0) + 0.5 * (diff == 0))))
    report = write_report(tiny_sweep, [m, "public_purse_cost_gbp"]).read_text()
    assert f"ranked by {m}, residents' needs lapsed unmet (count) (lower is better)" in report
    assert "| needs_residents_unmet | residents' needs lapsed unmet | count | lower |" in report
    for payer in ("cost_employers_gbp", "cost_council_levers_gbp", "public_purse_cost_gbp"):
        assert f"| everything | {payer} |" in report
    assert "net_gbp (public purse saving)" in report


def test_summary_csv_carries_unit_and_direction(
    all_levers: CoproductionModel, tmp_path: Path
) -> None:
    write_outputs(tmp_path, all_levers)
    s = pd.read_csv(tmp_path / "summary.csv").set_index("metric")
    assert list(s.columns) == ["value", "unit", "direction", "label"]
    assert s.loc["needs_residents_unmet", "direction"] == "lower"
    assert s.loc["cost_employers_gbp", "unit"] == "GBP"
    assert s["direction"].isin(metrics.DIRECTIONS).all()


def test_the_dashboard_marks_follow_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from coprod_sim.dashboard import charts

    a = {name: 100.0 for name in charts.HEADLINES}
    b = {name: 90.0 for name in charts.HEADLINES}  # every headline falls by 10
    monkeypatch.setattr(charts, "summary_metrics", lambda model: model)
    d = charts.difference(a, b).set_index("outcome")
    assert d.loc["residents' needs lapsed unmet", "better"] is True  # fewer unmet: better
    assert d.loc["residents' needs served", "better"] is False
    assert d.loc["cost to the public purse (council and central)", "better"] is True
    assert d.loc["cost to the public purse (council and central)", "B minus A"] == "-£10"
    assert d.loc["volunteer hours", "better"] is None  # neither way is better
    assert d.loc["trust in neighbours at the end (0-1)", "better"] is False


def test_a_misspelt_payer_cost_is_not_taken_for_a_lever_cost() -> None:
    assert metrics.is_declared("cost_time_bank") and metrics.is_declared("cost_employers_gbp")
    assert not metrics.is_declared("cost_employer_gbp")
    assert not metrics.is_declared("lever_cost_employers_gbp")
