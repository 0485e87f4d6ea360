"""Vetting reform: shorter, portable checks mean fewer would-be volunteers give up waiting."""

from __future__ import annotations

import numpy as np
from _state_runs import SEEDS, run, series

from coprod_sim.state.population import VETTED


def test_reform_lowers_give_ups_while_waiting():
    base = pol = 0
    for s in SEEDS:
        b = int(series(run(s), "vetting_gave_up").sum())
        p = int(series(run(s, {"vetting_reform": {}}), "vetting_gave_up").sum())
        assert p < b, (s, p, b)  # in every seed
        base, pol = base + b, pol + p
    # tolerance: pooled, give-ups at least halve (2 weeks of hazard instead of 8)
    assert pol < 0.5 * base, (pol, base)


def test_portable_checks_vet_employed_residents_at_the_start_week():
    b = run(3, weeks=20)
    p = run(3, {"vetting_reform": {"start_week": 10, "check_weeks": 52}}, weeks=20)
    gained = (p.pop.vet_status == VETTED) & (b.pop.vet_status != VETTED)
    assert gained.sum() > 0.05 * p.pop.employed.sum()
    assert p.pop.employed[gained].mean() > 0.9  # portable checks come from work


def test_no_shorter_and_no_portable_changes_nothing():
    b = run(2, weeks=40, vetting_weeks=8)
    p = run(
        2, {"vetting_reform": {"check_weeks": 8, "portable_share": 0.0}}, weeks=40, vetting_weeks=8
    )
    assert np.array_equal(b.met_by_kind_channel, p.met_by_kind_channel)
    assert p.costs_total["vetting_reform"] == 40 * 300.0
