"""Swappable rules (``coprod_sim.RULES``): every rule can be replaced, by name or in its module,
and the replacement is what runs.

For each rule: a wrapper of the default that counts its calls, passed as ``rules=`` or put in
the rule's module before the model is built, is called by the rule's weekly pass (it cannot be
compiled, so the pass runs as plain Python, with one ``RuleWarning`` naming only that rule,
and gives the compiled default's results); a compiled replacement that changes the result
moves a named outcome against the default run on the same seed; and replacements that fail on
the rule's example inputs, or go out of the rule's range during a run, are refused with
``ScenarioError``.

All runs are one small town for a few weeks, under settings that reach every rule: few staff
hours (needs wait past their onset and lapse), low tolerance and fast fatigue (helpers burn
out), and asks passed on to ties of ties (strangers offer help, which owners may refuse).
"""

from __future__ import annotations

import functools
import importlib
import math
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from coprod_sim import RULES, CoproductionModel, RuleWarning, ScenarioError
from coprod_sim.rules import CompiledPass

SEED = 1
WEEKS = 20
SETTINGS: dict[str, Any] = dict(
    n_residents=400,
    staff_hours=5.0,  # few professionals: needs wait, escalate and lapse
    tolerance_share=0.05,  # helpers are overloaded quickly ...
    fatigue_rate=0.5,  # ... tire fast and burn out
    share_asks_two_hop=0.8,  # most asks are passed on to a tie's tie: strangers offer help
    stranger_distrust_old=0.5,  # and retired owners often refuse them
)


def _run(**kw: Any) -> CoproductionModel:
    m = CoproductionModel(rng=SEED, **{"burn_in_years": 0, **{**SETTINGS, **kw}})
    m.run_weeks(WEEKS)
    return m


#: rules whose change shows only where helpers are not overloaded: the default tolerance and
#: fatigue rate (helpers then keep their commitments for weeks, so they can grow)
CALM: dict[str, dict[str, Any]] = {"growth": dict(tolerance_share=1.2, fatigue_rate=0.1)}


@pytest.fixture(scope="module")
def default_runs() -> Callable[..., tuple[CoproductionModel, pd.DataFrame]]:
    """``default_runs(**overrides)``: the default run under ``SETTINGS`` with some overridden
    (each built once per module)."""
    done: dict[tuple, tuple[CoproductionModel, pd.DataFrame]] = {}

    def get(**over: Any) -> tuple[CoproductionModel, pd.DataFrame]:
        key = tuple(sorted(over.items()))
        if key not in done:
            m = _run(**over)
            done[key] = (m, m.datacollector.get_model_vars_dataframe())
        return done[key]

    return get


def _passes(name: str) -> set[str]:
    """Names of the weekly passes (loops) that call rule ``name``: in the rule's module."""
    module = importlib.import_module(RULES[name].module)
    return {
        v.fn.__name__
        for v in vars(module).values()
        if isinstance(v, CompiledPass) and name in v.uses
    }


def _counting(name: str) -> tuple[dict[str, int], Callable[..., Any]]:
    """A plain Python wrapper of rule ``name``'s default that counts its calls, split into
    calls made by the rule's weekly passes and any other calls (the check on example inputs)."""
    default = RULES[name].default.py_func
    loops = _passes(name)
    calls = {"pass": 0, "other": 0}

    def counting(*args):
        frame, by_pass = sys._getframe(1), False
        while frame is not None and not by_pass:  # the pass may call it through a check
            by_pass = frame.f_code.co_name in loops
            frame = frame.f_back
        calls["pass" if by_pass else "other"] += 1
        return default(*args)

    return calls, counting


def _rule_warnings(record: Any) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, RuleWarning)]


def test_every_rule_has_a_pass_in_its_module() -> None:
    assert set(RULES) == {
        "arrival", "escalation", "lapse", "help", "trust_gain", "trust_loss", "accept",
        "growth", "tolerance", "fatigue", "burnout", "death", "moving",
    }  # fmt: skip
    for name in RULES:
        assert _passes(name), f"no compiled pass in {RULES[name].module} calls rule {name!r}"


# ------------------------------------------------------------------------------ (a) by name
@pytest.mark.parametrize("name", list(RULES))
def test_a_wrapper_passed_by_name_is_called_by_the_pass(name: str, default_runs) -> None:
    calls, fn = _counting(name)
    with pytest.warns(RuleWarning) as record:
        m = _run(rules={name: fn})
    assert m.rules[name] is fn
    # the pass run as plain Python with the default's source gives the compiled run's results
    df = m.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(df, default_runs()[1])
    assert calls["pass"] > 0, f"rule {name!r}: the wrapper was never called by its pass"
    assert calls["other"] >= 1, "checked once on the example inputs"
    msgs = _rule_warnings(record)
    assert len(msgs) == 1, f"rule {name!r}: {len(msgs)} RuleWarnings, not one: {msgs}"
    # it names the rule replaced, and no other (the fatigue pass also calls two more rules)
    head = msgs[0].split(":", 1)[0]  # "rule <names>"
    assert set(re.findall(r"\w+", head)) - {"rule", "rules"} == {name}, msgs[0]


# ------------------------------------------------------------------------------ (b) in module
@pytest.mark.parametrize("name", list(RULES))
def test_a_wrapper_put_in_the_module_is_called_by_the_pass(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = RULES[name]
    calls, fn = _counting(name)
    monkeypatch.setattr(importlib.import_module(r.module), r.attr, fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuleWarning)
        m = _run()
    assert m.rules[name] is fn
    assert calls["pass"] > 0, f"{r.module}.{r.attr} replaced, but the pass never called it"
    monkeypatch.undo()
    assert (
        CoproductionModel(rng=SEED, **{"burn_in_years": 0, **SETTINGS}).rules[name] is r.default
    ), "restored"


# ------------------------------------------------------------------------------ (c) it matters
def _never_helps(resident, task, w):
    return 0.0


def _total(col: str) -> Callable[[CoproductionModel, pd.DataFrame], float]:
    return lambda m, df: float(df[col].sum())


def _last(col: str) -> Callable[[CoproductionModel, pd.DataFrame], float]:
    return lambda m, df: float(df[col].iloc[-1])


def _volunteer_met(m: CoproductionModel, df: pd.DataFrame) -> float:
    return float(df["met_informal"].sum() + df["met_open_call"].sum())


#: rule -> (a compilable replacement that changes the result, the outcome, how it moves)
CHANGES: dict[str, tuple[Callable[..., Any], Callable[..., float], str]] = {
    # needs twice as common everywhere
    "arrival": (lambda deprivation, effect: 2.0 * (1.0 + effect * deprivation),
                _total("needs_arisen"), "up"),
    # every need waiting past its onset escalates, whatever its kind's hazard
    "escalation": (lambda waited, onset, hazard: 1.0 if waited >= onset else 0.0,
                   _total("crises"), "up"),
    # nothing is ever given up on
    "lapse": (lambda waited, max_wait, crisis: False, _total("needs_lapsed"), "down"),
    "help": (_never_helps, _volunteer_met, "down"),
    # good experiences teach nothing
    "trust_gain": (lambda value, rate: value, _last("trust_neighbours"), "down"),
    # bad ones neither (late services keep residents' trust)
    "trust_loss": (lambda value, rate: value, _last("trust_services"), "up"),
    # strangers' help always accepted
    "accept": (lambda owner_trust, owner_retired, base, per_trust, distrust_old: 1.0,
               _total("met_informal"), "up"),
    # commitments never grow
    # commitments never grow (in a calm town: overloaded helpers burn out before they grow)
    "growth": (lambda hours, base_hours, growth, cap: hours, _total("volunteer_hours"), "down"),
    # everyone tolerates any load
    "tolerance": (lambda free_hours, time_off, fear, share, fear_effect: 1000.0,
                  _total("burnouts"), "down"),
    # fatigue never rises
    "fatigue": (lambda fatigue, committed, tolerance, rate, recovery: 0.0,
                _total("burnouts"), "down"),
    # nobody burns out
    "burnout": (lambda fatigue: False, _total("burnouts"), "down"),
    # a town where many die, or many move away (population turnover)
    "death": (lambda qx: 0.01, _total("deaths"), "up"),
    "moving": (lambda rate, scale: 0.05, _total("moved_away"), "up"),
}  # fmt: skip


def test_every_rule_has_a_change() -> None:
    assert set(CHANGES) == set(RULES)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RULES))
def test_a_rule_that_changes_the_result_moves_the_outcome(name: str, default_runs) -> None:
    fn, outcome, direction = CHANGES[name]
    over = CALM.get(name, {})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuleWarning)  # compilable: it must not fall back
        m = _run(rules={name: fn}, **over)
    base = outcome(*default_runs(**over))
    got = outcome(m, m.datacollector.get_model_vars_dataframe())
    if direction == "up":
        assert got > base, f"rule {name!r}: {got} not above the default's {base}"
    else:
        assert base > 0, f"rule {name!r}: the default run gives {base}: nothing to lower"
        assert got < base, f"rule {name!r}: {got} not below the default's {base}"


def test_the_same_seed_and_rules_give_the_same_run(default_runs) -> None:
    """The comparisons above are against a reproducible default."""
    again = _run().datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(again, default_runs()[1])


def test_the_calm_settings_are_the_defaults() -> None:
    from coprod_sim import make_scenario

    s = make_scenario()
    for over in CALM.values():
        assert over == {k: getattr(s, k) for k in over}


# ------------------------------------------------------------------------------ refusals
def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ScenarioError, match="unknown rule 'fatigeu'.*fatigue"):
        CoproductionModel(
            rng=SEED, n_residents=50, rules={"fatigeu": lambda *a: 0.0}, burn_in_years=0
        )


def test_a_rule_that_is_not_a_function_is_refused() -> None:
    with pytest.raises(ScenarioError, match="'fatigue' must be a function"):
        CoproductionModel(rng=SEED, n_residents=50, rules={"fatigue": 0.3}, burn_in_years=0)


def _arity(name: str) -> int:
    return len(RULES[name].example)


BAD: dict[str, Callable[[str], Callable[..., Any]]] = {
    "NaN": lambda name: lambda *args: math.nan,
    "infinite": lambda name: lambda *args: math.inf,
    "below its range": lambda name: lambda *args: RULES[name].low - 1.0,
    "not a number": lambda name: lambda *args: "0.5",
    "an array": lambda name: lambda *args: np.zeros(2),
    "too few arguments": lambda name: eval(  # a function of one argument fewer
        "lambda " + ", ".join(f"a{i}" for i in range(_arity(name) - 1)) + ": 0.0"
    ),
    "too many arguments": lambda name: eval(
        "lambda " + ", ".join(f"a{i}" for i in range(_arity(name) + 1)) + ": 0.0"
    ),
    "an error": lambda name: lambda *args: 1 / 0,
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("name", list(RULES))
def test_a_replacement_that_fails_on_example_inputs_is_refused(name: str, bad: str) -> None:
    fn = BAD[bad](name)
    with pytest.raises(ScenarioError, match=f"rule '{name}'"):
        CoproductionModel(rng=SEED, n_residents=50, rules={name: fn}, burn_in_years=0)


@pytest.mark.parametrize("name", ["help", "accept", "escalation", "trust_gain", "burnout"])
def test_a_probability_or_level_above_one_is_refused(name: str) -> None:
    assert RULES[name].high == 1.0
    with pytest.raises(ScenarioError, match=f"rule '{name}'.*in \\[0.0, 1.0\\]"):
        CoproductionModel(
            rng=SEED, n_residents=50, rules={name: lambda *args: 1.5}, burn_in_years=0
        )


def test_a_bad_replacement_put_in_the_module_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    r = RULES["fatigue"]
    monkeypatch.setattr(importlib.import_module(r.module), r.attr, lambda *args: -0.5)
    with pytest.raises(ScenarioError, match="rule 'fatigue'"):
        CoproductionModel(rng=SEED, n_residents=50, burn_in_years=0)


def _python_only(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` made uncompilable (it reads a Python dict), so it runs as plain Python."""
    box = {"fn": fn}

    def plain(*args):
        return box["fn"](*args)

    return plain


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "plain"])
def test_a_replacement_that_goes_out_of_range_mid_run_stops_it(compiled: bool) -> None:
    """Fine on the example inputs (fatigue 0.2 - recovery 0.1 = 0.1), negative later for a
    rested helper (0 - 0.1): the run stops with an error naming the rule, compiled or not."""

    def no_floor(fatigue, committed, tolerance, rate, recovery):
        return fatigue - recovery

    fn = no_floor if compiled else _python_only(no_floor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuleWarning)
        m = CoproductionModel(rng=SEED, **{"burn_in_years": 0, **SETTINGS}, rules={"fatigue": fn})
        with pytest.raises(ScenarioError, match="rule 'fatigue'"):
            m.run_weeks(WEEKS)


class _FatigueObject:
    """A rule written as an object with ``__call__`` (the default fatigue rule)."""

    def __call__(self, fatigue, committed, tolerance, rate, recovery):
        return RULES["fatigue"].default.py_func(fatigue, committed, tolerance, rate, recovery)


def _fatigue_with_floor(fatigue, committed, tolerance, rate, recovery, floor):
    return max(
        RULES["fatigue"].default.py_func(fatigue, committed, tolerance, rate, recovery), floor
    )


@pytest.mark.parametrize(
    "fn",
    [_FatigueObject(), functools.partial(_fatigue_with_floor, floor=0.0)],
    ids=["callable object", "functools.partial"],
)
def test_a_callable_that_is_not_a_function_runs_as_plain_python(fn, default_runs) -> None:
    """numba compiles only functions; any other callable must take the slow path (one
    warning), not stop the run with numba's TypeError. It gives the default's results."""
    with pytest.warns(RuleWarning) as record:
        m = _run(rules={"fatigue": fn})
    assert len(_rule_warnings(record)) == 1
    df = m.datacollector.get_model_vars_dataframe()
    assert df["burnouts"].sum() == default_runs()[1]["burnouts"].sum()
