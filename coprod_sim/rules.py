"""Swappable rules: every rule a student may change, by name, written once.

A rule is a small scalar function in the module of its mechanism (``commitment.next_fatigue``,
``decision.help_probability``, ...). The mechanism's weekly pass is a loop over whole arrays,
written once in the same module, that calls the rule by its global name; numba compiles the
loop and the rule together, so the rule a reader finds in its module is the code that runs.
Rule and loop share one file, so editing the rule's source invalidates numba's on-disk cache
of the loop too (numba checks only the compiled function's own file).

Change a rule in either of two ways, and the next model built runs it:

- pass it: ``CoproductionModel(rules={"fatigue": my_fatigue})``;
- replace it in its module before building the model:
  ``commitment.next_fatigue = my_fatigue``.

A replacement is compiled with numba where it can be (the loop is then compiled again for
it, about half a second, not cached); one that numba cannot compile runs as plain Python,
more slowly, with one warning. Each replacement is tried once on example inputs when the model
is built, and refused with a message naming the rule if it fails or returns something outside
the rule's range. A replacement is never silently ignored.
"""

from __future__ import annotations

import importlib
import inspect
import math
import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba.core.errors import NumbaError
from numba.core.registry import CPUDispatcher

from coprod_sim.parameters import ScenarioError


@dataclass(frozen=True)
class Rule:
    """One swappable rule: its name, where it lives, what it returns and example inputs."""

    name: str
    module: str  # dotted module path
    attr: str  # the function's name in its module
    doc: str  # one line: what the rule decides
    returns: str  # what it returns, in words
    low: float  # the smallest value a rule may return
    high: float  # the largest value a rule may return
    example: tuple[Any, ...]  # arguments for the check made when a replacement is built

    @property
    def default(self) -> Callable[..., Any]:
        """The function as the package defines it (whatever its module now holds)."""
        return _DEFAULTS[self.name]

    def current(self) -> Callable[..., Any]:
        """What the module holds now: the default, or a replacement put there by a user."""
        return getattr(importlib.import_module(self.module), self.attr)

    @property
    def signature(self) -> str:
        return f"{self.attr}{inspect.signature(_python(self.default))}"


#: every swappable rule, by name (filled as the mechanism modules are imported)
RULES: dict[str, Rule] = {}
_DEFAULTS: dict[str, Callable[..., Any]] = {}
_WARNED: set[Callable[..., Any]] = set()  # replacements already warned about


def rule(
    name: str,
    *,
    doc: str,
    returns: str,
    low: float = -math.inf,
    high: float = math.inf,
    example: tuple[Any, ...],
) -> Callable[[Callable[..., Any]], Any]:
    """Declare the function below as rule ``name`` and compile it (cached) with numba."""

    def register(fn: Callable[..., Any]) -> Any:
        jitted = numba.njit(cache=True, nogil=True)(fn)
        RULES[name] = Rule(name, fn.__module__, fn.__name__, doc, returns, low, high, example)
        _DEFAULTS[name] = jitted
        return jitted

    return register


def _python(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn.py_func if isinstance(fn, CPUDispatcher) else fn


class CompiledPass:
    """A weekly pass over arrays, compiled with numba, that calls rules by their global names.

    ``uses`` maps rule names to the global names the loop calls them by. With the default
    rules the pass is the cached compiled loop; ``bind`` gives the same loop compiled for
    replacement rules (or, if numba cannot compile one, the loop as plain Python)."""

    def __init__(self, fn: Callable[..., Any], uses: Mapping[str, str]) -> None:
        self.fn = fn
        self.uses = dict(uses)
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self._compiled: Callable[..., Any] | None = None
        self._bound: dict[tuple[int, ...], Callable[..., Any]] = {}

    @property
    def compiled(self) -> Callable[..., Any]:
        """The loop with the package's own rules, compiled and cached on disk. Built on first
        use, from a copy of the module's names in which the rules are the defaults, so a rule
        replaced in the module is never compiled (and cached) as the default."""
        if self._compiled is None:
            glob = dict(self.fn.__globals__)
            for r, name in self.uses.items():
                glob[name] = _DEFAULTS[r]
            self._compiled = numba.njit(cache=True, nogil=True)(_with_globals(self.fn, glob))
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        return self.compiled(*args)

    def bind(self, chosen: Mapping[str, Callable[..., Any]]) -> Callable[..., Any]:
        """The pass running the rules in ``chosen`` (rule name -> function)."""
        mine = {r: chosen[r] for r in self.uses if r in chosen and chosen[r] is not _DEFAULTS[r]}
        if not mine:
            return self.compiled
        key = tuple(id(mine[r]) for r in sorted(mine))
        if key not in self._bound:
            self._bound[key] = _Rebound(self, mine)
        return self._bound[key]


def compiled_pass(**uses: str) -> Callable[[Callable[..., Any]], CompiledPass]:
    """Declare the loop below as a weekly pass calling rules (``rule_name="global_name"``)."""

    def wrap(fn: Callable[..., Any]) -> CompiledPass:
        return CompiledPass(fn, uses)

    return wrap


def _with_globals(fn: Callable[..., Any], glob: dict[str, Any]) -> Callable[..., Any]:
    new = types.FunctionType(fn.__code__, glob, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__qualname__ = fn.__qualname__
    new.__doc__ = fn.__doc__
    return new


class _Rebound:
    """The pass's loop with other functions behind its rules' global names: compiled when
    numba can compile them, else plain Python (with one warning)."""

    def __init__(self, p: CompiledPass, rules: Mapping[str, Callable[..., Any]]) -> None:
        self.p, self.rules = p, dict(rules)
        self.run: Callable[..., Any] | None = None

    def _loop(self, compiled: bool) -> Callable[..., Any]:
        fn = self.p.fn
        glob = dict(fn.__globals__)
        for r, f in self.rules.items():
            glob[self.p.uses[r]] = _checked(RULES[r], f, compiled)
        for r, name in self.p.uses.items():  # rules not replaced: the defaults
            if r not in self.rules:
                glob[name] = _DEFAULTS[r] if compiled else _python(_DEFAULTS[r])
        new = _with_globals(fn, glob)
        return numba.njit(nogil=True)(new) if compiled else new

    def __call__(self, *args: Any) -> Any:
        if self.run is None:
            try:
                loop = self._loop(compiled=True)  # numba refuses an object that is not a function
                out = loop(*args)
            except (NumbaError, TypeError) as exc:
                names = ", ".join(sorted(self.rules))
                new = [f for f in self.rules.values() if f not in _WARNED]
                _WARNED.update(new)
                if new:  # one warning per replacement, however many passes call it
                    warnings.warn(
                        f"rule {names}: numba could not compile the replacement, so "
                        f"{self.p.__name__} runs as plain Python (slower). numba said: "
                        f"{str(exc).splitlines()[0]}",
                        RuleWarning,
                        stacklevel=2,
                    )
                self.run = self._loop(compiled=False)
                return self.run(*args)
            self.run = loop
            return out
        return self.run(*args)


def _checked(r: Rule, fn: Callable[..., Any], compiled: bool) -> Callable[..., Any]:
    """A replacement rule checked on every call: a value that is not a finite number in the
    rule's range stops the run with a message naming the rule (a NaN probability would
    otherwise silently mean "never")."""
    low, high = r.low, r.high
    msg = (
        f"rule {r.name!r}: the replacement returned a value that is not a finite number in "
        f"[{low}, {high}] ({r.returns})"
    )
    if compiled:
        inner = fn if isinstance(fn, CPUDispatcher) else numba.njit(fn)

        @numba.njit
        def checked_compiled(*args):  # noqa: ANN202 (compiled for the rule's own types)
            v = inner(*args)
            if not (v >= low and v <= high):
                raise ScenarioError(msg)
            return v

        return checked_compiled

    plain = _python(fn)

    def checked(*args: Any) -> Any:
        v = plain(*args)
        try:
            ok = bool(low <= float(v) <= high)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ScenarioError(f"{msg}; it returned {v!r}")
        return v

    return checked


class RuleWarning(UserWarning):
    """A replacement rule runs more slowly than the default (it could not be compiled)."""


def choose_rules(given: Mapping[str, Callable[..., Any]] | None) -> dict[str, Callable[..., Any]]:
    """The rules a model runs: those passed in, else what each module holds now. Unknown
    names and replacements that fail on example inputs are refused with a clear message."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(RULES))
    if unknown:
        raise ScenarioError(
            f"rules: unknown rule {unknown[0]!r}; the swappable rules are: {', '.join(RULES)}"
        )
    chosen = {}
    for name, r in RULES.items():
        fn = given.get(name, r.current())
        if not callable(fn):
            raise ScenarioError(f"rules: {name!r} must be a function, got {fn!r}")
        if fn is not r.default:
            check_rule(r, fn)
        chosen[name] = fn
    return chosen


def check_rule(r: Rule, fn: Callable[..., Any]) -> None:
    """Call a replacement once on the rule's example inputs: it must accept them and return
    one finite number within the rule's range."""
    try:
        out = _python(fn)(*r.example)
    except Exception as exc:
        raise ScenarioError(
            f"rule {r.name!r}: the replacement failed on example inputs {r.example} "
            f"({type(exc).__name__}: {exc}); it must take ({r.signature.split('(', 1)[1]}"
        ) from None
    ok = isinstance(out, (bool, int, float, np.bool_, np.integer, np.floating))
    value = float(out) if ok else math.nan
    if not ok or not math.isfinite(value) or not (r.low <= value <= r.high):
        raise ScenarioError(
            f"rule {r.name!r}: the replacement returned {out!r} on example inputs; it must "
            f"return {r.returns}, a finite number in [{r.low}, {r.high}]"
        )


def rules_table() -> list[dict[str, str]]:
    """One row per rule (name, function, what it decides, returns): for the ODD and the CLI."""
    return [
        {
            "rule": r.name,
            "function": f"{r.module.removeprefix('coprod_sim.')}.{r.signature}",
            "decides": r.doc,
            "returns": r.returns,
        }
        for r in ordered_rules()
    ]


#: the mechanisms' modules in the order the ODD lists their rules (the week's order); within a
#: module, rules keep the order they are defined in. A table does not depend on which module
#: happened to be imported first.
RULE_MODULES = (
    "coprod_sim.mechanisms.needs",
    "coprod_sim.mechanisms.decision",
    "coprod_sim.mechanisms.trust",
    "coprod_sim.mechanisms.commitment",
)


def ordered_rules() -> list[Rule]:
    """Every registered rule, modules in ``RULE_MODULES`` order (others after, by name)."""
    position = {m: i for i, m in enumerate(RULE_MODULES)}
    defined = {name: i for i, name in enumerate(RULES)}
    return sorted(
        RULES.values(),
        key=lambda r: (position.get(r.module, len(position)), r.module, defined[r.name]),
    )
