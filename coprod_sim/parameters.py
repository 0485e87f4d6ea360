"""The scenario: every model parameter declared once, with unit, default, range, role and source.

The ODD parameter table (docs/ODD.md) is rendered from these declarations by
``coprod_sim.commands.odd``; nothing here is written twice. Roles follow EMA Workbench's split:
``world`` parameters are uncertainties about the town and its people, ``policy`` parameters are
levers a council can pull, ``run`` parameters set up the experiment.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

Role = Literal["world", "policy", "run"]
#: roles whose parameters may declare a ``prior``: world uncertainties (calibrated) and lever
#: effects (a range from the lever's evidence, never calibrated)
PRIOR_ROLES: tuple[str, ...] = ("world", "policy")


def param(
    default: Any,
    *,
    unit: str,
    role: Role,
    source: str,
    doc: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    prior: tuple[float, float] | None = None,
) -> Any:
    """Declare one parameter: pydantic enforces the range, the extras feed the ODD table.

    ``prior`` is the uniform range ``(low, high)`` the evidence allows, inside the declared
    range and containing the default; where it comes from (a source's interval, or an
    assumption stated as such) belongs in ``source``. On a ``world`` parameter it marks one that
    calibration fits (``coprod-sim calibrate``); on a ``policy`` parameter it is the range of a
    lever's effect (how much the lever changes behaviour), which calibration never fits
    (``calibration.targets.calibrated_parameters``). ``run`` parameters have none."""
    extra: dict[str, Any] = {"unit": unit, "role": role, "source": source}
    if prior is not None:
        low, high = prior
        lowest = ge if ge is not None else gt
        highest = le if le is not None else lt
        if role not in PRIOR_ROLES or not low < high:
            raise ValueError(
                f"prior {prior}: only a world or policy parameter has one, with low < high"
            )
        if (lowest is not None and low < lowest) or (highest is not None and high > highest):
            raise ValueError(f"prior {prior} reaches outside the declared range")
        if isinstance(default, int | float) and not low <= default <= high:
            raise ValueError(f"prior {prior} does not contain the default {default!r}")
        extra["prior"] = [float(low), float(high)]
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=doc,
        json_schema_extra=extra,
    )


ASSUME = "assumption"
#: the usual statement of a lever effect's prior when no source gives a range
HALF_TO_DOUBLE = "prior half to double the default (" + ASSUME + ")"
#: the same where double the default would leave the declared range
HALF_TO_TOP = "prior half the default to the top of its range (" + ASSUME + ")"


class Strict(BaseModel):
    """Base for every declared parameter set: unknown names, NaN and wrong types are refused."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        validate_assignment=True,
        frozen=False,
    )


def field_bounds(field: FieldInfo) -> tuple[Any, bool, Any, bool]:
    """(low, low is open, high, high is open) of a pydantic field (None: unbounded).

    The one reader of a field's ``ge``/``gt``/``le``/``lt``: the parameter table, error
    messages, sweep designs, the dashboard's controls, calibration priors and the data files'
    schemas all ask here."""
    lo = hi = None
    lo_open = hi_open = False
    for m in field.metadata:
        if getattr(m, "ge", None) is not None:
            lo, lo_open = m.ge, False
        if getattr(m, "gt", None) is not None:
            lo, lo_open = m.gt, True
        if getattr(m, "le", None) is not None:
            hi, hi_open = m.le, False
        if getattr(m, "lt", None) is not None:
            hi, hi_open = m.lt, True
    return lo, lo_open, hi, hi_open


def field_range(field: FieldInfo) -> str:
    """The allowed range of a pydantic field from its ge/gt/le/lt constraints ("-": none)."""
    lo, lo_open, hi, hi_open = field_bounds(field)
    if lo is None and hi is None:
        return "-"
    if hi is None:
        return f"{'>' if lo_open else '>='} {_num(lo)}"
    if lo is None:
        return f"{'<' if hi_open else '<='} {_num(hi)}"
    return f"{'(' if lo_open else '['}{_num(lo)}, {_num(hi)}{')' if hi_open else ']'}"


def _num(x: Any) -> str:
    if isinstance(x, float):
        return "inf" if math.isinf(x) else f"{x:g}"
    return str(x)


def parameter_rows(model_cls: type[BaseModel]) -> list[dict[str, Any]]:
    """One dict per declared parameter of ``model_cls`` (``coprod_sim.scenario.Scenario``, a
    parameter group or a lever), for the ODD table and for error messages."""
    rows = []
    for name, field in model_cls.model_fields.items():
        extra = field.json_schema_extra or {}
        lo, _, hi, _ = field_bounds(field)
        rows.append(
            {
                "name": name,
                "default": field.default,
                "unit": extra.get("unit", ""),
                "role": extra.get("role", ""),
                "low": lo,
                "high": hi,
                "source": extra.get("source", ""),
                "doc": field.description or "",
                "prior": tuple(extra["prior"]) if "prior" in extra else None,
            }
        )
    return rows


class ScenarioError(ValueError):
    """Invalid input: the message names the parameter, the value and what is allowed."""


def _allowed(model_cls: type[BaseModel], name: str) -> str:
    field = model_cls.model_fields.get(name)
    if field is None:
        return "one of: " + ", ".join(model_cls.model_fields)
    choices = getattr(model_cls, "choices", None)
    if choices is not None and choices(name):  # a group that names its allowed values
        return "one of: " + ", ".join(choices(name))
    unit = (field.json_schema_extra or {}).get("unit", "")
    kind = {"int": "whole number", "float": "number", "str": "text", "bool": "true or false"}.get(
        getattr(field.annotation, "__name__", ""), str(field.annotation)
    )
    lo, lo_open, hi, hi_open = field_bounds(field)
    bounds = [f"{'>' if lo_open else '>='} {_number(lo)}"] if lo is not None else []
    bounds += [f"{'<' if hi_open else '<='} {_number(hi)}"] if hi is not None else []
    rng = f" {' and '.join(bounds)}" if bounds else ""
    unit = f" ({unit})" if unit and unit != "-" else ""
    return f"a {kind}{rng}{unit}"


def describe_validation_error(exc: Exception, model_cls: type[BaseModel], prefix: str = "") -> str:
    """One line per problem: parameter, value, what is allowed."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    lines = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        name = loc[0] if loc else "?"
        full = prefix + ".".join(loc)
        value = err.get("input")
        if not loc:
            lines.append(f"parameters: {err['msg'].removeprefix('Value error, ')}")
        elif err["type"] == "extra_forbidden":
            lines.append(
                f"unknown parameter '{full}' (value {value!r}); "
                + closest_names(
                    name,
                    model_cls.model_fields,
                    prefix=prefix,
                    listing="levers" if prefix else "parameters",
                )
            )
        else:
            lines.append(
                f"parameter '{full}': value {value!r} is not allowed "
                f"({err['msg'].removeprefix('Value error, ')}); "
                f"allowed: {_allowed(model_cls, name)}"
            )
    return "\n".join(lines)


#: Most residents a town may have, whichever way it is sized (``n_residents``, or a preset's
#: residents times ``scale``): checked before anything is built.
MAX_RESIDENTS = 5_000_000


def _number(v: float) -> str:
    """A bound as people read it: 5,000,000 rather than 5e+06; 0.5 stays 0.5."""
    if float(v).is_integer() and abs(v) >= 1e4:
        return f"{int(v):,}"
    return f"{v:g}"


def closest_names(
    name: str, valid: Any, prefix: str = "", n: int = 4, listing: str = "parameters"
) -> str:
    """The few valid names closest to ``name`` (spelling by difflib, plus words shared), never
    the whole list of ~100."""
    names = list(valid)
    words = set(str(name).lower().split("_"))

    def score(candidate: str) -> float:  # spelling, plus words shared (fear_of_x ~ fear_*)
        spelling = difflib.SequenceMatcher(None, str(name).lower(), candidate).ratio()
        shared = len(words & set(candidate.split("_"))) / max(len(words), 1)
        return spelling + 0.5 * shared

    close = sorted(names, key=lambda c: (-score(c), c))[:n]
    shown = ", ".join(f"'{prefix}{c}'" for c in close)
    if not close:
        return "allowed: no parameters here"
    return (
        f"allowed: a declared name; closest: {shown} (all {len(names)}: "
        f"`coprod-sim list {listing}`)"
    )


def coerce_numpy(value: Any) -> Any:
    """NumPy scalars as the Python numbers they are (``np.arange`` grids give ``np.int64``,
    which strict validation would refuse); anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value
