"""The ``[optimise]`` table of a design: which levers to search, what to minimise, what must hold.

    [optimise]
    seed = 7                      # the search's seed (default: sweep.seed; --seed overrides)
    generations = 10              # NSGA-II generations after the first population
    population = 20
    evaluation_seeds = 8          # paired seeds per uncertainty case during the search
    reevaluation_seeds = 16       # fresh seeds for the final Pareto set
    objectives = ["public_purse_cost_gbp", "cost_employers_gbp"]   # the first is "the cost"

    [optimise.levers]             # each: on/off plus its main intensity within bounds
    time_bank = { bounds = [10, 60] }
    budget_cuts = { bounds = [0.0, 0.5], set = { ramp_years = 0 } }
    personal_asks = {}            # default: the lever's main intensity, declared low to 2 x default

    [optimise.constraint]         # holds in at least `quantile` of the uncertainty cases
    metric = "needs_residents_unmet"
    at_most = 150
    per_1000_residents_a_year = true
    quantile = 0.9

Bounds are checked against the levers' declared parameter ranges (``declared_range``, the one
reader of ``param(..., ge=, le=)``); the default intensity and its bounds are EMA Workbench
model's (``ema_model.MAIN_INTENSITY`` and its range). Every metric is a declared one
(``coprod_sim.analysis.metrics``), and an objective must have a direction (lower or higher is
better). A bad table raises ``DesignError`` naming the entry, the value and what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError, field_validator

from coprod_sim.analysis import metrics as registry
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.sweeps.design import Design, DesignError, _describe
from coprod_sim.sweeps.design_schema import _Strict
from coprod_sim.sweeps.factors import declared_range
from coprod_sim.sweeps.samplers import points

#: objectives when the table names none: the public purse, and the payer outside it
DEFAULT_OBJECTIVES = ("public_purse_cost_gbp", "cost_employers_gbp")


class LeverSearch(_Strict):
    """One searched lever: its switch and (optionally) one intensity within bounds."""

    parameter: str | None = None  # default: ema_model.MAIN_INTENSITY[lever]
    bounds: list[float] | None = None  # default: the EMA model's range of that parameter
    switch: bool = True  # false: always on, only the intensity is searched
    intensity: bool = True  # false: on/off only
    set: dict[str, Any] = Field(default_factory=dict)  # fixed parameters while it is on


class Constraint(_Strict):
    metric: str = "needs_residents_unmet"
    at_most: float | None = None
    at_least: float | None = None
    per_1000_residents_a_year: bool = True
    quantile: float = 0.9

    @field_validator("quantile")
    @classmethod
    def _share(cls, v: float) -> float:
        if not 0 < v <= 1:
            raise ValueError("a share of uncertainty cases in (0, 1]")
        return v


class OptimiseSection(_Strict):
    seed: int | None = Field(None, ge=0, lt=2**63)
    generations: int = Field(10, ge=0, le=10_000)
    population: int = Field(20, ge=2, le=10_000)
    evaluation_seeds: int | None = Field(None, ge=1, le=10_000)
    reevaluation_seeds: int | None = Field(None, ge=1, le=10_000)
    objectives: list[str] = Field(default_factory=lambda: list(DEFAULT_OBJECTIVES))
    levers: dict[str, LeverSearch]
    constraint: Constraint
    #: PRIM on the re-evaluation needs this many failing cases of the cheapest mix
    prim_min_failures: int = Field(5, ge=1, le=100_000)


@dataclass(frozen=True)
class SearchedLever:
    """A searched lever, resolved: its intensity parameter (or None), bounds and type."""

    lever: str
    parameter: str | None
    low: float
    high: float
    integer: bool
    switch: bool
    fixed: dict[str, Any]


@dataclass(frozen=True)
class OptimiseSpec:
    """The checked ``[optimise]`` table."""

    section: OptimiseSection
    levers: tuple[SearchedLever, ...]
    directions: dict[str, str]  # objective -> "lower" | "higher"

    @property
    def objectives(self) -> list[str]:
        return list(self.section.objectives)

    @property
    def constraint(self) -> Constraint:
        return self.section.constraint

    def outcomes(self) -> list[str]:
        """The metrics every evaluation keeps."""
        names = [*self.objectives, self.constraint.metric, "n_residents"]
        return list(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        return self.section.model_dump(mode="json")


def _err(where: str, value: Any, allowed: str) -> DesignError:
    return DesignError(f"optimise.{where}: value {value!r} is not allowed; allowed: {allowed}")


def _check_metric(name: str, where: str, need_direction: bool) -> str:

    try:
        m = registry.metric(name)
    except registry.UnknownMetricError:
        raise _err(
            where,
            name,
            "a declared metric (coprod_sim.analysis.metrics), e.g. "
            "public_purse_cost_gbp, cost_employers_gbp, needs_residents_unmet",
        ) from None
    if need_direction and m.direction == "neither":
        raise _err(where, name, "a metric where lower or higher is better (this one is neither)")
    return m.direction


def _resolve_lever(name: str, s: LeverSearch) -> SearchedLever:
    # heavy: ema_model imports sweeps.ema and so scipy.stats, which `coprod-sim run` (it loads
    # this module through the sweep commands) must not pay for
    from coprod_sim.sweeps.ema_model import MAIN_INTENSITY, _intensity

    if name not in LEVERS:
        raise _err(f"levers.{name}", name, "a lever name: " + ", ".join(LEVERS))
    cls = LEVERS[name]
    for p, v in s.set.items():
        if p not in cls.model_fields:
            raise _err(f"levers.{name}.set", p, "parameters of " + name + ": "
                       + ", ".join(cls.model_fields))  # fmt: skip
        try:
            cls(**{p: v})
        except ValidationError:
            lo, hi, _ = declared_range(f"{name}.{p}")
            raise _err(
                f"levers.{name}.set.{p}", v, f"within the declared range [{lo}, {hi}]"
            ) from None
    if not s.intensity:
        if not s.switch:
            raise _err(f"levers.{name}", "switch = false, intensity = false",
                       "a switch, an intensity or both (else nothing is searched)")  # fmt: skip
        return SearchedLever(name, None, 0.0, 0.0, False, True, dict(s.set))
    pname = s.parameter or MAIN_INTENSITY.get(name)
    if pname is None or pname not in cls.model_fields or pname in Lever.TIMING:
        raise _err(f"levers.{name}.parameter", pname, "a parameter of " + name + ": "
                   + ", ".join(p for p in cls.model_fields if p not in Lever.TIMING))  # fmt: skip
    if pname in s.set:
        raise _err(f"levers.{name}.set", pname, "parameters other than the searched one")
    lo_d, hi_d, typ = declared_range(f"{name}.{pname}")
    if typ not in (int, float):
        raise _err(f"levers.{name}.parameter", pname, "a numeric parameter")
    if s.bounds is None:
        if pname == MAIN_INTENSITY.get(name):
            p = _intensity(name)
            lo, hi = float(p.lower_bound), float(p.upper_bound)
        elif lo_d is not None and hi_d is not None:
            lo, hi = float(lo_d), float(hi_d)
        else:
            raise _err(
                f"levers.{name}.bounds", None, f"[low, high] for {pname} (no declared range)"
            )
    else:
        if len(s.bounds) != 2 or not s.bounds[0] < s.bounds[1]:
            raise _err(f"levers.{name}.bounds", s.bounds, "[low, high] with low < high")
        lo, hi = float(s.bounds[0]), float(s.bounds[1])
        if (lo_d is not None and lo < lo_d) or (hi_d is not None and hi > hi_d):
            raise _err(
                f"levers.{name}.bounds",
                s.bounds,
                f"within {name}.{pname}'s declared range [{lo_d}, {hi_d}]",
            )
        if typ is int and (lo != math.floor(lo) or hi != math.floor(hi)):
            raise _err(f"levers.{name}.bounds", s.bounds, f"whole numbers ({pname} is an integer)")
    return SearchedLever(name, pname, lo, hi, typ is int, s.switch, dict(s.set))


def optimise_spec(design: Design) -> OptimiseSpec:
    """The design's checked ``[optimise]`` table (DesignError if it is missing or bad)."""

    raw = design.model.optimise
    if raw is None:
        raise DesignError(
            "design has no [optimise] table; allowed: [optimise] with levers and a constraint "
            "(see docs/optimise.md)"
        )
    try:
        section = OptimiseSection.model_validate(raw)
    except ValidationError as exc:
        raise DesignError(
            _describe(exc).replace("design entry '", "design entry 'optimise.")
        ) from None
    if not section.levers:
        raise _err("levers", {}, "at least one lever to search")
    if not section.objectives:
        raise _err("objectives", [], "at least one objective (the first is the cost)")
    if len(set(section.objectives)) < len(section.objectives):
        raise _err("objectives", section.objectives, "each metric once")
    directions = {
        o: _check_metric(o, f"objectives[{i}]", True) for i, o in enumerate(section.objectives)
    }
    c = section.constraint
    _check_metric(c.metric, "constraint.metric", False)
    if (c.at_most is None) == (c.at_least is None):
        raise _err(
            "constraint", {"at_most": c.at_most, "at_least": c.at_least},
            "exactly one of at_most or at_least (a finite number)",
        )  # fmt: skip
    levers = tuple(_resolve_lever(n, s) for n, s in section.levers.items())
    fixed = set(design.model.levers)

    for p in points(design):
        fixed |= set(p["levers"])
    clash = sorted(fixed & set(section.levers))
    if clash:
        raise _err(
            f"levers.{clash[0]}", clash[0],
            "levers the design does not set itself (it is in [levers] or a design factor; "
            "give its fixed parameters in optimise.levers." + clash[0] + ".set)",
        )  # fmt: skip
    return OptimiseSpec(section, levers, directions)
