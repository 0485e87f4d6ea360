"""Mechanism 1: needs arise at their rates, wait, escalate into crises, or lapse."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from coprod_sim.mechanisms.needs import (
    DEFAULT_NEED_KINDS,
    AgeGroups,
    KindArrays,
    NeedKind,
    NeedTable,
    arise,
    escalate,
    lapse,
)


def test_escalate_with_hazard_one_takes_exactly_those_waited_past_onset() -> None:
    waited = np.array([0, 2, 3, 4, 9, 5, 5])
    waiting = np.array([True, True, True, True, True, False, True])
    onset = np.array([3, 3, 3, 3, 3, 3, 6])
    out = escalate(waiting, waited, onset, np.ones(7), np.random.default_rng(1))
    assert out.tolist() == [False, False, True, True, True, False, False]


def test_escalate_never_with_hazard_zero_and_at_the_hazard_rate_otherwise() -> None:
    n = 40_000
    waiting, waited, onset = np.ones(n, bool), np.full(n, 10), np.zeros(n, int)
    assert not escalate(waiting, waited, onset, np.zeros(n), np.random.default_rng(2)).any()
    share = escalate(waiting, waited, onset, np.full(n, 0.1), np.random.default_rng(2)).mean()
    assert abs(share - 0.1) < 4 * np.sqrt(0.09 / n)


def test_lapse_gives_up_long_waits_but_never_crises() -> None:
    waiting = np.array([True, True, True, False, True])
    waited = np.array([11, 12, 30, 30, 30])
    crisis = np.array([False, False, False, False, True])
    out = lapse(waiting, waited, np.full(5, 12), crisis)
    assert out.tolist() == [False, True, True, False, False]


def _kinds(**kw) -> KindArrays:
    base = dict(name="k", service="social_care", activity="check_elderly")
    return KindArrays.from_kinds((NeedKind(**{**base, **kw}),))


def test_arrivals_follow_the_rate_and_deprivation() -> None:
    n = 20_000
    kinds = _kinds(rate=(0.0, 0.0, 50.0))  # 5% of retired residents a week
    members = AgeGroups.from_members([np.zeros(0, int), np.zeros(0, int), np.arange(n)])
    nbhd_of = (np.arange(n) >= n // 2).astype(np.int32)  # two neighbourhoods
    dep = np.array([0.0, 1.0])
    weeks = [
        arise(kinds, members, nbhd_of, dep, n, 1.0, 1.0, np.random.default_rng(s))
        for s in range(20)
    ]
    owners = np.concatenate([w["owner"] for w in weeks])
    in_deprived = (nbhd_of[owners] == 1).sum()
    in_other = (nbhd_of[owners] == 0).sum()
    # expected per week: 500 * 0.05 in the undeprived half, twice that in the deprived one
    assert abs(in_other / 20 - 500) < 4 * np.sqrt(500 / 20)
    assert abs(in_deprived / in_other - 2.0) < 0.15
    assert all((w["nbhd"] == nbhd_of[w["owner"]]).all() for w in weeks)


def test_no_rate_no_needs_and_roles_belong_to_services() -> None:
    n = 5_000
    members = AgeGroups.from_members(
        [np.arange(0, 1000), np.arange(1000, 4000), np.arange(4000, n)]
    )
    nbhd_of = np.repeat(np.arange(5), 1000).astype(np.int32)
    none = arise(_kinds(), members, nbhd_of, np.zeros(5), n, 1.0, 0.0, np.random.default_rng(1))
    assert len(none["kind"]) == 0
    roles = _kinds(owner="service", rate=(20.0, 20.0, 20.0))
    out = arise(roles, members, nbhd_of, np.zeros(5), n, 1.0, 0.0, np.random.default_rng(1))
    assert len(out["kind"]) > 50
    assert (out["owner"] == -1).all()
    assert set(out["nbhd"]) <= set(range(5))


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
