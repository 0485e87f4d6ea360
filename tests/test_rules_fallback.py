"""A replacement rule written the ordinary Python way runs, one way or another.

A rule numba cannot compile (a wrapper taking ``*args, **kwargs``, an ``import`` inside)
makes its passes run as plain Python with exactly one ``RuleWarning``: one line naming the
cause and the replacement's own file and line, shown at that line, never a numba traceback.
``CoproductionModel(compiled=False)`` runs every pass and rule as plain Python and gives the
compiled run's results to the bit.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from coprod_sim import RULES, CoproductionModel, RuleWarning, ScenarioError
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms.decision import help_probability

SETTINGS: dict[str, Any] = dict(n_residents=600, burn_in_years=0, rng=1)
WEEKS = 8
DEFAULT_ARRIVAL = RULES["arrival"].default.py_func


def counting_wrapper(*a, **k):
    """The ordinary Python way to wrap a function."""
    counting_wrapper.calls += 1
    return DEFAULT_ARRIVAL(*a, **k)


counting_wrapper.calls = 0


def arrival_with_import(deprivation, effect):
    import math  # an import inside the rule

    return np.float32(math.exp(0.0)) + effect * deprivation


def _weekly(m: CoproductionModel) -> pd.DataFrame:
    return m.datacollector.get_model_vars_dataframe()


def _run(weeks: int = WEEKS, **kw: Any) -> CoproductionModel:
    m = CoproductionModel(**{**SETTINGS, **kw})
    m.run_weeks(weeks)
    return m


@pytest.fixture(scope="module")
def default_weekly() -> pd.DataFrame:
    return _weekly(_run())


@pytest.mark.parametrize(
    "fn", [counting_wrapper, arrival_with_import], ids=["*args, **kwargs", "import inside"]
)
def test_an_uncompilable_rule_runs_with_one_warning_at_the_students_line(
    fn: Any, default_weekly: pd.DataFrame
) -> None:
    counting_wrapper.calls = 0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        m = _run(rules={"arrival": fn})
    got = [w for w in record if issubclass(w.category, RuleWarning)]
    assert len(got) == 1, [str(w.message) for w in got]
    w = got[0]
    msg = str(w.message)
    line = fn.__code__.co_firstlineno
    assert msg.startswith("rule 'arrival': ")
    assert f"{__file__}, line {line}" in msg, msg
    assert (w.filename, w.lineno) == (__file__, line), "shown at the student's code"
    assert "\n" not in msg and "Failed in" not in msg and "nopython" not in msg, msg
    assert ("keyword arguments" if fn is counting_wrapper else "import") in msg, msg
    # the run completed, as plain Python, with the default's results
    pd.testing.assert_frame_equal(_weekly(m), default_weekly, check_exact=True)
    if fn is counting_wrapper:
        assert counting_wrapper.calls > 0


@dataclass
class Arrival:
    """A rule as a dataclass with ``__call__``: a callable object that is not even hashable."""

    scale: float = 1.0

    def __call__(self, deprivation, effect):
        return DEFAULT_ARRIVAL(deprivation, effect) * np.float32(self.scale)


def test_an_unhashable_callable_object_runs_with_one_warning(default_weekly) -> None:
    with pytest.warns(RuleWarning) as record:
        m = _run(rules={"arrival": Arrival()})
    msgs = [str(w.message) for w in record if issubclass(w.category, RuleWarning)]
    assert len(msgs) == 1 and "callable object" in msgs[0], msgs
    line = Arrival.__call__.__code__.co_firstlineno
    assert f"{__file__}, line {line}" in msgs[0]
    pd.testing.assert_frame_equal(_weekly(m), default_weekly, check_exact=True)


def test_the_warning_is_given_once_per_replacement() -> None:
    """Building a second model with the same replacement warns no more (it was said)."""

    def wrapper(*a, **k):
        return DEFAULT_ARRIVAL(*a, **k)

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _run(weeks=2, rules={"arrival": wrapper})
        _run(weeks=2, rules={"arrival": wrapper})
    assert sum(issubclass(w.category, RuleWarning) for w in record) == 1


# ------------------------------------------------------------------------------ compiled=False
def _same_run(a: CoproductionModel, b: CoproductionModel) -> None:
    pd.testing.assert_frame_equal(_weekly(a), _weekly(b), check_exact=True)
    assert np.array_equal(a.barrier_codes, b.barrier_codes)
    for name in ("trust_nbr", "trust_svc", "fear_commit", "fear_retal", "confidence", "fatigue"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name
    assert np.array_equal(a.tie_trust, b.tie_trust)


def test_plain_python_equals_the_compiled_run_to_the_bit() -> None:
    """A few weeks of a 600-resident town with every lever on."""
    kw = dict(policies=list(LEVERS))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuleWarning)  # plain by choice: nothing to warn about
        _same_run(_run(**kw), _run(compiled=False, **kw))


def test_plain_python_equals_the_compiled_run_over_a_year_end() -> None:
    """The demo town's size, 60 weeks: the year's barrier attribution included."""
    kw = dict(n_residents=0, weeks=60)  # 0: the preset's size (2,000)
    _same_run(_run(**kw), _run(compiled=False, **kw))


@pytest.mark.slow
def test_the_demo_town_plain_equals_compiled() -> None:
    """The demo town as built (burn-in included), a year of results."""
    a = CoproductionModel(rng=1)
    b = CoproductionModel(rng=1, compiled=False)
    pd.testing.assert_frame_equal(
        a.burn_in_datacollector.get_model_vars_dataframe(),
        b.burn_in_datacollector.get_model_vars_dataframe(),
        check_exact=True,
    )
    a.run_weeks(52)
    b.run_weeks(52)
    _same_run(a, b)


def test_plain_python_runs_the_rules_python_code() -> None:
    """With compiled=False the rule's own Python function runs (a debugger can stop in it)."""
    seen: set[Any] = set()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            seen.add(frame.f_code)

    m = CoproductionModel(**SETTINGS, compiled=False)
    sys.setprofile(profile)
    try:
        m.run_weeks(2)
    finally:
        sys.setprofile(None)
    assert help_probability.py_func.__code__ in seen
    assert RULES["fatigue"].default.py_func.__code__ in seen


def test_plain_python_with_a_replacement_gives_its_compiled_results() -> None:
    rules = {"trust_gain": lambda value, rate: value}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuleWarning)
        _same_run(_run(rules=rules), _run(rules=rules, compiled=False))


def test_compiled_must_be_true_or_false() -> None:
    with pytest.raises(ScenarioError, match="parameter 'compiled': value 'no'"):
        CoproductionModel(n_residents=50, burn_in_years=0, compiled="no")
