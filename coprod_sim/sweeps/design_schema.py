"""The schema of a sweep design file: its sections and entries, their types, defaults and ranges.

The pydantic models only (what a ``[sweep]``, ``[design]`` or ``[[arms]]`` table may hold); the
checks that need more than types, and the ``Design`` built on them, are in
``coprod_sim.sweeps.design``. Both ``design`` and ``samplers`` read these models, so they live
below both.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["arms", "factorial", "lhs", "sobol", "morris", "table"]

#: metrics totalled over the run (measured after burn-in as end minus burn-in); a configurable
#: default matched by prefix/suffix so new cost or count metrics are covered without edits here
DEFAULT_CUMULATIVE = (
    "needs_",
    "hours_",
    "*_hours",
    "crises",
    "*_cost_gbp",
    "lever_cost_",
    "cost_total",
    # money by payer, staff costs, values in GBP, roles and paid hours are totals too: without
    # them a sweep's burn_in_weeks was counted in their levels (the smoke sweep showed council
    # services GBP 115,500 against cost_total GBP 100,100)
    "*_gbp",
    "roles_",
    "rematches",
    "professional_hours_",
)
#: cost metrics the report divides by extra needs met and crises averted: every payer's cash
#: (``cost_<payer>_gbp``, as ``coprod-sim run`` reports), the public purse, and the totals
DEFAULT_COSTS = (
    "cost_council_services_gbp",
    "cost_council_levers_gbp",
    "cost_employers_gbp",
    "cost_central_government_gbp",
    "cost_nhs_gbp",
    "public_purse_cost_gbp",
    "cost_total",
    "lever_cost_total",
    "professional_cost_gbp",
)


class _Strict(BaseModel):
    """Unknown entries, infinities and NaN are refused (a typo never passes silently)."""

    model_config = ConfigDict(extra="forbid", strict=False, allow_inf_nan=False)


class Adaptive(_Strict):
    """Add replications until each arm's 95% half-width on ``outcome`` is below ``half_width``."""

    outcome: str
    half_width: float = Field(gt=0)
    max_replications: int = Field(ge=2, le=100_000)
    step: int = Field(2, ge=1, le=10_000)


class SweepSection(_Strict):
    name: str = "sweep"
    description: str = ""
    seed: int = Field(ge=0, lt=2**63)
    replications: int = Field(ge=1, le=100_000)
    years: float | None = Field(None, gt=0, le=200)
    weeks: int | None = Field(None, ge=1, le=10_400)
    burn_in_weeks: int = Field(0, ge=0, le=10_400)
    outcomes: list[str] | None = None
    weekly: bool = False
    by_deprivation: bool = True
    cumulative: list[str] = Field(default_factory=lambda: list(DEFAULT_CUMULATIVE))
    lower_is_better: list[str] | None = None  # None: the metric registry's directions
    costs: list[str] = Field(default_factory=lambda: list(DEFAULT_COSTS))
    headline: list[str] = Field(
        default_factory=lambda: [
            "needs_met_total",
            "needs_residents_unmet",
            "needs_lapsed",
            "crises",
            "public_purse_cost_gbp",
            "cost_total",
        ]
    )
    adaptive: Adaptive | None = None
    #: draw the world parameters of each replication from a posterior: true (the town's shipped
    #: one), false, or the path of a posterior file (relative to the design file's folder); not
    #: given: the town's shipped posterior when it fits this code's rules, else none (issue 25:
    #: calibration uncertainty by default; ``Design`` resolves it and records why not)
    posterior: bool | str | None = None

    @field_validator("years")
    @classmethod
    def _at_least_a_week(cls, v: float | None) -> float | None:
        if v is not None and round(52 * v) < 1:
            raise ValueError(f"{v!r} years is less than one week; allowed: at least 1/52 years")
        return v

    @field_validator("posterior", mode="before")
    @classmethod
    def _posterior_value(cls, v: Any) -> Any:
        if v is None or isinstance(v, bool) or (isinstance(v, str) and v.strip()):
            return v
        raise ValueError(
            "true (the town's shipped posterior), false, or the path of a posterior file (.json)"
        )


class Arm(_Strict):
    name: str
    world: dict[str, Any] = Field(default_factory=dict)
    levers: dict[str, dict[str, Any]] = Field(default_factory=dict)


class DesignSection(_Strict):
    kind: Kind = "arms"
    baseline: str | dict[str, Any] | None = None
    factors: dict[str, list[Any]] = Field(default_factory=dict)
    ranges: dict[str, list[float]] = Field(default_factory=dict)
    samples: int | None = Field(None, ge=1, le=1_000_000)
    levels: int = Field(4, ge=2, le=100)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    #: futures every arm runs under (``coprod-sim list futures`` names or .toml paths, relative
    #: to the design file's folder): arms x futures, compared within each future
    futures: list[str] = Field(default_factory=list)


class DesignModel(_Strict):
    sweep: SweepSection
    world: dict[str, Any] = Field(default_factory=dict)
    levers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    design: DesignSection = Field(default_factory=DesignSection)
    arms: list[Arm] = Field(default_factory=list)
    #: swapped rules every run uses: rule name -> "package.module:function" or "file.py:function"
    #: (relative to the design file's folder); see ``coprod_sim.rules.load_rule``
    rules: dict[str, str] = Field(default_factory=dict)
    #: the search ``coprod-sim optimise`` runs over this design's uncertainty cases (checked by
    #: ``coprod_sim.sweeps.optimise_spec``; a sweep of the design ignores it)
    optimise: dict[str, Any] | None = None
