"""The scenario: every model parameter, gathered from the groups its mechanisms declare.

Each group is declared next to the rule that uses it (``CommitmentParams`` in
``mechanisms/commitment.py``, ...), with unit, default, range, role and source; ``Scenario``
joins them into one flat, strict set (``p.fatigue_rate``), which feeds the command line, the
scenario files, the ODD's parameter table and the bounds that sweeps and sensitivity analysis
use. Roles follow EMA Workbench's split: ``world`` parameters are uncertainties about the town
and its people, ``policy`` parameters are levers a council can pull, ``run`` parameters set up
the experiment.
"""

from __future__ import annotations

from coprod_sim.mechanisms.awareness import AwarenessParams
from coprod_sim.mechanisms.channels import ChannelParams
from coprod_sim.mechanisms.collective_action import CollectiveActionParams
from coprod_sim.mechanisms.commitment import CommitmentParams
from coprod_sim.mechanisms.decision import DecisionParams
from coprod_sim.mechanisms.futures import FutureParams
from coprod_sim.mechanisms.gatekeeping import GatekeepingParams
from coprod_sim.mechanisms.needs import NeedParams
from coprod_sim.mechanisms.outcomes import OutcomeParams
from coprod_sim.mechanisms.red_tape import RedTapeParams
from coprod_sim.mechanisms.services import ServiceParams
from coprod_sim.mechanisms.trust import TrustParams
from coprod_sim.mechanisms.turnover import TurnoverParams
from coprod_sim.state.network import GraphParams
from coprod_sim.state.population import PopulationParams
from coprod_sim.state.towns import TownParams


# pydantic lists the fields of the last base first: the groups are in reverse of the ODD's order
class Scenario(
    FutureParams,
    TurnoverParams,
    OutcomeParams,
    CollectiveActionParams,
    GatekeepingParams,
    ServiceParams,
    TrustParams,
    CommitmentParams,
    RedTapeParams,
    ChannelParams,
    AwarenessParams,
    DecisionParams,
    NeedParams,
    GraphParams,
    PopulationParams,
    TownParams,
):
    """All world, policy and run parameters of one model run (levers are added in ``policies``)."""


#: the group (class) that declares each parameter, for the ODD table
DECLARED_IN: dict[str, type] = {
    name: cls
    for cls in reversed(Scenario.__mro__)
    if isinstance(cls, type) and cls.__name__.endswith("Params")
    for name in cls.__annotations__
}
