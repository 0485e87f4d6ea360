"""Calibration targets, the distance's statistics and the declared priors."""

from __future__ import annotations

import math

import pytest

from coprod_sim.calibration.fit import distance_weights, observed_statistics, summary_statistics
from coprod_sim.calibration.targets import (
    MEASURE_KEYS,
    TARGETS,
    calibrated_parameters,
    willingness_excess,
)
from coprod_sim.data.survey import SURVEY_TARGETS
from coprod_sim.parameters import param, parameter_rows
from coprod_sim.scenario import Scenario
from coprod_sim.state.willingness import ACTIVITIES


def _measures(**changes: float) -> dict[str, float]:
    base = {k: 0.0 for k in MEASURE_KEYS}
    base.update(
        participation_formal_weekly=0.15,
        participation_formal_at_least_monthly=0.25,
        participation_formal_at_least_yearly=0.40,
        participation_formal_rarely=0.21,
        participation_formal_never=0.37,
        older_unmet_care_share=0.16,
    )
    base.update(changes)
    return base


def _distance(measures: dict[str, float]) -> float:
    stats, obs = summary_statistics(measures), observed_statistics(MEASURE_KEYS)
    w = distance_weights(MEASURE_KEYS)
    return max(abs(stats[k] - obs[k]) * w[k] for k in obs)


def test_every_calibrate_row_is_a_target_with_the_survey_value() -> None:
    rows = {i: r.value for i, r in SURVEY_TARGETS.items() if r.kind == "calibrate"}
    assert {t.id: t.value for t in TARGETS} == rows


def test_the_survey_itself_is_at_distance_zero() -> None:
    assert _distance(_measures()) == 0.0


def test_distance_is_the_largest_miss_in_tolerances() -> None:
    # weekly 6 points high = 2 tolerances; never 2 points low = 0.5 tolerance
    d = _distance(_measures(participation_formal_weekly=0.21, participation_formal_never=0.35))
    assert math.isclose(d, 2.0)


def test_at_least_yearly_is_a_lower_bound() -> None:
    assert _distance(_measures(participation_formal_at_least_yearly=0.55)) == 0.0
    assert math.isclose(_distance(_measures(participation_formal_at_least_yearly=0.34)), 2.0)


def test_an_activity_above_its_stated_willingness_is_far() -> None:
    share = ACTIVITIES["joint_patrol"][1]
    m = _measures(helped_joint_patrol=share + 0.01)
    assert math.isclose(willingness_excess(m), 0.01)
    assert math.isclose(_distance(m), 10.0)  # 0.01 over, tolerance 0.001
    assert willingness_excess(_measures(helped_joint_patrol=share)) == 0.0


def test_priors_sit_inside_the_declared_ranges() -> None:
    rows = calibrated_parameters()
    assert len(rows) >= 5
    for r in rows:
        low, high = r["prior"]
        assert r["role"] == "world"
        assert r["low"] <= low < high <= r["high"], r["name"]
        assert "calibrated" in r["source"], r["name"]
    assert {r["name"] for r in rows} < {r["name"] for r in parameter_rows(Scenario)}


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"role": "run", "prior": (0.1, 0.4)}, "only a world or policy parameter"),
        ({"role": "world", "prior": (0.5, 0.2)}, "low < high"),
        ({"role": "world", "prior": (-1.0, 0.5)}, "outside the declared range"),
        ({"role": "policy", "prior": (0.0, 1.5)}, "outside the declared range"),
        ({"role": "policy", "prior": (0.4, 0.6)}, "does not contain the default"),
    ],
)
def test_a_prior_must_be_a_world_or_policy_parameters_inside_its_range(
    kw: dict, needle: str
) -> None:
    with pytest.raises(ValueError, match=needle):
        param(0.3, unit="share", source="test", doc="test", ge=0, le=1, **kw)
