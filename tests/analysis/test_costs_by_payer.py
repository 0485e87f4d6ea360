"""Money counted once, by who pays, against the paired no-lever run (issue 14, finding 2).

Budget cuts save the public purse the pay of the capacity removed and no more; staff are paid
whether busy or not, so a lever that makes professionals do less frees hours, not cash; every
cost falls on one declared payer; the community dividend pays a share of the saving measured
against each neighbourhood's own reference.
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.analysis import costs
from coprod_sim.analysis.summary import (
    COST_ROWS,
    compare,
    comparison_frame,
    summary_metrics,
)
from coprod_sim.io.run_files import write_outputs
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, SERVICES
from coprod_sim.mechanisms.services import EMERGENCY_PAYER

N = 1000
WEEKS = 78
HOUR = 35.0  # professional_hour_cost default


def run(seed: int, policies: dict[str, dict[str, Any]] | None = None) -> CoproductionModel:
    """The shared cached, read-only town (``tests/_towns.py``)."""
    return town(seed, WEEKS, N, policies)


def removed_value(model: CoproductionModel, total_cut: float, ramp_years: float) -> float:
    """Pay of the capacity a budget cut removes over the run, worked out from the lever's
    stated rule (not from the model's cost bookkeeping)."""
    staff_hours = float(model.staff.capacity.astype(np.float64).sum())
    ramp = ramp_years * 52
    cut = [total_cut * (1.0 if ramp <= 0 else min(1.0, (w + 1) / ramp)) for w in range(WEEKS)]
    return float(np.sum(cut)) * staff_hours * HOUR


def emergency_gbp(model: CoproductionModel) -> float:
    """Cash paid for emergency responses to crises the services did not take on in time
    (``needs.emergency_response``: items ``emergency_<service>``, NHS or the service)."""
    return sum(v for k, v in model.costs_total.items() if k.startswith(costs.EMERGENCY_ITEM))


@pytest.mark.parametrize("seed", [1, 2])
def test_budget_cuts_save_the_public_purse_no_more_than_the_capacity_removed(seed: int) -> None:
    base = run(seed)
    for cut, ramp in ((0.19, 1.0), (0.5, 0.0)):
        lever = {"total_cut": cut, "ramp_years": ramp}
        value = removed_value(base, cut, ramp)
        pol = run(seed, {"budget_cuts": lever})
        alone = compare(base, pol)
        # counted once: the saving is the pay of the staff removed, exactly (not twice), less
        # the emergency responses to the crises the smaller services did not take on in time
        extra = emergency_gbp(pol) - emergency_gbp(base)
        assert alone["net_gbp"] == pytest.approx(value - extra, rel=1e-9)
        assert alone["metrics"]["professional_cost_gbp"]["change"] == pytest.approx(-value)
        assert alone["levers"] == {"budget_cuts": 0.0}
        # hours used fell too, but that is hours, not money
        assert alone["metrics"]["professional_hours"]["change"] < 0
        # with a lever the council pays for, the net saving is smaller still
        both_run = run(seed, {"budget_cuts": lever, "time_bank": {}})
        both = compare(base, both_run)
        extra = emergency_gbp(both_run) - emergency_gbp(base)
        assert both["net_gbp"] == pytest.approx(
            value - extra - both["lever_cost_gbp"], rel=1e-9, abs=1e-6
        )
        # crises are counted as crises and valued at their nominal hours, beside the net
        assert alone["crises_averted"] == base.crises_by_kind.sum() - pol.crises_by_kind.sum()
        assert alone["crises_averted_value_gbp"] == pytest.approx(
            costs.value_crises_averted(base, pol)
        )


class Divert(Lever):
    """Takes professionals off cases (like time spent on something else) at no cost: the staff
    are still employed and paid."""

    name: ClassVar[str] = "test_divert"
    payer: ClassVar[str] = "council_levers"
    point: ClassVar[str] = "before_channels"

    def apply(self, model: Any) -> None:
        model.service_capacity = model.service_capacity * 0.5


def test_professionals_doing_less_frees_hours_not_cash() -> None:
    base = run(3)
    pol = CoproductionModel(rng=3, n_residents=N, levers=[Divert()], burn_in_years=0)
    pol.run_weeks(WEEKS)
    res = compare(base, pol)
    fewer = res["metrics"]["professional_hours"]["change"]
    assert fewer < -1000  # professionals gave far fewer hours to needs
    # but they were paid the same: the only cash that moves is the emergency responses to
    # the crises they did not take on in time
    assert res["metrics"]["professional_cost_gbp"]["change"] == 0.0
    assert res["net_gbp"] == pytest.approx(emergency_gbp(base) - emergency_gbp(pol))
    assert res["professional_hours_freed"] == pytest.approx(-fewer)


def test_every_cost_falls_on_one_declared_payer() -> None:
    policies = {"time_bank": {}, "right_to_time_off": {}, "vetting_reform": {}}
    pol = run(4, policies)
    m = summary_metrics(pol)
    paid = pol.costs_total
    # the council's services pay their staff and the emergency responses of their own services
    emergencies = {
        s: paid.get(f"{costs.EMERGENCY_ITEM}{s}", 0.0) for s in EMERGENCY_PAYER
    }  # fmt: skip
    on_council = sum(v for s, v in emergencies.items() if EMERGENCY_PAYER[s] == "council_services")
    on_nhs = sum(v for s, v in emergencies.items() if EMERGENCY_PAYER[s] == "nhs")
    assert m["cost_council_services_gbp"] == pytest.approx(paid["professional_staff"] + on_council)
    assert m["cost_nhs_gbp"] == pytest.approx(on_nhs)
    by_service = sum(m[f"staff_cost_{s}_gbp"] for s in SERVICES)
    assert by_service == pytest.approx(paid["professional_staff"])
    assert all(m[f"staff_cost_{s}_gbp"] > 0 for s in SERVICES)
    assert m["cost_council_levers_gbp"] == pytest.approx(paid["time_bank"])
    assert m["cost_employers_gbp"] == pytest.approx(paid["right_to_time_off"])
    assert m["cost_central_government_gbp"] == pytest.approx(paid["vetting_reform"])
    assert paid["right_to_time_off"] > 0 and paid["vetting_reform"] > 0
    assert sum(m[row] for row in COST_ROWS) == pytest.approx(m["cost_total"])
    public = m["cost_total"] - m["cost_employers_gbp"]
    assert m["public_purse_cost_gbp"] == pytest.approx(public)
    # volunteers' time is valued beside the cash, never in it
    assert m["volunteer_time_value_gbp"] == pytest.approx(17.0 * m["volunteer_hours"])
    base = run(4)
    res = compare(base, pol)
    # the public purse pays the levers it funds, and less (or more) for emergency responses
    levers_paid = paid["time_bank"] + paid["vetting_reform"]
    saved = emergency_gbp(base) - emergency_gbp(pol)
    assert res["net_gbp"] == pytest.approx(saved - levers_paid)
    assert res["lever_payers"] == {
        "time_bank": "council_levers",
        "right_to_time_off": "employers",
        "vetting_reform": "central_government",
    }


def test_every_lever_declares_a_known_payer() -> None:
    for name, cls in LEVERS.items():
        assert "payer" in vars(cls), f"{name} does not declare who pays"
        assert cls.payer in costs.PAYERS
    with pytest.raises(TypeError, match="payer 'the_neighbours'"):
        type("BadLever", (Lever,), {"payer": "the_neighbours", "__annotations__": {}})

    class Stray:
        name = "stray"
        payer = "nobody"

    with pytest.raises(ValueError, match="lever 'stray': payer 'nobody' is not one of"):
        costs.payer_of(Stray())


def test_cost_rows_are_written_to_summary_and_comparison(tmp_path: Path) -> None:
    base, pol = run(4), run(4, {"time_bank": {}, "right_to_time_off": {}, "vetting_reform": {}})
    write_outputs(tmp_path, pol)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("metric")["value"]
    weekly = pd.read_parquet(tmp_path / "weekly.parquet")
    frame = comparison_frame(compare(base, pol)).set_index("metric")
    for payer in costs.PAYERS:
        assert f"cost_{payer}_gbp" in summary.index
        assert frame.loc[f"cost_{payer}_gbp", "policy"] == pytest.approx(
            summary[f"cost_{payer}_gbp"]
        )
    assert frame.loc["net_gbp", "change"] < 0  # the public purse paid for two levers
    by_service = sum(weekly[f"professional_hours_{s}"] for s in SERVICES)
    assert np.allclose(by_service, weekly["professional_hours"])
    assert weekly["professional_hours_paid"].sum() == pytest.approx(
        summary["professional_hours_paid"]
    )


class ProHours:
    """Records each week's professional hours by neighbourhood at ``after_channels`` (after
    the dividend lever, which reads the same needs)."""

    point = "after_channels"

    def __init__(self) -> None:
        self.weeks: list[np.ndarray] = []

    def __call__(self, model: Any) -> None:
        n = model.needs
        pro = n.channel == CHANNEL_INDEX["professional"]
        self.weeks.append(
            np.bincount(n.nbhd[pro], weights=n.hours[pro], minlength=len(model.nb.start))
        )


def test_community_dividend_pays_a_share_of_the_saving_beyond_the_margin() -> None:
    paid_any = False
    z = NormalDist().inv_cdf(0.95)  # the default one-sided 5% level
    for seed in (1, 2):
        probe = ProHours()
        pol = CoproductionModel(
            rng=seed,
            n_residents=N,
            policies={
                "community_dividend": {
                    "start_week": 30,
                    "reference_weeks": 20,
                    "settle_weeks": 8,
                },
                # a deep cut from the start week: hours given fall well beyond the noise
                "budget_cuts": {"start_week": 30, "total_cut": 0.7, "ramp_years": 0},
            },
            levers=[probe],
            burn_in_years=0,
        )
        pol.run_weeks(WEEKS)
        lever = next(lv for lv in pol.policy_levers if lv.name == "community_dividend")
        h = np.array(probe.weeks)
        ref = h[10:30].mean(axis=0)  # the 20 weeks before the start week
        assert lever.reference_hours == pytest.approx(ref)
        margin = z * h[10:30].std(axis=0, ddof=1) * np.sqrt(1 + 8 / 20)
        weekly = pol.datacollector.get_model_vars_dataframe()["cost_community_dividend"]
        assert (weekly.iloc[:30] == 0).all()  # nothing before the reference is complete
        periods = h[30 : 30 + 48].reshape(6, 8, -1).mean(axis=1)  # six settled periods
        saved = 8 * np.maximum(ref - periods - margin, 0)
        expected = 0.5 * HOUR * saved.sum(axis=0)
        assert lever.paid_by_nbhd == pytest.approx(expected, rel=1e-6, abs=1e-6)
        assert weekly.sum() == pytest.approx(expected.sum(), rel=1e-6, abs=1e-6)
        # paid only in the last week of each period
        assert (weekly.iloc[30:].to_numpy().reshape(-1, 8)[:, :7] == 0).all()
        paid_any = paid_any or expected.sum() > 0
    assert paid_any
