"""Cached runs shared by the state-side lever tests (same town and seed, with and without levers).

A run is keyed by (seed, policies, weeks, residents, world parameters); baselines are reused
across test files, which keeps the suite fast. Tests must not mutate the models they get.
"""

from __future__ import annotations

from typing import Any

from _towns import town

from coprod_sim import CoproductionModel

N = 2000
SEEDS = (1, 2, 3, 4)


def run(
    seed: int,
    policies: dict[str, dict[str, Any]] | None = None,
    weeks: int = 104,
    n: int = N,
    **world: Any,
) -> CoproductionModel:
    """A town of ``n`` residents run ``weeks`` weeks with ``policies`` (the cached, read-only
    ``tests._towns.town``)."""
    return town(seed, weeks, n_residents=n, policies=policies, **world)


def series(model: CoproductionModel, name: str):
    """One weekly series of the model's DataCollector."""
    return model.datacollector.get_model_vars_dataframe()[name]
