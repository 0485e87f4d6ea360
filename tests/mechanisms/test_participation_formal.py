"""Finding 1 of issue 14: formal and informal help are recorded apart, per resident, from the
simulated history; the survey's classes are computed on each measure."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, UNMET, hours_this_week
from coprod_sim.mechanisms.outcomes import PARTICIPATION, participation_class
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import make_scenario

INFORMAL = CHANNEL_INDEX["informal"]


class HelperLog:
    """Records, each week after the channels, who holds a need formally and who informally
    and meets it this week (the rows delivery credits that week)."""

    point = "after_channels"

    def __init__(self) -> None:
        self.formal: list[np.ndarray] = []
        self.informal: list[np.ndarray] = []
        self.weeks: list[int] = []

    def __call__(self, model: CoproductionModel) -> None:
        n = model.needs
        held = (n.channel != UNMET) & (n.helper >= 0)
        # a need meeting in sessions is help only in its session weeks
        held[held] = hours_this_week(model, np.flatnonzero(held)) > 0
        self.formal.append(np.unique(n.helper[held & (n.channel != INFORMAL)]))
        self.informal.append(np.unique(n.helper[held & (n.channel == INFORMAL)]))
        self.weeks.append(model.week)


@pytest.mark.parametrize("seed", [1, 2])
def test_weeks_and_months_of_formal_and_informal_help_are_counted_apart(seed: int) -> None:
    log = HelperLog()
    # a closed town: a newcomer's row starts its tallies again (tests/mechanisms/test_turnover);
    # no local-group roles, whose sessions are formal help too (tests/mechanisms/test_local_groups)
    model = CoproductionModel(
        rng=seed, n_residents=600, burn_in_years=0, levers=[log], population_turnover=False,
        group_ask_rate=0.0,
    )  # fmt: skip
    model.run_weeks(51)  # the year's tallies are still open
    pop = model.pop
    for name, held in (("formal", log.formal), ("informal", log.informal)):
        weeks = np.zeros(len(pop), np.int64)
        months = np.zeros(len(pop), np.int64)
        for who in held:
            weeks[who] += 1
        for m in range(13):
            in_month = [h for w, h in zip(log.weeks, held, strict=True) if w // 4 == m]
            if in_month:
                months[np.unique(np.concatenate(in_month))] += 1
        assert weeks.sum() > 0, f"no {name} help in a year: the test would prove nothing"
        np.testing.assert_array_equal(getattr(pop, f"weeks_year_{name}"), weeks)
        np.testing.assert_array_equal(getattr(pop, f"months_year_{name}"), months)
        np.testing.assert_array_equal(getattr(pop, f"{name}_ever"), weeks > 0)
    # any help is the union of the two
    assert (pop.weeks_year >= np.maximum(pop.weeks_year_formal, pop.weeks_year_informal)).all()
    assert (pop.weeks_year <= pop.weeks_year_formal + pop.weeks_year_informal).all()


def test_never_comes_from_the_history_not_a_label() -> None:
    """Without a burn-in nobody has a history at week 0; after one year 'never' is exactly
    the share who gave no formal help in it, and it falls with a longer history."""
    with pytest.raises(ScenarioError, match="past_volunteer_rate"):
        make_scenario(past_volunteer_rate=0.3)
    model = CoproductionModel(rng=3, n_residents=600, burn_in_years=0)
    assert not model.pop.formal_ever.any() and not model.pop.helped_ever.any()
    model.run_weeks(52)
    m = summary_metrics(model)
    assert m["participation_formal_never"] == pytest.approx(1 - model.pop.formal_ever.mean())
    assert m["participation_formal_rarely"] == 0.0  # no year before the first
    model.run_weeks(52 * 3)
    later = summary_metrics(model)
    assert later["participation_formal_never"] < m["participation_formal_never"]
    assert later["participation_formal_rarely"] > 0.0


def test_classes_of_each_measure_follow_the_survey_rule() -> None:
    model = CoproductionModel(rng=4, n_residents=600, burn_in_years=1)
    model.run_weeks(52)
    p, pop = model.params, model.pop
    # the last year's classes, recomputed from that year's record (tallies were reset)
    rec = model.years[-1]
    assert not rec["burn_in"]
    for measure, classes in (
        ("formal", pop.last_year_class_formal),
        ("informal", pop.last_year_class_informal),
    ):
        shares = np.bincount(classes, minlength=len(PARTICIPATION)) / len(pop)
        for c, share in zip(PARTICIPATION, shares, strict=True):
            assert rec[f"participation_{measure}_{c}"] == pytest.approx(share)
    # the rule itself, on worked values: weekly >= 40 weeks, monthly >= 8 months, else yearly
    got = participation_class(
        np.array([40, 39, 10, 1, 0, 0]),
        np.array([13, 10, 7, 1, 0, 0]),
        np.array([True, True, True, True, True, False]),
        p.weekly_min_weeks,
        p.monthly_min_months,
    )
    assert [PARTICIPATION[i] for i in got] == [
        "weekly", "monthly", "yearly", "yearly", "rarely", "never",
    ]  # fmt: skip


def test_summary_reports_formal_and_informal_in_the_survey_classes() -> None:
    model = CoproductionModel(rng=5, n_residents=600, burn_in_years=1)
    model.run_weeks(52)
    m = summary_metrics(model)
    for measure in ("formal", "informal"):
        keys = [f"participation_{measure}_{c}" for c in ("weekly", "monthly", "yearly")]
        keys += [f"participation_{measure}_{c}" for c in ("rarely", "never")]
        assert sum(m[k] for k in keys) == pytest.approx(1.0)
        assert m[f"participation_{measure}_at_least_monthly"] == pytest.approx(
            m[f"participation_{measure}_weekly"] + m[f"participation_{measure}_monthly"]
        )
    # informal help is most of the hours; it must not be counted as formal
    assert m["participation_formal_at_least_yearly"] < m["participation_at_least_yearly"]
