"""One cached, read-only town for the tests: built and run once per set of arguments.

``town(seed, weeks, n_residents=..., policies=..., **world)`` is what the private ``_run``
helpers of the test modules used to do each on their own: a town with no burn-in
(``burn_in_years=0`` unless given: the tests check mechanisms week by week) run ``weeks`` weeks.
Runs are keyed by every argument (JSON), so a baseline is shared across test files. The
arrays of a returned model (population, needs, staff, neighbourhoods) are made read-only: a test
that would change a shared town fails at once instead of corrupting another test's town.
Tests that change a town before running it build their own model.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from coprod_sim import CoproductionModel


def town(
    seed: int,
    weeks: int = 52,
    n_residents: int = 600,
    policies: dict[str, dict[str, Any]] | list[str] | None = None,
    **world: Any,
) -> CoproductionModel:
    """A town of ``n_residents`` run ``weeks`` weeks (0: as built) with ``policies``; cached,
    read-only."""
    if isinstance(policies, list | tuple):
        policies = {name: {} for name in policies}
    return _town(
        seed,
        weeks,
        n_residents,
        json.dumps(policies or {}, sort_keys=True),
        json.dumps(world, sort_keys=True),
    )


@lru_cache(maxsize=64)
def _town(seed: int, weeks: int, n_residents: int, policies: str, world: str) -> CoproductionModel:
    model = CoproductionModel(
        rng=seed,
        n_residents=n_residents,
        policies=json.loads(policies) or None,
        **{"burn_in_years": 0, **json.loads(world)},
    )
    if weeks:
        model.run_weeks(weeks)
    _freeze(model)
    return model


def _freeze(model: CoproductionModel) -> None:
    for holder in (model.pop, model.needs, model.staff, model.nb):
        for value in vars(holder).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
