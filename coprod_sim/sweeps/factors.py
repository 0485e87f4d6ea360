"""What a design's factor names mean: a scenario parameter, a lever, or a lever's parameter,
with its declared range; and ``DesignError``. The samplers and the design both read these.
"""

from __future__ import annotations

from typing import Any

from coprod_sim.levers import LEVERS
from coprod_sim.parameters import ScenarioError, parameter_rows
from coprod_sim.scenario import Scenario

#: design kinds that sample ranges and report sensitivity indices
SENSITIVITY_KINDS = ("lhs", "sobol", "morris")


class DesignError(ScenarioError):
    """A design that cannot run: the message names the entry, the value and what is allowed."""


def _world_fields() -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in parameter_rows(Scenario)}


def factor_kind(name: str, where: str) -> tuple[str, str | None, str | None]:
    """Classify a factor name: ("world", param, None), ("lever", lever, None) or
    ("lever_param", lever, param); unknown names raise DesignError naming the valid ones."""
    if name in LEVERS:
        return "lever", name, None
    lever, dot, pname = name.partition(".")
    if dot:
        cls = LEVERS.get(lever)
        if cls is None:
            raise DesignError(
                f"{where}: unknown lever '{lever}' in '{name}'; valid levers are: "
                + ", ".join(LEVERS)
            )
        if pname not in cls.model_fields:
            raise DesignError(
                f"{where}: unknown parameter '{pname}' of lever '{lever}'; valid parameters are: "
                + ", ".join(cls.model_fields)
            )
        return "lever_param", lever, pname
    if name in Scenario.model_fields:
        return "world", name, None
    raise DesignError(
        f"{where}: unknown factor '{name}'; allowed: a scenario parameter ("
        + ", ".join(Scenario.model_fields)
        + "), a lever name ("
        + ", ".join(LEVERS)
        + ") or lever.parameter"
    )


def check_lever(name: str, where: str) -> None:
    """Refuse a name that is not a lever, listing the valid ones."""
    if name not in LEVERS:
        raise DesignError(
            f"{where}: unknown lever '{name}'; valid levers are: " + ", ".join(LEVERS)
        )


def declared_range(name: str) -> tuple[float | None, float | None, type]:
    """The declared (low, high, type) of a world or lever parameter."""
    kind, a, b = factor_kind(name, "range")
    cls = Scenario if kind == "world" else LEVERS[a]
    pname = a if kind == "world" else b
    row = next(r for r in parameter_rows(cls) if r["name"] == pname)
    return row["low"], row["high"], cls.model_fields[pname].annotation
