"""``coprod-sim run SESSION.json --panel B``: one panel of a saved workshop session, as a run.

The panel is rebuilt as the page builds it (``controller.build_model``: the town, size, seed
and burn-in of the session, the panel's levers from the start) and stepped as the page steps it
(``controller.advance``: each switch at its week), so its ``summary.csv`` is the figures the
room saw for that panel. A branched panel needs nothing more: its plan holds the levers it was
copied with (a plan and a seed give one history). By default the run stops at the week the
session was saved at (what the room saw; the whole run if it was saved at week 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coprod_sim.dashboard import session
from coprod_sim.dashboard.controller import PANEL_LABELS, advance, build_model
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError

#: the suffix that marks a scenario argument as a dashboard session, not a scenario (TOML)
SUFFIX = ".json"


def read_file(path: Path) -> bytes:
    """The session file's bytes, or ScenarioError naming the file and why it cannot be read."""
    try:
        size = path.stat().st_size
        if size > session.MAX_BYTES:
            raise ScenarioError(
                f"session file {str(path)!r}: {size} bytes is not allowed; allowed: at most "
                f"{session.MAX_BYTES} bytes"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            f"session file {str(path)!r} cannot be read ({exc.strerror or exc}); allowed: a "
            "session file saved by the dashboard (Save session)"
        ) from None


def panel_plan(data: bytes | str, panel: str, weeks: int | None = None) -> dict[str, Any]:
    """What to run for ``panel`` of a session: choice, plan, weeks; every value checked."""
    choice, plans, saved_week, _ = session.read(data)
    labels = PANEL_LABELS[: len(plans)]
    label = panel.strip().upper()
    if label not in labels:
        raise ScenarioError(
            f"parameter 'panel': value {panel!r} is not allowed; allowed: "
            f"{', '.join(labels)} (the session's panels)"
        )
    if weeks is None:
        weeks = saved_week or choice.weeks
    if weeks < 1:
        raise ScenarioError(
            f"parameter 'weeks': value {weeks!r} is not allowed; allowed: 1 or more"
        )
    return {"choice": choice, "plan": plans[labels.index(label)], "weeks": weeks, "label": label}


def run_panel(data: bytes | str, panel: str, weeks: int | None = None) -> CoproductionModel:
    """The panel's model after ``weeks`` weeks (default: the week the session was saved at)."""
    what = panel_plan(data, panel, weeks)
    model = build_model(what["choice"], what["plan"])
    advance(model, what["plan"], what["weeks"])
    return model


def record(data: bytes | str, label: str, weeks: int) -> dict[str, Any]:
    """The run folder's ``scenario.json``: the session as saved, the panel and weeks run."""
    return {"kind": "dashboard session panel", "panel": label, "weeks": weeks,
            "session": json.loads(data)}  # fmt: skip
