"""Scenario files and command-line overrides: one validated run specification.

A scenario file is TOML (read with the standard library's ``tomllib``)::

    town = "darlington"          # top-level keys: Scenario parameters
    scale = 0.1

    [run]                        # how to run it (all optional)
    years = 5                    # or weeks = 260; weeks = round(52 * years)
    seed = 1
    out = "results/darlington"
    description = "one line shown by `coprod-sim validate`"

    [policies.time_bank]         # one table per lever switched on (an empty table: defaults)
    coordinator_hours = 30

Command-line flags override the file: ``--set name=value`` for a Scenario parameter,
``--set lever.param=value`` for a lever parameter (which also switches the lever on),
``--policy NAME`` to switch a lever on with its defaults. Values given with ``--set`` are read
as TOML literals (``0.5``, ``3``, ``true``, ``"x"``); a bare word that is not a TOML literal is
taken as a string, so ``--set town=reading`` works.

Everything is checked before anything runs (``build_spec``): unknown names, wrong types, NaN
and values out of range raise ``ScenarioError`` naming the parameter, the value and what is
allowed.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coprod_sim.levers import LEVERS, Lever, make_levers
from coprod_sim.parameters import Scenario, ScenarioError, make_scenario
from coprod_sim.parameters import _allowed as _param_allowed

WEEKS_PER_YEAR = 52
MAX_YEARS = 100
MAX_WEEKS = MAX_YEARS * WEEKS_PER_YEAR
DEFAULT_YEARS = 5.0
RUN_KEYS: tuple[str, ...] = ("years", "weeks", "seed", "out", "description")


@dataclass
class RunSpec:
    """A run, fully validated: the scenario, the levers, how long, which seed, where to write."""

    scenario: Scenario
    levers: list[Lever]
    weeks: int
    seed: int
    seed_given: bool
    out: Path
    description: str = ""
    source: Path | None = None
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, Any]:
        """The scenario parameters as plain values (keyword arguments of the model)."""
        return self.scenario.model_dump()

    @property
    def years(self) -> float:
        return self.weeks / WEEKS_PER_YEAR

    def describe(self) -> str:
        """One line: what this run is."""
        s = self.scenario
        from coprod_sim.state.towns import TOWNS

        n = s.n_residents or max(1, round(TOWNS[s.town].residents * s.scale))
        size = f"{n:,} residents" + (f", scale {s.scale:g}" if s.scale != 1 else "")
        levers = ", ".join(lv.name for lv in self.levers) or "none"
        head = f"{self.description} | " if self.description else ""
        return (
            f"{head}town {s.town} ({size}), {self.weeks} weeks ({self.years:g} years), "
            f"seed {self.seed if self.seed_given else 'drawn at random'}, levers: {levers}, "
            f"out: {self.out}"
        )


# ------------------------------------------------------------------ reading values
def _allowed(name: str) -> str:
    """What parameter ``name`` (``param`` or ``lever.param``) accepts, for error messages."""
    lever, dot, pname = name.rpartition(".")
    cls = LEVERS.get(lever) if dot else Scenario
    if cls is None or pname not in cls.model_fields:
        return "a finite number"
    return "a finite " + _param_allowed(cls, pname).removeprefix("a ")


def _suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_names(params: Mapping[str, Any], policies: Mapping[str, Mapping[str, Any]]) -> None:
    """Unknown parameter, lever or lever parameter: name the valid ones (and the closest)."""
    fields = Scenario.model_fields
    for name, value in params.items():
        if name not in fields:
            raise ScenarioError(
                f"unknown parameter '{name}' (value {value!r}){_suggest(name, fields)}; "
                f"valid parameters are: {', '.join(fields)}"
            )
    for lever, table in policies.items():
        cls = LEVERS.get(lever)
        if cls is None:
            raise ScenarioError(
                f"unknown policy lever '{lever}'{_suggest(lever, LEVERS)}; "
                f"valid levers are: {', '.join(LEVERS) or '(none)'}"
            )
        for pname, value in table.items():
            if pname not in cls.model_fields:
                raise ScenarioError(
                    f"unknown parameter '{lever}.{pname}' (value {value!r})"
                    f"{_suggest(pname, cls.model_fields)}; valid parameters of lever "
                    f"'{lever}' are: {', '.join(cls.model_fields)}"
                )


def _check_finite(name: str, value: Any) -> None:
    """NaN or infinity anywhere is refused (TOML parses ``nan`` and ``inf``)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(
            f"parameter '{name}': value {value!r} is not allowed (not a finite number); "
            f"allowed: {_allowed(name)}"
        )
    if isinstance(value, list):
        for v in value:
            _check_finite(name, v)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _check_finite(f"{name}.{k}", v)


def parse_value(text: str) -> Any:
    """A ``--set`` value as a TOML literal; a bare word that is not one is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        stripped = text.strip()
        if stripped and all(c.isalnum() or c in "_-./:" for c in stripped):
            return stripped
        raise ScenarioError(
            f"value {text!r} is not a TOML literal; allowed: a number (0.5, 3), true/false, "
            'or a string (x or "x y")'
        ) from None


def parse_sets(items: Iterable[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``name=value`` items into (scenario parameters, lever parameters by lever)."""
    params: dict[str, Any] = {}
    policies: dict[str, dict[str, Any]] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise ScenarioError(
                f"--set {item!r}: expected name=value (a Scenario parameter) or "
                "lever.param=value (a lever parameter)"
            )
        try:
            value = parse_value(text)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {name}: {exc}") from None
        if "." in name:
            lever, _, p = name.partition(".")
            if not lever or not p or "." in p:
                raise ScenarioError(
                    f"--set {item!r}: a lever parameter is written lever.param=value"
                )
            policies.setdefault(lever, {})[p] = value
        else:
            params[name] = value
    return params, policies


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """The raw TOML table of a scenario file; ScenarioError if missing, unreadable or not TOML."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"scenario file '{p}' does not exist")
    if p.is_dir():
        raise ScenarioError(f"scenario file '{p}' is a folder, not a TOML file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"scenario file '{p}' cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"scenario file '{p}' is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file '{p}' is not valid TOML: {exc}") from None


def split_file(data: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """A scenario file's table into (scenario parameters, [run] table, [policies] tables)."""
    params = {k: v for k, v in data.items() if k not in ("run", "policies")}
    run = data.get("run", {})
    if not isinstance(run, Mapping):
        raise ScenarioError(
            f"'run' must be a table ([run]) with keys {', '.join(RUN_KEYS)}; got {run!r}"
        )
    unknown = [k for k in run if k not in RUN_KEYS]
    if unknown:
        raise ScenarioError(
            f"unknown run setting 'run.{unknown[0]}' (value {run[unknown[0]]!r}); "
            f"valid run settings are: {', '.join(RUN_KEYS)}"
        )
    policies = data.get("policies", {})
    if not isinstance(policies, Mapping):
        raise ScenarioError(
            "'policies' must hold one table per lever ([policies.<lever>]); "
            f"got {policies!r}; valid levers are: {', '.join(LEVERS) or '(none)'}"
        )
    for name, table in policies.items():
        if not isinstance(table, Mapping):
            raise ScenarioError(
                f"policy lever '{name}': parameters must be a table [policies.{name}], "
                f"got {table!r}"
            )
    return dict(params), dict(run), {k: dict(v) for k, v in policies.items()}


# ------------------------------------------------------------------ the run
def _weeks(years: Any, weeks: Any) -> int:
    if weeks is not None:
        if isinstance(weeks, bool) or not isinstance(weeks, int):
            raise ScenarioError(
                f"parameter 'weeks': value {weeks!r} is not allowed (not a whole number); "
                f"allowed: a whole number from 1 to {MAX_WEEKS}"
            )
        if not 1 <= weeks <= MAX_WEEKS:
            raise ScenarioError(
                f"parameter 'weeks': value {weeks!r} is out of range; "
                f"allowed: a whole number from 1 to {MAX_WEEKS}"
            )
        return weeks
    y = DEFAULT_YEARS if years is None else years
    if isinstance(y, bool) or not isinstance(y, (int, float)):
        raise ScenarioError(
            f"parameter 'years': value {y!r} is not allowed (not a number); "
            f"allowed: a number of years above 0 and at most {MAX_YEARS}"
        )
    w = round(WEEKS_PER_YEAR * y) if math.isfinite(y) else 0
    if not math.isfinite(y) or y <= 0 or y > MAX_YEARS or w < 1:
        raise ScenarioError(
            f"parameter 'years': value {y!r} is not allowed; allowed: a number of years above "
            f"0 and at most {MAX_YEARS} that makes at least one week (52 x years, rounded)"
        )
    return int(w)


def _seed(seed: Any) -> tuple[int, bool]:
    if seed is None:
        import numpy as np

        return int(np.random.SeedSequence().entropy % (2**32)), False  # short enough to type
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ScenarioError(
            f"parameter 'seed': value {seed!r} is not allowed; allowed: a whole number from 0 "
            f"to {2**63 - 1}"
        )
    return seed, True


def build_spec(
    path: str | Path | None = None,
    *,
    sets: Iterable[str] = (),
    policies: Iterable[str] = (),
    overrides: Mapping[str, Any] | None = None,
    years: float | None = None,
    weeks: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
) -> RunSpec:
    """Merge a scenario file (optional) with command-line values and validate everything.

    Precedence, lowest first: Scenario defaults, the file, ``overrides`` (``--town``,
    ``--scale``), ``sets``. ``years``/``weeks``/``seed``/``out`` given here override the
    file's ``[run]`` table; ``weeks`` wins over ``years`` at the same level.
    """
    params: dict[str, Any] = {}
    run: dict[str, Any] = {}
    pols: dict[str, dict[str, Any]] = {}
    source = None
    if path is not None:
        source = Path(path)
        params, run, pols = split_file(read_scenario_file(source))
        for k, v in run.items():
            _check_finite(f"run.{k}", v)
        if "years" in run and "weeks" in run:
            raise ScenarioError(
                f"[run] gives both years = {run['years']!r} and weeks = {run['weeks']!r}; "
                "allowed: one of them"
            )
    for k, v in (overrides or {}).items():
        if v is not None:
            params[k] = v
    set_params, set_policies = parse_sets(sets)
    params.update(set_params)
    for name in policies:
        pols.setdefault(name, {})
    for name, table in set_policies.items():
        pols.setdefault(name, {}).update(table)

    _check_names(params, pols)
    for k, v in params.items():
        _check_finite(k, v)
    for lever, table in pols.items():
        _check_finite(lever, table)
    scenario = make_scenario(**params)
    levers = make_levers(pols)

    if years is not None or weeks is not None:
        n_weeks = _weeks(years, weeks)
    else:
        n_weeks = _weeks(run.get("years"), run.get("weeks"))
    the_seed, given = _seed(seed if seed is not None else run.get("seed"))
    description = run.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(
            f"parameter 'run.description': value {description!r} is not allowed; allowed: a string"
        )
    out_value = out if out is not None else run.get("out")
    if out_value is None:
        stem = source.stem if source is not None else scenario.town
        out_value = Path("results") / stem
    if not isinstance(out_value, (str, Path)) or not str(out_value).strip():
        raise ScenarioError(
            f"parameter 'out': value {out_value!r} is not allowed; allowed: a folder path"
        )
    out_path = Path(out_value)  # a relative path is taken from the working directory
    if out_path.exists() and not out_path.is_dir():
        raise ScenarioError(
            f"parameter 'out': '{out_path}' exists and is not a folder; allowed: a folder path"
        )
    return RunSpec(
        scenario=scenario,
        levers=levers,
        weeks=n_weeks,
        seed=the_seed,
        seed_given=given,
        out=out_path,
        description=description,
        source=source,
        policies={lv.name: lv.model_dump() for lv in levers},
    )


# ------------------------------------------------------------------ reproducing a run
def toml_literal(value: Any) -> str:
    """A value written as a TOML literal (the form ``--set`` reads back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        import json

        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML literal")


def reproduce_args(spec: RunSpec) -> list[str]:
    """Command-line arguments that rerun ``spec`` exactly, without its scenario file.

    Every parameter that differs from its default, and every parameter of every lever, is
    given with ``--set``, so the command stays right if a file or a default changes later.
    """
    args = ["run", "--weeks", str(spec.weeks), "--seed", str(spec.seed), "--out", str(spec.out)]
    defaults = Scenario()
    for name, value in spec.params.items():
        if value != getattr(defaults, name):
            args += ["--set", f"{name}={toml_literal(value)}"]
    for lever in spec.levers:
        args += ["--policy", lever.name]
        defaults_l = type(lever)()
        for name, value in lever.model_dump().items():
            if value != getattr(defaults_l, name):
                args += ["--set", f"{lever.name}.{name}={toml_literal(value)}"]
    return args


def run_record(spec: RunSpec, **extra: Any) -> dict[str, Any]:
    """What ``scenario.json`` holds: the exact validated inputs and the software versions."""
    import platform
    import shlex
    import sys
    from importlib.metadata import PackageNotFoundError, version

    def ver(pkg: str) -> str | None:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return None

    import coprod_sim

    return {
        "coprod_sim_version": coprod_sim.__version__,
        "python": platform.python_version(),
        "packages": {p: ver(p) for p in ("mesa", "numpy", "pandas", "pydantic", "networkx")},
        "command": " ".join(shlex.quote(a) for a in ["coprod-sim", *sys.argv[1:]]),
        "reproduce": " ".join(shlex.quote(a) for a in ["coprod-sim", *reproduce_args(spec)]),
        "scenario_file": str(spec.source) if spec.source else None,
        "description": spec.description,
        "seed": spec.seed,
        "seed_given": spec.seed_given,
        "weeks": spec.weeks,
        "years": spec.years,
        "out": str(spec.out),
        "parameters": spec.params,
        "levers": {lv.name: lv.model_dump() for lv in spec.levers},
        **extra,
    }
