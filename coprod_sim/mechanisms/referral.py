"""The referral channel (mechanism 2): a professional refers a need to volunteers they know.

Always on, gated by attitude (mechanism 6) and by information sharing between agencies. Each
week, for every open need a resident owns that a volunteer may meet (not professional-only, not
a crisis), the professional whose patch holds it (``gatekeeping.responsible``) refers it with
probability

    referral_rate * engagement(attitude) * info_sharing * referral_share(service)

(``engagement`` is 0 below ``referral_attitude_min``; ``info_sharing`` starts at
``referral_info_sharing`` and culture change raises it; ``referral_share`` is the service's
acceptance of co-delivery, 0 in traditional provision and rising smoothly with its staff's mean
attitude, ``services.coproduction_shares``). A referred need is put to
``referral_candidates`` volunteers the professional knows: residents of the need's
neighbourhood who helped within ``referral_memory_weeks``. Each decides with the decision rule,
asked personally, trusting the person as much as they trust services; the owner does not know
the volunteer, so ``trust.accept_probability`` for a stranger applies (older people distrust
strangers). A referral taken up is a good experience for the professional; if the volunteer
later lets the need down it is a bad one (``gatekeeping.weekly``). With ``referral_rate`` at 0
the channel does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms import gatekeeping
from coprod_sim.mechanisms.channels import Match, decide, first_unique, owner_accepts

if TYPE_CHECKING:
    from mesa import Model


def known_volunteers(model: Model) -> np.ndarray:
    """Residents (sorted) who helped within ``referral_memory_weeks``: the ones staff know."""
    recent = model.week - model.pop.last_help_week <= model.params.referral_memory_weeks
    return np.flatnonzero(recent)


def referral(model: Model, rows: np.ndarray, rng: np.random.Generator) -> Match:
    """Professionals refer open needs on their patch to volunteers they know."""
    p, n, k, pop = model.params, model.needs, model.kinds, model.pop
    empty = Match(np.zeros(0, np.int64), np.zeros(0, np.int64))
    if p.referral_rate <= 0 or len(rows) == 0:
        return empty
    kk = n.kind[rows]
    ok = (n.owner[rows] >= 0) & ~k.professional_only.take(kk) & ~n.crisis[rows]
    ok &= k.activity.take(kk) >= 0  # (take: faster than indexing by int16 kinds)
    ok &= model.service_referral_share[k.service.take(kk)] > 0  # the service accepts co-delivery
    sel = rows[ok]
    if len(sel) == 0:
        return empty
    prof = gatekeeping.responsible(model, sel)
    st = gatekeeping.state(model)
    e = gatekeeping.engagement(model.staff.attitude[np.maximum(prof, 0)], p.referral_attitude_min)
    svc = k.service.take(n.kind[sel])  # take: faster than indexing by int16 kinds
    pr = p.referral_rate * e * st.info_sharing * model.service_referral_share[svc] * (prof >= 0)
    sel = sel[rng.random(len(sel)) < pr]
    if len(sel) == 0:
        return empty
    model.events["referrals"] += len(sel)
    st.referrals_total += len(sel)
    known = known_volunteers(model)
    if len(known) == 0:
        return empty
    r = np.repeat(sel, p.referral_candidates)
    b = n.nbhd[r]
    lo = np.searchsorted(known, model.nb.start[b])
    cnt = np.searchsorted(known, model.nb.end[b]) - lo
    has = cnt > 0
    r, lo, cnt = r[has], lo[has], cnt[has]
    if len(r) == 0:
        return empty
    cand = known[lo + (rng.random(len(r)) * cnt).astype(np.int64)]
    yes = decide(model, r, cand, pop.trust_svc[cand], np.ones(len(r), bool), rng)
    ok = owner_accepts(model, r, cand, yes, np.ones(len(r), bool), rng)
    m = first_unique(r[ok], cand[ok], rng)
    st.taken_up_total += len(m.rows)
    gatekeeping.good_experiences(model, gatekeeping.responsible(model, m.rows))
    gatekeeping.record_referrals(model, m.rows)
    return m


referral.name = "referral"


def weekly(model: Model) -> None:
    """The week's gatekeeping: the referral channel in place (from the first week), then
    let-downs of referred needs and habit (``gatekeeping.weekly``)."""
    install(model)
    gatekeeping.weekly(model)


def install(model: Model) -> None:
    """Put the referral channel in ``model.channels`` (once) before the time bank/professional."""
    model.add_channel(referral, before=("time_bank", "professional"))
