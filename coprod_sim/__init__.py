"""coprod-sim: agent-based simulation of community co-production of public services.

The public names below are imported on first use (PEP 562), so ``import coprod_sim`` and the
command line's start stay light: a Ctrl-C during start-up can then be answered with one line
(``coprod_sim.__main__``), and a command that needs no model does not load one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "CoproductionModel": "coprod_sim.model",
    "ScenarioError": "coprod_sim.parameters",
    "make_scenario": "coprod_sim.scenario",
    "RULES": "coprod_sim.rules",
    "RuleWarning": "coprod_sim.rules",
    "Scenario": "coprod_sim.scenario",
    "WEEK": "coprod_sim.schedule",
}
__all__ = [
    "RULES",
    "WEEK",
    "CoproductionModel",
    "RuleWarning",
    "Scenario",
    "ScenarioError",
    "make_scenario",
]

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel
    from coprod_sim.parameters import ScenarioError
    from coprod_sim.rules import RULES, RuleWarning
    from coprod_sim.scenario import Scenario, make_scenario
    from coprod_sim.schedule import WEEK


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coprod_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
