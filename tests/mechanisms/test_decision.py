"""Mechanism 3: the decision to help, on hand-made rows, and swapping the rule."""

from __future__ import annotations

import numpy as np

from coprod_sim.mechanisms.decision import HelpInputs, HelpWeights, help_probability, help_terms
from coprod_sim.parameters import make_scenario

W = HelpWeights.from_scenario(make_scenario())


def rows(n: int = 5, **over) -> HelpInputs:
    """``n`` identical, average pairs; keyword arguments replace whole columns."""
    base = dict(
        eligible=np.ones(n, bool),
        spare_hours=np.full(n, 4.0),
        task_hours=np.full(n, 2.0),
        trust_person=np.full(n, 0.5),
        trust_place=np.full(n, 0.5),
        confidence=np.full(n, 0.5),
        fear_commit=np.full(n, 0.4),
        growth=np.full(n, 0.02),
        fear_liab=np.full(n, 0.4),
        risk=np.full(n, 0.3),
        insured=np.zeros(n, bool),
        asked=np.ones(n, bool),
        aware=np.zeros(n, bool),
        reward=np.zeros(n),
        example=np.zeros(n),
        fatigue=np.zeros(n),
    )
    base.update({k: np.asarray(v) for k, v in over.items()})
    return HelpInputs(**base)


def test_more_fear_of_commitment_lowers_the_probability() -> None:
    p = help_probability(rows(fear_commit=[0.0, 0.2, 0.4, 0.6, 0.9]), W)
    assert (np.diff(p) < 0).all()


def test_fear_of_commitment_only_matters_for_tasks_that_grow() -> None:
    p = help_probability(
        rows(fear_commit=[0.0, 0.9, 0.0, 0.9, 0.5], growth=[0.0, 0.0, 0.03, 0.03, 0.0]), W
    )
    assert p[0] == p[1] == p[4]
    assert p[3] < p[2]


def test_not_eligible_gives_zero() -> None:
    p = help_probability(
        rows(eligible=[True, False, True, False, True], confidence=[1.0] * 5, asked=[True] * 5), W
    )
    assert p[1] == 0.0 and p[3] == 0.0
    assert (p[[0, 2, 4]] > 0).all()


def test_insurance_removes_the_liability_barrier() -> None:
    p = help_probability(
        rows(insured=[False, True, False, True, False], risk=[0.5, 0.5, 0.0, 0.0, 0.9]), W
    )
    assert p[1] > p[0]
    assert p[1] == p[2] == p[3], "insured = no risk"
    assert p[4] < p[0]


def test_being_asked_raises_and_the_unaware_unasked_are_penalised() -> None:
    p = help_probability(
        rows(asked=[True, False, False, True, False], aware=[False, True, False, False, True]), W
    )
    assert p[0] > p[1] > p[2]
    assert p[0] == p[3]
    assert p[1] == p[4]


def test_more_time_helps_up_to_a_cap() -> None:
    p = help_probability(rows(spare_hours=[1.0, 2.0, 4.0, 20.0, 200.0]), W)
    assert p[0] < p[1] < p[2] < p[3]
    assert p[3] == p[4], "the time term is capped"


def test_trust_confidence_reward_example_raise_fatigue_lowers() -> None:
    for col, lo, hi in (
        ("trust_person", 0.1, 0.9),
        ("trust_place", 0.1, 0.9),
        ("confidence", 0.1, 0.9),
        ("reward", 0.0, 1.0),
        ("example", 0.0, 1.0),
    ):
        p = help_probability(rows(2, **{col: [lo, hi]}), W)
        assert p[1] > p[0], col
    p = help_probability(rows(2, fatigue=[0.0, 0.8]), W)
    assert p[1] < p[0]


def test_terms_add_up_to_the_logit() -> None:
    x = rows(fear_commit=[0.1, 0.5, 0.9, 0.3, 0.0], asked=[True, False, True, False, True])
    z = W.intercept + sum(help_terms(x, W).values())
    assert np.allclose(help_probability(x, W), 1 / (1 + np.exp(-z)))


def test_weights_come_from_the_scenario() -> None:
    w = HelpWeights.from_scenario(make_scenario(help_intercept=-2.0, weight_asked=0.0))
    assert w.intercept == -2.0 and w.asked == 0.0
    p = help_probability(rows(asked=[True, False, True, False, True], aware=[True] * 5), w)
    assert p[0] == p[1]


def _never(x: HelpInputs, w: HelpWeights) -> np.ndarray:
    return np.zeros(len(x.eligible))


def test_a_swapped_rule_that_says_no_gives_no_community_help(run_town) -> None:
    m = run_town(1, weeks=52, decision_rule=_never)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["met_informal"].sum() == 0 and df["met_open_call"].sum() == 0
    assert df["volunteer_hours"].sum() == 0
    assert df["met_professional"].sum() > 0
    base = run_town(1, weeks=52).datacollector.get_model_vars_dataframe()
    assert base["met_informal"].sum() > 0, "the default rule does give help"


def test_the_rule_is_called_with_whole_arrays(run_town) -> None:
    seen: list[int] = []

    def spy(x: HelpInputs, w: HelpWeights) -> np.ndarray:
        lengths = {len(v) for v in x.__dict__.values()}
        assert len(lengths) == 1
        seen.append(lengths.pop())
        return help_probability(x, w)

    run_town(2, weeks=8, decision_rule=spy)
    assert len(seen) >= 8 and max(seen) > 1
