"""Scenario files and command-line overrides: one validated run specification.

A scenario file is TOML (read with the standard library's ``tomllib``)::

    town = "darlington"          # top-level keys: Scenario parameters
    scale = 0.1

    [commitment]                 # or a mechanism's parameters as its group's table
    fatigue_rate = 0.02          # (the same as fatigue_rate = 0.02 at the top)

    [run]                        # how to run it (all optional)
    years = 5                    # or weeks = 260; weeks = round(52 * years)
    seed = 1
    out = "results/darlington"
    description = "one line shown by `coprod-sim validate`"

    [policies.time_bank]         # one table per lever switched on (an empty table: defaults)
    coordinator_hours = 30

Command-line flags override the file: ``--set name=value`` (or ``group.name=value``) for a
Scenario parameter,
``--set lever.param=value`` for a lever parameter (which also switches the lever on),
``--policy NAME`` to switch a lever on with its defaults. Values given with ``--set`` are read
as TOML literals (``0.5``, ``3``, ``true``, ``"x"``); a bare word that is not a TOML literal is
taken as a string, so ``--set town=reading`` works.

Everything is checked before anything runs (``build_spec``): the file as one pydantic model
(``coprod_sim.io.run_file.RunFile``: the scenario's parameters, ``[run]``, each lever's table),
then the file merged with the command line by the scenario's and the levers' own models. Unknown
names, wrong types, NaN and values out of range raise ``ScenarioError`` naming the parameter,
the value and what is allowed.
"""

from __future__ import annotations

import json
import platform
import shlex
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

import coprod_sim
from coprod_sim.data.toml_file import read_toml
from coprod_sim.io.run_file import RUN_KEYS as RUN_KEYS
from coprod_sim.io.run_file import (
    WEEKS_PER_YEAR,
    RunFile,
    RunSection,
    describe_run_file_error,
    run_file_model,
)
from coprod_sim.io.run_folder import check_out
from coprod_sim.levers import Lever, make_levers
from coprod_sim.parameters import ScenarioError, describe_validation_error
from coprod_sim.results_version import RESULTS_VERSION
from coprod_sim.scenario import GROUPS, Scenario, flatten_groups, make_scenario, town_size


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
        n = town_size(s)
        size = f"{n:,} residents" + (f", scale {s.scale:g}" if s.scale != 1 else "")
        levers = ", ".join(lv.name for lv in self.levers) or "none"
        head = f"{self.description} | " if self.description else ""
        return (
            f"{head}town {s.town} ({size}), {self.weeks} weeks ({self.years:g} years), "
            f"seed {self.seed if self.seed_given else 'drawn at random'}, levers: {levers}, "
            f"out: {self.out}"
        )


# ------------------------------------------------------------------ reading values
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
        if "." in name and name.partition(".")[0] in GROUPS:  # a group's parameter
            params.setdefault(name.partition(".")[0], {})[name.partition(".")[2]] = value
        elif "." in name:
            lever, _, p = name.partition(".")
            if not lever or not p or "." in p:
                raise ScenarioError(
                    f"--set {item!r}: a lever parameter is written lever.param=value"
                )
            policies.setdefault(lever, {})[p] = value
        else:
            params[name] = value
    return flatten_groups(params), policies


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """The raw TOML table of a scenario file; ScenarioError if missing, unreadable or not TOML.

    The file is read as data (``tomllib``), never executed. A UTF-8 byte-order mark (as some
    Windows editors write) is accepted; other encodings are refused with what to do.
    """
    p = Path(path)
    what = f"scenario file '{p}'"
    allowed = "allowed: a UTF-8 TOML file (see scenarios/demo.toml)"
    data = read_toml(p, what, allowed)
    # kept by hand: to RunFile an empty table is valid (every default), but an empty file is
    # far more likely a mistake (a wrong or unsaved file), and only here is its name known
    if not data:
        raise ScenarioError(
            f"{what} is empty (no setting in it); {allowed} with at least one setting, "
            'e.g. town = "demo"'
        )
    return data


def load_run_file(path: str | Path) -> RunFile:
    """A scenario file read (``read_scenario_file``) and checked as one ``RunFile``: the
    scenario's parameters, ``[run]`` and every ``[policies.<lever>]`` table. ScenarioError names
    each problem on a line of its own (``run_file.describe_run_file_error``)."""
    data = read_scenario_file(path)
    try:
        return run_file_model().model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_run_file_error(exc)) from None


# ------------------------------------------------------------------ the run
def run_options(**given: Any) -> RunSection:
    """The command line's run settings (``years``, ``weeks``, ``seed``, ``out``; None: not
    given) checked by the ``[run]`` table's model, named as the options are (``'years'``, not
    ``'run.years'``). ``weeks`` wins over ``years``, as the command line documents."""
    values = {k: str(v) if isinstance(v, Path) else v for k, v in given.items() if v is not None}
    if "weeks" in values:
        values.pop("years", None)
    try:
        return RunSection.model_validate(values)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, RunSection)) from None


def _drawn_if_none(seed: int | None) -> tuple[int, bool]:
    """(the seed, whether it was given): a seed drawn at random when none is (recorded, so the
    run can be repeated); short enough to type."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**32)), False
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
    overwrite: bool = False,
    check_folder: bool = True,
) -> RunSpec:
    """Merge a scenario file (optional) with command-line values and validate everything.

    Precedence, lowest first: Scenario defaults, the file, ``overrides`` (``--town``,
    ``--scale``), ``sets``. ``years``/``weeks``/``seed``/``out`` given here override the
    file's ``[run]`` table; ``weeks`` wins over ``years`` at the same level. With
    ``check_folder`` the output folder is checked too (``run_folder.check_out``: a folder that
    holds another run is refused unless ``overwrite``); nothing is created here.
    """
    params: dict[str, Any] = {}
    pols: dict[str, dict[str, Any]] = {}
    run = RunSection()
    source = None
    if path is not None:
        source = Path(path)
        run_file = load_run_file(source)
        params, run, pols = run_file.parameters(), run_file.run, run_file.policies.tables()
    for k, v in (overrides or {}).items():
        if v is not None:
            params[k] = v
    set_params, set_policies = parse_sets(sets)
    params.update(set_params)
    for name in policies:
        pols.setdefault(name, {})
    for name, table in set_policies.items():
        pols.setdefault(name, {}).update(table)
    # the file was checked on its own; the merged values are checked again, since an
    # override may be wrong, and the town's size limit needs the merged town and scale
    scenario = make_scenario(**params)
    levers = make_levers(pols)

    given = run_options(years=years, weeks=weeks, seed=seed, out=out)
    n_weeks = (given if given.years is not None or given.weeks is not None else run).n_weeks
    the_seed, seed_given = _drawn_if_none(given.seed if given.seed is not None else run.seed)
    out_value = given.out or run.out
    if out_value is None:
        out_value = str(Path("results") / (source.stem if source is not None else scenario.town))
    out_path = Path(out_value)  # a relative path is taken from the working directory
    if check_folder:
        check_out(out_path, overwrite)
    return RunSpec(
        scenario=scenario,
        levers=levers,
        weeks=n_weeks,
        seed=the_seed,
        seed_given=seed_given,
        out=out_path,
        description=run.description,
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
        # JSON escapes control characters as TOML does; not DEL, and not as \uD800 pairs
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
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


#: Packages whose versions a run record keeps, and ``rerun`` checks: the ones that can change
#: the numbers (the model, its random streams, its arithmetic, its compiled passes, its files).
RECORDED_PACKAGES: tuple[str, ...] = (
    "mesa",
    "numpy",
    "numba",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "networkx",
)


def software_versions() -> dict[str, Any]:
    """This machine's coprod-sim, results, Python and package versions, as a run record keeps
    them (the results version says which model made the numbers: ``coprod_sim.results_version``)."""

    def ver(pkg: str) -> str | None:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return None

    return {
        "coprod_sim_version": coprod_sim.__version__,
        "results_version": RESULTS_VERSION,
        "python": platform.python_version(),
        "packages": {p: ver(p) for p in RECORDED_PACKAGES},
    }


def run_record(spec: RunSpec, **extra: Any) -> dict[str, Any]:
    """What ``scenario.json`` holds: the exact validated inputs and the software versions."""
    return {
        "format": "coprod-sim run",
        **software_versions(),
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


#: what makes two runs the same run (the results depend on these and nothing else)
SAME_RUN_KEYS = (
    "coprod_sim_version",
    "results_version",
    "seed",
    "weeks",
    "parameters",
    "levers",
    "posterior",
)


def same_run(earlier: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    """Whether a stored record describes the run ``now`` would make: same scenario, levers,
    weeks, seed, posterior draw, coprod-sim version and results version (compared as stored, in
    JSON): a run made by another results version, or before versions existed, is not this
    run."""
    stored = json.loads(json.dumps({k: earlier.get(k) for k in SAME_RUN_KEYS}, default=str))
    wanted = json.loads(json.dumps({k: now.get(k) for k in SAME_RUN_KEYS}, default=str))
    return stored == wanted


def version_mismatches(record: Mapping[str, Any]) -> list[str]:
    """Each way this machine's software differs from the one that made ``record``."""
    now = software_versions()
    out = []
    made = record.get("results_version")
    if made != now["results_version"]:
        was = "none (made before results versions)" if made is None else made
        out.append(
            f"results_version {was} in the record, {now['results_version']} here (the "
            "model's results changed since: a rerun gives this version's numbers)"
        )
    for key in ("coprod_sim_version", "python"):
        if record.get(key) != now[key]:
            out.append(f"{key} {record.get(key)} in the record, {now[key]} here")
    recorded = record.get("packages") or {}
    if not isinstance(recorded, Mapping):
        recorded = {}
    for pkg, here in now["packages"].items():
        if pkg in recorded and recorded[pkg] != here:
            out.append(f"{pkg} {recorded[pkg]} in the record, {here} here")
    return out


def spec_from_record(
    record: Mapping[str, Any], out: str | Path, overwrite: bool = False, check_folder: bool = True
) -> RunSpec:
    """The run a ``scenario.json`` describes, validated again, writing to ``out``.

    Every parameter and lever parameter is taken from the record (not from today's defaults),
    with the recorded seed and number of weeks, so the run is the same one.
    """
    where = "scenario.json"
    params = record.get("parameters")
    levers = record.get("levers", {})
    if not isinstance(params, Mapping) or not isinstance(levers, Mapping):
        raise ScenarioError(
            f"{where}: 'parameters' and 'levers' must be tables; allowed: a scenario.json "
            "written by coprod-sim run"
        )
    for key in ("weeks", "seed"):
        if key not in record:
            raise ScenarioError(f"{where}: '{key}' is missing; allowed: a complete run record")
    scenario = make_scenario(**params)
    lever_objs = make_levers(levers)
    recorded = run_options(weeks=record["weeks"], seed=record["seed"], out=out)
    seed, _ = _drawn_if_none(recorded.seed)
    description = record.get("description") or ""
    if not isinstance(description, str):
        description = str(description)
    if check_folder:
        check_out(Path(out), overwrite)
    return RunSpec(
        scenario=scenario,
        levers=lever_objs,
        weeks=recorded.n_weeks,
        seed=seed,
        seed_given=True,
        out=Path(out),
        description=description,
        source=None,
        policies={lv.name: lv.model_dump() for lv in lever_objs},
    )
