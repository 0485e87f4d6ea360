"""Cached runs shared by the state-side lever tests (same town and seed, with and without levers).

A run is keyed by (seed, policies, weeks, residents, world parameters); baselines are reused
across test files, which keeps the suite fast. Tests must not mutate the models they get.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from coprod_sim import CoproductionModel

N = 2000
SEEDS = (1, 2, 3, 4)


@lru_cache(maxsize=48)
def _run(seed: int, policies: str, weeks: int, n: int, world: str) -> CoproductionModel:
    model = CoproductionModel(
        rng=seed,
        n_residents=n,
        policies=json.loads(policies),
        **{"burn_in_years": 0, **json.loads(world)},
    )
    model.run_weeks(weeks)
    return model


def run(
    seed: int,
    policies: dict[str, dict[str, Any]] | None = None,
    weeks: int = 104,
    n: int = N,
    **world: Any,
) -> CoproductionModel:
    """A town of ``n`` residents run ``weeks`` weeks with ``policies`` (cached)."""
    return _run(
        seed,
        json.dumps(policies or {}, sort_keys=True),
        weeks,
        n,
        json.dumps(world, sort_keys=True),
    )


def series(model: CoproductionModel, name: str):
    """One weekly series of the model's DataCollector."""
    return model.datacollector.get_model_vars_dataframe()[name]
