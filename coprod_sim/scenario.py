"""The scenario: every model parameter, gathered from the groups its mechanisms declare.

Each group is declared next to the rule that uses it (``CommitmentParams`` in
``mechanisms/commitment.py``, ...), with unit, default, range, role and source; ``Scenario``
joins them into one flat, strict set (``p.fatigue_rate``), which feeds the command line, the
scenario files, the ODD's parameter table and the bounds that sweeps and sensitivity analysis
use. Roles follow EMA Workbench's split: ``world`` parameters are uncertainties about the town
and its people, ``policy`` parameters are levers a council can pull, ``run`` parameters set up
the experiment.

``make_scenario`` builds one from keywords with readable errors, and ``merge_mesa_scenario``
turns what Mesa's SolaraViz passes on Reset into those keywords.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario
from pydantic import ValidationError

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
from coprod_sim.parameters import (
    MAX_RESIDENTS,
    ScenarioError,
    coerce_numpy,
    describe_validation_error,
)
from coprod_sim.state.network import GraphParams
from coprod_sim.state.population import PopulationParams
from coprod_sim.state.towns import TOWNS, TownParams


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


def town_size(scenario: Scenario) -> int:
    """Residents the town will have: ``n_residents``, or the preset's residents x ``scale``."""
    if scenario.n_residents:
        return int(scenario.n_residents)
    return max(1, int(round(TOWNS[scenario.town].residents * scenario.scale)))


def make_scenario(**params: Any) -> Scenario:
    """Build a validated Scenario or raise ScenarioError with a readable message.

    NumPy scalars are taken as the numbers they are; the size limit applies to the town that
    would result (a preset times ``scale``), before anything is built.
    """
    params = {k: coerce_numpy(v) for k, v in params.items()}
    try:
        scenario = Scenario(**params)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario)) from None
    size = town_size(scenario)
    if size > MAX_RESIDENTS:
        how = (
            f"n_residents = {scenario.n_residents:,}"
            if scenario.n_residents
            else f"town '{scenario.town}' x scale {scenario.scale:g}"
        )
        raise ScenarioError(
            f"parameter 'scale': {how} makes a town of {size:,} residents, which is not "
            f"allowed; allowed: at most {MAX_RESIDENTS:,} residents (lower 'scale' or "
            "'n_residents')"
        )
    return scenario


def merge_mesa_scenario(
    scenario: Any, rng: Any, params: Mapping[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """``(rng, params)`` with the values of Mesa's ``scenario`` (or unchanged if it is None).

    Mesa 3.5 rebuilds the model on Reset as ``type(model)(**model_params,
    scenario=Scenario(...))`` (``mesa.visualization.solara_viz._build_model_init_kwargs``);
    ``CoproductionModel`` declares its parameters with pydantic, so Mesa's scenario object is
    unpacked here: its values become keyword parameters (checked as strictly as any other) and
    its ``rng`` becomes the seed. Raises ScenarioError if ``scenario`` is not a Mesa Scenario,
    or if it gives a parameter (or a seed) that the keywords also give with another value,
    rather than one silently winning.
    """
    params = dict(params)
    if scenario is None:
        return rng, params
    if not isinstance(scenario, MesaScenario):
        raise ScenarioError(
            f"parameter 'scenario': value {scenario!r} is not allowed; allowed: a Mesa "
            "Scenario (mesa.experimental.scenarios.Scenario) or nothing; CoproductionModel's own "
            "parameters are keyword arguments"
        )
    values = dict(vars(scenario))
    s_rng = values.pop("rng", None)
    for key, value in values.items():
        if key.startswith("_"):
            continue
        if key in params and params[key] != value:
            raise ScenarioError(
                f"parameter '{key}': given twice with different values ({params[key]!r} as a "
                f"keyword, {value!r} in the Mesa scenario); allowed: one value"
            )
        params[key] = value
    if s_rng is not None:
        if rng is not None and rng != s_rng:
            raise ScenarioError(
                f"parameter 'rng': given twice with different values ({rng!r} as a keyword, "
                f"{s_rng!r} in the Mesa scenario); allowed: one seed"
            )
        rng = s_rng
    return rng, params
