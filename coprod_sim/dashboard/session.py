"""A workshop session as a file: the town, seed and length, each panel's levers and switches.

After the workshop the facilitator opens the file to show, or rerun, what the room decided:
the panels are rebuilt from their plans (levers from the start, each switch at its week) and
replayed to the week the session was saved at, so the figures are the same as in the room
(common random numbers: a plan and a seed give one history). JSON, read and written with the
standard library; every value is checked as the page checks it, and a bad file is refused
with one line naming what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from coprod_sim.dashboard.controller import (
    PANEL_LABELS,
    BuildStatus,
    PairedFutures,
    Plan,
    Switch,
    TownChoice,
    check_town,
)
from coprod_sim.dashboard.controls import check_lever
from coprod_sim.parameters import ScenarioError

FORMAT = "coprod-sim dashboard session 1"
MAX_BYTES = 1 << 20  # a session is a few kilobytes; anything this big is not one


def to_dict(ctl: PairedFutures) -> dict[str, Any]:
    """The session as plain data (what ``save`` writes)."""
    c = ctl.choice
    return {
        "format": FORMAT,
        "town": c.town,
        "residents": c.residents,
        "years": c.years,
        "seed": c.seed,
        "burn_in_years": c.burn_in_years,
        "future": c.future,
        "week": ctl.week,
        "panels": [
            {
                "label": p.label,
                "start": {k: dict(v) for k, v in p.plan.start.items()},
                "switches": [
                    {"week": s.week, "lever": s.lever, "on": s.on, "params": dict(s.params)}
                    for s in p.plan.switches
                ],
                "branch_week": p.branch_week,
            }
            for p in ctl.panels
        ],
    }


def save(ctl: PairedFutures) -> bytes:
    """The session file's contents (JSON, UTF-8)."""
    return (json.dumps(to_dict(ctl), indent=2) + "\n").encode()


#: the page's address parameter that carries a session (``?session=...``)
LINK_PARAMETER = "session"


def to_link(ctl: PairedFutures) -> str:
    """The session as a short text for an address: compact JSON, compressed, URL-safe base64."""
    raw = json.dumps(to_dict(ctl), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def from_link(text: str) -> bytes:
    """The session file's contents from ``to_link``'s text (checked by ``read`` after)."""
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise _fail("link", f"{len(str(text))} characters", f"at most {MAX_BYTES}")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        unpacker = zlib.decompressobj()
        data = unpacker.decompress(packed, MAX_BYTES)  # never more than a session's size
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise ValueError("damaged or too large")
    except (ValueError, binascii.Error, zlib.error) as exc:
        raise ScenarioError(
            f"session link: not a session link ({exc}); allowed: a link made by 'Copy link'"
        ) from None
    return data


def _fail(what: str, value: Any, allowed: str) -> ScenarioError:
    return ScenarioError(
        f"session file: {what}: value {value!r} is not allowed; allowed: {allowed}"
    )


def read(data: bytes | str) -> tuple[TownChoice, list[Plan], int, list[int | None]]:
    """``(choice, plans, week, branch weeks)`` from a session file, every value checked."""
    if len(data) > MAX_BYTES:
        raise _fail("size", f"{len(data)} bytes", f"at most {MAX_BYTES} bytes")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"session file: not a session file (not JSON: {exc})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        got = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise _fail("format", got, repr(FORMAT))
    choice = check_town(
        raw.get("town"), raw.get("residents"), raw.get("years"), raw.get("seed"),
        raw.get("future", ""),  # sessions saved before futures have none
    )  # fmt: skip
    burn = raw.get("burn_in_years")
    if burn is not None:
        if not isinstance(burn, int) or isinstance(burn, bool) or burn < 0:
            raise _fail("burn_in_years", burn, "a whole number >= 0, or null")
        choice = TownChoice(
            choice.town, choice.residents, choice.years, choice.seed, burn, choice.future
        )
    week = raw.get("week", 0)
    if not isinstance(week, int) or isinstance(week, bool) or not 0 <= week <= choice.weeks:
        raise _fail("week", week, f"a whole number from 0 to {choice.weeks}")
    panels = raw.get("panels")
    if not isinstance(panels, list) or not 2 <= len(panels) <= len(PANEL_LABELS):
        raise _fail("panels", panels, f"a list of 2 to {len(PANEL_LABELS)} panels")
    plans, branches = [], []
    for i, p in enumerate(panels):
        if not isinstance(p, dict):
            raise _fail(f"panel {i + 1}", p, "a table with start and switches")
        start = p.get("start", {})
        if not isinstance(start, dict):
            raise _fail(f"panel {i + 1} start", start, "a table of lever: parameters")
        for lever, params in start.items():
            check_lever(lever, params if isinstance(params, dict) else {"?": params})
        switches = []
        for s in p.get("switches", []):
            if not isinstance(s, dict) or not isinstance(s.get("week"), int):
                raise _fail(f"panel {i + 1} switch", s, "{week, lever, on, params}")
            if not 0 <= s["week"] <= choice.weeks:
                raise _fail(f"panel {i + 1} switch week", s["week"], f"0 to {choice.weeks}")
            params = s.get("params", {})
            check_lever(s.get("lever"), params)
            switches.append(Switch(s["week"], s["lever"], bool(s.get("on", True)), dict(params)))
        plans.append(Plan({k: dict(v) for k, v in start.items()}, switches))
        bw = p.get("branch_week")
        branches.append(bw if isinstance(bw, int) and not isinstance(bw, bool) else None)
    return choice, plans, week, branches


def restore(data: bytes | str, status: BuildStatus | None = None) -> PairedFutures:
    """A ``PairedFutures`` rebuilt from a session file and replayed to its saved week."""
    choice, plans, week, branches = read(data)
    ctl = PairedFutures(choice, plans=plans, status=status)
    ctl.step(week)
    for p, bw in zip(ctl.panels, branches, strict=True):
        if bw is not None:
            p.branch_week = bw
            p.note = f"copy of A at week {bw}"
    return ctl
