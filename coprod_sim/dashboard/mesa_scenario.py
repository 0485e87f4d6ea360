"""What Mesa's SolaraViz passes to a model on Reset, turned into CoproductionModel's keywords.

Mesa 3.5 rebuilds the model on Reset as ``type(model)(**model_params, scenario=Scenario(...))``
(``mesa.visualization.solara_viz._build_model_init_kwargs``). ``CoproductionModel`` declares its
parameters with pydantic (``coprod_sim.parameters.Scenario``), so Mesa's scenario object is
unpacked here: its values become keyword parameters (checked as strictly as any other) and its
``rng`` becomes the seed. Conflicting values are refused rather than one silently winning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coprod_sim.parameters import ScenarioError


def merge_mesa_scenario(
    scenario: Any, rng: Any, params: Mapping[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """``(rng, params)`` with the values of Mesa's ``scenario`` (or unchanged if it is None).

    Raises ScenarioError if ``scenario`` is not a Mesa Scenario, or if it gives a parameter (or
    a seed) that the keywords also give with another value.
    """
    params = dict(params)
    if scenario is None:
        return rng, params
    from mesa.experimental.scenarios import Scenario as MesaScenario

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
