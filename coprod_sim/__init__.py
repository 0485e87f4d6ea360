"""coprod-sim: agent-based simulation of community co-production of public services."""

from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError, make_scenario
from coprod_sim.rules import RULES, RuleWarning
from coprod_sim.scenario import Scenario
from coprod_sim.schedule import WEEK

__all__ = [
    "RULES",
    "WEEK",
    "CoproductionModel",
    "RuleWarning",
    "Scenario",
    "ScenarioError",
    "make_scenario",
]
__version__ = "0.1.0"
