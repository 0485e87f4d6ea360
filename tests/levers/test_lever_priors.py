"""Lever effect parameters declare a prior range from their evidence (or a stated assumption)."""

from __future__ import annotations

import pytest

from coprod_sim.levers import LEVERS
from coprod_sim.levers._table import lever_rows, lever_table_markdown
from coprod_sim.parameters import parameter_rows

#: levers with no effect parameter, and why (the test fails if one gains a prior unnoticed)
NO_EFFECT_PARAMETER = {
    "budget_cuts": "the cut's size is the scenario's dose (19% from the source) and its ramp; "
    "what a cut does runs through the services' world rules",
}


def _priors(name: str) -> list[dict]:
    return [r for r in parameter_rows(LEVERS[name]) if r["prior"] is not None]


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_every_lever_with_an_effect_parameter_declares_a_prior(name: str) -> None:
    if name in NO_EFFECT_PARAMETER:
        assert _priors(name) == [], f"{name} now has a prior: drop it from NO_EFFECT_PARAMETER"
    else:
        assert _priors(name), f"{name}: no effect parameter declares a prior"


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_every_prior_is_inside_the_range_contains_the_default_and_says_where_from(
    name: str,
) -> None:
    for r in _priors(name):
        low, high = r["prior"]
        assert r["role"] == "policy", r["name"]
        assert low < high, r["name"]
        assert r["low"] is None or r["low"] <= low, r["name"]
        assert r["high"] is None or high <= r["high"], r["name"]
        assert low <= r["default"] <= high, r["name"]
        # where the range comes from: a source's figure, or an assumption stated as such
        assert "prior" in r["source"] or "fitted" in r["source"], r["name"]


def test_the_time_banks_effects_carry_priors() -> None:
    names = {r["name"] for r in _priors("time_bank")}
    assert {"confidence_gain", "join_rate", "member_trust"} <= names
    assert {r["name"] for r in _priors("time_credits")} == {"reward_level"}


def test_the_lever_table_shows_the_prior_of_effects_only() -> None:
    rows = {(r["lever"], r["parameter"]): r for r in lever_rows()}
    assert rows[("time_credits", "reward_level")]["prior"] == "0.3 - 1"
    assert rows[("time_bank", "coordinator_hour_cost")]["prior"] == ""
    assert "| prior |" in lever_table_markdown()
