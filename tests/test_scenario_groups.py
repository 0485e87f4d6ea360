"""Parameter groups: each mechanism's parameters under its module's name, one value each.

``scenario.commitment.fatigue_rate`` is ``scenario.fatigue_rate``; a group can be given as a
table (keyword, scenario file, ``--set group.name``) and mistakes name the right group."""

from __future__ import annotations

import pytest

from coprod_sim import CoproductionModel
from coprod_sim.io.scenario_file import build_spec, parse_sets
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import DECLARED_IN, GROUP_OF, GROUPS, Scenario, make_scenario


def test_every_parameter_is_in_exactly_one_group_named_for_its_module() -> None:
    names = [n for cls in GROUPS.values() for n in cls.model_fields]
    assert sorted(names) == sorted(Scenario.model_fields)
    assert len(names) == len(set(names))
    assert GROUP_OF["fatigue_rate"] == "commitment"
    assert GROUPS["commitment"].__module__ == "coprod_sim.mechanisms.commitment"
    assert all(DECLARED_IN[n] is GROUPS[GROUP_OF[n]] for n in Scenario.model_fields)
    assert not set(GROUPS) & set(Scenario.model_fields)  # a group never hides a parameter


def test_a_group_is_a_view_of_the_scenarios_own_values() -> None:
    s = make_scenario(fatigue_rate=0.02)
    assert s.commitment.fatigue_rate == 0.02
    s.commitment.fatigue_rate = 0.03
    assert s.fatigue_rate == 0.03  # one value, reached two ways
    s.fatigue_rate = 0.04
    assert s.commitment.model_dump()["fatigue_rate"] == 0.04
    assert set(s.commitment) == set(GROUPS["commitment"].model_fields)


def test_setting_through_a_group_is_validated_as_any_assignment() -> None:
    s = make_scenario()
    with pytest.raises(ValueError, match="fatigue_rate"):
        s.commitment.fatigue_rate = -1.0
    assert s.fatigue_rate == Scenario.model_fields["fatigue_rate"].default


def test_a_parameter_of_another_group_names_its_own_group() -> None:
    s = make_scenario()
    with pytest.raises(AttributeError, match="'trust.trust_gain'"):
        s.commitment.trust_gain  # noqa: B018
    with pytest.raises(ScenarioError, match="'trust.trust_gain'"):
        make_scenario(commitment={"trust_gain": 0.1})
    with pytest.raises(ScenarioError, match="closest: 'commitment.fatigue_rate'"):
        make_scenario(commitment={"fatigue_rat": 0.1})


def test_a_group_given_as_a_table_equals_the_flat_names() -> None:
    a = make_scenario(commitment={"fatigue_rate": 0.02, "dropout_hazard": 0.01})
    b = make_scenario(fatigue_rate=0.02, dropout_hazard=0.01)
    assert a == b
    assert Scenario(commitment={"fatigue_rate": 0.02}).fatigue_rate == 0.02


def test_a_value_given_both_ways_with_two_values_is_refused() -> None:
    with pytest.raises(ScenarioError, match="given twice"):
        make_scenario(fatigue_rate=0.1, commitment={"fatigue_rate": 0.2})
    assert make_scenario(fatigue_rate=0.1, commitment={"fatigue_rate": 0.1}).fatigue_rate == 0.1


def test_the_model_runs_the_same_from_a_group_table() -> None:
    kw = dict(n_residents=600, burn_in_years=0, rng=3)
    a = CoproductionModel(**kw, trust={"trust_gain": 0.09})
    b = CoproductionModel(**kw, trust_gain=0.09)
    a.run_weeks(6)
    b.run_weeks(6)
    assert (a.pop.trust_nbr == b.pop.trust_nbr).all()
    assert a.params.trust.trust_gain == 0.09


def test_set_and_scenario_files_take_group_names(tmp_path) -> None:
    params, policies = parse_sets(["commitment.fatigue_rate=0.02", "time_bank.join_rate=0.01"])
    assert params == {"fatigue_rate": 0.02}
    assert policies == {"time_bank": {"join_rate": 0.01}}
    path = tmp_path / "s.toml"
    path.write_text('town = "demo"\n\n[commitment]\nfatigue_rate = 0.02\n\n[run]\nweeks = 4\n')
    spec = build_spec(path, out=tmp_path / "out")
    assert spec.scenario.fatigue_rate == 0.02
    path.write_text('town = "demo"\n\n[commitment]\ntrust_gain = 0.02\n')
    with pytest.raises(ScenarioError, match="belongs to group 'trust'"):
        build_spec(path, out=tmp_path / "out")
