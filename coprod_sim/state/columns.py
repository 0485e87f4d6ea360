"""State columns declared once: each column's dtype, unit, meaning, owner and start value.

In the manner of Starsim's ``define_states``, the module that owns a piece of resident state
declares it, next to the rule that changes it, as ``STATE = (StateColumn(...), ...)``:
``state.population`` declares what set-up draws, ``mechanisms.commitment`` the fatigue it
accumulates, ``levers.training`` who has been trained, and so on. ``schedule.RESIDENT_STATE``
collects them (each column owned by exactly one module); from that one collection

- ``Population`` gets its arrays (a column nobody declares cannot exist, one declared and not
  built is refused),
- a newcomer's history is reset (``start``: the value a resident has before doing anything),
- the ODD's state table is rendered (dtype, unit, meaning, owner), and
- ``agents.Resident`` reads any column by its declared name.

Professionals, neighbourhoods and needs are small tables each built in one place; their
classes carry their own ``COLUMNS`` in the same form, for the ODD.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class StateColumn:
    """One per-row array. ``start`` is a newcomer's value before any history (and everyone's at
    set-up); ``None`` means the column is drawn (set-up and arrival, ``draw_residents``) or set by
    its owner's own set-up rule."""

    name: str
    dtype: str
    unit: str
    meaning: str
    start: Any = None
    owner: str = ""

    def empty(self, n: int) -> np.ndarray:
        """``n`` rows at the start value (zeros for a drawn column, until drawn)."""
        return np.full(n, 0 if self.start is None else self.start, np.dtype(self.dtype))


def collect_columns(modules: Iterable[ModuleType]) -> dict[str, StateColumn]:
    """Every module's ``STATE``, by name, each stamped with its owner; a column declared twice
    is refused (two owners of one array is how a rule ends up in two places)."""
    out: dict[str, StateColumn] = {}
    for module in modules:
        owner = module.__name__.removeprefix("coprod_sim.")
        for col in module.STATE:
            if col.name in out:
                raise ValueError(
                    f"state column {col.name!r} is declared by both {out[col.name].owner} "
                    f"and {owner}"
                )
            out[col.name] = replace(col, owner=owner)
    return out
