"""The scenario: every model parameter, gathered from the groups its mechanisms declare.

Each group is declared next to the rule that uses it (``CommitmentParams`` in
``mechanisms/commitment.py``, ...), with unit, default, range, role and source; ``Scenario``
joins them into one strict set. Each value is stored once, under its own name
(``p.fatigue_rate``: the name files, ``--set``, posteriors and sweeps use); each group is
reachable under its module's name as a view onto those same values
(``p.commitment.fatigue_rate``, ``make_scenario(commitment={"fatigue_rate": 0.02})``, a
``[commitment]`` table in a scenario file, ``--set commitment.fatigue_rate=0.02``), so a change
made either way is one change. The groups feed the command line, the scenario files, the ODD's
parameter tables (one per group) and the bounds that sweeps and sensitivity analysis use.
Roles follow EMA Workbench's split: ``world`` parameters are uncertainties about the town
and its people, ``policy`` parameters are levers a council can pull, ``run`` parameters set up
the experiment.

``make_scenario`` builds one from keywords with readable errors, and ``merge_mesa_scenario``
turns what Mesa's SolaraViz passes on Reset into those keywords.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario
from pydantic import BaseModel, ValidationError, model_validator

from coprod_sim.mechanisms.awareness import AwarenessParams
from coprod_sim.mechanisms.channels import ChannelParams
from coprod_sim.mechanisms.collective_action import CollectiveActionParams
from coprod_sim.mechanisms.commitment import CommitmentParams
from coprod_sim.mechanisms.decision import DecisionParams
from coprod_sim.mechanisms.futures import FutureParams, check_rows
from coprod_sim.mechanisms.gatekeeping import GatekeepingParams
from coprod_sim.mechanisms.local_groups import LocalGroupParams
from coprod_sim.mechanisms.needs import NeedParams
from coprod_sim.mechanisms.outcomes import OutcomeParams
from coprod_sim.mechanisms.red_tape import RedTapeParams
from coprod_sim.mechanisms.services import ServiceParams
from coprod_sim.mechanisms.trust import TrustParams
from coprod_sim.mechanisms.turnover import TurnoverParams
from coprod_sim.parameters import (
    MAX_RESIDENTS,
    ScenarioError,
    closest_names,
    coerce_numpy,
    describe_validation_error,
)
from coprod_sim.state.network import GraphParams
from coprod_sim.state.population import PopulationParams
from coprod_sim.state.towns import TOWNS, TownParams


# pydantic lists the fields of the last base first: the groups are in reverse of the ODD's order
class Scenario(
    LocalGroupParams,
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

    @model_validator(mode="before")
    @classmethod
    def _groups_given_as_tables(cls, data: Any) -> Any:
        return flatten_groups(data) if isinstance(data, Mapping) else data

    def __getattr__(self, name: str) -> Any:
        # only reached when ``name`` is not a field: a group's name gives its view
        group = GROUPS.get(name)
        if group is not None:
            return ParameterGroup(self, name)
        return super().__getattr__(name)  # pydantic's own (private attributes), else an error


def _group_name(cls: type) -> str:
    """A group is named for the module that declares it (``mechanisms.commitment``)."""
    return cls.__module__.rsplit(".", 1)[-1]


#: every parameter group under its module's name, in the ODD's order (the reverse of the bases)
GROUPS: dict[str, type[BaseModel]] = {_group_name(cls): cls for cls in reversed(Scenario.__bases__)}
#: the group (class) that declares each parameter, for the ODD table
DECLARED_IN: dict[str, type] = {
    name: cls for cls in GROUPS.values() for name in cls.__annotations__
}
#: the group name of each parameter (``"fatigue_rate"`` -> ``"commitment"``)
GROUP_OF: dict[str, str] = {name: _group_name(cls) for name, cls in DECLARED_IN.items()}


class ParameterGroup:
    """One mechanism's parameters inside a scenario (``scenario.commitment``): a view, not a
    copy. Reading or setting ``scenario.commitment.fatigue_rate`` reads or sets the scenario's
    own ``fatigue_rate`` (validated as any assignment), so the value lives in one place."""

    __slots__ = ("_scenario", "_name")

    def __init__(self, scenario: Scenario, name: str) -> None:
        object.__setattr__(self, "_scenario", scenario)
        object.__setattr__(self, "_name", name)

    @property
    def names(self) -> tuple[str, ...]:
        """The group's parameter names, in declaration order."""
        return tuple(GROUPS[self._name].model_fields)

    def _check(self, name: str) -> None:
        if name not in GROUPS[self._name].model_fields:
            raise AttributeError(_not_in_group(self._name, name, "parameter"))

    def __getattr__(self, name: str) -> Any:
        self._check(name)
        return getattr(self._scenario, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._check(name)
        setattr(self._scenario, name, coerce_numpy(value))

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __dir__(self) -> list[str]:
        return [*self.names, "names", "model_dump"]

    def model_dump(self) -> dict[str, Any]:
        """The group's values by name (as ``Scenario.model_dump`` gives them, for this group)."""
        return {n: getattr(self._scenario, n) for n in self.names}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParameterGroup):
            return NotImplemented
        return self._name == other._name and self.model_dump() == other.model_dump()

    __hash__ = None  # a view of mutable values

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.model_dump().items())
        return f"{self._name}({inner})"


def _not_in_group(group: str, name: str, where: str, value: Any = None) -> str:
    given = "" if value is None else f" (value {value!r})"
    if name in GROUP_OF:
        return (
            f"{where} group '{group}' has no parameter '{name}'{given}; allowed: "
            f"'{GROUP_OF[name]}.{name}' (it belongs to group '{GROUP_OF[name]}'), or '{name}'"
        )
    fields = GROUPS[group].model_fields
    return f"unknown {where} '{group}.{name}'{given}; " + closest_names(
        name, fields, prefix=f"{group}."
    )


def flatten_groups(params: Mapping[str, Any], where: str = "parameter") -> dict[str, Any]:
    """``params`` with each group given as a table (``commitment={"fatigue_rate": 0.02}``)
    turned into its flat names. A name the group does not declare, or a parameter given both
    ways with different values, is refused naming it (``where`` names the source: a file's
    table, a keyword)."""
    flat = {k: v for k, v in params.items() if not (k in GROUPS and isinstance(v, Mapping))}
    for group, table in params.items():
        if group not in GROUPS or not isinstance(table, Mapping):
            continue
        fields = GROUPS[group].model_fields
        for name, value in table.items():
            if name not in fields:
                raise ScenarioError(_not_in_group(group, name, where, value))
            if name in flat and flat[name] != value:
                raise ScenarioError(
                    f"{where} '{name}': given twice with different values ({flat[name]!r} by "
                    f"its name, {value!r} as '{group}.{name}'); allowed: one value"
                )
            flat[name] = value
    return flat


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
    params = {k: coerce_numpy(v) for k, v in flatten_groups(params).items()}
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
    if scenario.future:  # a growing town's spare rows (FutureError past futures.MAX_ROWS)
        check_rows(scenario.future, size)
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
