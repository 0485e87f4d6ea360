"""Mechanism 6, professional gatekeeping: sceptical professionals neither ask, refer nor accept.

Each frontline professional has an attitude to co-production ``a`` (0 sceptical .. 1 enabling,
``model.staff.attitude``) and a baseline ``a0`` (the professional culture they work in). Their
**engagement** with co-production is

    e = clip((a - referral_attitude_min) / (1 - referral_attitude_min), 0, 1)

so a professional below ``referral_attitude_min`` never refers a need to volunteers (the
referral channel), never asks residents personally (the personal_asks lever) and e scales how
often those above it do. A service's mode follows its staff's mean attitude
(``services.mode_of``, step 1 of the week): a traditional service makes no open calls and no
referrals, i.e. it accepts no co-delivery at all.

Attitudes drift slowly each week (``weekly``, called by the model before the channels):

    good experience  a <- 1 - (1 - a) (1 - attitude_experience_gain)^g   (g referrals taken up)
    bad experience   a <- a (1 - attitude_experience_loss)^b            (b referred needs let down)
    habit            a <- a + attitude_relaxation (a0 - a)

and culture change and training (levers) move both ``a`` and ``a0`` up (``shift``). With the
three drift parameters at 0 and no lever, attitudes are fixed: the mechanism is inert.

Each (service, neighbourhood) is the patch of one professional of that service (a member of
staff based there if any, otherwise staff in turn), who is the one that refers its needs and
learns from how they go. A referred need is "let down" when it is found open again after a
volunteer took it (the model's drop-out and burnout reopen needs); needs are recognised across
weeks by (owner, kind, week arisen), as rows of the need table move when finished needs are
compacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms.needs import CHANNEL_INDEX, SERVICES, UNMET, NeedTable
from coprod_sim.parameters import ASSUME, Strict, param

if TYPE_CHECKING:
    from mesa import Model


class GatekeepingParams(Strict):
    """Mechanism 6: professionals' attitudes and referrals."""

    attitude_experience_gain: float = param(
        0.02,
        unit="share of gap per referral taken up",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (good experiences of co-delivery, Capable Communities 2010)",
        doc="Rise of a professional's attitude towards 1 each time a need they referred is "
        "taken up by a volunteer (0 switches good experiences off).",
    )
    attitude_experience_loss: float = param(
        0.05,
        unit="share of level per let-down",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (fear of falling standards, Capable Communities 2010)",
        doc="Fall of a professional's attitude each time a volunteer lets down a need they "
        "referred (drop-out or burnout; 0 switches bad experiences off).",
    )
    attitude_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " ('professional territory': habits pull attitudes back)",
        doc="Weekly pull of each professional's attitude back towards their baseline (which "
        "only culture change and training move; 0 = no pull).",
    )
    referral_rate: float = param(
        0.3,
        unit="1/week per open need",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly chance a fully enabling professional refers an open need on their patch to "
        "volunteers they know (0 switches the referral channel off).",
    )
    referral_attitude_min: float = param(
        0.45,
        unit="0-1",
        role="world",
        ge=0,
        le=0.99,
        source=ASSUME + " (sceptical professionals do not refer, Capable Communities 2010)",
        doc="Attitude below which a professional never refers, asks or accepts co-delivery; "
        "above it engagement rises linearly to 1 at attitude 1.",
    )
    referral_info_sharing: float = param(
        0.5,
        unit="share of cases",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (information sharing between agencies, Capable Communities 2010)",
        doc="Share of cases whose details agencies may pass on to a volunteer; culture change "
        "raises it.",
    )
    referral_memory_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=1,
        le=520,
        source=ASSUME,
        doc="A resident of the patch who helped within this many weeks is a volunteer the "
        "professional knows.",
    )
    referral_candidates: int = param(
        2,
        unit="volunteers/referral",
        role="world",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Known volunteers a professional asks for each need referred.",
    )


REFERRAL = CHANNEL_INDEX["referral"]


@dataclass
class GatekeepingState:
    """Per-run state of mechanism 6 (kept on the model as ``model.gatekeeping``)."""

    attitude_base: np.ndarray  # per professional, the culture they return to
    patch: np.ndarray  # (services, neighbourhoods) -> professional responsible
    info_sharing: float  # share of cases agencies may pass on (culture change raises it)
    referral_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    referrals_total: int = 0
    taken_up_total: int = 0
    let_down_total: int = 0


def engagement(attitude: np.ndarray, attitude_min: float) -> np.ndarray:
    """How far a professional engages in co-production (0 below ``attitude_min``, 1 at 1)."""
    return np.clip((attitude - attitude_min) / max(1.0 - attitude_min, 1e-9), 0.0, 1.0)


def build_patches(
    staff_service: np.ndarray, staff_nbhd: np.ndarray, n_services: int, n_nb: int
) -> np.ndarray:
    """Professional of each (service, neighbourhood): staff based there, else staff in turn."""
    patch = np.full((n_services, n_nb), -1, np.int64)
    for s in range(n_services):
        idx = (staff_service == s).nonzero()[0]
        if len(idx) == 0:
            continue
        patch[s] = idx[np.arange(n_nb) % len(idx)]
        patch[s, staff_nbhd[idx]] = idx  # a professional based in a neighbourhood covers it
    return patch


def state(model: Model) -> GatekeepingState:
    """The model's gatekeeping state, created on first use (before week 0 or by a lever)."""
    st = getattr(model, "gatekeeping", None)
    if st is None:
        st = GatekeepingState(
            attitude_base=model.staff.attitude.copy(),
            patch=build_patches(
                model.staff.service, model.staff.nbhd, len(SERVICES), len(model.nb.start)
            ),
            info_sharing=float(model.params.referral_info_sharing),
        )
        model.gatekeeping = st
    return st


def responsible(model: Model, rows: np.ndarray) -> np.ndarray:
    """Professional whose patch holds each need row (-1 if the service has no staff)."""
    st = state(model)
    n = model.needs
    return st.patch[model.kinds.service.take(n.kind[rows]), n.nbhd[rows]]


def need_keys(needs: NeedTable, rows: np.ndarray) -> np.ndarray:
    """A key that recognises a resident's need across weeks: (owner, kind, week arisen)."""
    owner = needs.owner[rows].astype(np.int64) + 1
    kind = needs.kind[rows].astype(np.int64) & 0xFF
    started = needs.started[rows].astype(np.int64) & 0xFFFF
    return (owner << 24) | (kind << 16) | started


def good_experiences(model: Model, professionals: np.ndarray) -> None:
    """Referrals taken up raise the referring professionals' attitudes."""
    gain = model.params.attitude_experience_gain
    if gain <= 0 or len(professionals) == 0:
        return
    a = model.staff.attitude
    g = np.bincount(professionals[professionals >= 0], minlength=len(a))
    a[:] = 1.0 - (1.0 - a) * (1.0 - gain) ** g


def bad_experiences(model: Model, professionals: np.ndarray) -> None:
    """Referred needs let down by a volunteer lower the referring professionals' attitudes."""
    loss = model.params.attitude_experience_loss
    if loss <= 0 or len(professionals) == 0:
        return
    a = model.staff.attitude
    b = np.bincount(professionals[professionals >= 0], minlength=len(a))
    a[:] = a * (1.0 - loss) ** b


def shift(model: Model, who: np.ndarray | slice, rate: float, target: float) -> None:
    """Culture change or training: move attitudes and baselines of ``who`` towards ``target``."""
    st = state(model)
    a = model.staff.attitude
    a[who] += rate * np.maximum(target - a[who], 0.0)
    st.attitude_base[who] += rate * np.maximum(target - st.attitude_base[who], 0.0)


def record_referrals(model: Model, rows: np.ndarray) -> None:
    """Remember needs just referred and taken up, to notice if a volunteer lets them down."""
    st = state(model)
    st.referral_keys = np.concatenate([st.referral_keys, need_keys(model.needs, rows)])


def weekly(model: Model) -> None:
    """The week's gatekeeping: let-downs of referred needs and habit (``referral.weekly``
    calls it, after vetting and before the channels, with the referral channel in place)."""
    st = state(model)
    n, p = model.needs, model.params
    if len(st.referral_keys):
        open_rows = ((n.channel == UNMET) & (n.owner >= 0)).nonzero()[0]
        keys = np.sort(st.referral_keys)
        k = need_keys(n, open_rows)
        pos = np.minimum(np.searchsorted(keys, k), len(keys) - 1)
        bad = open_rows[keys[pos] == k]
        if len(bad):
            st.let_down_total += len(bad)
            model.events["referral_let_down"] += len(bad)
            bad_experiences(model, responsible(model, bad))
    st.referral_keys = need_keys(n, (n.channel == REFERRAL).nonzero()[0])
    if p.attitude_relaxation > 0:
        a = model.staff.attitude
        a += p.attitude_relaxation * (st.attitude_base - a)
