"""All nine state-side levers run together, with each other's and everyone's levers."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis import costs
from coprod_sim.analysis.summary import compare
from coprod_sim.levers import LEVERS

MINE = (
    "time_bank",
    "insurance_cover",
    "training",
    "information_point",
    "personal_asks",
    "culture_change",
    "vetting_reform",
    "time_credits",
    "budget_cuts",
)


def test_all_state_levers_at_once():
    base = CoproductionModel(rng=5, n_residents=1500, burn_in_years=0)
    pol = CoproductionModel(rng=5, n_residents=1500, policies=list(MINE), burn_in_years=0)
    base.run_weeks(78)
    pol.run_weeks(78)
    df = pol.datacollector.get_model_vars_dataframe()
    for name in MINE:
        assert f"cost_{name}" in df.columns
        assert np.isfinite(df[f"cost_{name}"]).all()
    assert pol.met_by_kind_channel[:, 3].sum() > 0  # the time bank channel ran
    assert pol.costs_total["budget_cuts"] == 0 < pol.costs_total["time_bank"]
    money = compare(base, pol)
    assert money["lever_cost_gbp"] == pytest.approx(
        sum(pol.costs_total[name] for name in money["levers"])
    )
    assert money["crises_averted_value_gbp"] == pytest.approx(costs.value_crises_averted(base, pol))
    unpaid = base.costs_total["professional_staff"] - pol.costs_total["professional_staff"]
    public = money["lever_cost_gbp"] - pol.costs_total["right_to_time_off"]  # none here
    # emergency responses to crises the services did not take on in time are public cash too
    extra = sum(
        pol.costs_total[k] - base.costs_total[k]
        for k in set(pol.costs_total) | set(base.costs_total)
        if k.startswith(costs.EMERGENCY_ITEM)
    )
    assert money["net_gbp"] == pytest.approx(unpaid - public - extra)


def test_every_registered_lever_runs_with_mine():
    pol = CoproductionModel(rng=6, n_residents=1500, policies=list(LEVERS), burn_in_years=0)
    pol.run_weeks(30)
    assert all(np.isfinite(v) for v in pol.costs_total.values())


def test_lever_table_has_a_row_per_parameter_of_every_lever():
    from coprod_sim.levers._table import lever_rows

    rows = lever_rows()
    assert {r["lever"] for r in rows} == set(LEVERS)
    for name, cls in LEVERS.items():
        params = {r["parameter"] for r in rows if r["lever"] == name}
        assert params == set(cls.model_fields)
    for r in rows:
        assert r["unit"] and r["source"] and r["doc"] and r["point"] and r["lever_source"]


def test_crises_are_valued_at_the_professional_hours_they_take():
    base = CoproductionModel(rng=7, n_residents=1500, burn_in_years=0)
    pol = CoproductionModel(
        rng=7, n_residents=1500, policies={"budget_cuts": {"total_cut": 0.6}}, burn_in_years=0
    )
    base.run_weeks(52)
    pol.run_weeks(52)
    averted = costs.crises_averted(base, pol)
    hours = costs.crisis_hours_by_kind(pol)
    expected = float(averted @ hours) * pol.params.professional_hour_cost
    assert costs.value_crises_averted(base, pol) == expected
    money = compare(base, pol)
    assert money["crises_averted"] == base.crises_by_kind.sum() - pol.crises_by_kind.sum()
    assert money["crises_averted_value_gbp"] == pytest.approx(expected)
