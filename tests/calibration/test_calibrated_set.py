"""Calibration fits world parameters only: a lever's effect prior is never fitted to the survey."""

from __future__ import annotations

from coprod_sim.calibration.targets import calibrated_parameters, is_calibrated
from coprod_sim.levers import LEVERS
from coprod_sim.parameters import parameter_rows
from coprod_sim.scenario import Scenario


def test_lever_priors_are_left_out_of_the_fitted_set() -> None:
    lever_rows = [r for cls in LEVERS.values() for r in parameter_rows(cls)]
    with_prior = [r for r in lever_rows if r["prior"] is not None]
    assert with_prior, "no lever declares a prior: the filter is not exercised"
    everything = parameter_rows(Scenario) + lever_rows
    fitted = calibrated_parameters(everything)
    assert fitted == calibrated_parameters()
    assert {r["role"] for r in fitted} == {"world"}
    assert not any(is_calibrated(r) for r in with_prior)


def test_the_fitted_set_is_every_world_parameter_with_a_prior() -> None:
    world = [r["name"] for r in parameter_rows(Scenario) if r["role"] == "world" and r["prior"]]
    assert [r["name"] for r in calibrated_parameters()] == world
    assert is_calibrated({"role": "world", "prior": (0.0, 1.0)})
    assert not is_calibrated({"role": "policy", "prior": (0.0, 1.0)})
    assert not is_calibrated({"role": "world", "prior": None})
