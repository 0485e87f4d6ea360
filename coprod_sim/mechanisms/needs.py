"""Mechanism 1, needs arise and wait: kinds of need, the table of live needs, escalation.

A need belongs to a resident (an elderly person who needs shopping done, a family that needs
support) or, for volunteer roles a service advertises (a school governor seat, a police
priority meeting), to the service itself (owner -1). Unmet needs wait in their service's queue;
a waiting need whose kind can escalate turns into a crisis with a weekly hazard once it has
waited past its onset, and a crisis can only be met by professionals at a multiple of the hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np
from pydantic import Field

from coprod_sim import kernels
from coprod_sim.data import load_need_kinds
from coprod_sim.mechanisms.willingness import ACTIVITY_INDEX
from coprod_sim.parameters import Strict

SERVICES: tuple[str, ...] = ("social_care", "public_safety", "early_years")
SERVICE_INDEX = {s: i for i, s in enumerate(SERVICES)}
AGE_GROUPS: tuple[str, ...] = ("young", "working", "retired")
#: channels through which a need can be met; referral and time_bank plug in with the levers
CHANNELS: tuple[str, ...] = ("informal", "open_call", "referral", "time_bank", "professional")
CHANNEL_INDEX = {c: i for i, c in enumerate(CHANNELS)}
UNMET = -1


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


def arise(
    kinds: KindArrays,
    groups: AgeGroups,
    nbhd_of: np.ndarray,
    deprivation: np.ndarray,
    n_residents: int,
    rate_scale: float,
    deprivation_effect: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """New needs this week: Poisson arrivals per kind and age group, thinned by deprivation.

    A resident's weekly rate for kind k is ``rate[k, age] * scale * (1 + effect * dep)``;
    owners are drawn uniformly within the age group and accepted with probability
    ``(1 + effect * dep) / (1 + effect)``. Service roles arise in proportion to all residents
    and are placed in the neighbourhood of a random resident. (One Poisson draw for every
    (kind, group) and one uniform per arrival: few calls, as a week at 10,000 residents has
    only a few hundred arrivals.)
    """
    boost_max = 1.0 + deprivation_effect
    n_groups = len(groups.size)
    roles = kinds.by_service.nonzero()[0]
    res = (~kinds.by_service).nonzero()[0]
    # rates: service roles (per all residents) first, then residents' kinds x age groups
    lam = np.concatenate(
        [
            kinds.rate[roles, 0] * (rate_scale * n_residents),
            (kinds.rate[res, :n_groups] * (rate_scale * boost_max) * groups.size).ravel(),
        ]
    )
    counts = rng.poisson(lam)
    n_role = int(counts[: len(roles)].sum())  # roles come first
    u_pos = rng.random(int(counts.sum()))
    u_acc = rng.random(len(u_pos) - n_role)
    f32 = np.float32
    kind, owner, nbhd = kernels.place_arrivals(
        counts,
        roles,
        res,
        n_groups,
        groups.size,
        groups.start,
        groups.members,
        n_residents,
        u_pos,
        u_acc,
        deprivation,
        nbhd_of,
        f32(deprivation_effect),
        f32(boost_max),
    )
    return {"kind": kind, "owner": owner, "nbhd": nbhd}


def escalate(
    waiting: np.ndarray,
    waited: np.ndarray,
    onset: np.ndarray,
    hazard: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Which waiting needs turn into crises this week.

    A need that has waited at least ``onset`` weeks escalates with probability ``hazard`` each
    further week it waits (so one that waits long enough escalates almost surely).
    """
    eligible = waiting & (waited >= onset) & (hazard > 0)
    out = np.zeros(len(waiting), bool)
    idx = eligible.nonzero()[0]
    out[idx] = rng.random(len(idx)) < hazard[idx]
    return out


def lapse(waiting: np.ndarray, waited: np.ndarray, max_wait: np.ndarray, crisis: np.ndarray):
    """Needs that have waited too long are given up on (counted unmet); crises never lapse."""
    return waiting & ~crisis & (waited >= max_wait)
