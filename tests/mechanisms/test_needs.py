"""Mechanism 1: needs arise at their rates, wait, escalate into crises, or lapse."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from coprod_sim.mechanisms.needs import (
    DEFAULT_NEED_KINDS,
    UNMET,
    AgeGroups,
    KindArrays,
    NeedKind,
    NeedTable,
    age_open_needs,
    arrival_multiplier,
    crisis_probability,
    escalate_and_lapse,
    lapses,
    place_arrivals,
)
from coprod_sim.rules import choose_rules
from coprod_sim.state.population import RETIRED

#: the package's rules: every pass is called with the rules it runs first
DEFAULT_RULES = choose_rules(None)

f32 = np.float32


@pytest.mark.parametrize(
    ("waited", "onset", "hazard", "want"),
    [
        (2, 3, 0.1, 0.0),  # before the onset: never
        (3, 3, 0.1, 0.1),  # from the onset: the kind's hazard
        (9, 3, 0.1, 0.1),
        (5, 6, 1.0, 0.0),
        (0, 0, 0.25, 0.25),  # onset 0: from the first week
        (10, 0, 0.0, 0.0),  # a kind that does not escalate
    ],
)
def test_crisis_probability_is_the_hazard_from_the_onset(waited, onset, hazard, want) -> None:
    assert crisis_probability(waited, onset, f32(hazard)) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize(
    ("waited", "max_wait", "crisis", "want"),
    [(11, 12, False, False), (12, 12, False, True), (30, 12, False, True), (30, 12, True, False)],
)
def test_lapse_gives_up_long_waits_but_never_crises(waited, max_wait, crisis, want) -> None:
    assert bool(lapses(waited, max_wait, crisis)) is want


@pytest.mark.parametrize(
    ("deprivation", "effect", "want"),
    [(0.0, 0.6, 1.0), (0.5, 0.6, 1.3), (1.0, 1.0, 2.0), (0.25, 0.0, 1.0)],  # 1 + effect * dep
)
def test_arrival_multiplier(deprivation, effect, want) -> None:
    assert arrival_multiplier(f32(deprivation), f32(effect)) == pytest.approx(want, rel=1e-6)


def test_age_open_needs_waits_and_offers_those_past_onset() -> None:
    """Seven rows; the open ones wait one more week (row 5 is met, row 4 a crisis). Kind 0 has
    onset 3 and hazard 0.5, kind 1 onset 6 and hazard 1: after the week, rows 1-3 (waited 3, 4,
    5 >= 3) and 6 (6 >= 6) may escalate, row 0 (waited 1) may not, row 4 is one already."""
    channel = np.array([UNMET, UNMET, UNMET, UNMET, UNMET, 0, UNMET], np.int8)
    waited = np.array([0, 2, 3, 4, 9, 5, 5], np.int16)
    crisis = np.array([False, False, False, False, True, False, False])
    kind = np.array([0, 0, 0, 0, 0, 0, 1], np.int16)
    onset = np.array([3, 6], np.int16)
    hazard = np.array([0.5, 1.0], np.float32)
    crisis_wait = np.array([0, 0, 0, 0, 1, 0, 0], np.int16)
    w, elig, prob = age_open_needs(
        DEFAULT_RULES, channel, waited, crisis, crisis_wait, kind, onset, hazard, UNMET
    )
    assert waited.tolist() == [1, 3, 4, 5, 10, 5, 6]
    assert crisis_wait.tolist() == [0, 0, 0, 0, 2, 0, 0]  # the open crisis waits as a crisis
    assert w.tolist() == [0, 1, 2, 3, 4, 6]
    assert w[elig].tolist() == [1, 2, 3, 6]
    assert prob.tolist() == [0.5, 0.5, 0.5, 1.0]


def test_escalate_and_lapse_worked_by_hand() -> None:
    """Rows 0 and 1 may escalate with p 0.5; their uniforms 0.4 and 0.6: row 0 escalates (its
    2 hours become 2 * 3 = 6, for kind 0's 4 crisis weeks), row 1 does not. Row 2 waited 12 of
    at most 12 weeks and lapses; row 3 waited 12 as well but is a crisis and does not: it has
    waited 2 weeks as a crisis, the most allowed, and goes to an emergency response. Owners
    of rows waiting more than the 10-week standard are late (row 3 has no owner); of the needs
    still open (rows 0 and 1) none is past the standard."""
    w = np.array([0, 1, 2, 3])
    elig = np.array([0, 1])
    prob = np.array([0.5, 0.5])
    u = np.array([0.4, 0.6])
    kind = np.array([0, 0, 0, 0], np.int16)
    owner = np.array([7, 8, 9, -1], np.int32)
    waited = np.array([5, 5, 12, 12], np.int16)
    crisis = np.array([False, False, False, True])
    hours = np.array([2.0, 2.0, 1.0, 1.0], np.float32)
    base = hours.copy()
    left = np.zeros(4, np.int16)
    crisis_wait = np.array([0, 0, 0, 2], np.int16)
    by_kind = np.zeros(1, np.int64)
    lapsed = np.zeros(4, bool)
    emergency = np.zeros(4, bool)
    late, n_crises, waited_open, n_past = escalate_and_lapse(
        DEFAULT_RULES,
        w, elig, prob, u, kind, owner, waited, crisis, hours, base, left, crisis_wait,
        np.array([4], np.int16), np.array([12], np.int16), 3.0, 10, 2, by_kind, lapsed,
        emergency,
    )  # fmt: skip
    assert crisis.tolist() == [True, False, False, True] and n_crises == 1
    assert hours.tolist() == [6.0, 2.0, 1.0, 1.0] and base.tolist() == hours.tolist()
    assert left.tolist() == [4, 0, 0, 0] and by_kind.tolist() == [1]
    assert lapsed.tolist() == [False, False, True, False]
    assert emergency.tolist() == [False, False, False, True]
    assert late.tolist() == [9] and waited_open == 5 + 5 and n_past == 0


def test_place_arrivals_worked_by_hand() -> None:
    """One service role (kind 5) and two arrivals of resident kind 2 among the retired
    (residents 4 and 5, in neighbourhood 1 of deprivation 0.5). The role goes to the
    neighbourhood of resident int(0.5 * 6) = 3; resident arrivals go to members 4 + int(0.0 *
    2) = 4 and 4 + int(0.99 * 2) = 5, each kept with probability (1 + 1.0 * 0.5) / 2 = 0.75:
    uniform 0.4 keeps the first, 0.9 drops the second."""
    counts = np.array([1, 0, 0, 2])  # the role, then kind 2 x (young, working, retired)
    members = AgeGroups.from_members([np.array([0, 1]), np.array([2, 3]), np.array([4, 5])])
    nbhd_of = np.array([0, 0, 0, 1, 1, 1], np.int32)
    kind, owner, nbhd = place_arrivals(
        DEFAULT_RULES,
        counts, np.array([5]), np.array([2]), 3, members.size, members.start, members.members,
        6, np.array([0.5, 0.0, 0.99]), np.array([0.4, 0.9]), np.array([0.0, 0.5]), nbhd_of,
        f32(1.0), f32(2.0),
    )  # fmt: skip
    assert kind.tolist() == [5, 2] and owner.tolist() == [-1, 4] and nbhd.tolist() == [1, 1]


def test_age_groups_from_ages_equals_from_members_of_each_group() -> None:
    age = np.array([2, 0, 1, 2, -1, 0, 1, 1], np.int8)  # -1: a vacant row, in no group
    got = AgeGroups.from_ages(age)
    want = AgeGroups.from_members([np.flatnonzero(age == g) for g in range(3)])
    assert got.members.tolist() == [1, 5, 2, 6, 7, 0, 3] == want.members.tolist()
    assert got.start.tolist() == [0, 2, 5] == want.start.tolist()
    assert got.size.tolist() == [2, 3, 2] == want.size.tolist()


def test_need_table_append_and_keep() -> None:
    t = NeedTable()
    rows = t.append(kind=np.array([0, 1, 2]), owner=np.array([5, 6, -1]), nbhd=np.array([0, 0, 1]))
    assert rows.tolist() == [0, 1, 2] and len(t) == 3
    assert (t.helper == -1).all() and t.open.all() and not t.crisis.any()
    t.keep(np.array([True, False, True]))
    assert t.owner.tolist() == [5, -1] and len(t.hours) == 2
    assert (t.edge == -1).all()


def test_need_table_matches_plain_arrays_through_growth_and_compaction() -> None:
    """Appends into spare room, doubling, alternating compaction buffers and writes through
    the column views give what concatenating and masking plain arrays gives."""
    rng = np.random.default_rng(5)
    t = NeedTable()
    ref = {"owner": np.zeros(0, np.int64), "hours": np.zeros(0, np.float32)}
    for week in range(60):
        k = int(rng.integers(0, 700))
        owner = rng.integers(0, 10**6, k)
        rows = t.append(kind=np.zeros(k, np.int16), owner=owner, nbhd=np.zeros(k, np.int32))
        assert rows.tolist() == list(range(len(ref["owner"]), len(ref["owner"]) + k))
        ref["owner"] = np.concatenate([ref["owner"], owner])
        ref["hours"] = np.concatenate([ref["hours"], np.zeros(k, np.float32)])
        hit = rng.random(len(t)) < 0.3  # a write through a view lands in the table
        t.hours[hit] += week
        ref["hours"][hit] += week
        mask = rng.random(len(t)) < 0.8
        t.keep(mask)
        ref = {c: v[mask] for c, v in ref.items()}
        assert t.owner.tolist() == ref["owner"].tolist()
        assert np.array_equal(t.hours, ref["hours"])
        assert len(t) <= t.capacity and t.owner.dtype == np.int32
    assert t.capacity >= NeedTable.MIN_CAPACITY


def test_need_table_copies_are_independent() -> None:
    import copy
    import pickle

    t = NeedTable()
    t.append(kind=np.array([0, 1]), owner=np.array([3, 4]), nbhd=np.array([0, 0]))
    for c in (copy.deepcopy(t), pickle.loads(pickle.dumps(t))):
        c.helper[0] = 7
        c.append(kind=np.array([2]), owner=np.array([9]), nbhd=np.array([1]))
        assert c.helper.tolist() == [7, -1, -1] and c.owner.tolist() == [3, 4, 9]
    assert t.helper.tolist() == [-1, -1] and len(t) == 2


def test_need_table_rejects_ragged_columns_and_bad_masks() -> None:
    with pytest.raises(ValueError, match="column 'owner' has 1 rows, not 2"):
        NeedTable(kind=np.zeros(2, np.int16), owner=np.zeros(1, np.int32))
    t = NeedTable()
    t.append(kind=np.array([0, 1]), owner=np.array([3, 4]), nbhd=np.array([0, 0]))
    with pytest.raises(ValueError, match=r"one entry per row \(2\), not bool of length 3"):
        t.keep(np.ones(3, bool))
    with pytest.raises(ValueError, match="not int64"):
        t.keep(np.array([0, 1]))


def test_kind_validation() -> None:
    with pytest.raises(ValidationError):
        NeedKind(name="x", service="social_care", hours=0.0)
    with pytest.raises(ValidationError):
        NeedKind(name="x", service="social_care", colour="red")
    for bad in ({"service": "fire"}, {"activity": "juggling"}, {"owner": "council"}):
        with pytest.raises(ValueError, match="need kind x"):
            KindArrays.from_kinds((NeedKind(**{"name": "x", "service": "social_care", **bad}),))


def test_default_kinds_cover_the_brief() -> None:
    kinds = KindArrays.from_kinds(DEFAULT_NEED_KINDS)
    assert len(kinds.names) >= 8
    assert kinds.recurring.any() and (~kinds.recurring).any()
    assert kinds.vetting.any() and kinds.professional_only.any()
    assert (kinds.growth > 0).any() and (kinds.crisis_hazard > 0).any()
    assert len(set(kinds.service.tolist())) == 3


class _CheckEscalation:
    """At the end of each week: every open need that waited past onset is a crisis."""

    point = "end_of_week"

    def __init__(self) -> None:
        self.crises_seen = 0

    def __call__(self, model) -> None:
        n, k = model.needs, model.kinds
        open_ = n.channel == -1
        overdue = open_ & (n.waited >= k.crisis_onset[n.kind])
        assert n.crisis[overdue].all()
        self.crises_seen += int(n.crisis.sum())


def test_a_need_that_waits_long_enough_escalates(run_town) -> None:
    kind = NeedKind(
        name="urgent",
        service="social_care",
        activity=None,
        professional_only=True,
        hours=2.0,
        recurring=True,
        duration_weeks=4,
        crisis_hazard=1.0,
        crisis_onset_weeks=3,
        max_wait_weeks=52,
        rate=(5.0, 5.0, 5.0),
    )
    check = _CheckEscalation()
    m = run_town(1, weeks=20, staff_hours=0.0, need_kinds=[kind], levers=[check])
    assert m.crises_by_kind[0] > 0 and check.crises_seen > 0
    assert m.lapsed_by_kind[0] == 0, "crises never lapse"
    assert m.stats["professional_hours"] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_without_professional_hours_escalating_kinds_turn_into_crises(run_town, seed) -> None:
    m = run_town(seed, weeks=52, staff_hours=0.0)
    k = m.kinds
    assert m.crises_by_kind[k.crisis_hazard == 0].sum() == 0
    assert m.crises_by_kind[k.crisis_hazard > 0].sum() > 0
    with_staff = run_town(seed, weeks=52, staff_hours=60.0, staff_per_1000=40.0)
    assert with_staff.crises_by_kind.sum() < m.crises_by_kind.sum()


def _waiting_kind(**kw) -> NeedKind:
    """A kind only professionals meet: with no staff, every arrival waits (and stays)."""
    base = dict(
        name="waits",
        service="social_care",
        activity=None,
        professional_only=True,
        hours=1.0,
        recurring=True,
        duration_weeks=52,
        max_wait_weeks=520,
    )
    return NeedKind(**{**base, **kw})


def test_arrivals_follow_the_rate_and_deprivation(run_town) -> None:
    """5% of retired residents a week, times ``1 + effect * deprivation`` of their
    neighbourhood. Over three seeds, the arrivals in each run and the arrivals per expected
    arrival in the more and the less deprived halves of the town lie within 4 Poisson SEs."""
    weeks = 12
    kind = _waiting_kind(rate=(0.0, 0.0, 50.0))
    for seed in (1, 2, 3):
        m = run_town(seed, weeks=weeks, n_residents=3000, staff_hours=0.0, need_kinds=[kind])
        p, pop = m.params, m.pop
        assert m.lapsed_by_kind.sum() == 0 and m.crises_by_kind.sum() == 0
        retired = pop.age == RETIRED
        mult = 1.0 + p.deprivation_need_effect * m.nb.deprivation[pop.nbhd]
        per_week = 0.05 * p.need_rate_scale * mult  # expected arrivals per resident a week
        expected = weeks * per_week[retired].sum()
        got = len(m.needs)
        assert (m.needs.owner >= 0).all() and retired[m.needs.owner].all()
        assert abs(got - expected) < 4 * np.sqrt(expected), (got, expected)
        # deprivation: observed / expected per half of the town, split at the median
        dep = m.nb.deprivation[pop.nbhd]
        high = dep > np.median(m.nb.deprivation)
        for half in (high, ~high):
            e = weeks * per_week[retired & half].sum()
            o = np.count_nonzero(half[m.needs.owner])
            assert abs(o - e) < 4 * np.sqrt(e), (o, e)
        assert (m.needs.nbhd == pop.nbhd[m.needs.owner]).all()


class _CountEscalation:
    """Before needs wait: how many open needs are not yet crises; after: the week's crises."""

    point = "after_channels"

    def __init__(self) -> None:
        self.eligible = 0
        self.crises = 0
        self.end = _End(self)

    def __call__(self, model) -> None:
        n = model.needs
        self.eligible += int(np.count_nonzero((n.channel == UNMET) & ~n.crisis))


class _End:
    point = "end_of_week"

    def __init__(self, c: _CountEscalation) -> None:
        self.c = c

    def __call__(self, model) -> None:
        self.c.crises += model.events["crises"]


def test_waiting_needs_escalate_at_the_hazard_rate(run_town) -> None:
    """With onset 0 and hazard 0.1 every waiting need escalates with chance 0.1 a week: over
    three seeds the share of need-weeks that escalate is within 4 binomial SEs of 0.1."""
    kind = _waiting_kind(rate=(5.0, 5.0, 5.0), crisis_hazard=0.1, crisis_onset_weeks=0)
    c = _CountEscalation()
    for seed in (1, 2, 3):
        run_town(seed, weeks=20, staff_hours=0.0, need_kinds=[kind], levers=[c, c.end])
    assert c.eligible > 1000
    share = c.crises / c.eligible
    assert abs(share - 0.1) < 4 * np.sqrt(0.1 * 0.9 / c.eligible), (share, c.eligible)
