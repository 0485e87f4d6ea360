"""Mechanism 1, needs arise and wait: kinds of need, the table of live needs, escalation.

A need belongs to a resident (an elderly person who needs shopping done, a family that needs
support) or, for volunteer roles a service advertises (a school governor seat, a police
priority meeting), to the service itself (owner -1). Unmet needs wait in their service's queue;
a waiting need whose kind can escalate turns into a crisis with a weekly hazard once it has
waited past its onset, and a crisis can only be met by professionals at a multiple of the hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field

from coprod_sim.data import load_need_kinds
from coprod_sim.mechanisms.willingness import ACTIVITY_INDEX
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import RULES, compiled_pass, rule
from coprod_sim.state.arrays import count_into

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


class NeedParams(Strict):
    """Mechanism 1: how often needs arise, and crises."""

    need_rate_scale: float = param(
        1.5,
        unit="x",
        role="world",
        prior=(0.5, 3.0),
        ge=0,
        le=10,
        source=(
            "hand-tuned to the survey's formal participation (issue 14; was 1.0); "
            + ASSUME
            + " (calibrated: prior uniform [0.5, 3], half to three times the need kinds' stated"
            " rates)"
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


SERVICES: tuple[str, ...] = ("social_care", "public_safety", "early_years")
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


#: the default kinds of need, each with its source and units, from coprod_sim/data/need_kinds.toml
#: (Capable Communities 2010; figures are assumptions, arrival rates calibrated so the baseline
#: town matches the survey's participation)
DEFAULT_NEED_KINDS: tuple[NeedKind, ...] = load_need_kinds(
    NeedKind, services=SERVICES, activities=tuple(ACTIVITY_INDEX), owners=("resident", "service")
)


@dataclass(frozen=True)
class KindArrays:
    """The kinds of need as arrays indexed by kind, for whole-array rules."""

    names: tuple[str, ...]
    service: np.ndarray
    activity: np.ndarray  # -1 for professional-only
    by_service: np.ndarray  # bool: owned by a service (a volunteer role)
    hours: np.ndarray
    recurring: np.ndarray
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
        )


@dataclass
class NeedTable:
    """Live needs as parallel arrays (struct of arrays); finished needs are compacted away.

    Each column is a view of the first ``len(table)`` entries of a buffer with spare room, so
    a week's arrivals are written into the slack instead of copying every column, and the
    weekly compaction writes into a second buffer of the same size (the two alternate). Both
    grow by doubling when arrivals outrun them; they never shrink. Hold a column only within a
    phase: ``append`` and ``keep`` replace the views."""

    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # -1: service role
    nbhd: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    hours: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    base_hours: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    waited: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))  # weeks open
    helper: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # resident, -1
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))  # UNMET if open
    crisis: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    crisis_left: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    started: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))  # week arisen
    edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # tie asked, -1
    served: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # ever met

    DEFAULTS: ClassVar[dict[str, int]] = {"helper": -1, "channel": UNMET, "edge": -1}
    MIN_CAPACITY: ClassVar[int] = 1024

    def __post_init__(self) -> None:
        n = len(self.kind)
        self._names = tuple(f.name for f in fields(self))
        self._buf: dict[str, np.ndarray] = {}
        self._alt: dict[str, np.ndarray] = {}
        for name in self._names:
            col = np.asarray(getattr(self, name))
            if len(col) != n:
                raise ValueError(f"NeedTable column {name!r} has {len(col)} rows, not {n}")
            self._buf[name] = col.copy()
            self._alt[name] = np.empty_like(col)
            setattr(self, name, self._buf[name][:n])

    def __len__(self) -> int:
        return len(self.kind)

    def __getstate__(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self._names}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        for name, col in state.items():
            setattr(self, name, col)
        self.__post_init__()

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
            buf[n_old:n] = self.DEFAULTS.get(name, 0) if new is None else new
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
    contiguous run (built once; ages do not change)."""

    members: np.ndarray  # resident ids, group 0 first
    start: np.ndarray  # first position of each group in ``members``
    size: np.ndarray  # residents in each group

    @classmethod
    def from_members(cls, members: list[np.ndarray]) -> AgeGroups:
        size = np.array([len(m) for m in members], np.int64)
        start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        flat = np.concatenate([np.asarray(m, np.int64) for m in members]) if members else size
        return cls(flat, start, size)


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
def age_open_needs(channel, waited, crisis, kind, onset, hazard, unmet):
    """Every open need (``channel == unmet``) waits one more week. Returns the open rows, the
    positions among them of those that may escalate (not a crisis, ``crisis_probability`` > 0)
    and that probability, for which the caller draws one uniform each."""
    w = np.empty(len(channel), np.int64)
    m = 0
    for i in range(len(channel)):
        if channel[i] == unmet:
            waited[i] += 1
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
    w, elig, prob, u, kind, owner, waited, crisis, hours, base_hours, crisis_left,
    crisis_weeks, max_wait, multiplier, standard, crises_by_kind, lapsed,
):  # fmt: skip
    """Eligible needs escalate where ``u < prob``: they become crises, their hours are
    multiplied (in single precision, as stored) and they take the kind's ``crisis_weeks``; then
    waiting needs that ``lapses`` says are given up on are marked in ``lapsed``. Returns the
    owners waiting past the ``standard`` (repeats kept), the number of crises and the weeks
    waited by the needs still open."""
    mult = np.float32(multiplier)
    n_crises = 0
    for j in range(len(elig)):
        i = w[elig[j]]
        if u[j] < prob[j]:
            crisis[i] = True
            hours[i] = base_hours[i] * mult
            base_hours[i] = hours[i]
            crisis_left[i] = crisis_weeks[kind[i]]
            crises_by_kind[kind[i]] += 1
            n_crises += 1
    late = np.empty(len(w), np.int64)
    n_late = 0
    waited_open = 0
    for j in range(len(w)):
        i = w[j]
        if waited[i] > standard and owner[i] >= 0:
            late[n_late] = owner[i]
            n_late += 1
        if lapses(waited[i], max_wait[kind[i]], crisis[i]):
            lapsed[i] = True
        else:
            waited_open += waited[i]
    return late[:n_late], n_crises, waited_open


# ------------------------------------------------------------------------------ phases
def arise(model: CoproductionModel) -> None:
    """New needs this week: Poisson arrivals per kind and age group, thinned by deprivation.

    A resident's weekly rate for kind k is ``rate[k, age] * need_rate_scale *
    arrival_multiplier``; owners are drawn uniformly within the age group and kept with
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
    lam = np.concatenate(
        [
            kinds.rate[roles, 0] * (p.need_rate_scale * model.n_residents),
            (kinds.rate[res, :n_groups] * (p.need_rate_scale * boost_max) * groups.size).ravel(),
        ]
    )
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


def wait(model: CoproductionModel) -> None:
    """Waiting needs age, escalate into crises or lapse unmet; owners waiting past the service
    standard lose trust in services (mechanism 5)."""
    from coprod_sim.mechanisms import trust

    n, k, p, pop = model.needs, model.kinds, model.params, model.pop
    w, elig, prob = age_open_needs.bind(model.rules)(
        n.channel, n.waited, n.crisis, n.kind, k.crisis_onset, k.crisis_hazard, UNMET
    )
    u = model.rng_for("escalation").random(len(elig))
    model.lapsed = np.zeros(len(n), bool)
    late, n_crises, waited_open = escalate_and_lapse.bind(model.rules)(
        w, elig, prob, u, n.kind, n.owner, n.waited, n.crisis, n.hours, n.base_hours,
        n.crisis_left, k.crisis_weeks, k.max_wait, float(p.crisis_hours_multiplier),
        int(p.service_standard_weeks), model.crises_by_kind, model.lapsed,
    )  # fmt: skip
    if n_crises:
        model.events["crises"] += n_crises
    trust.lower_towards_zero(pop.trust_svc, late, p.service_trust_loss, model.rules)
    lapsed = model.lapsed.nonzero()[0]
    count_into(n.kind[lapsed], model.lapsed_by_kind)
    count_into(n.nbhd[lapsed], model.lapsed_by_nbhd)
    model.events["lapsed"] += len(lapsed)
    model.events["open_needs"] = int(len(w) - len(lapsed))
    model.events["waited_total"] = int(waited_open)
