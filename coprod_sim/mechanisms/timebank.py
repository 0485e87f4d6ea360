"""The time bank channel (mechanism 2): a coordinator matches requests to members town-wide.

Only present when the ``time_bank`` lever is on (it supplies the parameters named below).

Membership (``join``): each week ``join_rate * N`` residents are drawn at random; those aware of
local opportunities (or asked personally by a professional, ``pop.asked_until``) who are willing
to do at least one activity join. The coordinator also spends ``outreach_share`` of their hours
asking residents personally (``asks_per_hour``); an asked resident becomes aware and, if willing,
joins with probability ``ask_join_prob`` (joining depends on awareness and on being asked).
The bank takes new members only while it has fewer than ``coordinator_hours *
members_per_coordinator_hour`` (the coordinator's capacity; single time banks report members
in the hundreds); those who would join beyond it do not.

Matching (``TimeBankChannel``): requests are the open needs residents own that a volunteer may
meet (not professional-only, not crises): members' own requests first, then a share
``non_member_share`` of other residents' needs referred to the bank, longest waiting first.
Each request handled takes ``match_hours`` of the coordinator's remaining hours, so at most
``coordinator_hours * (1 - outreach_share) / match_hours`` a week. For each, the coordinator
asks ``candidates_per_request`` members anywhere in town whose committed hours plus the task
stay within ``member_hours_cap``; each decides with the decision rule (asked personally,
trusting a fellow member ``member_trust``, and without fear of the task growing, since it
cannot). Members accept help from other members; others
accept a stranger per ``trust.accept_stranger``. Commitments through the bank do not grow
(the channel is in ``model.bounded_channels``), so members "dip in and out".

Credits (``settle``, after the channels): every hour given through the bank earns the helper
``credits_per_hour``; a member who receives help pays for it from their credits while they last
(help is never refused for want of credits). Members expect a reward ``member_reward`` (the
decision rule's reward term) and each week of giving raises a member's confidence by
``confidence_gain`` of the gap (66% of Spice time bank volunteers reported more confidence,
Young Foundation 2009 citing University of Wales 2009: the gain is fitted to that share by
``experiments/lever_fits.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from coprod_sim.mechanisms.channels import Match, decide, first_unique, owner_accepts
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, hours_this_week
from coprod_sim.mechanisms.trust import raise_towards_one
from coprod_sim.state.arrays import add_by_helper, order_within, random_keys, unique_ints
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import has_vacancies, n_present, present_rows

if TYPE_CHECKING:
    from mesa import Model

TIME_BANK = CHANNEL_INDEX["time_bank"]


#: the time bank's columns on residents
STATE = (
    StateColumn("credits", "float32", "hours", "time credits held", start=0.0),
    StateColumn("tb_member", "bool", "bool", "member of the time bank (time_bank lever)",
                start=False),
)  # fmt: skip


@dataclass
class TimeBankState:
    """Run state of the time bank, kept with the lever's own state
    (``model.lever_state["time_bank"]``, what ``TimeBank.state(model)`` returns)."""

    members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    requests_handled: int = 0
    matches: int = 0
    credits_earned: float = 0.0
    credits_spent: float = 0.0
    joined_week: int = 0  # members who joined this week
    confidence_raised: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


def state(model: Model) -> TimeBankState:
    """The time bank's run state in ``model`` (made on first use)."""
    st = model.lever_state.get("time_bank")
    if st is None:
        st = TimeBankState(confidence_raised=np.zeros(model.n_residents, bool))
        model.lever_state["time_bank"] = st
    return st


def _add_members(model: Model, who: np.ndarray, reward: float) -> int:
    pop = model.pop
    who = unique_ints(who[~pop.tb_member[who]])
    if len(who) == 0:
        return 0
    pop.tb_member[who] = True
    pop.reward[who] = np.maximum(pop.reward[who], np.float32(reward))
    st = state(model)
    st.members = np.concatenate([st.members, who])
    return len(who)


def join(model: Model, lever: Any, rng: np.random.Generator) -> int:
    """This week's new members (see the module docstring); returns how many joined."""
    pop, n = model.pop, n_present(model)
    if n == 0:
        return 0
    # draws among residents (a growing town's vacant rows are no one)
    rows = present_rows(model) if has_vacancies(model) else None
    m = rng.poisson(lever.join_rate * n)
    cand = rng.integers(0, n, m)
    if rows is not None:
        cand = rows[cand]
    ready = (pop.aware[cand] | (pop.asked_until[cand] > model.week)) & (pop.willing[cand] != 0)
    outreach = lever.coordinator_hours * lever.outreach_share
    a = rng.poisson(outreach * lever.asks_per_hour)
    asked = rng.integers(0, n, a)
    if rows is not None:
        asked = rows[asked]
    pop.aware[asked] = True
    pop.last_asked_week[asked] = model.week
    yes = (pop.willing[asked] != 0) & (rng.random(a) < lever.ask_join_prob)
    room = int(lever.coordinator_hours * lever.members_per_coordinator_hour) - len(
        state(model).members
    )
    new = np.concatenate([cand[ready], asked[yes]])
    new = new[~pop.tb_member[new]]
    _, first = np.unique(new, return_index=True)
    new = new[np.sort(first)][: max(room, 0)]  # in the order drawn (random), each once
    joined = _add_members(model, new, lever.member_reward)
    state(model).joined_week = joined
    model.events["time_bank_joined"] += joined
    return joined


class TimeBankChannel:
    """The coordinator's weekly matching, as a channel ``(model, rows, rng) -> Match``."""

    name = "time_bank"

    def __init__(self, lever: Any) -> None:
        self.lever = lever

    def __call__(self, model: Model, rows: np.ndarray, rng: np.random.Generator):
        lv, n, k, pop = self.lever, model.needs, model.kinds, model.pop
        empty = Match(np.zeros(0, np.int64), np.zeros(0, np.int64))
        st = state(model)
        if not lv.active(model) or len(rows) == 0 or len(st.members) == 0:
            return empty
        kk = n.kind[rows]
        owner = n.owner[rows]
        ok = (owner >= 0) & ~k.professional_only[kk] & ~n.crisis[rows] & (k.activity[kk] >= 0)
        rows = rows[ok]
        owner = owner[ok]
        member_owner = pop.tb_member[owner]
        taken = member_owner | (rng.random(len(rows)) < lv.non_member_share)
        rows, member_owner = rows[taken], member_owner[taken]
        cap = int(lv.coordinator_hours * (1.0 - lv.outreach_share) / lv.match_hours)
        if len(rows) > cap:
            prio = member_owner.astype(np.int64) * 100_000 + n.waited[rows].astype(np.int64)
            o = order_within(-prio, random_keys(rng, len(rows)))[:cap]
            rows, member_owner = rows[o], member_owner[o]
        st.requests_handled += len(rows)
        model.events["time_bank_requests"] += len(rows)
        if len(rows) == 0:
            return empty
        r = np.repeat(rows, lv.candidates_per_request)
        cand = st.members[rng.integers(0, len(st.members), len(r))]
        within = pop.committed[cand] + n.hours[r] <= lv.member_hours_cap
        r, cand = r[within], cand[within]
        if len(r) == 0:
            return empty
        trust = np.full(len(r), lv.member_trust, np.float32)
        yes = decide(model, r, cand, trust, np.ones(len(r), bool), rng, growth=np.zeros(len(r)))
        owner = n.owner[r]
        stranger = ~pop.tb_member[owner]
        ok = owner_accepts(model, r, cand, yes, stranger, rng, count=False)
        m = first_unique(r[ok], cand[ok], rng)
        st.matches += len(m.rows)
        return m


def settle(model: Model, lever: Any) -> float:
    """Credits earned and spent for this week's hours through the bank; returns credits spent."""
    n, pop = model.needs, model.pop
    st = state(model)
    rows = np.flatnonzero((n.channel == TIME_BANK) & (n.helper >= 0))
    if len(rows) == 0:
        return 0.0
    helpers = n.helper[rows]
    hours = hours_this_week(model, rows).astype(np.float32)  # a session need: its sessions
    earned = hours * np.float32(lever.credits_per_hour)
    add_by_helper(helpers, earned, pop.credits)  # as np.add.at: in row order
    st.credits_earned += float(earned.sum())
    owners = n.owner[rows]
    mem = pop.tb_member[owners]
    spent = 0.0
    if mem.any():
        o, h = owners[mem], hours[mem]
        # owners pay from their balance while it lasts (never below zero)
        uo = unique_ints(o)
        before = float(pop.credits[uo].sum(dtype=np.float64))
        add_by_helper(o, -h, pop.credits)  # x + -h == x - h
        pop.credits[uo] = np.maximum(pop.credits[uo], 0.0)
        spent = before - float(pop.credits[uo].sum(dtype=np.float64))
        st.credits_spent += spent
    gave = unique_ints(helpers)
    if lever.confidence_gain > 0:
        raise_towards_one(pop.confidence, gave, lever.confidence_gain, model.rules)
        st.confidence_raised[gave] = True
    return spent


def install(model: Model, channel: TimeBankChannel) -> None:
    """Insert the channel before the professional one and mark its commitments as bounded."""
    model.add_channel(channel, before=("professional",), bounded=True)
    state(model)
