"""Mechanism 13, other local organisations: volunteering the three services do not organise.

The survey's formal participation is volunteering with *any* local organisation (a sports
club, a faith group, a charity shop), while the model's services offer only their own roles;
at the cadences their sources suggest (``needs.session_hours``) those roles cannot reach the
survey's weekly formal share, time being the binding barrier. Local groups are the rest of
the town's organisations, without a queue or a need table of their own:

- **asks**: each week every aware resident willing to do at least one survey activity
  (``pop.willing`` not zero) who holds no group role is asked by a local group with chance
  ``group_ask_rate``; the decision rule (``decision.decide_pass``, the model's ``help`` rule,
  with the channels' hard gates: free this week, not recovering from burnout, at least
  ``min_free_hours`` spare) decides, for a task of ``group_hours`` a week with no growth and
  no risk, asked personally by an organisation (recorded in ``pop.last_asked_week``), trust
  in the person being trust in neighbours (a local group is neighbours, an assumption);
- **roles**: a resident who says yes holds one role; it meets every week with chance
  ``group_weekly_share``, else every 4 weeks, in sessions of ``group_hours x every_weeks``
  (``needs.session_hours``: the hours a year stay ``group_hours`` a week). Its weekly hours are
  committed time (``recount_committed`` adds them, so they tire as any commitment does);
- **records**: a session counts as formal help in the participation records (weeks and months
  of help, any and formal: the survey's "volunteering with an organisation") and as an
  example of helping for the holder's ties (``outcomes.RecentHelpers``), not in the
  services' volunteer hours, hours given, channels or costs;
- **ends**: a role ends with weekly hazard ``group_leave_hazard``, when its holder burns out
  (recovering from burnout), and when they leave the town (a newcomer in the row,
  ``pop.moved_in_week``, holds none of the row's old roles).

``group_ask_rate`` and ``group_weekly_share`` are fitted to the survey's formal participation
with the other world parameters (docs/calibration.md); ``group_ask_rate`` 0 switches local
groups off (the phase then returns before drawing anything from its stream ``local_groups``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms import decision
from coprod_sim.mechanisms.needs import session_hours
from coprod_sim.mechanisms.outcomes import (
    FORMAL,
    MARK_OFFSET,
    WEEKS_PER_MONTH,
    credit_helpers,
    credit_weeks,
    kinds_of_help,
)
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state import occupancy
from coprod_sim.state.arrays import add_by_helper
from coprod_sim.state.population import NOT_VETTED, VETTED

if TYPE_CHECKING:
    from mesa import Model

#: weeks between the sessions of a role that does not meet every week
MONTHLY_EVERY = 4
#: how the two fitted parameters' sources read
FITTED = (
    " (calibrated to the survey's formal participation: prior uniform {prior})"
    " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
)


class LocalGroupParams(Strict):
    """Mechanism 13: volunteering with other local organisations."""

    group_ask_rate: float = param(
        0.0194,
        unit="1/resident-week",
        role="world",
        ge=0,
        le=0.05,
        prior=(0.0, 0.05),
        source=ASSUME
        + FITTED.format(
            prior="[0, 0.05] a week, an assumption: at 0.05 most willing residents are asked "
            "within a year"
        ),
        doc="Weekly chance a local group asks an aware resident, willing for at least one "
        "survey activity and holding no group role, to take one. 0: no local groups.",
    )
    group_hours: float = param(
        2.5,
        unit="hours/week",
        role="world",
        ge=0.1,
        le=20,
        source=ASSUME,
        doc="Hours a week a local group role takes on average (no growth, no risk).",
    )
    group_weekly_share: float = param(
        0.86,
        unit="share",
        role="world",
        ge=0,
        le=1,
        prior=(0.0, 1.0),
        source=ASSUME + FITTED.format(prior="[0, 1], the whole range"),
        doc="Share of group roles that meet every week; the rest meet every 4 weeks "
        "(sessions of 4 x group_hours).",
    )
    group_leave_hazard: float = param(
        0.005,
        unit="1/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly chance a resident leaves their local group role (besides burnout and "
        "leaving the town).",
    )


class GroupRoles:
    """The town's local group roles as parallel arrays, one row a role (at most one a
    resident): its holder, the week it started, its cadence and its weekly hours."""

    def __init__(self) -> None:
        self.member = np.zeros(0, np.int64)
        self.started = np.zeros(0, np.int64)
        self.every = np.zeros(0, np.int16)
        self.hours = np.zeros(0, np.float32)

    def __len__(self) -> int:
        return len(self.member)

    def keep(self, mask: np.ndarray) -> None:
        for name in ("member", "started", "every", "hours"):
            setattr(self, name, getattr(self, name)[mask])

    def add(self, member: np.ndarray, started: int, every: np.ndarray, hours: float) -> None:
        self.member = np.concatenate((self.member, member.astype(np.int64)))
        self.started = np.concatenate((self.started, np.full(len(member), started, np.int64)))
        self.every = np.concatenate((self.every, every.astype(np.int16)))
        self.hours = np.concatenate((self.hours, np.full(len(member), hours, np.float32)))

    def held(self, moved_in_week: np.ndarray) -> np.ndarray:
        """Roles whose holder is still the row's resident (moved in before the role began)."""
        return moved_in_week[self.member] < self.started


def roles(model: Model) -> GroupRoles:
    """The model's group roles (none until the first forms)."""
    g = getattr(model, "group_roles", None)
    if g is None:
        g = model.group_roles = GroupRoles()
    return g


def add_committed(model: Model, committed: np.ndarray) -> None:
    """Add each held role's weekly hours to its holder's ``committed`` (``recount_committed``)."""
    g = getattr(model, "group_roles", None)
    if g is None or len(g) == 0:
        return
    held = g.held(model.pop.moved_in_week)
    add_by_helper(g.member[held], g.hours[held], committed)


def share(model: Model) -> float:
    """Share of residents holding a local group role (the weekly series ``group_share``)."""
    g = getattr(model, "group_roles", None)
    if g is None or len(g) == 0:
        return 0.0
    # the roles of residents who left this week end in next week's phase: not counted
    return int(g.held(model.pop.moved_in_week).sum()) / max(occupancy.n_present(model), 1)


def _end_roles(model: Model, rng: np.random.Generator) -> None:
    g, pop, p = roles(model), model.pop, model.params
    u = rng.random(len(g))
    gone = ~g.held(pop.moved_in_week)
    end = gone | (pop.recovering_until[g.member] > model.week) | (u < p.group_leave_hazard)
    stay_here = end & ~gone  # a newcomer's committed hours never held the old role's
    add_by_helper(g.member[stay_here], -g.hours[stay_here], pop.committed)
    model.events["group_roles_ended"] += int(end.sum())
    g.keep(~end)


def _ask(model: Model, rng: np.random.Generator) -> None:
    g, pop, p = roles(model), model.pop, model.params
    holds = np.zeros(model.n_residents, bool)
    holds[g.member] = True
    eligible = np.flatnonzero(pop.aware & (pop.willing != 0) & ~holds)
    asked = eligible[rng.random(len(eligible)) < p.group_ask_rate]
    u = rng.random(len(asked))
    pop.last_asked_week[asked] = model.week  # an organisation's personal ask
    yes, _ = decision.decide_pass.bind(model.rules)(
        np.zeros(len(asked), np.int64), asked, np.ones(len(asked), bool), u,
        np.zeros(0), pop.trust_nbr, asked, np.zeros(0, np.int64),
        model.week, float(p.min_free_hours), VETTED, NOT_VETTED,
        decision.ask_weights(model.weights, True),
        # one task: any survey activity, no vetting, no growth, no risk, owner none
        np.zeros(1, np.int16), np.full(1, -1, np.int32),
        np.full(1, p.group_hours, np.float32), np.full(1, 0xFFFF, np.uint16),
        np.zeros(1, bool), np.zeros(1, np.float32), np.zeros(1, np.float32),
        pop.willing, model.busy, pop.recovering_until, pop.free_hours, pop.time_off,
        pop.committed, pop.vet_status, pop.trust_nbr, pop.confidence, pop.fear_commit,
        pop.fear_liab, pop.insured, pop.aware, pop.reward, model.example_count,
        model.graph.inv_deg, pop.fatigue, True,
    )  # fmt: skip
    joiners = asked[yes]
    every = np.where(rng.random(len(joiners)) < p.group_weekly_share, 1, MONTHLY_EVERY)
    g.add(joiners, model.week, every, p.group_hours)
    add_by_helper(joiners, np.full(len(joiners), p.group_hours, np.float32), pop.committed)
    model.events["group_roles_started"] += len(joiners)


def _credit_sessions(model: Model, who: np.ndarray, hours: np.ndarray) -> None:
    """A week of formal help (and of any help) for ``who`` (distinct, ascending), unless
    delivery credited them this week already; the hours stay out of the services' records."""
    pop, week, n = model.pop, model.week, model.n_residents
    new = pop.last_help_week[who] != week
    buf = np.zeros(n)  # delivery's record of helpers, with the hours kept apart
    buf[who[new]] = hours[new]
    scratch = np.zeros(n, np.float32)
    credit_helpers(
        buf, scratch, scratch.copy(), pop.weeks_year, pop.months_year, pop.last_help_week,
        pop.helped_ever, week, WEEKS_PER_MONTH,
    )  # fmt: skip
    model.examples.update(model, who[new])  # ties see them help (the decision's example term)
    marks, base = model.helper_marks, (week + MARK_OFFSET) * 4
    had_formal = (marks[who] >= base) & (((marks[who] - base) & FORMAL) != 0)
    kinds_of_help(
        who, np.zeros(len(who), bool), np.zeros(len(who), np.uint16), marks, week,
        pop.activities_year,
    )  # fmt: skip
    credit_weeks(
        who[~had_formal], marks, FORMAL, pop.weeks_year_formal, pop.months_year_formal,
        pop.last_formal_week, pop.formal_ever, week, WEEKS_PER_MONTH,
    )  # fmt: skip


def weekly(model: Model) -> None:
    """Local groups (mechanism 13): roles end (hazard, burnout, holder gone), aware willing
    residents are asked (``group_ask_rate``) and decide, and this week's sessions count as
    formal help. Does nothing, and draws nothing, while no role exists and the rate is 0."""
    p = model.params
    g = getattr(model, "group_roles", None)
    if p.group_ask_rate == 0 and (g is None or len(g) == 0):
        return
    rng = model.rng_for("local_groups")
    _end_roles(model, rng)
    if p.group_ask_rate > 0:
        _ask(model, rng)
    g = roles(model)
    h = session_hours(g.hours, g.every, g.started, model.week)
    meets = h > 0
    order = np.argsort(g.member[meets], kind="stable")
    _credit_sessions(model, g.member[meets][order], h[meets][order])
    model.events["group_hours"] += float(h.sum(dtype=np.float64))
