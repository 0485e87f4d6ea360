"""Named reporter functions for Mesa's DataCollector: the weekly model-level series.

Each reporter reads one figure the model computed for the week in ``model.stats`` (computed
once per week on whole arrays, so collecting costs nothing extra).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coprod_sim.mechanisms.collective_action import WEEKLY as COLLECTIVE_ACTION_SERIES
from coprod_sim.mechanisms.needs import CHANNELS

WEEKLY_SERIES: tuple[str, ...] = (
    "helping_share",
    "volunteer_hours",
    "needs_arisen",
    "needs_lapsed",
    "open_needs",
    "mean_wait_weeks",
    "crises",
    "burnouts",
    "dropouts",
    "vetting_waiting",
    "vetting_gave_up",
    "professional_hours",
    "professional_hours_crisis",
    "professional_capacity",
    *(f"met_{c}" for c in CHANNELS),
    *(f"hours_{c}" for c in CHANNELS),
    "trust_neighbours",
    "trust_services",
    "fear_of_commitment",
    *COLLECTIVE_ACTION_SERIES,
    "cost_total",
    "cost_professional_staff",
)


def reporter(name: str) -> Callable[[Any], float]:
    """A reporter function for weekly figure ``name``."""

    def report(model: Any) -> float:
        return model.stats.get(name, 0.0)

    report.__name__ = report.__qualname__ = f"report_{name}"
    return report


def model_reporters(extra: tuple[str, ...] = ()) -> dict[str, Callable[[Any], float]]:
    return {name: reporter(name) for name in (*WEEKLY_SERIES, *extra)}


MODEL_REPORTERS = model_reporters()
