"""The weekly columns are this week's figures; batch users get run totals from ``run_totals``."""

from __future__ import annotations

import mesa
import pandas as pd

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import summary_metrics, weekly_series
from coprod_sim.outputs.reporters import COLUMN_KINDS, MODEL_REPORTERS, run_totals


def test_every_column_says_what_it_is() -> None:
    assert set(COLUMN_KINDS) == set(MODEL_REPORTERS)
    assert COLUMN_KINDS["needs_arisen"] == "flow" and COLUMN_KINDS["open_needs"] == "level"
    assert MODEL_REPORTERS["needs_arisen"].__name__ == "this_week_needs_arisen"


def test_batch_run_end_of_run_row_is_the_last_week_and_run_totals_are_the_sums() -> None:
    params = {"n_residents": 300, "policies": [["training"]], "burn_in_years": 0}
    last = pd.DataFrame(
        mesa.batch_run(
            CoproductionModel,
            params,
            rng=[4, 5],
            max_steps=30,
            number_processes=1,
            display_progress=False,
        )
    )
    weekly = pd.DataFrame(
        mesa.batch_run(
            CoproductionModel,
            params,
            rng=[4, 5],
            max_steps=30,
            number_processes=1,
            data_collection_period=1,
            display_progress=False,
        )
    )
    totals = run_totals(weekly)
    for seed, run_id in ((4, 0), (5, 1)):
        m = CoproductionModel(rng=seed, n_residents=300, policies=["training"], burn_in_years=0)
        m.run_weeks(30)
        metrics, series = summary_metrics(m), weekly_series(m)
        row = totals.set_index("RunId").loc[run_id]
        assert row["total_needs_arisen"] == metrics["needs_arisen"]
        assert row["total_needs_lapsed"] == metrics["needs_lapsed"]
        assert row["total_cost_training"] == metrics["lever_cost_training"]
        # the weekly level is counted after the wait phase; ``needs_open_end`` after the whole
        # week (a leaver's needs end, a leaving helper's need reopens), so compare like with like
        assert row["end_open_needs"] == series["open_needs"].iloc[-1]
        end = last.set_index("RunId").loc[run_id]
        assert end["needs_arisen"] == series["needs_arisen"].iloc[-1]  # the last week's only
        assert end["needs_arisen"] < metrics["needs_arisen"]
    single = run_totals(weekly_series(m), by=[])
    assert single["total_needs_arisen"].iloc[0] == metrics["needs_arisen"]
