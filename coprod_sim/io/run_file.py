"""The schema of a run (scenario) file: one pydantic model of the whole file, and its errors.

A run file is TOML (``coprod_sim.io.scenario_file`` reads it): Scenario parameters at the top
level (or a parameter group's table, ``[commitment]``), a ``[run]`` table (how long, which seed,
where to write) and one ``[policies.<lever>]`` table per lever switched on. ``RunFile`` checks
all of it at once: it is a ``Scenario`` (so the top level is checked by the scenario's own
declarations) with two more fields, ``run`` (a ``RunSection``) and ``policies`` (one field per
lever, each checked by the lever's own model). Unknown names, wrong types, NaN and infinities,
and values out of range are pydantic's to refuse; ``describe_run_file_error`` words what it
refuses as the rest of the project does (``parameters.describe_validation_error``): one line per
problem naming the setting, the value and what is allowed, with a hint for a setting written in
the wrong section.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from coprod_sim.levers import LEVERS, Lever
from coprod_sim.parameters import ScenarioError, describe_validation_error
from coprod_sim.scenario import Scenario

WEEKS_PER_YEAR = 52
MAX_YEARS = 100
MAX_WEEKS = MAX_YEARS * WEEKS_PER_YEAR
DEFAULT_YEARS = 5.0
MAX_SEED = 2**63 - 1  # NumPy's SeedSequence takes any; TOML's integers stop here


class RunSection(BaseModel):
    """``[run]``: how to run the scenario. Every setting is optional; the command line's
    ``--years``, ``--weeks``, ``--seed`` and ``--out`` are checked by this model too."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    # None: not given (5 years; a seed drawn at random; results/<file name>)
    years: float = Field(
        None,
        gt=0,
        le=MAX_YEARS,
        description=f"Years to run: {WEEKS_PER_YEAR} x years weeks, rounded (default "
        f"{DEFAULT_YEARS:g}); or give weeks, not both.",
        json_schema_extra={"unit": "years"},
    )
    weeks: int = Field(
        None,
        ge=1,
        le=MAX_WEEKS,
        description="Weeks to run (instead of years).",
        json_schema_extra={"unit": "weeks"},
    )
    seed: int = Field(
        None,
        ge=0,
        le=MAX_SEED,
        description="Seed of the run's random streams (default: drawn, and recorded).",
    )
    out: str = Field(
        None,
        description="Folder the results are written to (default: results/<file name>).",
        json_schema_extra={"unit": "folder path"},
    )
    description: str = Field("", description="One line shown by `coprod-sim validate`.")

    @field_validator("years")
    @classmethod
    def _at_least_a_week(cls, years: float) -> float:
        if round(WEEKS_PER_YEAR * years) < 1:
            raise ValueError(
                f"{WEEKS_PER_YEAR} x {years:g} years rounds to 0 weeks; at least one week"
            )
        return years

    @field_validator("out")
    @classmethod
    def _a_folder_path(cls, out: str) -> str:
        if not out.strip():
            raise ValueError("an empty path")
        if "\x00" in out:
            raise ValueError("a NUL character in the path")
        return out

    @model_validator(mode="after")
    def _years_or_weeks(self) -> RunSection:
        if self.years is not None and self.weeks is not None:
            raise ValueError(
                f"[run] gives both years = {self.years:g} and weeks = {self.weeks!r}; "
                "allowed: one of them"
            )
        return self

    @property
    def n_weeks(self) -> int:
        """Weeks to run: ``weeks``, else 52 x ``years`` rounded (5 years if neither is given)."""
        if self.weeks is not None:
            return self.weeks
        return round(WEEKS_PER_YEAR * (DEFAULT_YEARS if self.years is None else self.years))


#: the settings ``[run]`` takes
RUN_KEYS: tuple[str, ...] = tuple(RunSection.model_fields)


class PolicyTables(BaseModel):
    """``[policies]``: one table per lever switched on, each checked by the lever's own model
    (the fields, one per lever, are made from ``LEVERS`` by ``policies_model``)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    # pydantic keeps fields in declaration order; the file's order is the order the levers
    # act in at a shared point of the week, so it is kept here
    _order: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_the_files_order(cls, data: Any, handler: Any) -> Any:
        tables = handler(data)
        if isinstance(data, Mapping):
            tables._order = list(data)
        return tables

    def tables(self) -> dict[str, dict[str, Any]]:
        """The levers switched on, in the file's order, each with the parameters it gives."""
        return {name: getattr(self, name).model_dump(exclude_unset=True) for name in self._order}


def policies_model(levers: Mapping[str, type[Lever]]) -> type[PolicyTables]:
    """The ``[policies]`` model for these levers: an optional table per lever, its model's."""
    fields: dict[str, Any] = {
        name: (cls, Field(None, description=(cls.__doc__ or "").strip()))
        for name, cls in levers.items()
    }
    return create_model("Policies", __base__=PolicyTables, **fields)


Policies = policies_model(LEVERS)

RUN_TABLE = f"a table ([run]) with keys {', '.join(RUN_KEYS)}"
POLICIES_TABLE = "one table per lever ([policies.<lever>])"


class RunFile(Scenario):
    """A whole run file: the scenario's parameters at the top level, ``[run]``, ``[policies]``."""

    run: RunSection = Field(default_factory=RunSection, description=RUN_TABLE)
    policies: Policies = Field(default_factory=Policies, description=POLICIES_TABLE)

    def parameters(self) -> dict[str, Any]:
        """The scenario parameters the file sets (a group's table under its parameters' names)."""
        return {k: getattr(self, k) for k in Scenario.model_fields if k in self.model_fields_set}


_LEVERS_AT_IMPORT = tuple(LEVERS.items())


def run_file_model() -> type[RunFile]:
    """``RunFile`` for the levers registered now: a lever added to ``LEVERS`` after import (a
    test's, a notebook's) gets its table checked by its own model too."""
    levers = tuple(LEVERS.items())
    return RunFile if levers == _LEVERS_AT_IMPORT else _run_file_for(levers)


@functools.cache
def _run_file_for(levers: tuple[tuple[str, type[Lever]], ...]) -> type[RunFile]:
    tables = policies_model(dict(levers))
    return create_model(
        "RunFile",
        __base__=RunFile,
        policies=(tables, Field(default_factory=tables, description=POLICIES_TABLE)),
    )


# ------------------------------------------------------------------ errors, as people read them
def describe_run_file_error(exc: ValidationError) -> str:
    """One line per problem ``RunFile`` found: the setting, the value and what is allowed.

    Each error is worded by ``describe_validation_error`` with the model of its section
    (``Scenario``, ``RunSection`` or the lever's), so a file and ``--set`` say the same thing;
    an unknown name gets a hint when it is a setting of another section.
    """
    return "\n".join(_line(err) for err in exc.errors())


def _line(err: ErrorDetails) -> str:
    loc, kind, value = tuple(str(x) for x in err["loc"]), err["type"], err["input"]
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, ScenarioError):  # raised inside a validator, already worded
        return str(error)
    if not loc or loc[0] not in ("run", "policies"):
        return _top_level(err, loc, kind, value)
    if loc[0] == "run":
        return _run_line(err, loc[1:], kind, value)
    return _policies_line(err, loc[1:], kind, value)


def _top_level(err: ErrorDetails, loc: tuple[str, ...], kind: str, value: Any) -> str:
    name = loc[0] if loc else ""
    if kind == "extra_forbidden" and name in RUN_KEYS:
        return (
            f"parameter '{name}' (value {value!r}) is a run setting, not a scenario parameter: "
            f"put it under [run] (allowed at the top level: scenario parameters; under [run]: "
            f"{', '.join(RUN_KEYS)})"
        )
    if kind == "extra_forbidden" and name in LEVERS:
        return (
            f"'{name}' (value {value!r}) is a policy lever: write its table as "
            f"[policies.{name}] (allowed at the top level: scenario parameters)"
        )
    return _worded(err, loc, Scenario)


def _run_line(err: ErrorDetails, loc: tuple[str, ...], kind: str, value: Any) -> str:
    if kind == "model_type":
        return f"parameter 'run': value {value!r} is not allowed; allowed: {RUN_TABLE}"
    if not loc:  # RunSection's own check (years and weeks): its message says it all
        return err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden" and loc[0] in Scenario.model_fields:
        return (
            f"parameter 'run.{loc[0]}' (value {value!r}) is a scenario parameter, not a run "
            f"setting: put '{loc[0]} = ...' at the top of the file, before any [table] header "
            f"(allowed under [run]: {', '.join(RUN_KEYS)})"
        )
    if kind == "extra_forbidden":
        return (
            f"unknown run setting 'run.{loc[0]}' (value {value!r}); allowed under [run]: "
            f"{', '.join(RUN_KEYS)}"
        )
    return _worded(err, loc, RunSection, prefix="run.")


def _policies_line(err: ErrorDetails, loc: tuple[str, ...], kind: str, value: Any) -> str:
    if not loc:
        return (
            f"parameter 'policies': value {value!r} is not allowed; allowed: {POLICIES_TABLE}, "
            f"levers: {', '.join(LEVERS) or '(none)'}"
        )
    lever = loc[0]
    if kind == "extra_forbidden" and len(loc) == 1:  # as ``make_levers`` says it
        return f"unknown policy lever '{lever}'; allowed: one of {', '.join(LEVERS) or '(none)'}"
    if kind == "model_type" and len(loc) == 1:
        return (
            f"parameter 'policies.{lever}': value {value!r} is not allowed; allowed: a table "
            f"[policies.{lever}] of the lever's parameters (empty for its defaults)"
        )
    return _worded(err, loc[1:], LEVERS[lever], prefix=f"{lever}.")


def _worded(
    err: ErrorDetails, loc: tuple[str, ...], model: type[BaseModel], prefix: str = ""
) -> str:
    """``err`` worded by ``describe_validation_error`` as an error of ``model`` (its section),
    at ``loc`` inside that section."""
    alone = PydanticCustomError(err["type"], "{msg}", {"msg": err["msg"]})
    exc = ValidationError.from_exception_data(
        model.__name__, [{"type": alone, "loc": loc, "input": err["input"]}]
    )
    return describe_validation_error(exc, model, prefix=prefix)
