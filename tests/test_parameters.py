"""The Scenario: every parameter declared with unit, role, range and source; bad input refused
with a message naming the parameter, the value and what is allowed."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from coprod_sim import CoproductionModel, Scenario, ScenarioError, make_scenario
from coprod_sim.parameters import (
    Strict,
    describe_validation_error,
    field_bounds,
    field_range,
    param,
    parameter_rows,
)
from coprod_sim.state.towns import TOWNS


def test_defaults_are_valid_and_every_field_is_declared() -> None:
    s = make_scenario()
    rows = parameter_rows(Scenario)
    assert [r["name"] for r in rows] == list(Scenario.model_fields)
    for r in rows:
        assert r["unit"], f"{r['name']} has no unit"
        assert r["role"] in ("world", "policy", "run"), r["name"]
        assert r["source"], f"{r['name']} has no source or stated assumption"
        assert r["doc"], f"{r['name']} has no meaning"
        value = getattr(s, r["name"])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert r["low"] is not None or r["high"] is not None, f"{r['name']} has no range"
            if r["low"] is not None:
                assert value >= r["low"], r["name"]
            if r["high"] is not None:
                assert value <= r["high"], r["name"]


def _refused(**kw: Any) -> str:
    with pytest.raises(ScenarioError) as info:
        CoproductionModel(rng=1, **{"burn_in_years": 0, **{"n_residents": 200, **kw}})
    return str(info.value)


def test_unknown_name_is_refused_and_valid_names_listed() -> None:
    msg = _refused(free_hours_maen=5.0)
    assert "free_hours_maen" in msg
    assert "unknown parameter" in msg
    assert "free_hours_mean" in msg  # the valid names are listed


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n_residents", "many"),
        ("free_hours_mean", "6"),
        ("asks_per_need", True),
        ("asks_per_need", 2.5),
        ("town", 3),
    ],
)
def test_wrong_type_is_refused(name: str, value: Any) -> None:
    msg = _refused(**{name: value})
    assert f"'{name}'" in msg
    assert repr(value) in msg


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_are_refused(value: float) -> None:
    msg = _refused(fear_liability_mean=value)
    assert "'fear_liability_mean'" in msg
    assert repr(value) in msg


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("share_young", 1.5, ">= 0 and <= 1"),
        ("ties_local", -1.0, ">= 0 and <= 60"),
        ("vetting_weeks", 53, ">= 0 and <= 52"),
        ("scale", 0.0, "<= 100"),
    ],
)
def test_out_of_range_is_refused_with_the_range(name: str, value: Any, allowed: str) -> None:
    msg = _refused(**{name: value})
    assert f"'{name}'" in msg
    assert repr(value) in msg
    assert allowed in msg


def test_unknown_town_is_refused_and_towns_listed() -> None:
    msg = _refused(town="atlantis")
    assert "'town'" in msg and "atlantis" in msg
    for name in TOWNS:
        assert name in msg


@pytest.mark.parametrize(
    ("kw", "names"),
    [
        (
            {"staff_share_social_care": 0.7, "staff_share_public_safety": 0.5},
            ("staff_share_social_care", "staff_share_public_safety"),
        ),
        ({"share_young": 0.6, "share_retired": 0.5}, ("share_young", "share_retired")),
    ],
)
def test_cross_field_constraints_are_refused(kw: dict[str, float], names: tuple[str, ...]) -> None:
    msg = _refused(**kw)
    for name in names:
        assert name in msg
    assert "exceeds 1" in msg


def test_several_problems_are_all_reported() -> None:
    msg = _refused(share_young=2.0, ties_local=math.nan)
    assert "share_young" in msg and "ties_local" in msg


def test_a_whole_number_is_accepted_for_a_float_parameter() -> None:
    assert make_scenario(free_hours_mean=6).free_hours_mean == 6.0


def test_assignment_is_validated_too() -> None:
    s = make_scenario()
    with pytest.raises(ValueError):
        s.share_young = -0.1


@pytest.mark.parametrize(
    ("rng", "exc"), [(-1, ValueError), ("seven", TypeError), (True, TypeError)]
)
def test_a_bad_seed_is_refused(rng: Any, exc: type[Exception]) -> None:
    with pytest.raises(exc, match="rng"):
        CoproductionModel(rng=rng, n_residents=200, burn_in_years=0)


def test_one_reader_of_a_fields_bounds() -> None:
    """``field_bounds`` reads ge/gt/le/lt; the parameter table, the range text and the error
    message all say what it says."""

    class Group(Strict):
        share: float = param(0.5, unit="share", role="world", ge=0, lt=1, source="s", doc="d")
        count: int = param(3, unit="people", role="run", gt=0, source="s", doc="d")

    assert field_bounds(Group.model_fields["share"]) == (0, False, 1, True)
    assert field_bounds(Group.model_fields["count"]) == (0, True, None, False)
    rows = {r["name"]: r for r in parameter_rows(Group)}
    assert (rows["share"]["low"], rows["share"]["high"]) == (0, 1)
    assert field_range(Group.model_fields["share"]) == "[0, 1)"
    assert field_range(Group.model_fields["count"]) == "> 0"
    with pytest.raises(ValidationError) as info:
        Group(share=1.0)
    assert "allowed: a number >= 0 and < 1 (share)" in describe_validation_error(info.value, Group)
