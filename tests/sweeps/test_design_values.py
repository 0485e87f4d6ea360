"""A design value means what it says: a lever switch is a boolean (or 0/1), never text; a
factor that does not vary, or a town too small for its neighbourhoods, is refused."""

from __future__ import annotations

import pytest

from coprod_sim import CoproductionModel, ScenarioError
from coprod_sim.sweeps import Design, DesignError
from coprod_sim.sweeps.samplers import check, points


def table(*rows: dict) -> Design:
    return Design.from_dict(
        {
            "sweep": {"name": "t", "seed": 1, "replications": 1, "weeks": 4},
            "world": {"n_residents": 200},
            "design": {"kind": "table", "rows": list(rows)},
        }
    )


@pytest.mark.parametrize("text", ["no", "yes", "off", "false", ""])
def test_a_lever_switch_given_as_text_is_refused(text: str) -> None:
    with pytest.raises(DesignError, match=r"time_bank: value .* allowed: true or false"):
        check(table({"name": "a", "time_bank": text}, {"name": "b", "time_bank": True}))


def test_a_switch_is_a_boolean_or_0_and_1() -> None:
    d = table({"name": "off", "time_bank": 0}, {"name": "on", "time_bank": 1})
    check(d)
    off, on = points(d)
    assert "time_bank" not in off["levers"] and "time_bank" in on["levers"]
    with pytest.raises(DesignError, match="allowed: true or false"):
        check(table({"name": "x", "time_bank": 2}, {"name": "y", "time_bank": False}))


def factorial(**factors: list) -> Design:
    return Design.from_dict(
        {
            "sweep": {"name": "f", "seed": 1, "replications": 1, "weeks": 4},
            "world": {"n_residents": 200},
            "design": {"kind": "factorial", "factors": factors},
        }
    )


def test_a_one_level_factor_is_refused() -> None:
    with pytest.raises(DesignError, match="one level; allowed: two or more different levels"):
        check(factorial(time_bank=[True]))
    with pytest.raises(DesignError, match="a level twice"):
        check(factorial(time_bank=[True, True]))
    check(factorial(time_bank=[False, True]))


@pytest.mark.parametrize(
    "kw",
    [
        dict(n_residents=1),
        dict(n_residents=29),
        dict(scale=0.001),
        dict(n_residents=9, n_neighbourhoods=2),
    ],
)
def test_a_town_smaller_than_its_neighbourhoods_is_refused(kw: dict) -> None:
    with pytest.raises(ScenarioError, match="at least 5 residents per neighbourhood"):
        CoproductionModel(burn_in_years=0, **kw)


def test_the_smallest_town_builds() -> None:
    assert CoproductionModel(burn_in_years=0, n_residents=30).n_residents == 30


def test_years_that_round_to_no_week_are_refused() -> None:
    with pytest.raises(DesignError, match="less than one week"):
        Design.from_dict(
            {
                "sweep": {"name": "x", "seed": 1, "replications": 1, "years": 0.001},
                "arms": [{"name": "a"}],
            }
        )
