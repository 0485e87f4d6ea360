"""Each notebook's changed rule changes the result the notebook claims it changes.

The cell a notebook tags ``student-rule`` defines the student's rule and ``student_rules``
(rule name -> function). Here that cell is executed on its own, and the model runs with and
without it on the same seeds (paired: common random numbers). A claim holds when the 95% t
interval of the paired differences lies on the claimed side of zero (5 seeds; towns of 1,000
residents, no burn-in, two years: quick, and the claims are about the rules, not the burn-in).
The notebooks state and assert the same claims on their own (bigger) runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from coprod_sim import CoproductionModel, RuleWarning
from coprod_sim.analysis.summary import weekly_series
from coprod_sim.sweeps.stats import t_interval

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SEEDS = range(1, 6)
TOWN = {"n_residents": 1000, "burn_in_years": 0}
WEEKS = 104


def student_rules(name: str) -> dict[str, Callable]:
    """Run the notebook's ``student-rule`` cells in a fresh namespace; return its rules."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cells = [c for c in nb.cells if "student-rule" in c.metadata.get("tags", [])]
    assert cells, f"{name} has no cell tagged student-rule"
    namespace: dict = {}
    for cell in cells:
        exec(compile(cell.source, f"{name}:student-rule", "exec"), namespace)  # noqa: S102
    return namespace["student_rules"]


def formal_helping(model: CoproductionModel) -> float:
    """Mean share of residents helping formally in a week."""
    return float(weekly_series(model)["helping_share_formal"].mean())


def burnouts(model: CoproductionModel) -> float:
    return float(weekly_series(model)["burnouts"].sum())


def load_on_most_free_time(model: CoproductionModel) -> float:
    """Share of the run's volunteer hours given by the quarter of residents with most free
    hours (as notebook 4 measures who carries the load)."""
    hours = pd.Series([r.hours_given for r in model.residents])
    free = pd.Series([r.free_hours for r in model.residents])
    top = free >= free.quantile(0.75)
    return float(hours[top].sum() / hours.sum())


#: notebook -> (rule changed, [(what it changes, measure, +1 rises / -1 falls)])
CLAIMS = {
    "02_the_decision_to_help.ipynb": (
        "help",
        [("more residents help formally", formal_helping, +1)],
    ),
    "04_burnout_and_trust.ipynb": (
        "growth",
        [
            ("those with most free time carry more of the load", load_on_most_free_time, +1),
            ("more volunteers burn out", burnouts, +1),
        ],
    ),
}


def test_every_notebook_with_a_student_rule_has_a_claim_here() -> None:
    tagged = sorted(
        p.name
        for p in NOTEBOOKS.glob("*.ipynb")
        if any(
            "student-rule" in c.metadata.get("tags", [])
            for c in nbformat.read(p, as_version=4).cells
        )
    )
    assert tagged == sorted(CLAIMS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_changed_rule_changes_what_the_notebook_claims(name: str) -> None:
    rule, claims = CLAIMS[name]
    rules = student_rules(name)
    assert list(rules) == [rule]
    diffs: dict[str, list[float]] = {what: [] for what, _, _ in claims}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuleWarning)  # the student's rule compiles: full speed
        for seed in SEEDS:
            runs = []
            for r in (None, rules):
                model = CoproductionModel(rng=seed, rules=r, **{"burn_in_years": 0, **TOWN})
                model.run_weeks(WEEKS)
                runs.append(model)
            for what, measure, _ in claims:
                diffs[what].append(measure(runs[1]) - measure(runs[0]))
    for what, _, sign in claims:
        mean, half, n = t_interval(sign * np.array(diffs[what]))
        assert n == len(SEEDS)
        assert mean - half > 0, f"{name}: '{what}' not shown: paired differences {diffs[what]}"


def test_a_rule_that_changes_nothing_is_not_taken_for_a_change() -> None:
    """The check can fail: the default rule passed as a replacement gives differences of 0,
    whose interval does not lie above zero."""
    from coprod_sim.mechanisms import commitment

    def same_growth(hours, base_hours, growth, cap):
        return commitment.grow(hours, base_hours, growth, cap)

    diffs = []
    for seed in (1, 2, 3):
        a = CoproductionModel(rng=seed, **{"burn_in_years": 0, **TOWN})
        b = CoproductionModel(
            rng=seed, rules={"growth": same_growth}, **{"burn_in_years": 0, **TOWN}
        )
        a.run_weeks(52)
        b.run_weeks(52)
        diffs.append(burnouts(b) - burnouts(a))
    mean, half, _ = t_interval(np.array(diffs))
    assert diffs == [0.0, 0.0, 0.0]
    assert not mean - half > 0
