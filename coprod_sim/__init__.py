"""coprod-sim: agent-based simulation of community co-production of public services."""

from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import Scenario, ScenarioError, make_scenario

__all__ = ["CoproductionModel", "Scenario", "ScenarioError", "make_scenario"]
__version__ = "0.1.0"
