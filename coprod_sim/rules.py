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

A rule's inputs may be named records (named tuples, e.g. ``decision.help_probability(resident,
task, w)``): a replacement reads the fields it needs by name, and numba compiles that, and a
record's ``_replace`` (``compile_replace``), as it compiles separate numbers.

A replacement is compiled with numba where it can be (the loop is then compiled again for
it, about half a second, not cached); one that numba cannot compile runs as plain Python,
more slowly, with one ``RuleWarning`` that names the cause in one line and points at the
replacement's own file and line (whatever numba stopped with, when building the loop or at its
first call). Each replacement is tried once on example inputs when the model is built, and
refused with a message naming the rule if it fails or returns something outside the rule's
range. A replacement is never silently ignored.

Every pass is called with the model first, ``decide_pass(model, ...)``: it runs the rules the
model chose (``model.rules``), so no call site can fall back to the package's rules by
forgetting them. ``CoproductionModel(compiled=False)`` runs every pass and rule as plain Python
(numba's ``py_func``), with the same results, for stepping through a rule in a debugger.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import math
import re
import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba.core.errors import NumbaError
from numba.core.registry import CPUDispatcher
from numba.extending import overload_method

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


def compile_replace(*classes: type) -> None:
    """Let compiled rules call ``_replace`` on these named tuple classes, the records rules
    take (``decision.Resident``, ...), so a replacement may write
    ``resident._replace(fear_commit=0.0)`` and still be compiled (numba reads a record's
    fields and builds one, but has no ``_replace`` of its own).

    numba takes no ``**kwargs`` and resolves one ``_replace`` for every named tuple, so it is
    written out once, with one keyword per field of every class: call this once, with all
    the record classes."""
    if _RECORDS:
        raise RuntimeError("compile_replace was called already: give every record class at once")
    _RECORDS.update({cls: tuple(cls._fields) for cls in classes})  # type: ignore[attr-defined]
    names = list(dict.fromkeys(f for fields in _RECORDS.values() for f in fields))
    params = ", ".join(f"{f}=None" for f in names)

    def implement(self: Any, *given: Any) -> Callable[..., Any] | None:
        cls = getattr(self, "instance_class", None)
        if not isinstance(self, numba.types.BaseNamedTuple) or cls not in _RECORDS:
            return None
        omitted = numba.types.Omitted | numba.types.NoneType
        new = {
            n
            for n, g in zip(names, given, strict=True)
            if not (g is None or isinstance(g, omitted))
        }
        unknown = sorted(new - set(_RECORDS[cls]))
        if unknown:
            fields = ", ".join(_RECORDS[cls])
            raise numba.core.errors.TypingError(
                f"{cls.__name__} has no field {unknown[0]!r}; its fields: {fields}"
            )
        body = ", ".join(f if f in new else f"self.{f}" for f in _RECORDS[cls])
        space: dict[str, Any] = {"cls": cls}
        exec(f"def _replace(self, {params}):\n    return cls({body})\n", space)  # noqa: S102
        return space["_replace"]

    space: dict[str, Any] = {"implement": implement}
    exec(  # noqa: S102 (numba matches the keywords by the overload's own signature)
        f"def _replace(self, {params}):\n    return implement(self, {', '.join(names)})\n",
        space,
    )
    overload_method(numba.types.BaseNamedTuple, "_replace")(space["_replace"])


#: the record classes whose ``_replace`` compiles (see ``compile_replace``), with their fields
_RECORDS: dict[type, tuple[str, ...]] = {}


def _python(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn.py_func if isinstance(fn, CPUDispatcher) else fn


class ChosenRules(dict):
    """The rules a model runs (rule name -> function), and whether its passes are compiled:
    ``compiled=False`` runs every pass and rule as plain Python (numba's ``py_func``), so a
    student can step through them with a debugger or print from a rule."""

    def __init__(self, rules: Mapping[str, Callable[..., Any]], compiled: bool = True) -> None:
        super().__init__(rules)
        self.compiled = bool(compiled)


def rules_of(where: Any) -> Mapping[str, Callable[..., Any]]:
    """The chosen rules of ``where``: a model (its ``rules``) or the rules themselves. Anything
    else is an error, so no pass is ever run with the package's rules by forgetting the model."""
    rules = getattr(where, "rules", where)
    if not isinstance(rules, Mapping):
        raise TypeError(
            "a weekly pass runs the model's chosen rules: call it with the model (or "
            f"model.rules) first, as pass_(model, ...); got {type(where).__name__}"
        )
    return rules


class CompiledPass:
    """A weekly pass over arrays, compiled with numba, that calls rules by their global names.

    ``uses`` maps rule names to the global names the loop calls them by. Call it with the
    model first, ``pass_(model, *arrays)`` (or ``pass_.bind(model)(*arrays)``): it runs the
    rules the model chose. With the default rules that is the cached compiled loop; with
    replacements the same loop compiled for them (or, if numba cannot compile one, the loop as
    plain Python, with one warning); with ``compiled=False`` the loop and every rule as plain
    Python."""

    def __init__(self, fn: Callable[..., Any], uses: Mapping[str, str]) -> None:
        self.fn = fn
        self.uses = dict(uses)
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self._compiled: Callable[..., Any] | None = None
        self._bound: dict[tuple[Any, ...], Callable[..., Any]] = {}

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

    def __call__(self, where: Any, *args: Any) -> Any:
        """Run the pass with the rules of ``where`` (the model, or its rules)."""
        return self.bind(where)(*args)

    def bind(self, where: Any) -> Callable[..., Any]:
        """The pass running the rules of ``where`` (the model, or its chosen rules)."""
        chosen = rules_of(where)
        compiled = getattr(chosen, "compiled", True)
        mine = {r: chosen[r] for r in self.uses if r in chosen and chosen[r] is not _DEFAULTS[r]}
        if compiled and not mine:
            return self.compiled
        key = (compiled, *(id(mine[r]) for r in sorted(mine)))
        if key not in self._bound:
            self._bound[key] = _Rebound(self, mine, compiled)
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


#: replacements numba could not compile (id -> the function, kept alive so its id stays its
#: own, and the one-line cause), so the other passes calling one do not try again and it is
#: warned about once (by id: a callable object need not be hashable)
_UNCOMPILABLE: dict[int, tuple[Callable[..., Any], str]] = {}


class _Rebound:
    """The pass's loop with other functions behind its rules' global names: compiled when
    numba can compile them, else plain Python (with one warning per replacement)."""

    def __init__(
        self, p: CompiledPass, rules: Mapping[str, Callable[..., Any]], compiled: bool
    ) -> None:
        self.p, self.rules = p, dict(rules)
        self.loop: Callable[..., Any] | None = None
        self.plain: Callable[..., Any] | None = None
        # a replacement another pass found uncompilable (and warned about): plain Python at once
        known = any(id(f) in _UNCOMPILABLE for f in self.rules.values())
        self.try_compile = compiled and not known

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
        if self.try_compile:
            try:
                if self.loop is None:
                    self.loop = self._loop(compiled=True)  # numba refuses a non-function
                return self.loop(*args)
            except Exception as exc:
                if not self._compile_failed(exc, args):
                    raise  # the rule's own error while running (or out of range): stop
                self.try_compile = False
                self._warn(exc)
        if self.plain is None:
            self.plain = self._loop(compiled=False)
        return self.plain(*args)

    def _compile_failed(self, exc: Exception, args: tuple[Any, ...]) -> bool:
        """Whether ``exc`` came from compiling the loop (nothing has run yet), not from running
        it: numba's own errors, or any error compiling it again for these arguments."""
        if self.loop is None or isinstance(exc, NumbaError):
            return True
        try:
            self.loop.compile(tuple(self.loop.typeof_pyval(a) for a in args))
        except Exception:
            return True
        return False

    def _warn(self, exc: Exception | None) -> None:
        """One RuleWarning per replacement that numba cannot compile, at the replacement's own
        file and line, naming the cause in one line."""
        culprits = {}
        for r, f in self.rules.items():
            cause = _UNCOMPILABLE[id(f)][1] if id(f) in _UNCOMPILABLE else None
            cause = cause or _compile_failure(RULES[r], f)
            if cause is not None:
                culprits[r] = cause
        if not culprits:  # each compiles alone: the loop failed with them
            cause = _one_line(exc) if exc is not None else "unknown"
            culprits = dict.fromkeys(self.rules, f"in {self.p.__name__}: {cause}")
        for r, cause in sorted(culprits.items()):
            f = self.rules[r]
            if id(f) in _UNCOMPILABLE:
                continue
            _UNCOMPILABLE[id(f)] = (f, cause)
            filename, line = _where(f)
            warnings.warn_explicit(
                f"rule {r!r}: numba cannot compile the replacement at {filename}, line {line} "
                f"({cause}), so the passes calling it run as plain Python (slower)",
                RuleWarning,
                filename,
                line,
            )


def _compile_failure(r: Rule, fn: Callable[..., Any]) -> str | None:
    """Why numba cannot compile ``fn`` on its own for the rule's example inputs, in one line
    (None if it can)."""
    py = _python(fn)
    if not isinstance(py, types.FunctionType):
        what = "a functools.partial" if isinstance(py, functools.partial) else "a callable object"
        return (
            f"it is {what} ({type(fn).__name__}), not a function defined with def or lambda; "
            "numba compiles only those"
        )
    kinds = {p.kind for p in inspect.signature(py).parameters.values()}
    if inspect.Parameter.VAR_KEYWORD in kinds:
        return "it takes **keyword arguments, which numba cannot compile; name each argument"
    try:
        numba.njit(py)(*r.example)  # compiled as a call would be (*args folded)
    except Exception as exc:
        if "IMPORT_NAME" in str(exc):
            return "it has an import statement inside; numba cannot compile one (import at the top)"
        return _one_line(exc)
    return None


def _one_line(exc: BaseException) -> str:
    """The first line of numba's message that says what is wrong (not where, not which
    compiler step), or the error's type."""
    skip = ("Failed in ", "During:", "File ", "Raised from", "- Resolution failure", "^")
    for line in str(exc).splitlines():
        text = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        if text and not text.startswith(skip) and not line.startswith((" ", "\t")):
            text = re.sub(r"\. Raised from .*$", "", text)
            return f"{text[:200]} ({type(exc).__name__})"
    return f"numba stopped with {type(exc).__name__}"


def _where(fn: Callable[..., Any]) -> tuple[str, int]:
    """The file and first line of the code a replacement runs (its function, the function
    inside a ``functools.partial``, or a callable object's ``__call__``)."""
    obj: Any = _python(fn)
    while isinstance(obj, functools.partial):
        obj = _python(obj.func)
    if callable(obj) and not isinstance(obj, types.FunctionType | types.MethodType):
        obj = type(obj).__call__
    obj = inspect.unwrap(obj) if callable(obj) else obj
    code = getattr(obj, "__code__", None)
    try:
        filename = inspect.getsourcefile(obj) or (code.co_filename if code else "<unknown>")
    except TypeError:
        filename = code.co_filename if code else "<unknown>"
    return filename, code.co_firstlineno if code else 0


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


def choose_rules(
    given: Mapping[str, Callable[..., Any]] | None, compiled: bool = True
) -> ChosenRules:
    """The rules a model runs: those passed in, else what each module holds now. Unknown
    names and replacements that fail on example inputs are refused with a clear message.
    ``compiled=False``: every pass and rule runs as plain Python."""
    if not isinstance(compiled, bool | np.bool_):
        raise ScenarioError(
            f"parameter 'compiled': value {compiled!r} is not allowed; allowed: True (numba "
            "compiles the passes and rules) or False (plain Python)"
        )
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
    return ChosenRules(chosen, compiled)


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


def load_rule(name: str, ref: str, base: str | Path | None = None) -> Callable[..., Any]:
    """The function a design names for rule ``name``: ``"package.module:function"`` (imported)
    or ``"file.py:function"`` (a file, relative to ``base``, the design's folder). A sweep's
    workers are fresh processes, so a rule reaches them by reference, never by replacing it in
    its module (``replaced_in_module`` finds those)."""
    if name not in RULES:
        raise ScenarioError(
            f"rules: unknown rule {name!r}; the swappable rules are: {', '.join(RULES)}"
        )
    where, sep, attr = str(ref).rpartition(":")
    if not sep or not where or not attr.isidentifier():
        raise ScenarioError(
            f"rules.{name}: value {ref!r} is not allowed; allowed: 'package.module:function' or "
            "'file.py:function'"
        )
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_absolute() and base is not None:
                path = Path(base) / path
            module = _module_from_file(path.resolve())
        else:
            module = importlib.import_module(where)
    except ScenarioError:
        raise
    except Exception as exc:
        raise ScenarioError(
            f"rules.{name}: {ref!r} could not be imported ({type(exc).__name__}: {exc})"
        ) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ScenarioError(f"rules.{name}: {where!r} has no function {attr!r}")
    return fn


@functools.cache
def _module_from_file(path: Path) -> types.ModuleType:
    if not path.is_file():
        raise ScenarioError(f"rules: file '{path}' does not exist; allowed: a .py file")
    spec = importlib.util.spec_from_file_location(f"coprod_sim_rules_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replaced_in_module() -> list[str]:
    """Rules whose module attribute was replaced in this process: a spawned worker imports the
    package afresh and would run the default, so sweeps with workers refuse them."""
    return [name for name, r in RULES.items() if r.current() is not r.default]
