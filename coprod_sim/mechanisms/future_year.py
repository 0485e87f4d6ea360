"""What the mechanisms read of a future in the current year (``model.future_now``, set by
``futures.year_start``): turnover's hazards and newcomers' ages, needs' demand trend, free time.
Kept apart from ``futures`` so the mechanisms it drives need not import it (layers point down:
``futures`` imports them, not the other way)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.data.future_file import FutureValues

if TYPE_CHECKING:
    from mesa import Model


@dataclass(frozen=True)
class YearSettings:
    """What the mechanisms read in the current year (``model.future_now``)."""

    values: FutureValues
    need_multiplier: np.ndarray  # by kind of need
    newcomer_cdf: np.ndarray | None  # cumulative weights of ages 0..MAX_AGE; None: turnover.toml
    target_65: float  # the town's target shares for the end of the year (NaN: none)
    target_80: float


def hazard_multipliers(model: Model) -> tuple[float, float]:
    """(mortality, moving) multipliers of the year (1, 1 without a future)."""
    now = getattr(model, "future_now", None)
    if now is None:
        return 1.0, 1.0
    return now.values.mortality, now.values.moving


def free_time(model: Model) -> float:
    """The year's multiplier of free hours (1 without a future)."""
    now = getattr(model, "future_now", None)
    return 1.0 if now is None else now.values.free_time


def need_multiplier(model: Model) -> np.ndarray | None:
    """The year's multiplier of each kind's need rate, or None without a future."""
    now = getattr(model, "future_now", None)
    return None if now is None else now.need_multiplier


def newcomer_ages(model: Model, n: int, rng: np.random.Generator) -> np.ndarray | None:
    """Ages of ``n`` newcomers under the future's age mix, or None (the default draw)."""
    now = getattr(model, "future_now", None)
    if now is None or now.newcomer_cdf is None:
        return None
    return np.searchsorted(now.newcomer_cdf, rng.random(n), side="right").astype(np.int16)


# ------------------------------------------------------------------ the age mix
