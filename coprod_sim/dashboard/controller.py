"""Paired futures: two or three models of one town and seed, stepped together.

Every panel is built from the same town, size and seed, so the random streams are common and
every difference between panels is the policies' (common random numbers). A panel's policy is a
*plan*: the levers on from the start, and *switches* made later ("from week 62, time bank on").
A panel can be rebuilt from its plan at any time (Reset, or a worker process running
replications) and reaches the same state week for week.

Branching copies a paused panel's model (``copy_model``: a deep copy whose hook functions are
rebound to the copied levers) into another panel, so both share their history up to that week;
a lever switched in one of them from then on changes only that one.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from coprod_sim.dashboard.controls import check_lever
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.model import CoproductionModel
from coprod_sim.outputs.reporters import reporter
from coprod_sim.parameters import ScenarioError, field_bounds
from coprod_sim.scenario import make_scenario

WEEKS_PER_YEAR = 52
MAX_YEARS = 50
#: ``start_week`` that switches a lever off for the rest of any run (its declared maximum)
OFF_WEEK = int(field_bounds(Lever.model_fields["start_week"])[2])
PANEL_LABELS = ("A", "B", "C")


@dataclass(frozen=True)
class TownChoice:
    """What all panels share: town preset, size (0 = the preset's), years, seed."""

    town: str = "demo"
    residents: int = 0
    years: float = 5.0
    seed: int = 1
    #: the town's burn-in in years; None is the model's default (``burn_in_years``)
    burn_in_years: int | None = None
    #: the future every panel's town follows (``coprod-sim list futures``); "" for none
    future: str = ""

    @property
    def weeks(self) -> int:
        return int(round(self.years * WEEKS_PER_YEAR))

    def model_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"town": self.town, "n_residents": self.residents}
        if self.burn_in_years is not None:
            params["burn_in_years"] = self.burn_in_years
        if self.future:
            params["future"] = self.future
        return params


def check_town(town: Any, residents: Any, years: Any, seed: Any, future: Any = "") -> TownChoice:
    """A TownChoice, or ScenarioError naming the parameter, the value and what is allowed.

    Text typed on a page is accepted for the numbers ("10000", "5", "7"); anything else that is
    not a whole number (seed, residents) or a number of years in range is refused.
    """

    def whole(name: str, value: Any, low: int, allowed: str) -> int:
        try:
            v = int(str(value).strip().replace(",", "")) if not isinstance(value, int) else value
        except ValueError:
            v = None
        if v is None or isinstance(value, bool) or v < low:
            raise ScenarioError(f"parameter '{name}': value {value!r} is not allowed; {allowed}")
        return v

    residents_i = whole("residents", residents, 0, "allowed: a whole number >= 0 (0 = preset)")
    seed_i = whole("seed", seed, 0, "allowed: a whole number >= 0")
    try:
        years_f = float(str(years).strip())
    except ValueError:
        years_f = float("nan")
    if not (0 < years_f <= MAX_YEARS) or round(years_f * WEEKS_PER_YEAR) < 1:
        raise ScenarioError(
            f"parameter 'years': value {years!r} is not allowed; allowed: a number of years "
            f"from 1/52 (one week) to {MAX_YEARS}"
        )
    future = "" if future in (None, "none") else future
    # the model's own checks and messages (a future's name or file included)
    make_scenario(town=town, n_residents=residents_i, future=future)
    return TownChoice(town=town, residents=residents_i, years=years_f, seed=seed_i, future=future)


@dataclass(frozen=True)
class Switch:
    """A lever switched on (with its parameters) or off from ``week`` on."""

    week: int
    lever: str
    on: bool
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """A panel's policy: levers on from the start (name -> parameters) and later switches."""

    start: dict[str, dict[str, Any]] = field(default_factory=dict)
    switches: list[Switch] = field(default_factory=list)

    def copy_until(self, week: int) -> Plan:
        return Plan(
            {k: dict(v) for k, v in self.start.items()},
            [s for s in self.switches if s.week <= week],
        )

    def describe(self) -> str:
        parts = [f"{_title(n)} from the start" for n in self.start]
        for s in self.switches:
            parts.append(f"{_title(s.lever)} {'on' if s.on else 'off'} from week {s.week}")
        return "; ".join(parts) or "no lever"


def _title(name: str) -> str:
    return name.replace("_", " ")


# ------------------------------------------------------------------ models
def copy_model(model: CoproductionModel) -> CoproductionModel:
    """A deep copy of ``model`` that runs on exactly as the original would.

    ``copy.deepcopy`` shares plain functions between original and copy; hook functions that a
    lever's ``setup`` defines close over that lever, so the copy's hooks are rebuilt with their
    closed-over objects replaced by the copies (else switching a lever in the copy would also
    switch the original's hook, and the other way round).
    """
    memo: dict[int, Any] = {}
    new = copy.deepcopy(model, memo)
    for point, hooks in new.hooks.items():
        new.hooks[point] = [_rebind(h, memo) for h in hooks]
    return new


def _rebind(fn: Any, memo: dict[int, Any]) -> Any:
    if not isinstance(fn, types.FunctionType) or not fn.__closure__:
        return fn
    cells = tuple(
        types.CellType(memo.get(id(c.cell_contents), c.cell_contents)) for c in fn.__closure__
    )
    new = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, cells)
    new.__dict__.update(fn.__dict__)  # e.g. the hook's ``point``
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def lever_in(model: CoproductionModel, name: str) -> Lever | None:
    """The model's lever called ``name`` (on or off), if it has one."""
    return next((lv for lv in model.policy_levers if lv.name == name), None)


def lever_is_on(model: CoproductionModel, name: str) -> bool:
    lv = lever_in(model, name)
    return lv is not None and lv.start_week < OFF_WEEK


def switch_lever(model: CoproductionModel, switch: Switch) -> None:
    """Switch a lever on (from this week, with ``switch.params``) or off, in a running model.

    A lever switched on the first time is set up and registered as ``CoproductionModel`` does
    for ``policies=`` (its weekly cost joins the weekly series, zero for the weeks before);
    switched off, its rules stop (``start_week`` beyond any run), and what it did to residents
    stays as the model left it.
    """
    existing = lever_in(model, switch.lever)
    if not switch.on:
        if existing is not None:
            existing.start_week = OFF_WEEK
        return
    params = {**switch.params, "start_week": model.week}
    lever = check_lever(switch.lever, params)  # validated before anything changes
    if existing is not None:
        for key, value in lever.model_dump().items():
            setattr(existing, key, value)
        return
    model.policy_levers.append(lever)
    model.add_lever(lever)
    if callable(getattr(lever, "weekly_cost", None)):
        model.costed_levers.append(lever)
        model.lever_cost_names = (*model.lever_cost_names, lever.name)  # its weekly column
        dc, column = model.datacollector, f"cost_{lever.name}"
        if column not in dc.model_reporters:
            done = len(next(iter(dc.model_vars.values()), []))
            dc.model_reporters[column] = reporter(column)
            dc.model_vars[column] = [0.0] * done


class _Watched(CoproductionModel):
    """A model that shows itself to ``_WATCH.see`` as its burn-in starts, so a page can read
    its week (negative, counting up to 0) while the constructor runs; it becomes a plain
    ``CoproductionModel`` again as soon as it is built."""

    def burn_in(self, progress: bool = False) -> None:
        see = getattr(_WATCH, "see", None)
        if see is not None:
            see(self)
        super().burn_in(progress)


_WATCH = threading.local()  # per thread: two pages building at once watch their own model


def build_model(
    choice: TownChoice,
    plan: Plan,
    watch: Callable[[CoproductionModel], None] | None = None,
    world: Mapping[str, Any] | None = None,
) -> CoproductionModel:
    """A panel's model at week 0 (switches made at week 0 are applied at once). ``world``:
    world parameters that replace the declared ones (a replication's posterior draw).

    ``watch`` is called with the model under construction when its burn-in starts (not when
    the burned-in town comes from the cache), so a progress bar can read ``model.week``.
    """
    cls = CoproductionModel if watch is None else _Watched
    _WATCH.see = watch
    try:
        model = cls(
            rng=choice.seed, policies={k: dict(v) for k, v in plan.start.items()},
            burn_in_cache=True, **{**choice.model_params(), **(world or {})},
        )  # fmt: skip
    finally:
        _WATCH.see = None
    model.__class__ = CoproductionModel
    # the constructor ran the town's burn-in (``burn_in_years``, no lever acts), so week 0 on
    # screen is the settled town and every panel starts from the same state (its own streams)
    apply_due(model, plan)
    return model


def apply_due(model: CoproductionModel, plan: Plan) -> None:
    """Apply the plan's switches made at the model's current week."""
    for s in plan.switches:
        if s.week == model.week:
            switch_lever(model, s)


def advance(model: CoproductionModel, plan: Plan, weeks: int) -> None:
    """Step ``weeks`` weeks, applying the plan's switches as their weeks come."""
    for _ in range(weeks):
        model.step()
        apply_due(model, plan)


def warm_up() -> None:
    """Run a tiny town a few weeks, so the model's compiled passes are loaded (or compiled, on a
    machine that never ran them) before the room presses Play; a burned-in town restored from
    the cache has run no week yet, and its first week would otherwise take seconds."""
    try:
        plan = Plan()
        model = build_model(TownChoice(residents=300, years=1, seed=0, burn_in_years=0), plan)
        advance(model, plan, 4)
    except Exception:  # noqa: BLE001 - a warm-up only; real runs report real errors
        pass


# ------------------------------------------------------------------ play
#: play speeds the page offers: label -> weeks a second (0: as fast as the model runs)
SPEEDS: dict[str, float] = {
    "1 week a second": 1.0,
    "4 weeks a second": 4.0,
    "13 weeks a second": 13.0,
    "as fast as it runs": 0.0,
}
#: while playing, the page shows the week and charts at least this often (weeks)
MAX_WEEKS_PER_UPDATE = 4
#: seconds the play loop pauses after each update at least (the model's passes hold Python's
#: lock while they run; without a pause the page's threads could not send the update)
BREATHE = 0.1


def year_end(week: int) -> int:
    """The week the current year of results ends (the next multiple of 52 after ``week``)."""
    return (week // WEEKS_PER_YEAR + 1) * WEEKS_PER_YEAR


def play(
    ctl: PairedFutures,
    weeks_per_second: float = 0.0,
    until: int | None = None,
    lock: Any = None,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[int]:
    """Advance every panel a few weeks at a time, yielding the week after each update.

    An update is at most ``MAX_WEEKS_PER_UPDATE`` weeks (one week at slow speeds), so a page
    that redraws at each yield shows the town change; ``weeks_per_second`` paces it (0: as fast
    as the model runs, with a short pause after each update, ``BREATHE``, so the page's own
    threads get the processor to send the update). Stops at week ``until`` (e.g.
    ``year_end``: "play a year") or the end of the run. The caller stops early by closing the
    generator (or leaving the loop).
    """
    lock = lock or ctl.lock
    stop = min(ctl.weeks_total, until if until is not None else ctl.weeks_total)
    chunk = MAX_WEEKS_PER_UPDATE
    if weeks_per_second > 0:  # about two updates a second (a page takes a while to redraw)
        chunk = max(1, min(MAX_WEEKS_PER_UPDATE, math.ceil(weeks_per_second / 2)))
    start = clock()
    done = 0
    while True:
        with lock:
            n = min(chunk, stop - ctl.week)
            if n <= 0:
                return
            ctl.step(n)
            week = ctl.week
        done += n
        yield week
        wait = BREATHE
        if weeks_per_second > 0:
            wait = max(wait, start + done / weeks_per_second - clock())
        sleep(wait)


# ------------------------------------------------------------------ building
@dataclass
class BuildStatus:
    """Progress of a town being built (read by the page while another thread builds it)."""

    panels: int = 1
    done: int = 0  # panels built
    what: str = ""  # what is being built, e.g. "darlington, 100,000 residents"
    model: CoproductionModel | None = None  # the panel model burning in, if any
    started: float = field(default_factory=time.perf_counter)

    def watch(self, model: CoproductionModel) -> None:
        self.model = model

    def fraction(self) -> float:
        """Share of the work done (a burn-in counts by its weeks; a cached one is instant)."""
        part = 0.0
        m = self.model
        if m is not None and getattr(m, "burn_in_weeks", 0):
            part = min(1.0, max(0.0, 1 + m.week / m.burn_in_weeks))
        return min(1.0, (self.done + part) / max(self.panels, 1))

    def describe(self) -> str:
        """Progress in words, e.g. "panel 1 of 2: burn-in week 120 of 416 (12 s)"."""
        secs = f"{time.perf_counter() - self.started:.0f} s"
        m = self.model
        if self.done >= self.panels:
            return f"built in {secs}"
        if m is not None and m.week < 0:
            weeks = int(m.burn_in_weeks)
            what = f"settling the town: burn-in week {weeks + m.week} of {weeks}"
        else:
            what = "building the town (residents, households, ties)"
        head = f"{self.what}: " if self.what else ""
        return f"{head}panel {self.done + 1} of {self.panels}: {what} ({secs})"


def build_all(
    choice: TownChoice, plans: list[Plan], status: BuildStatus | None = None
) -> list[CoproductionModel]:
    """A model for each plan on one town (the first computes the burn-in, the others take
    it from the cache); ``status`` follows the progress. Slow for a big town: the page
    calls it in a background thread, never holding the panels' lock."""
    models = []
    if status is not None:
        status.panels, status.done = len(plans), 0
    for plan in plans:
        watch = status.watch if status is not None else None
        models.append(build_model(choice, plan, watch))
        if status is not None:
            status.done += 1
            status.model = None
    return models


# ------------------------------------------------------------------ panels
def _empty_drafts() -> dict[str, dict[str, Any]]:
    return {name: {} for name in LEVERS}


@dataclass
class Panel:
    label: str
    plan: Plan
    model: CoproductionModel
    note: str = ""  # e.g. "copy of A at week 62"
    branch_week: int | None = None  # the week it was copied from another panel


class PairedFutures:
    """Two or three panels on one town and seed, advanced together week by week."""

    def __init__(
        self,
        choice: TownChoice | None = None,
        n_panels: int = 2,
        plans: list[Plan] | None = None,
        status: BuildStatus | None = None,
    ) -> None:
        plans = plans if plans is not None else [Plan() for _ in range(n_panels)]
        if len(plans) not in (2, 3):
            raise ScenarioError(
                f"parameter 'panels': value {len(plans)!r} is not allowed; allowed: 2 or 3"
            )
        self.choice = choice or TownChoice()
        self.lock = threading.RLock()  # a page's play loop and its buttons take turns
        models = build_all(self.choice, plans, status)
        self.panels: list[Panel] = [
            Panel(label, plan, model)
            for label, plan, model in zip(PANEL_LABELS, plans, models, strict=False)
        ]
        #: per panel, lever parameters typed on the page (used when a lever is switched on)
        self.drafts: list[dict[str, dict[str, Any]]] = [_empty_drafts() for _ in plans]
        self.version = 0  # bumped on every change, for pages that redraw on change

    def take(self, other: PairedFutures) -> None:
        """Become ``other`` (a town built in the background, a session opened from a file),
        keeping this object (and its lock) that the page holds."""
        with self.lock:
            self.choice, self.panels, self.drafts = other.choice, other.panels, other.drafts
            self.version += 1

    # ---- the shared settings
    @property
    def week(self) -> int:
        return min(p.model.week for p in self.panels)

    @property
    def weeks_total(self) -> int:
        return self.choice.weeks

    @property
    def finished(self) -> bool:
        return self.week >= self.weeks_total

    def set_choice(self, choice: TownChoice, status: BuildStatus | None = None) -> None:
        """A new town, size, length or seed: every panel is rebuilt from its plan (at week 0).

        The models are built before the lock is taken, so a page calling this in a background
        thread keeps answering (and showing ``status``) while a big town is built.
        """
        with self.lock:
            plans = [p.plan for p in self.panels]
        models = build_all(choice, plans, status)
        with self.lock:
            self.choice = choice
            for p, m in zip(self.panels, models, strict=True):
                p.model, p.note, p.branch_week = m, "", None
            self.version += 1

    def set_panels(self, n: int) -> None:
        """Show two or three panels (a new third panel starts with no lever, at week 0)."""
        if n not in (2, 3):
            raise ScenarioError(f"parameter 'panels': value {n!r} is not allowed; allowed: 2 or 3")
        while len(self.panels) > n:
            self.panels.pop()
            self.drafts.pop()
        while len(self.panels) < n:
            week, plan = self.week, Plan()
            model = build_model(self.choice, plan)
            advance(model, plan, week)
            self.panels.append(Panel(PANEL_LABELS[len(self.panels)], plan, model))
            self.drafts.append(_empty_drafts())
        self.version += 1

    # ---- running
    def step(self, weeks: int = 1) -> int:
        """Advance every panel ``weeks`` weeks (not past the run's end); returns weeks done."""
        weeks = max(0, min(weeks, self.weeks_total - self.week))
        for p in self.panels:
            advance(p.model, p.plan, weeks)
        if weeks:
            self.version += 1
        return weeks

    def reset(self) -> None:
        """Back to week 0: every panel rebuilt from its plan (switches replay as they come)."""
        for p in self.panels:
            p.model = build_model(self.choice, p.plan)
            p.note = ""
            p.branch_week = None
        self.version += 1

    # ---- policies
    def set_lever(
        self, panel: int, lever: str, on: bool, params: Mapping[str, Any] | None = None
    ) -> None:
        """Switch ``lever`` on (with ``params``) or off in one panel, from the current week.

        At week 0 this edits the plan and rebuilds that panel; later it is a switch from this
        week on, and the weeks before stay as they were. Bad values raise ScenarioError and
        change nothing.
        """
        p = self.panels[panel]
        params = {k: v for k, v in (params or {}).items() if k not in Lever.TIMING}
        check_lever(lever, params)
        w = p.model.week
        if w == 0:
            if on:
                p.plan.start[lever] = dict(params)
            else:
                p.plan.start.pop(lever, None)
            p.plan.switches = [s for s in p.plan.switches if not (s.week == 0 and s.lever == lever)]
            p.model = build_model(self.choice, p.plan)
        else:
            s = Switch(w, lever, on, dict(params))
            switch_lever(p.model, s)
            p.plan.switches = [
                x for x in p.plan.switches if not (x.week == w and x.lever == lever)
            ] + [s]
        self.version += 1

    def lever_state(self, panel: int, lever: str) -> tuple[bool, dict[str, Any]]:
        """Whether ``lever`` is on in a panel now, and its parameters (defaults if never on)."""
        p = self.panels[panel]
        lv = lever_in(p.model, lever)
        if lv is None:
            return False, LEVERS[lever]().model_dump()
        return lever_is_on(p.model, lever), lv.model_dump()

    def branch(self, source: int, target: int) -> None:
        """Copy panel ``source``'s model and plan into panel ``target`` at the current week."""
        if source == target:
            raise ScenarioError("branch: pick two different panels")
        src, dst = self.panels[source], self.panels[target]
        dst.model = copy_model(src.model)
        dst.plan = src.plan.copy_until(src.model.week)
        dst.note = f"copy of {src.label} at week {src.model.week}"
        dst.branch_week = src.model.week
        self.drafts[target] = copy.deepcopy(self.drafts[source])
        self.version += 1
