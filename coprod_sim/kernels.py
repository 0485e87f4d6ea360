"""Compiled fast paths (numba) for the hottest loops of a week.

Each kernel computes exactly a rule that is also written with whole-array NumPy in the module
that owns it (``channels.decide`` with ``decision.help_probability``); tests check the two
agree pair by pair. A kernel replaces dozens of NumPy calls, each costing a few microseconds
on a small town, with one pass over the pairs, and it reads each resident's attributes once.

Kernels are compiled on first use and cached next to this file (``cache=True``): the first run
on a new machine compiles for a few seconds, later processes load them in milliseconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from coprod_sim.mechanisms.decision import TYPICAL_GROWTH, HelpWeights

# order of the coefficients passed to the kernels (see ``coefficients``)
N_COEF = 11


def coefficients(w: HelpWeights) -> np.ndarray:
    """The decision rule's weights as one float64 array, constant parts folded into the
    intercept (as ``decision.help_probability`` does)."""
    return np.array(
        [
            w.intercept - 0.5 * w.trust - 0.5 * w.confidence,
            w.time,
            0.5 * w.trust,
            w.confidence,
            w.commitment / TYPICAL_GROWTH,
            w.liability,
            w.asked,
            w.unaware,
            w.reward,
            w.example,
            w.fatigue,
        ]
    )


@njit(cache=True, nogil=True)
def decide_pairs(
    rows,
    cand,
    asked,
    u,
    growth_pair,
    trust_src,
    trust_at,
    trust_at2,
    week,
    min_free,
    vetted_code,
    not_vetted_code,
    coef,
    need_kind,
    need_owner,
    need_hours,
    k_bit,
    k_vetting,
    k_growth,
    k_risk,
    willing,
    busy,
    recovering_until,
    free_hours,
    time_off,
    committed,
    vet_status,
    trust_nbr,
    confidence,
    fear_commit,
    fear_liab,
    insured,
    aware,
    reward,
    example_count,
    inv_deg,
    fatigue,
):
    """``channels.decide`` with the default rule, pair by pair.

    Returns the indices of the pairs whose candidate says yes and is eligible, and the indices
    of those who say yes but need a vetting check they have not started. ``trust_person`` of
    pair i is ``trust_src[trust_at[i]]``, times ``trust_src[trust_at2[i]]`` where that is >= 0
    (a stranger vouched for by a tie); ``trust_at2`` and ``growth_pair`` may be empty."""
    n = len(rows)
    yes = np.empty(n, np.int64)
    start = np.empty(n, np.int64)
    n_yes = 0
    n_start = 0
    two = len(trust_at2) > 0
    own_growth = len(growth_pair) > 0
    # stated willingness first, without branches: it rules out most pairs, and independent
    # loads let the CPU fetch many residents' rows from memory at once (a big town's are not
    # in cache)
    passed = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        passed[m] = i
        m += (willing[cand[i]] & k_bit[need_kind[rows[i]]]) != 0
    for j in range(m):
        i = passed[j]
        r = rows[i]
        c = cand[i]
        k = need_kind[r]
        # the other hard gates (channels.quick_gate)
        if busy[c] or recovering_until[c] > week:
            continue
        if c == need_owner[r]:
            continue
        spare = np.float64(free_hours[c] + time_off[c] - committed[c])
        if spare < min_free:
            continue
        vet_ok = (not k_vetting[k]) or vet_status[c] == vetted_code
        t = np.float64(trust_src[trust_at[i]])
        if two and trust_at2[i] >= 0:
            t *= trust_src[trust_at2[i]]
        g = growth_pair[i] if own_growth else k_growth[k]
        ratio = max(spare, 1e-3) / max(np.float64(need_hours[r]), 1e-3)
        z = coef[0] + coef[1] * min(np.log(ratio), 1.0)
        z += coef[2] * (t + trust_nbr[c])
        z += coef[3] * confidence[c]
        z -= coef[4] * fear_commit[c] * g
        if not insured[c]:
            z -= coef[5] * fear_liab[c] * k_risk[k]
        if asked[i]:
            z += coef[6]
        elif not aware[c]:
            z -= coef[7]
        z += coef[8] * reward[c]
        z += coef[9] * (example_count[c] * np.float64(inv_deg[c]))
        z -= coef[10] * fatigue[c]
        p = 1.0 / (1.0 + np.exp(-z))
        if u[i] < p:
            if vet_ok:
                yes[n_yes] = i
                n_yes += 1
            elif vet_status[c] == not_vetted_code:
                start[n_start] = i
                n_start += 1
    return yes[:n_yes], start[:n_start]


@njit(cache=True, nogil=True)
def fill_queue(service, hours, left, max_skips):
    """Which needs of a queue staff meet: ``service`` and ``hours`` are in queue order (by
    service, highest priority first). Each service meets its needs in order while its hours
    ``left`` last; a need too big for the hours left is skipped so smaller ones behind it can
    be met, up to ``max_skips`` skips, after which the service stops for the week."""
    n = len(service)
    met = np.zeros(n, np.bool_)
    left = left.copy()
    skips = np.zeros(len(left), np.int64)
    for i in range(n):
        s = service[i]
        if skips[s] >= max_skips:
            continue
        if hours[i] <= left[s]:
            met[i] = True
            left[s] -= hours[i]
        else:
            skips[s] += 1
    return met


@njit(cache=True, nogil=True)
def add_by_helper(helper, hours, out):
    """Add each row's ``hours`` to its helper's entry of ``out`` (rows with ``helper < 0`` are
    skipped), in row order: the same sums as ``np.add.at``, in one pass and no temporaries."""
    for i in range(len(helper)):
        h = helper[i]
        if h >= 0:
            out[h] += hours[i]


@njit(cache=True, nogil=True)
def count_into(idx, out):
    """``np.add.at(out, idx, 1)`` in one pass: count each index."""
    for i in range(len(idx)):
        out[idx[i]] += 1


@njit(cache=True, nogil=True)
def sum_by_helper(helper, hours, out):
    """As ``add_by_helper`` into an ``out`` that is zero for every resident, returning the
    residents whose sum is positive (in order of first appearance): no pass over everyone."""
    seen = np.empty(len(helper), np.int64)
    m = 0
    for i in range(len(helper)):
        h = helper[i]
        if h < 0:
            continue
        if hours[i] > 0 and out[h] == 0:
            seen[m] = h
            m += 1
        out[h] += hours[i]
    return seen[:m]


@njit(cache=True, nogil=True)
def credit_helpers(
    uniq, week_hours, hours_year, hours_given, weeks_year, months_year, last_help, ever, week, wpm
):
    """Mechanism 9's record of helpers (``model._deliver``): each resident in ``uniq`` gets
    this week's hours (``week_hours``, then reset to zero; in single precision as stored), a
    week of help, a month of help if the last help was in another ``wpm``-week month, and
    ``week`` as the last week helped. Returns the hours credited, in the order of ``uniq``."""
    hh = np.empty(len(uniq), np.float32)
    this_month = week // wpm
    for j in range(len(uniq)):
        h = uniq[j]
        x = np.float32(week_hours[h])
        week_hours[h] = 0.0
        hours_year[h] += x
        hours_given[h] += x
        weeks_year[h] += 1
        if last_help[h] // wpm != this_month:
            months_year[h] += 1
        last_help[h] = week
        ever[h] = True
        hh[j] = x
    return hh


@njit(cache=True, nogil=True)
def fatigue_step(committed, fatigue, free_hours, time_off, fear, share, rate, recovery):
    """Mechanism 4 for every resident with commitments or fatigue (``model._fatigue_and_burnout``
    with ``commitment.tolerance`` and ``commitment.next_fatigue``, in their single precision):
    fatigue is updated in place; returns the residents who reach 1 (burn out), ascending."""
    f32 = np.float32
    one, half, zero = f32(1.0), f32(0.5), f32(0.0)
    share, rate, recovery, floor = f32(share), f32(rate), f32(recovery), f32(1e-3)
    burnt = np.empty(16, np.int64)
    m = 0
    for i in range(len(committed)):
        c, f = committed[i], fatigue[i]
        if not (c > 0 or f > 0):
            continue
        tol = max((free_hours[i] + time_off[i]) * share * (one - half * fear[i]), floor)
        over = c / tol - one
        f = max(f + rate * over if over > 0 else f - recovery, zero)
        fatigue[i] = f
        if f >= 1.0:
            if m == len(burnt):
                burnt = np.concatenate((burnt, np.empty(m, np.int64)))
            burnt[m] = i
            m += 1
    return burnt[:m]


@njit(cache=True, nogil=True)
def open_needs_age(channel, waited, crisis, kind, onset, hazard, unmet):
    """The first half of ``model._wait`` (mechanism 1): every open need (``channel == unmet``)
    waits one more week; returns the open rows and the positions among them of those that
    may escalate (``needs.escalate``'s eligibility: not a crisis, waited at least ``onset``
    weeks, a kind with a positive ``hazard``), for which the caller draws the uniforms."""
    w = np.empty(len(channel), np.int64)
    m = 0
    for i in range(len(channel)):
        if channel[i] == unmet:
            waited[i] += 1
            w[m] = i
            m += 1
    w = w[:m]
    elig = np.empty(m, np.int64)
    e = 0
    for j in range(m):
        i = w[j]
        k = kind[i]
        if not crisis[i] and waited[i] >= onset[k] and hazard[k] > 0:
            elig[e] = j
            e += 1
    return w, elig[:e]


@njit(cache=True, nogil=True)
def open_needs_escalate_lapse(
    w, elig, u, kind, owner, waited, crisis, hours, base_hours, crisis_left,
    hazard, crisis_weeks, max_wait, multiplier, standard, crises_by_kind, lapsed,
):  # fmt: skip
    """The second half of ``model._wait``: eligible needs escalate with the kind's hazard
    (``u`` per eligible need): they become crises, their hours are multiplied (in single
    precision, as stored) and they take the kind's ``crisis_weeks``; then needs not in crisis
    that waited ``max_wait`` weeks lapse (``lapsed`` is set). Returns the owners waiting past
    the ``standard`` (repeats kept; the caller applies the trust loss once each), the number
    of crises and the weeks waited by the needs still open."""
    mult = np.float32(multiplier)
    n_crises = 0
    for j in range(len(elig)):
        p = elig[j]
        i = w[p]
        k = kind[i]
        if u[j] < hazard[k]:
            crisis[i] = True
            hours[i] = base_hours[i] * mult
            base_hours[i] = hours[i]
            crisis_left[i] = crisis_weeks[k]
            crises_by_kind[k] += 1
            n_crises += 1
    late = np.empty(len(w), np.int64)
    n_late = 0
    waited_open = 0
    for j in range(len(w)):
        i = w[j]
        if waited[i] > standard and owner[i] >= 0:
            late[n_late] = owner[i]
            n_late += 1
        if not crisis[i] and waited[i] >= max_wait[kind[i]]:
            lapsed[i] = True
        else:
            waited_open += waited[i]
    return late[:n_late], n_crises, waited_open


@njit(cache=True, nogil=True)
def grow_commitments(helper, crisis, channel, kind, hours, base_hours, growth, cap, bounded):
    """``commitment.grow`` over the table (``model._grow_and_drop``): the hours of every
    volunteer-held need not in crisis and not in a ``bounded`` channel grow by the kind's
    ``growth``, up to ``cap`` times their start (single precision, as stored). Returns the rows
    held by volunteers and not in crisis (those that may be dropped), ascending."""
    one = np.float32(1.0)
    vol = np.empty(len(helper), np.int64)
    m = 0
    for i in range(len(helper)):
        if helper[i] < 0 or crisis[i]:
            continue
        vol[m] = i
        m += 1
        grows = True
        for b in bounded:
            if channel[i] == b:
                grows = False
        if grows:
            k = kind[i]
            hours[i] = min(hours[i] * (one + growth[k]), base_hours[i] * cap[k])
    return vol[:m]


@njit(cache=True, nogil=True)
def good_experiences(
    done, helper, owner, edge, trust_nbr, tie_trust, trust_svc, gain, svc_gain, seen, seen_tie,
    token,
):  # fmt: skip
    """``model._good_experiences`` (mechanism 5) for the need rows ``done``, as five
    ``trust.raise_towards_one`` passes in the same order and single precision: owners helped by
    a volunteer and those volunteers gain neighbour trust, the tie asked gains tie trust, owners
    met by professionals and volunteers in service roles gain trust in services. As in NumPy,
    a resident (or tie) named by several rows gains once per pass: ``seen``/``seen_tie`` hold
    the pass's token where done (tokens ``token`` .. ``token + 4``). Returns the next token."""
    g, sg, one = np.float32(gain), np.float32(svc_gain), np.float32(1.0)
    t = token
    for i in done:  # owners whose need a volunteer met
        o = owner[i]
        if helper[i] >= 0 and o >= 0 and seen[o] != t:
            seen[o] = t
            trust_nbr[o] += g * (one - trust_nbr[o])
    t += 1
    for i in done:  # the volunteers
        h = helper[i]
        if h >= 0 and seen[h] != t:
            seen[h] = t
            trust_nbr[h] += g * (one - trust_nbr[h])
    t += 1
    for i in done:  # the ties asked
        e = edge[i]
        if e >= 0 and seen_tie[e] != t:
            seen_tie[e] = t
            tie_trust[e] += g * (one - tie_trust[e])
    t += 1
    for i in done:  # owners met by professionals
        o = owner[i]
        if helper[i] < 0 and o >= 0 and seen[o] != t:
            seen[o] = t
            trust_svc[o] += sg * (one - trust_svc[o])
    t += 1
    for i in done:  # volunteers in a service's role
        h = helper[i]
        if h >= 0 and owner[i] < 0 and seen[h] != t:
            seen[h] = t
            trust_svc[h] += sg * (one - trust_svc[h])
    return t + 1


@njit(cache=True, nogil=True)
def add_to_ties(indptr, indices, who, sign, counts):
    """Add ``sign[j]`` to ``counts`` of every tie of resident ``who[j]`` (CSR ``indptr``,
    ``indices``): the walk over a few residents' ties that keeps "how many of my ties did X"
    current, without expanding the ties into temporary arrays."""
    for j in range(len(who)):
        s = sign[j]
        for q in range(indptr[who[j]], indptr[who[j] + 1]):
            counts[indices[q]] += s


@njit(cache=True, nogil=True)
def ask_ties(sel, asks, need_owner, indptr, indices, u_tie, u_hop, share_two_hop):
    """The first step of informal asks (``channels.informal``): each need in ``sel`` is asked
    ``asks`` times; each ask goes to a uniformly drawn tie of the owner (``u_tie``), and is
    marked to be passed on (``u_hop < share_two_hop``) if that tie exists. Returns the pairs'
    need rows, owners, ties, the ties' CSR positions (-1: the owner has no ties) and the
    indices of the asks passed on."""
    n = len(sel) * asks
    r = np.empty(n, np.int64)
    owner = np.empty(n, np.int64)
    cand = np.empty(n, np.int64)
    pos = np.empty(n, np.int64)
    hop = np.empty(n, np.int64)
    n_hop = 0
    i = 0
    for j in range(len(sel)):
        row = sel[j]
        o = need_owner[row]
        first = indptr[o]
        deg = indptr[o + 1] - first
        for _ in range(asks):
            r[i] = row
            owner[i] = o
            if deg == 0:
                cand[i] = -1
                pos[i] = -1
            else:
                p = first + np.int64(u_tie[i] * deg)
                pos[i] = p
                cand[i] = indices[p]
                hop[n_hop] = i
                n_hop += u_hop[i] < share_two_hop
            i += 1
    return r, owner, cand, pos, hop[:n_hop]


@njit(cache=True, nogil=True)
def pass_on(hop, owner, cand, pos2, indptr, indices, u_tie):
    """The second step: each ask in ``hop`` goes on to a uniformly drawn tie of the tie
    (``u_tie``), unless that tie has no other ties or the draw is the owner; ``cand`` and
    ``pos2`` (the second tie's CSR position) are updated in place."""
    for j in range(len(hop)):
        i = hop[j]
        c = cand[i]
        deg = indptr[c + 1] - indptr[c]
        if deg == 0:
            continue
        p = indptr[c] + np.int64(u_tie[j] * deg)
        c2 = indices[p]
        if c2 != owner[i]:
            cand[i] = c2
            pos2[i] = p


@njit(cache=True, nogil=True)
def place_arrivals(
    counts,
    roles,
    res,
    n_groups,
    group_size,
    group_start,
    members,
    n_residents,
    u_pos,
    u_acc,
    deprivation,
    nbhd_of,
    effect,
    boost_max,
):
    """Owners and places of a week's arrivals (``needs.arise``). ``counts`` holds the arrivals
    of each service role kind, then of each (resident kind, age group). A role goes to a
    uniformly drawn resident's neighbourhood (``u_pos``); a resident's need to a uniformly
    drawn member of the age group, kept with probability ``(1 + effect * deprivation) /
    boost_max`` (``u_acc``; single precision, as the NumPy rule). Returns kind, owner (-1 for
    a role) and neighbourhood of the kept arrivals."""
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
    one = np.float32(1.0)
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
                keep = u_acc[b] < (one + effect * deprivation[nbhd_of[who]]) / boost_max
                b += 1
                if keep:
                    kind[m] = k
                    owner[m] = who
                    nbhd[m] = nbhd_of[who]
                    m += 1
    return kind[:m], owner[:m], nbhd[:m]


@njit(cache=True, nogil=True)
def _bits(x):
    """``int.bit_length`` for x >= 0."""
    b = 0
    while x > 0:
        x >>= 1
        b += 1
    return b


@njit(cache=True, nogil=True)
def order_within(group, key):
    """``arrays.order_within`` (the same packing, the same order), for callers in kernels."""
    n = len(group)
    if n == 0:
        return np.zeros(0, np.int64)
    lo = group.min()
    b_idx = max(_bits(n - 1), 1)
    b_key = 63 - b_idx - _bits(group.max() - lo)
    if b_key < 16:  # as np.lexsort((key, group)): stable by key, then stable by group
        o = np.argsort(key, kind="mergesort")
        return o[np.argsort(group[o], kind="mergesort")]
    packed = np.empty(n, np.int64)
    shift = np.uint64(64 - b_key)
    for i in range(n):
        packed[i] = ((((group[i] - lo) << b_key) | np.int64(key[i] >> shift)) << b_idx) | i
    packed.sort()
    mask = (np.int64(1) << b_idx) - 1
    for i in range(n):
        packed[i] &= mask
    return packed


@njit(cache=True, nogil=True)
def first_unique(rows, helpers, edges, key):
    """``channels.first_unique``'s rule on keys already drawn: the first offer of each need in
    the order of ``key``, then the first of those for each helper; the same pairs in the same
    order (by helper) as the NumPy version."""
    o = order_within(rows, key)
    n = len(o)
    keep = np.empty(n, np.int64)
    m = 0
    for j in range(n):
        i = o[j]
        if j == 0 or rows[i] != rows[o[j - 1]]:
            keep[m] = i
            m += 1
    keep = keep[:m]
    o2 = order_within(helpers[keep], key[keep])
    out = np.empty(m, np.int64)
    k = 0
    for j in range(m):
        i = keep[o2[j]]
        if j == 0 or helpers[i] != helpers[keep[o2[j - 1]]]:
            out[k] = i
            k += 1
    out = out[:k]
    return rows[out], helpers[out], edges[out]


@njit(cache=True, nogil=True)
def accept_offers(yes, rows, stranger, u, need_owner, age, trust_nbr, distrust_old, retired):
    """``channels.owner_accepts`` with ``trust.accept_probability``'s rule: of the offers
    ``yes`` (ascending pair indices), those whose owner accepts (``u`` per pair). A tie's offer,
    or a role's (no owner), is always accepted; a stranger's with ``0.5 + 0.5 * trust`` (in
    single precision, as NumPy computes it), less ``distrust_old`` for a retired owner,
    clipped to [0, 1]."""
    out = np.empty(len(yes), np.int64)
    m = 0
    half = np.float32(0.5)
    for j in range(len(yes)):
        i = yes[j]
        o = need_owner[rows[i]]
        p = 1.0
        if o >= 0 and stranger[i]:
            p = np.float64(half + half * trust_nbr[o])
            if age[o] == retired:
                p -= distrust_old
            p = min(max(p, 0.0), 1.0)
        if u[i] < p:
            out[m] = i
            m += 1
    return out[:m]


@njit(cache=True)
def _ready(x):
    return x + 1


# The first call of any compiled function in a process loads numba's registries (about 0.4 s
# here): done once at import, so a model's first week costs what the others do.
_ready(0)
