"""Lever controls read from the levers' own declarations, so nothing is listed twice.

Each lever in ``coprod_sim.levers.LEVERS`` gives its title, a one-line description (the class
docstring's first line, else its module's), its ``source`` report, and one control per declared
parameter (label, unit, default, range, meaning) straight from ``parameter_rows``. Values typed on
the page are parsed here and checked by the lever's own pydantic class, so the page refuses what
the model would refuse, with the same message.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coprod_sim.data.future_file import shipped_futures
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.parameters import ScenarioError, describe_validation_error, parameter_rows

#: parameters shown first (the rest are under "more settings"): the lever's timing and its
#: declared cost parameters are never "main" controls
_NOT_MAIN_SUFFIXES = ("_cost", "_per_week", "_week", "_year")


@dataclass(frozen=True)
class ParamControl:
    """One labelled control: a declared parameter of a lever."""

    name: str
    label: str
    unit: str
    default: float | int | bool | str
    low: float | None
    high: float | None
    kind: str  # "int", "float", "bool" or "str"
    doc: str
    source: str
    main: bool

    def help_text(self) -> str:
        """What the control means, its range and unit, in one line."""
        rng = ""
        if self.low is not None or self.high is not None:
            lo = "" if self.low is None else f"{self.low:g}"
            hi = "" if self.high is None else f"{self.high:g}"
            rng = f" Range {lo} to {hi}."
        unit = f" ({self.unit})" if self.unit and self.unit != "-" else ""
        return f"{self.doc}{rng}{unit}"


@dataclass(frozen=True)
class LeverControls:
    """A lever as the page shows it."""

    name: str
    title: str
    summary: str
    source: str
    params: tuple[ParamControl, ...]

    @property
    def main_params(self) -> tuple[ParamControl, ...]:
        return tuple(p for p in self.params if p.main)

    @property
    def other_params(self) -> tuple[ParamControl, ...]:
        return tuple(p for p in self.params if not p.main)


def first_line(text: str | None) -> str:
    """The first sentence-line of a docstring, without a leading "X lever:" label."""
    if not text:
        return ""
    line = inspect.cleandoc(text).split("\n\n")[0].replace("\n", " ").strip()
    head, sep, rest = line.partition(": ")
    if sep and len(head.split()) <= 6 and rest:
        line = rest[0].upper() + rest[1:]
    return line


def lever_summary(cls: type[Lever]) -> str:
    """The class docstring's first line; the module docstring's when the class has none."""
    own = cls.__dict__.get("__doc__")
    if own and own != Lever.__doc__:
        return first_line(own)
    module = sys.modules.get(cls.__module__)
    return first_line(getattr(module, "__doc__", "") or "")


def _kind(annotation: Any) -> str:
    return {int: "int", float: "float", bool: "bool", str: "str"}.get(annotation, "str")


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def lever_controls(levers: Mapping[str, type[Lever]] | None = None) -> list[LeverControls]:
    """Every lever with its controls, in the order of ``LEVERS``."""
    out = []
    for name, cls in (levers or LEVERS).items():
        params = []
        for row in parameter_rows(cls):
            field = cls.model_fields[row["name"]]
            pname = row["name"]
            main = pname not in Lever.TIMING and not pname.endswith(_NOT_MAIN_SUFFIXES)
            params.append(
                ParamControl(
                    name=pname,
                    label=_label(pname),
                    unit=row["unit"],
                    default=row["default"],
                    low=row["low"],
                    high=row["high"],
                    kind=_kind(field.annotation),
                    doc=row["doc"],
                    source=row["source"],
                    main=main,
                )
            )
        out.append(
            LeverControls(
                name=name,
                title=_label(name),
                summary=lever_summary(cls),
                source=cls.source,
                params=tuple(params),
            )
        )
    return out


def parse_value(lever: str, control: ParamControl, text: str) -> Any:
    """A typed value from what was typed, or ScenarioError naming lever, parameter and value.

    Whole numbers for ``int`` parameters ("3", not "3.5"); decimals for ``float``; the range is
    checked by the lever's class (``check_lever``).
    """
    raw = str(text).strip()
    full = f"{lever}.{control.name}"
    try:
        if control.kind == "int":
            value: Any = int(raw)
        elif control.kind == "float":
            value = float(raw.replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        elif control.kind == "bool":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            value = raw.lower() == "true"
        else:
            value = raw
    except ValueError:
        kind = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(
            control.kind, "text"
        )
        raise ScenarioError(
            f"parameter '{full}': value {raw!r} is not allowed; allowed: {kind}"
            + _range_text(control)
        ) from None
    check_lever(lever, {control.name: value})
    return value


def _range_text(control: ParamControl) -> str:
    if control.low is None and control.high is None:
        return ""
    lo = "" if control.low is None else f"{control.low:g}"
    hi = "" if control.high is None else f"{control.high:g}"
    unit = f" {control.unit}" if control.unit and control.unit != "-" else ""
    return f" from {lo} to {hi}{unit}"


def check_lever(lever: str, params: Mapping[str, Any]) -> Lever:
    """The lever built from ``params``, or ScenarioError with the lever class's own message."""
    cls = LEVERS.get(lever)
    if cls is None:
        raise ScenarioError(
            f"unknown policy lever '{lever}'; valid levers are: {', '.join(LEVERS)}"
        )
    try:
        return cls(**params)
    except Exception as exc:  # pydantic.ValidationError
        raise ScenarioError(describe_validation_error(exc, cls, prefix=f"{lever}.")) from None


def future_choices() -> list[str]:
    """The futures a page offers beside the town: "none" and the shipped ones (a session file
    may name a user's own future's file; the page then shows it too)."""
    return ["none", *shipped_futures()]
