"""Shared small fixtures: tiny towns that build and run in well under a second."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.needs import UNMET

SMALL = 600  # residents in the towns most tests build
SEEDS = (1, 2, 3)


@pytest.fixture(autouse=True, scope="session")
def _no_burn_in_unless_asked() -> Iterator[None]:
    """Models built in tests start from the drawn town (``burn_in_years=0``) unless a test
    passes ``burn_in_years``: the tests check mechanisms week by week, and the default burn-in
    (8 years) would multiply the suite's time. Tests of the burn-in pass it explicitly.
    (Session-wide, so module-scoped model fixtures get it too.)"""
    import coprod_sim.model as model_module

    real = model_module.make_scenario

    def make(**params: Any) -> Any:
        params.setdefault("burn_in_years", 0)
        return real(**params)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model_module, "make_scenario", make)
        yield


def run(seed: int, weeks: int = 52, **kw: Any) -> CoproductionModel:
    """Build a small town and run it ``weeks`` weeks (no burn-in unless asked: most tests
    check mechanisms from the drawn town, and a burn-in would multiply their time)."""
    kw.setdefault("n_residents", SMALL)
    kw.setdefault("burn_in_years", 0)
    model = CoproductionModel(rng=seed, **kw)
    model.run_weeks(weeks)
    return model


class MatchRecorder:
    """A lever (a plain object with ``point``) that records, each week, the needs the channels
    met that week: it notes the open rows before the channels and the newly met ones after."""

    def __init__(self) -> None:
        self.point = "before_channels"
        self.weeks: list[dict[str, np.ndarray]] = []
        self._open: np.ndarray | None = None
        self.after = _After(self)

    def __call__(self, model: CoproductionModel) -> None:
        self._open = np.flatnonzero(model.needs.channel == UNMET)

    def record(self, model: CoproductionModel) -> None:
        n = model.needs
        rows = self._open[n.channel[self._open] != UNMET]
        self.weeks.append(
            {
                "week": np.full(len(rows), model.week),
                "rows": rows,
                "kind": n.kind[rows].copy(),
                "owner": n.owner[rows].copy(),
                "nbhd": n.nbhd[rows].copy(),
                "helper": n.helper[rows].copy(),
                "channel": n.channel[rows].copy(),
            }
        )

    def levers(self) -> list[Callable[[CoproductionModel], None]]:
        return [self, self.after]

    def all(self) -> dict[str, np.ndarray]:
        keys = ("week", "kind", "owner", "nbhd", "helper", "channel")
        return {k: np.concatenate([w[k] for w in self.weeks]) for k in keys}


class _After:
    point = "after_channels"

    def __init__(self, rec: MatchRecorder) -> None:
        self.rec = rec

    def __call__(self, model: CoproductionModel) -> None:
        self.rec.record(model)


@pytest.fixture
def run_town() -> Callable[..., CoproductionModel]:
    """``run_town(seed, weeks=52, **params)``: a small town run for ``weeks`` weeks."""
    return run


@pytest.fixture
def make_recorder() -> Callable[[], MatchRecorder]:
    """A factory of ``MatchRecorder`` levers (pass ``rec.levers()`` as ``levers=``)."""
    return MatchRecorder


@pytest.fixture(scope="session")
def baseline_runs() -> list[CoproductionModel]:
    """Three seeds of a small baseline town over 2 years, shared read-only by several tests."""
    return [run(s, weeks=104) for s in SEEDS]
