"""Policy levers: small objects applied at one documented point of the week.

A lever is a ``Lever`` subclass (a strict pydantic model, so its parameters are declared once
with unit, default, range and source, like the scenario's) with a ``name``, a ``point`` (one of
``coprod_sim.model.HOOK_POINTS``), an ``apply(model)`` rule, a ``weekly_cost(model)`` in GBP and
the ``payer`` of that cost (council levers, employers or central government).
Each lever module in this package defines one lever; they are found automatically, so a new
lever is a new module. In a notebook, any object or function with a ``point`` attribute can be
passed to ``CoproductionModel(levers=[...])`` without touching the package. Type hints name the
running model as Mesa's ``Model``: levers sit below ``coprod_sim.model`` and import nothing above.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import ValidationInfo, field_validator

from coprod_sim.mechanisms.costs import PAYERS
from coprod_sim.parameters import (
    ScenarioError,
    Strict,
    coerce_numpy,
    describe_validation_error,
    param,
)

if TYPE_CHECKING:
    from mesa import Model


class Lever(Strict):
    """Base class of the policy levers. Subclasses set ``name``, ``point`` and override
    ``apply`` (and ``setup``/``weekly_cost`` where they need them)."""

    name: ClassVar[str] = ""
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = ""
    #: who pays ``weekly_cost`` (one of ``coprod_sim.analysis.costs.PAYERS``); every lever
    #: module declares it next to its cost
    payer: ClassVar[str] = "council_levers"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.payer not in PAYERS:
            raise TypeError(
                f"lever class {cls.__name__}: payer {cls.payer!r} is not one of {', '.join(PAYERS)}"
            )

    start_week: int = param(
        0,
        unit="week",
        role="policy",
        ge=0,
        le=5200,
        source="scenario choice",
        doc="Week the lever is switched on (0 = from the start).",
    )

    end_week: int = param(
        0,
        unit="week",
        role="policy",
        ge=0,
        le=5200,
        source="scenario choice",
        doc="Week the lever is switched off: its weekly rule, its cost and its cover of "
        "newcomers stop; what it did to residents stays (0 = never).",
    )
    #: further points of the week where the lever acts, each with the method it runs there
    #: (``{"after_channels": "settle"}``): registered with the lever, run only while it is active
    also: ClassVar[dict[str, str]] = {}
    #: the parameters that say when a lever acts, not how much (a sweep may vary them; the
    #: dashboard and ``optimise`` set them themselves)
    TIMING: ClassVar[tuple[str, ...]] = ("start_week", "end_week")

    @field_validator("end_week")
    @classmethod
    def _ends_after_it_starts(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start_week", 0)
        if end and end <= start:
            raise ValueError(f"0 (never) or a week after start_week ({start})")
        return end

    def setup(self, model: Model) -> None:
        """Called once when the model is built (before week 0)."""

    def apply(self, model: Model) -> None:
        """The lever's rule, applied each week at ``point`` once ``start_week`` is reached."""

    def weekly_cost(self, model: Model) -> float:
        """Money the lever costs this week (GBP); 0 before ``start_week``."""
        return 0.0

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """Newcomers have just taken ``rows`` (population turnover, ``mechanisms.turnover``):
        their per-resident columns are back at their start values. A lever that lists
        residents drops these rows (the leaver is gone); one that covers everyone covers the
        newcomers by its own rule. By default nothing: newcomers start outside the lever."""

    def active(self, model: Model) -> bool:
        """Whether the lever acts this week: from ``start_week``, until ``end_week`` if set."""
        return model.week >= self.start_week and (not self.end_week or model.week < self.end_week)

    def state(self, model: Model) -> SimpleNamespace:
        """This lever's own state in ``model`` (a namespace kept in ``model.lever_state`` under
        the lever's name): where a lever keeps what it remembers between weeks. Per-resident
        state goes in a column added with ``model.pop.add_column``."""
        return model.lever_state.setdefault(self.name or type(self).__name__, SimpleNamespace())

    def __call__(self, model: Model) -> None:
        if self.active(model):
            self.apply(model)


class LeverStep:
    """One of a lever's further points of the week (``Lever.also``): runs ``method`` of the
    lever there while the lever is active."""

    def __init__(self, lever: Lever, point: str, method: str) -> None:
        self.lever, self.point, self.method = lever, point, method
        self.__name__ = f"{lever.name}.{method}"

    def __call__(self, model: Model) -> None:
        if self.lever.active(model):
            getattr(self.lever, self.method)(model)


def lever_steps(lever: object) -> list[LeverStep]:
    """A lever's further points of the week (none for a plain function)."""
    return [LeverStep(lever, pt, m) for pt, m in getattr(lever, "also", {}).items()]


def lever_name(lever: object) -> str:
    """A lever's name: its class's ``name``, a function's ``__name__``, else its type's name
    (defined before the lever modules are found: their staff-time books use it)."""
    return getattr(lever, "name", "") or getattr(lever, "__name__", type(lever).__name__)


def _discover() -> dict[str, type[Lever]]:
    found: dict[str, type[Lever]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Lever) and obj is not Lever and obj.name:
                found[obj.name] = obj
    return dict(sorted(found.items()))


LEVERS: dict[str, type[Lever]] = _discover()


def make_levers(policies: Mapping[str, Mapping[str, Any]] | Iterable[str] | None) -> list[Lever]:
    """Levers from ``{"time_bank": {"coordinator_hours": 30}, ...}``, a list of names, or one name.

    A single string is one lever's name (``"time_bank"``), never a sequence of one-letter names.
    NumPy scalars are taken as the numbers they are. Unknown levers or parameters raise
    ScenarioError naming the closest valid ones.
    """
    if policies is None:
        return []
    if isinstance(policies, str):
        policies = [policies]
    if not isinstance(policies, Mapping):
        if not isinstance(policies, Iterable):
            raise ScenarioError(
                f"parameter 'policies': value {policies!r} is not allowed; allowed: a lever name, "
                "a list of lever names, or a dict of lever name to its parameters"
            )
        names = list(policies)
        for name in names:
            if not isinstance(name, str):
                raise ScenarioError(
                    f"parameter 'policies': item {name!r} is not allowed; allowed: lever names "
                    f"(text), one of: {', '.join(LEVERS) or '(none)'}"
                )
        policies = {name: {} for name in names}
    out = []
    for name, params in policies.items():
        cls = LEVERS.get(name)
        if cls is None:
            raise ScenarioError(
                f"unknown policy lever '{name}'; allowed: one of {', '.join(LEVERS) or '(none)'}"
            )
        if not isinstance(params, Mapping):
            raise ScenarioError(
                f"policy lever '{name}': parameters must be a table of name = value, got {params!r}"
            )
        try:
            out.append(cls(**{k: coerce_numpy(v) for k, v in params.items()}))
        except Exception as exc:  # pydantic.ValidationError
            raise ScenarioError(describe_validation_error(exc, cls, prefix=f"{name}.")) from None
    return out


def charge_levers(model: Any) -> None:
    """Each active lever's cost this week (GBP), under its own name in ``model.costs``."""
    for lever in model.costed_levers:
        active = getattr(lever, "active", None)
        if active is None or active(model):
            model.costs[lever_name(lever)] += lever.weekly_cost(model)
