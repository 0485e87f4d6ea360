"""Lever controls come from the levers' own declarations: every lever, every parameter, once."""

from __future__ import annotations

import pytest

from coprod_sim.dashboard.controls import lever_controls, lever_summary, parse_value
from coprod_sim.levers import LEVERS
from coprod_sim.parameters import ScenarioError, parameter_rows


def test_every_lever_and_parameter_has_a_control():
    controls = {c.name: c for c in lever_controls()}
    assert list(controls) == list(LEVERS)
    for name, cls in LEVERS.items():
        c = controls[name]
        assert [p.name for p in c.params] == [r["name"] for r in parameter_rows(cls)]
        assert c.source == cls.source and c.source
        assert c.summary and "\n" not in c.summary
        for p, row in zip(c.params, parameter_rows(cls), strict=True):
            assert (p.unit, p.default, p.low, p.high, p.doc) == (
                row["unit"], row["default"], row["low"], row["high"], row["doc"]
            )  # fmt: skip
        assert c.main_params, f"{name} shows no main control"


def test_summary_is_the_class_docstring_first_line():
    tb = LEVERS["time_bank"]
    assert lever_summary(tb) == tb.__doc__.strip().splitlines()[0]


def test_parse_value_types_and_ranges():
    c = {p.name: p for p in next(x for x in lever_controls() if x.name == "time_bank").params}
    assert parse_value("time_bank", c["coordinator_hours"], " 35.5 ") == 35.5
    assert parse_value("time_bank", c["candidates_per_request"], "4") == 4
    with pytest.raises(ScenarioError, match="'time_bank.candidates_per_request'.*whole number"):
        parse_value("time_bank", c["candidates_per_request"], "4.5")
    with pytest.raises(ScenarioError, match="'time_bank.coordinator_hours'.*'lots'"):
        parse_value("time_bank", c["coordinator_hours"], "lots")
    with pytest.raises(ScenarioError, match="'time_bank.coordinator_hours'"):
        parse_value("time_bank", c["coordinator_hours"], "-1")
    with pytest.raises(ScenarioError, match="'time_bank.coordinator_hours'"):
        parse_value("time_bank", c["coordinator_hours"], "nan")
