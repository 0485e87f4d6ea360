"""Mechanism 1, needs arise and wait: kinds of need, the table of live needs, escalation.

A need belongs to a resident (an elderly person who needs shopping done, a family that needs
support) or, for volunteer roles a service advertises (a school governor seat, a police
priority meeting), to the service itself (owner -1). Unmet needs wait in their service's queue;
a waiting need whose kind can escalate turns into a crisis with a weekly hazard once it has
waited past its onset, and a crisis can only be met by professionals at a multiple of the hours.
Every need ends or is counted: a need that is not a crisis lapses unmet after its kind's
``max_wait_weeks``; a crisis the services have not taken on within ``crisis_max_wait_weeks`` is
met by an emergency response outside their capacity (A&E and an acute admission, a 999
response, an emergency placement), costed at ``emergency_response_hour`` per crisis hour and
charged to the payer of ``services.EMERGENCY_PAYER``. An open need of a resident waiting past
the service standard is counted as unmet so far (``needs_past_standard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field, model_validator

from coprod_sim.data import load_need_kinds
from coprod_sim.mechanisms import future_year, trust
from coprod_sim.mechanisms.costs import unit
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import RULES, compiled_pass, rule
from coprod_sim.state.arrays import count_into, rows_by_value
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import n_present
from coprod_sim.state.population import SERVICES
from coprod_sim.state.willingness import ACTIVITY_INDEX

if TYPE_CHECKING:
    from mesa import Model


#: the column needs own: whose everyday care went without help this year
STATE = (
    StateColumn("care_unmet_year", "bool", "bool",
                "an everyday care need (needs.OLDER_CARE_KINDS) lapsed unmet this year",
                start=False),
)  # fmt: skip


class NeedParams(Strict):
    """Mechanism 1: how often needs arise, and crises."""

    need_rate_scale: float = param(
        1.73,
        unit="x",
        role="world",
        prior=(0.5, 3.0),
        ge=0,
        le=10,
        source=(
            "hand-tuned to 1.5 before issue 25; "
            + ASSUME
            + " (calibrated: prior uniform [0.5, 3], half to three times the need kinds' stated"
            " rates)" + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Multiplies every kind of need's arrival rate.",
    )
    deprivation_need_effect: float = param(
        1.0,
        unit="x per unit deprivation",
        role="world",
        ge=0,
        le=5,
        source=ASSUME,
        doc="Extra need arrival in deprived neighbourhoods: rate x (1 + effect x deprivation).",
    )
    crisis_hours_multiplier: float = param(
        4.0,
        unit="x",
        role="world",
        ge=1,
        le=50,
        source=ASSUME + " (the case for prevention, Birmingham Policy Commission 2011)",
        doc="Professional hours a crisis takes relative to the need it grew from.",
    )
    crisis_max_wait_weeks: int = param(
        2,
        unit="weeks",
        role="world",
        ge=1,
        le=52,
        source=ASSUME + " (a crisis is urgent: if the service cannot take it on, an emergency "
        "service does within days)",
        doc="A crisis still waiting this many weeks after it arose is met by an emergency "
        "response outside the services' capacity (costed at emergency_response_hour, charged "
        "to the payer services.EMERGENCY_PAYER names), and leaves the queue.",
    )


SERVICE_INDEX = {s: i for i, s in enumerate(SERVICES)}
AGE_GROUPS: tuple[str, ...] = ("young", "working", "retired")
#: channels through which a need can be met; referral and time_bank plug in with the levers
CHANNELS: tuple[str, ...] = ("informal", "open_call", "referral", "time_bank", "professional")
CHANNEL_INDEX = {c: i for i, c in enumerate(CHANNELS)}
UNMET = -1
#: the kind of need a reported anti-social incident becomes (mechanism 8 queues it)
ASB_CALLOUT = "asb_callout"


def _f(default, unit: str, doc: str, ge=None, le=None):
    return Field(default, ge=ge, le=le, description=doc, json_schema_extra={"unit": unit})


class NeedKind(Strict):
    """One kind of need or volunteer role; every figure is a stated assumption unless noted."""

    name: str = Field(description="kind name")
    service: str = Field(description="service whose queue it waits in")
    activity: str | None = _f(
        None, "-", "willingness activity a volunteer needs; None: professional-only"
    )
    owner: str = _f("resident", "-", "'resident' (a person's need) or 'service' (a volunteer role)")
    hours: float = _f(1.0, "hours/week", "hours a week to meet it", ge=0.05, le=40)
    recurring: bool = _f(False, "-", "recurring (weekly until it ends) or one-off")
    every_weeks: int = _f(
        1,
        "weeks",
        "a recurring need meets in sessions this many weeks apart, each of hours x every_weeks "
        "(the hours a year stay those of `hours` a week; `session_hours`); 1: every week",
        ge=1,
        le=52,
    )
    duration_weeks: float = _f(
        1.0, "weeks", "mean length of a recurring need (geometric)", ge=1, le=520
    )
    risk: float = _f(0.0, "0-1", "risk and liability of the task", ge=0, le=1)
    vetting: bool = _f(False, "-", "a volunteer must be vetted (DBS check) first")
    professional_only: bool = _f(False, "-", "only a professional may meet it (personal care)")
    growth: float = _f(
        0.0, "share/week", "weekly growth of an ongoing commitment's hours", ge=0, le=0.5
    )
    growth_cap: float = _f(
        3.0, "x", "hours stop growing at this multiple of the start", ge=1, le=20
    )
    crisis_hazard: float = _f(
        0.0, "1/week", "weekly chance a waiting need becomes a crisis", ge=0, le=1
    )
    crisis_onset_weeks: int = _f(4, "weeks", "waiting time before it can escalate", ge=0, le=520)
    crisis_weeks: int = _f(4, "weeks", "weeks of professional work a crisis takes", ge=1, le=104)
    max_wait_weeks: int = _f(
        12, "weeks", "an unmet need lapses (counted unmet) after this wait", ge=1, le=520
    )
    rate: tuple[float, float, float] = _f(
        (0.0, 0.0, 0.0),
        "per 1000 owners/week",
        "arrivals per 1000 residents of each age group (young, working, retired) a week; "
        "for service roles, per 1000 residents of any age",
    )

    @model_validator(mode="after")
    def _sessions_only_when_recurring(self) -> NeedKind:
        if not self.recurring and self.every_weeks != 1:
            raise ValueError(
                f"need kind {self.name}: every_weeks = {self.every_weeks} is not allowed for a "
                "one-off need (recurring = false); allowed: every_weeks = 1"
            )
        return self


#: the default kinds of need, each with its source and units, from coprod_sim/data/need_kinds.toml
#: (Capable Communities 2010; figures are assumptions, arrival rates calibrated so the baseline
#: town matches the survey's participation)
DEFAULT_NEED_KINDS: tuple[NeedKind, ...] = load_need_kinds(
    NeedKind, services=SERVICES, activities=tuple(ACTIVITY_INDEX), owners=("resident", "service")
)


#: kinds of need that are everyday care in Age UK's sense (help with activities of daily
#: living, such as washing and dressing, or with instrumental ones, such as shopping): the
#: outcome ``older_unmet_care_share`` (outcomes) counts residents 65+ with one of these lapsed
OLDER_CARE_KINDS: tuple[str, ...] = ("personal_care", "lift_to_shops")


@dataclass(frozen=True)
class KindArrays:
    """The kinds of need as arrays indexed by kind, for whole-array rules."""

    names: tuple[str, ...]
    service: np.ndarray
    activity: np.ndarray  # -1 for professional-only
    by_service: np.ndarray  # bool: owned by a service (a volunteer role)
    hours: np.ndarray
    recurring: np.ndarray
    every_weeks: np.ndarray  # int16: weeks between a recurring need's sessions (1: weekly)
    end_hazard: np.ndarray  # 1/duration for recurring, 1 for one-off
    risk: np.ndarray
    vetting: np.ndarray
    professional_only: np.ndarray
    growth: np.ndarray
    growth_cap: np.ndarray
    crisis_hazard: np.ndarray
    crisis_onset: np.ndarray
    crisis_weeks: np.ndarray
    max_wait: np.ndarray
    rate: np.ndarray  # kinds x 3, per resident-week
    activity_bit: np.ndarray  # uint16: 1 << activity (0: professional-only), for willingness
    older_care: np.ndarray  # bool: an everyday care need (``OLDER_CARE_KINDS``)

    @classmethod
    def from_kinds(cls, kinds: tuple[NeedKind, ...]) -> KindArrays:
        for k in kinds:
            if k.service not in SERVICE_INDEX:
                raise ValueError(
                    f"need kind {k.name}: service {k.service!r} is not one of {SERVICES}"
                )
            if k.activity is not None and k.activity not in ACTIVITY_INDEX:
                raise ValueError(
                    f"need kind {k.name}: activity {k.activity!r} is not one of "
                    f"{tuple(ACTIVITY_INDEX)}"
                )
            if k.owner not in ("resident", "service"):
                raise ValueError(
                    f"need kind {k.name}: owner {k.owner!r} must be 'resident' or 'service'"
                )
        f32 = np.float32
        return cls(
            names=tuple(k.name for k in kinds),
            service=np.array([SERVICE_INDEX[k.service] for k in kinds], np.int8),
            activity=np.array([ACTIVITY_INDEX.get(k.activity, -1) for k in kinds], np.int16),
            by_service=np.array([k.owner == "service" for k in kinds]),
            hours=np.array([k.hours for k in kinds], f32),
            recurring=np.array([k.recurring for k in kinds]),
            every_weeks=np.array([k.every_weeks for k in kinds], np.int16),
            end_hazard=np.array(
                [1.0 / k.duration_weeks if k.recurring else 1.0 for k in kinds], f32
            ),
            risk=np.array([k.risk for k in kinds], f32),
            vetting=np.array([k.vetting for k in kinds]),
            professional_only=np.array([k.professional_only for k in kinds]),
            growth=np.array([k.growth for k in kinds], f32),
            growth_cap=np.array([k.growth_cap for k in kinds], f32),
            crisis_hazard=np.array([k.crisis_hazard for k in kinds], f32),
            crisis_onset=np.array([k.crisis_onset_weeks for k in kinds], np.int16),
            crisis_weeks=np.array([k.crisis_weeks for k in kinds], np.int16),
            max_wait=np.array([k.max_wait_weeks for k in kinds], np.int16),
            rate=np.array([k.rate for k in kinds], np.float64) / 1000.0,
            activity_bit=np.array(
                [0 if k.activity is None else 1 << ACTIVITY_INDEX[k.activity] for k in kinds],
                np.uint16,
            ),
            older_care=np.array([k.name in OLDER_CARE_KINDS for k in kinds]),
        )


class NeedTable:
    """Live needs as parallel arrays (struct of arrays); finished needs are compacted away.

    Each column is a view of the first ``len(table)`` entries of a buffer with spare room, so
    a week's arrivals are written into the slack instead of copying every column, and the
    weekly compaction writes into a second buffer of the same size (the two alternate). Both
    grow by doubling when arrivals outrun them; they never shrink. Hold a column only within a
    phase: ``append`` and ``keep`` replace the views."""

    #: the columns, with a new need's value where ``append`` is not given one (``start``)
    COLUMNS: ClassVar[tuple[StateColumn, ...]] = (
        StateColumn("kind", "int16", "index", "kind of need (index into the kinds)", start=0),
        StateColumn("owner", "int32", "resident index",
                    "resident in need; -1 for a service's volunteer role", start=0),
        StateColumn("nbhd", "int32", "index", "neighbourhood where the need is", start=0),
        StateColumn("hours", "float32", "hours/week",
                    "hours a week it takes now (grows in ongoing commitments)", start=0),
        StateColumn("base_hours", "float32", "hours/week",
                    "hours a week when it started (or became a crisis)", start=0),
        StateColumn("waited", "int16", "weeks", "weeks it has waited unmet", start=0),
        StateColumn("helper", "int32", "resident index",
                    "resident meeting it; -1: nobody or a professional", start=-1),
        StateColumn("channel", "int8", "index",
                    "channel meeting it (index into `CHANNELS`); -1 open", start=UNMET),
        StateColumn("crisis", "bool", "bool", "has escalated into a crisis", start=False),
        StateColumn("crisis_left", "int16", "weeks",
                    "weeks of professional work left on a crisis", start=0),
        StateColumn("crisis_wait", "int16", "weeks",
                    "weeks an open crisis has waited as a crisis (emergency response at "
                    "crisis_max_wait_weeks)", start=0),
        StateColumn("started", "int16", "week", "week it arose", start=0),
        StateColumn("edge", "int64", "tie index",
                    "tie an informal helper was asked along (CSR position); -1 none", start=-1),
        StateColumn("served", "bool", "bool",
                    "has been met at least once (a later match is a re-match)", start=False),
        StateColumn("leaving", "bool", "bool",
                    "ended this week (met, lapsed, or its owner left): leaves the table at the "
                    "week's end (`needs.leave_table`)", start=False),
    )  # fmt: skip
    MIN_CAPACITY: ClassVar[int] = 1024

    def __init__(self, **columns: np.ndarray) -> None:
        self._names = tuple(c.name for c in self.COLUMNS)
        self._start = {c.name: c.start for c in self.COLUMNS}
        unknown = sorted(set(columns) - set(self._names))
        if unknown:
            raise ValueError(f"NeedTable has no column {unknown[0]!r}; columns: {self._names}")
        n = len(columns.get("kind", ()))
        self._buf: dict[str, np.ndarray] = {}
        self._alt: dict[str, np.ndarray] = {}
        for c in self.COLUMNS:
            col = np.asarray(columns[c.name], c.dtype) if c.name in columns else c.empty(0)
            if len(col) != n:
                raise ValueError(f"NeedTable column {c.name!r} has {len(col)} rows, not {n}")
            self._buf[c.name] = col.copy()
            self._alt[c.name] = np.empty_like(col)
            setattr(self, c.name, self._buf[c.name][:n])

    def __len__(self) -> int:
        return len(self.kind)

    def __getstate__(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self._names}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        self.__init__(**state)

    @property
    def capacity(self) -> int:
        return len(self._buf["kind"])

    def append(self, **cols: np.ndarray) -> np.ndarray:
        """Add new open needs; returns their row indices. Columns not given take their
        defaults: helper, edge -1; channel ``UNMET``; zero (False) for the rest."""
        n_old = len(self)
        n = n_old + len(cols["kind"])
        if n > self.capacity:
            self._grow(max(2 * n, self.MIN_CAPACITY))
        for name in self._names:
            buf = self._buf[name]
            new = cols.get(name)
            buf[n_old:n] = self._start[name] if new is None else new
            setattr(self, name, buf[:n])
        return np.arange(n_old, n)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (finished, lapsed)."""
        if mask.dtype != bool or len(mask) != len(self):
            raise ValueError(
                f"NeedTable.keep: mask must be bool with one entry per row ({len(self)}), "
                f"not {mask.dtype} of length {len(mask)}"
            )
        idx = mask.nonzero()[0]  # one index for all columns (take: faster than masks)
        m = len(idx)
        for name in self._names:
            alt = self._alt[name]
            getattr(self, name).take(idx, out=alt[:m], mode="clip")  # clip: no buffering
            self._alt[name], self._buf[name] = self._buf[name], alt
            setattr(self, name, alt[:m])

    def _grow(self, cap: int) -> None:
        n = len(self)
        for name in self._names:
            buf = np.empty(cap, self._buf[name].dtype)
            buf[:n] = getattr(self, name)
            self._buf[name] = buf
            self._alt[name] = np.empty(cap, buf.dtype)
            setattr(self, name, buf[:n])

    @property
    def open(self) -> np.ndarray:
        return self.channel == UNMET


@dataclass(frozen=True)
class AgeGroups:
    """Residents by age group, for drawing need owners: one array in which each group is a
    contiguous run (rebuilt when someone changes group, moves in or leaves)."""

    members: np.ndarray  # resident ids, group 0 first
    start: np.ndarray  # first position of each group in ``members``
    size: np.ndarray  # residents in each group

    @classmethod
    def from_members(cls, members: list[np.ndarray]) -> AgeGroups:
        size = np.array([len(m) for m in members], np.int64)
        start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        flat = np.concatenate([np.asarray(m, np.int64) for m in members]) if members else size
        return cls(flat, start, size)

    @classmethod
    def from_ages(cls, age: np.ndarray, n_groups: int = 3) -> AgeGroups:
        """The groups of residents by their age group ``age`` (rows in order within each;
        other values, such as a vacant row's, left out): ``from_members`` of each group's
        ``np.flatnonzero(age == g)``, in one compiled pass."""
        return cls(*rows_by_value(age, n_groups))


# ------------------------------------------------------------------------------ rules
@rule(
    "arrival",
    doc="how much more often residents of a deprived neighbourhood have needs",
    returns="a multiplier of the kind's base rate (>= 0)",
    low=0.0,
    example=(np.float32(0.5), np.float32(0.6)),
)
def arrival_multiplier(deprivation, effect):
    """``1 + effect * deprivation`` (deprivation in [0, 1])."""
    return np.float32(1.0) + effect * deprivation


@rule(
    "escalation",
    doc="weekly chance that a waiting need turns into a crisis",
    returns="a probability",
    low=0.0,
    high=1.0,
    example=(6, 4, np.float32(0.1)),
)
def crisis_probability(waited, onset, hazard):
    """The kind's ``hazard`` each week once the need has waited ``onset`` weeks (so one that
    waits long enough escalates almost surely); 0 before."""
    if waited >= onset:
        return hazard
    return 0.0


@rule(
    "lapse",
    doc="whether a waiting need is given up on (counted unmet)",
    returns="true or false",
    low=0.0,
    high=1.0,
    example=(12, 8, False),
)
def lapses(waited, max_wait, crisis):
    """Needs that waited ``max_wait`` weeks lapse; crises never do."""
    return not crisis and waited >= max_wait


# ------------------------------------------------------------------------------ passes
@compiled_pass(arrival="arrival_multiplier")
def place_arrivals(
    counts, roles, res, n_groups, group_size, group_start, members, n_residents, u_pos, u_acc,
    deprivation, nbhd_of, effect, boost_max,
):  # fmt: skip
    """Owners and places of a week's arrivals. ``counts`` holds the arrivals of each service
    role kind, then of each (resident kind, age group). A role goes to a uniformly drawn
    resident's neighbourhood (``u_pos``); a resident's need to a uniformly drawn member of the
    age group, kept with probability ``arrival_multiplier / boost_max`` (``u_acc``). Returns
    kind, owner (-1 for a role) and neighbourhood of the kept arrivals."""
    total = 0
    for j in range(len(counts)):
        total += counts[j]
    kind = np.empty(total, np.int16)
    owner = np.empty(total, np.int32)
    nbhd = np.empty(total, np.int32)
    m = 0  # arrivals kept
    a = 0  # arrivals drawn (index into u_pos)
    b = 0  # residents' arrivals drawn (index into u_acc)
    n_roles = len(roles)
    for j in range(len(counts)):
        if j < n_roles:
            k = roles[j]
            for _ in range(counts[j]):
                place = np.int64(u_pos[a] * n_residents)
                a += 1
                kind[m] = k
                owner[m] = -1
                nbhd[m] = nbhd_of[place]
                m += 1
        else:
            k = res[(j - n_roles) // n_groups]
            g = (j - n_roles) % n_groups
            for _ in range(counts[j]):
                who = members[group_start[g] + np.int64(u_pos[a] * group_size[g])]
                a += 1
                keep = u_acc[b] < arrival_multiplier(deprivation[nbhd_of[who]], effect) / boost_max
                b += 1
                if keep:
                    kind[m] = k
                    owner[m] = who
                    nbhd[m] = nbhd_of[who]
                    m += 1
    return kind[:m], owner[:m], nbhd[:m]


@compiled_pass(escalation="crisis_probability")
def age_open_needs(channel, waited, crisis, crisis_wait, kind, onset, hazard, unmet):
    """Every open need (``channel == unmet``) waits one more week (a crisis also one more week
    as a crisis, ``crisis_wait``). Returns the open rows, the
    positions among them of those that may escalate (not a crisis, ``crisis_probability`` > 0)
    and that probability, for which the caller draws one uniform each."""
    w = np.empty(len(channel), np.int64)
    m = 0
    for i in range(len(channel)):
        if channel[i] == unmet:
            waited[i] += 1
            if crisis[i]:
                crisis_wait[i] += 1
            w[m] = i
            m += 1
    w = w[:m]
    elig = np.empty(m, np.int64)
    prob = np.empty(m, np.float64)
    e = 0
    for j in range(m):
        i = w[j]
        if crisis[i]:
            continue
        p = crisis_probability(waited[i], onset[kind[i]], hazard[kind[i]])
        if p > 0:
            elig[e] = j
            prob[e] = p
            e += 1
    return w, elig[:e], prob[:e]


@compiled_pass(lapse="lapses")
def escalate_and_lapse(
    w, elig, prob, u, kind, owner, waited, crisis, hours, base_hours, crisis_left, crisis_wait,
    crisis_weeks, max_wait, multiplier, standard, crisis_max_wait, crises_by_kind, lapsed,
    emergency,
):  # fmt: skip
    """Eligible needs escalate where ``u < prob``: they become crises, their hours are
    multiplied (in single precision, as stored) and they take the kind's ``crisis_weeks``; then
    waiting needs that ``lapses`` says are given up on are marked in ``lapsed``, and crises that
    have waited ``crisis_max_wait`` weeks as crises in ``emergency``. Returns the owners waiting
    past the ``standard`` (repeats kept), the number of crises, the weeks waited by the needs
    still open and how many of those are residents' needs past the ``standard``."""
    mult = np.float32(multiplier)
    n_crises = 0
    for j in range(len(elig)):
        i = w[elig[j]]
        if u[j] < prob[j]:
            crisis[i] = True
            hours[i] = base_hours[i] * mult
            base_hours[i] = hours[i]
            crisis_left[i] = crisis_weeks[kind[i]]
            crisis_wait[i] = 0
            crises_by_kind[kind[i]] += 1
            n_crises += 1
    late = np.empty(len(w), np.int64)
    n_late = 0
    n_past = 0
    waited_open = 0
    for j in range(len(w)):
        i = w[j]
        past = waited[i] > standard and owner[i] >= 0
        if past:
            late[n_late] = owner[i]
            n_late += 1
        if lapses(waited[i], max_wait[kind[i]], crisis[i]):
            lapsed[i] = True
        elif crisis[i] and crisis_wait[i] >= crisis_max_wait:
            emergency[i] = True
        else:
            waited_open += waited[i]
            n_past += past
    return late[:n_late], n_crises, waited_open, n_past


def session_hours(
    hours: np.ndarray, every_weeks: np.ndarray, started: np.ndarray, week: int
) -> np.ndarray:
    """Hours a recurring commitment takes in ``week``: it meets in sessions ``every_weeks``
    apart, in the weeks a whole number of sessions after it arose (``started``), each session
    taking ``hours * every_weeks``, and takes nothing in the weeks between. The hours a year
    are those of ``hours`` every week (a police priority meeting of 2 hours a week on average
    that meets every 8 weeks is a 16-hour session: the meeting and its preparation, a stated
    simplification). ``every_weeks`` 1 (every shipped kind; the refit sets the cadences from
    sources) gives ``hours`` itself, to the bit."""
    meets = (week - started.astype(np.int64)) % every_weeks == 0
    return np.where(meets, hours * every_weeks.astype(hours.dtype), hours.dtype.type(0))


def hours_this_week(model: Model, rows: np.ndarray) -> np.ndarray:
    """Hours the need ``rows`` take this week (``session_hours`` of their kinds' cadence; a
    crisis is professional work every week): what delivery, the time bank and time credits
    count. The weekly average ``needs.hours`` stays what committed time, capacity and the
    decision read."""
    n, k = model.needs, model.kinds
    if not (k.every_weeks > 1).any():  # every kind weekly (the shipped kinds): as before
        return n.hours[rows]
    every = np.where(n.crisis[rows], 1, k.every_weeks[n.kind[rows]]).astype(np.int16)
    return session_hours(n.hours[rows], every, n.started[rows], model.week)


# ------------------------------------------------------------------------------ phases
def arise(model: Model) -> None:
    """New needs this week: Poisson arrivals per kind and age group, thinned by deprivation.

    A resident's weekly rate for kind k is ``rate[k, age] * need_rate_scale *
    arrival_multiplier`` (times the year's demand multiplier of its service under a future);
    owners are drawn uniformly within the age group and kept with
    probability ``arrival_multiplier / boost_max`` (the largest multiplier). Service roles
    arise in proportion to all residents and are placed in the neighbourhood of a random
    resident. (One Poisson draw for every (kind, group) and one uniform per arrival.)"""
    p, kinds, groups = model.params, model.kinds, model.age_groups
    rule_fn = model.rules["arrival"]
    effect = p.deprivation_need_effect
    boost_max = 1.0 + effect  # the default rule's largest multiplier (deprivation 1)
    if rule_fn is not RULES["arrival"].default:
        dep = np.unique(model.nb.deprivation).astype(np.float32)
        python_rule = getattr(rule_fn, "py_func", rule_fn)
        boost_max = max([boost_max, *(float(python_rule(d, np.float32(effect))) for d in dep)])
    n_groups = len(groups.size)
    roles = kinds.by_service.nonzero()[0]
    res = (~kinds.by_service).nonzero()[0]
    # rates: service roles (per all residents) first, then residents' kinds x age groups
    role_lam = kinds.rate[roles, 0] * (p.need_rate_scale * n_present(model))
    res_lam = kinds.rate[res, :n_groups] * (p.need_rate_scale * boost_max) * groups.size
    trend = future_year.need_multiplier(model)  # a future's demand trend by kind (None: none)
    if trend is not None:
        role_lam, res_lam = role_lam * trend[roles], res_lam * trend[res, None]
    lam = np.concatenate([role_lam, res_lam.ravel()])
    rng = model.rng_for("needs")
    counts = rng.poisson(lam)
    n_role = int(counts[: len(roles)].sum())  # roles come first
    u_pos = rng.random(int(counts.sum()))
    u_acc = rng.random(len(u_pos) - n_role)
    f32 = np.float32
    k, owner, nbhd = place_arrivals.bind(model.rules)(
        counts, roles, res, n_groups, groups.size, groups.start, groups.members,
        model.n_residents, u_pos, u_acc, model.nb.deprivation, model.pop.nbhd, f32(effect),
        f32(boost_max),
    )  # fmt: skip
    hours = kinds.hours[k]
    model.needs.append(
        kind=k,
        owner=owner,
        nbhd=nbhd,
        hours=hours,
        base_hours=hours,
        started=np.full(len(k), min(model.week, 32_000), np.int16),
    )
    model.events["needs_arisen"] += len(k)
    model.events["needs_arisen_roles"] += n_role
    model.events["demand_residents"] += len(k) - n_role  # by rates (not reported incidents)


def wait(model: Model) -> None:
    """Waiting needs age, escalate into crises or lapse unmet, and crises that waited too long
    go to an emergency response; owners waiting past the service standard lose trust in
    services (mechanism 5)."""
    n, k, p, pop = model.needs, model.kinds, model.params, model.pop
    w, elig, prob = age_open_needs.bind(model.rules)(
        n.channel, n.waited, n.crisis, n.crisis_wait, n.kind, k.crisis_onset, k.crisis_hazard,
        UNMET,
    )  # fmt: skip
    u = model.rng_for("escalation").random(len(elig))
    model.lapsed = np.zeros(len(n), bool)
    emergency = np.zeros(len(n), bool)
    late, n_crises, waited_open, n_past = escalate_and_lapse.bind(model.rules)(
        w, elig, prob, u, n.kind, n.owner, n.waited, n.crisis, n.hours, n.base_hours,
        n.crisis_left, n.crisis_wait, k.crisis_weeks, k.max_wait,
        float(p.crisis_hours_multiplier), int(p.service_standard_weeks),
        int(p.crisis_max_wait_weeks), model.crises_by_kind, model.lapsed, emergency,
    )  # fmt: skip
    if n_crises:
        model.events["crises"] += n_crises
    trust.lower_towards_zero(pop.trust_svc, late, p.service_trust_loss, model.rules)
    lapsed = model.lapsed.nonzero()[0]
    count_into(n.kind[lapsed], model.lapsed_by_kind)
    # residents whose everyday care need went without help (the Age UK measure; outcomes)
    care = n.owner[lapsed[k.older_care.take(n.kind[lapsed])]]
    pop.care_unmet_year[care[care >= 0]] = True
    count_into(n.nbhd[lapsed], model.lapsed_by_nbhd)
    model.events["lapsed"] += len(lapsed)
    sent = emergency.nonzero()[0]
    if len(sent):
        emergency_response(model, sent)
        model.lapsed[sent] = True  # they leave the table at the end of the week, as lapses do
    model.events["open_needs"] = int(len(w) - len(lapsed) - len(sent))
    model.events["waited_total"] = int(waited_open)
    model.events["needs_past_standard"] = int(n_past)


def leave_table(model: Model) -> None:
    """Needs that ended this week (met, lapsed, or their owner died or moved away) leave the
    table: one compaction a week, rows keeping their order."""
    n = model.needs
    if n.leaving.any():
        n.keep(~n.leaving)


def emergency_response(model: Model, rows: np.ndarray) -> None:
    """Crises in ``rows`` are met by an emergency response outside the services' capacity: the
    crisis's hours for its remaining weeks at ``emergency_response_hour``, charged to the
    payer ``services.EMERGENCY_PAYER`` names for the crisis's service (``model.costs`` item
    ``emergency_<service>``). Counted by kind, and their wait is recorded as served."""
    n, k = model.needs, model.kinds
    svc = k.service.take(n.kind[rows])
    hours = n.hours[rows].astype(np.float64) * np.maximum(n.crisis_left[rows], 1)
    by_service = np.bincount(svc, weights=hours, minlength=len(SERVICES))
    price = unit("emergency_response_hour")
    for s, name in enumerate(SERVICES):
        if by_service[s] > 0:
            model.costs[f"emergency_{name}"] += float(by_service[s]) * price
    if model.week >= 0:
        count_into(n.kind[rows], emergency_by_kind(model))
        model._emergency_hours = getattr(model, "_emergency_hours", 0.0) + float(hours.sum())
    model.events["emergency_responses"] += len(rows)
    model.events["emergency_hours"] += float(hours.sum())
    record_waits(model, rows)


def emergency_by_kind(model: Model) -> np.ndarray:
    """Crises met by an emergency response in the results weeks (burn-in left out), by kind
    (added to the model on first use)."""
    arr = getattr(model, "_emergency_by_kind", None)
    if arr is None:
        arr = np.zeros(len(model.kinds.names), np.int64)
        model._emergency_by_kind = arr
    return arr


#: waits longer than this (weeks) are recorded in the last bin of ``wait_histogram``
WAIT_BINS = 1041


def wait_histogram(model: Model) -> np.ndarray:
    """Needs first served in the results weeks (burn-in left out), by service and weeks waited
    (services x ``WAIT_BINS``; the last bin holds longer waits): the waiting-time distribution
    the summary reports (median, 90th percentile, longest). Added to the model on first use."""
    h = getattr(model, "_wait_histogram", None)
    if h is None:
        h = np.zeros((len(SERVICES), WAIT_BINS), np.int64)
        model._wait_histogram = h
    return h


def emergency_hours(model: Model) -> float:
    """Hours of emergency response to crises in the results weeks (burn-in left out)."""
    return float(getattr(model, "_emergency_hours", 0.0))


def wait_quantiles(model: Model) -> dict[str, tuple[float, float, float]]:
    """(median, 90th percentile, longest) weeks waited by the needs each service's queue served
    for the first time in the results weeks (NaN where none was served)."""
    out = {}
    for s, name in enumerate(SERVICES):
        h = wait_histogram(model)[s]
        total = int(h.sum())
        if total == 0:
            out[name] = (float("nan"),) * 3
            continue
        c = np.cumsum(h)
        med = float(np.searchsorted(c, 0.5 * total))
        p90 = float(np.searchsorted(c, 0.9 * total))
        out[name] = (med, p90, float(h.nonzero()[0].max()))
    return out


def record_waits(model: Model, rows: np.ndarray) -> None:
    """Record the waits of needs in ``rows`` served for the first time (by a channel or an
    emergency response) in ``wait_histogram``; results weeks only."""
    if model.week < 0 or len(rows) == 0:
        return
    n = model.needs
    svc = model.kinds.service.take(n.kind[rows]).astype(np.int64)
    weeks = np.minimum(n.waited[rows].astype(np.int64), WAIT_BINS - 1)
    flat = wait_histogram(model).reshape(-1)  # a view: the counts land in the histogram
    count_into(svc * WAIT_BINS + weeks, flat)
