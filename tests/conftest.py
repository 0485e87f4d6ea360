"""Shared small fixtures: tiny towns that build and run in well under a second."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _towns
import numpy as np
import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.needs import UNMET

_TREE = pytest.StashKey["set[str] | None"]()

# hypothesis keeps no example database and no caches in the checkout (tests write only to
# temporary folders)
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="coprod-sim-hypothesis-"))
settings.register_profile("coprod-sim", database=None)
settings.load_profile("coprod-sim")

SMALL = 600  # residents in the towns most tests build
ROOT = Path(__file__).resolve().parents[1]
#: what running the tests may leave in a checkout: caches, never results
CACHES = (
    ".venv/",
    "__pycache__/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".egg-info/",
    ".ipynb_checkpoints/",
)


def _tree_state() -> set[str] | None:
    """``git status`` of the checkout (ignored files included), caches left out; None when
    this is not a git checkout or git is missing."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--ignored", "--untracked-files=all"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return {line for line in out.splitlines() if not any(c in line for c in CACHES)}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_TREE] = _tree_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite leaves the checkout as it found it: a test that wrote (or deleted) anything
    outside a temporary folder fails the run, naming the paths."""
    before = session.config.stash.get(_TREE, None)
    if before is None or not hasattr(session, "testscollected") or session.testscollected == 0:
        return
    after = _tree_state()
    if after is None:
        return
    changed = sorted(after ^ before)
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "the tests changed the checkout:\n  " + "\n  ".join(changed)
        if reporter is not None:
            reporter.write_line(text, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Notebooks run in a kernel of their own: part of the slow tier."""
    for item in items:
        if str(item.path).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _work_in_a_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in a temporary working folder, so a relative path (``results/demo``,
    the CLI's default) never reaches the checkout. Tests find repository files from
    ``__file__``."""
    monkeypatch.chdir(tmp_path)
    # burned-in towns are cached per test, never in the user's cache folder
    monkeypatch.setenv("COPROD_SIM_CACHE", str(tmp_path.parent / f"{tmp_path.name}-burn-in-cache"))


SEEDS = (1, 2, 3)


def run(seed: int, weeks: int = 52, **kw: Any) -> CoproductionModel:
    """Build a small town and run it ``weeks`` weeks (no burn-in unless asked: most tests
    check mechanisms from the drawn town, and a burn-in would multiply their time)."""
    kw.setdefault("n_residents", SMALL)
    kw.setdefault("burn_in_years", 0)
    model = CoproductionModel(rng=seed, **kw)
    if weeks:  # weeks=0: the town as built
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


@pytest.fixture(scope="session")
def town() -> Callable[..., CoproductionModel]:
    """``town(seed, weeks=52, n_residents=600, policies=None, **world)``: the cached,
    read-only town (``tests/_towns.py``); build your own model to change one."""
    return _towns.town


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
