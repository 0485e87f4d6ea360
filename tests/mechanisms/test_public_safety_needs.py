"""Public-safety staff serve needs (issue 14, finding 3): crime reports, anti-social behaviour
casework, welfare concerns, and the call-outs collective action reports, met from public-safety
capacity; so cutting that capacity changes what residents get."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from _towns import town

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import needs_by_kind_channel, summary_metrics
from coprod_sim.mechanisms.needs import ASB_CALLOUT, DEFAULT_NEED_KINDS

PUBLIC_SAFETY_KINDS = ("crime_report", "asb_casework", "welfare_concern", ASB_CALLOUT)

N = 2000
WEEKS = 78
SEEDS = (1, 2, 3)
CUT = {"budget_cuts": {"total_cut": 0.4, "ramp_years": 0.0}}


@lru_cache(maxsize=8)
def _run(seed: int, cut: bool) -> CoproductionModel:
    return town(seed, WEEKS, N, CUT if cut else None)


def ps_kinds(model: CoproductionModel) -> np.ndarray:
    k = model.kinds
    return np.flatnonzero((k.service == 1) & k.professional_only)


def test_public_safety_kinds_are_declared_with_sources() -> None:
    ps = [k for k in DEFAULT_NEED_KINDS if k.service == "public_safety" and k.professional_only]
    assert {k.name for k in ps} == set(PUBLIC_SAFETY_KINDS)
    for k in ps:
        assert k.activity is None and k.owner == "resident"
        assert (sum(k.rate) > 0) == (k.name != ASB_CALLOUT)  # call-outs arise in mechanism 8


def test_public_safety_staff_are_busy_meeting_needs() -> None:
    for seed in SEEDS:
        m = _run(seed, False)
        df = m.datacollector.get_model_vars_dataframe().iloc[-26:]
        paid = m.staff.capacity[m.staff.service == 1].sum()
        busy = df["professional_hours_public_safety"].mean() / paid
        # tolerance: at least half busy in every seed; above 1 only by the need a service books
        # ahead of its hours each week (channels.fill_queue), a few per cent
        assert 0.5 < busy <= 1.03, (seed, busy)
        kc = needs_by_kind_channel(m).set_index("kind")
        for name in PUBLIC_SAFETY_KINDS:
            assert kc.loc[name, "met_professional"] > 0, name
            assert kc.loc[name, "met_total"] == kc.loc[name, "met_professional"]  # staff only


def test_callouts_are_the_incidents_reported_and_are_met_from_public_safety_capacity() -> None:
    m = _run(1, False)
    df = m.datacollector.get_model_vars_dataframe()
    kc = needs_by_kind_channel(m).set_index("kind").loc[ASB_CALLOUT]
    reported = df["police_callouts"].sum()
    assert reported == df["incidents"].sum() - df["interventions_succeeded"].sum() > 0
    # (a call-out still waiting when its owner died or moved away ends: population turnover)
    assert kc["met_total"] + kc["lapsed"] + kc["open_end"] + kc["left_open"] == reported
    hours = m.params.police_hours_per_incident
    assert summary_metrics(m)["police_callout_hours"] == kc["met_professional"] * hours


def run_small(**kw: Any) -> CoproductionModel:
    m = CoproductionModel(rng=5, n_residents=800, **{"burn_in_years": 0, **kw})
    m.run_weeks(30)
    return m


def test_no_police_hours_means_no_callouts_and_no_police_means_none_attended() -> None:
    free = run_small(police_hours_per_incident=0.0)
    assert needs_by_kind_channel(free).set_index("kind").loc[ASB_CALLOUT, "met_total"] == 0
    none = run_small(staff_share_public_safety=0.0)
    kc = needs_by_kind_channel(none).set_index("kind")
    assert kc.loc[list(PUBLIC_SAFETY_KINDS), "met_total"].sum() == 0
    assert kc.loc[ASB_CALLOUT, "lapsed"] > 0
    df = none.datacollector.get_model_vars_dataframe()
    assert (df["police_backing"] == 0).all()  # no staff: no backing


def test_cutting_public_safety_capacity_changes_what_residents_get() -> None:
    unmet_b = unmet_p = 0
    for seed in SEEDS:
        base, cut = _run(seed, False), _run(seed, True)
        ps = ps_kinds(base)
        unmet_b += base.lapsed_by_kind[ps].sum()
        unmet_p += cut.lapsed_by_kind[ps].sum()
        db = base.datacollector.get_model_vars_dataframe()
        dc = cut.datacollector.get_model_vars_dataframe()
        # fewer public-safety hours given, and less police backing, in every seed
        assert (
            dc["professional_hours_public_safety"].sum()
            < db["professional_hours_public_safety"].sum()
        )
        assert dc["police_backing"].mean() < db["police_backing"].mean()
    # tolerance: pooled over seeds, a 40% cut lets at least a quarter more public-safety needs
    # lapse (how much more depends on how busy the service was: 1.49x at the declared defaults
    # of results version 4, 1.5x and more at version 3's lower need rate)
    assert unmet_p > 1.25 * unmet_b, (unmet_p, unmet_b)


def test_open_callouts_are_owned_by_a_reporter_in_the_incident_neighbourhood() -> None:
    m = _run(1, True)
    rows = np.flatnonzero(
        (m.needs.kind == m.kinds.names.index(ASB_CALLOUT)) & (m.needs.channel == -1)
    )
    assert len(rows) > 0  # this week's reports wait for next week's channels
    owners = m.needs.owner[rows]
    assert (owners >= 0).all()
    assert (m.pop.nbhd[owners] == m.needs.nbhd[rows]).all()
    assert (m.needs.hours[rows] == np.float32(m.params.police_hours_per_incident)).all()
