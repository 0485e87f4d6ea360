"""From a design to its points (arms): explicit arms, full factorial, Latin hypercube, Sobol,
Morris, or a table of rows.

Each point is ``{"point", "arm", "world", "levers", "values"}``: the scenario parameters and the
lever tables one model run takes, and the factor values that made it (for the report and the
sensitivity indices). Samplers are the libraries' (``scipy.stats.qmc``, ``SALib.sample``), drawn
from the design seed so the same design always gives the same points.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from coprod_sim.data.future_file import FutureError, load_future
from coprod_sim.levers import make_levers
from coprod_sim.parameters import ScenarioError
from coprod_sim.scenario import make_scenario
from coprod_sim.sweeps.design_schema import DesignModel, SweepSection
from coprod_sim.sweeps.factors import (
    SENSITIVITY_KINDS,
    DesignError,
    check_lever,
    declared_range,
    factor_kind,
)

SAMPLER_STREAM = 2**31  # spawn key of the sampler's stream (replication seeds use 0, 1, 2...)


class DesignLike(Protocol):
    """What the samplers read of a design: its parsed schema, its ``[sweep]`` table and the file
    it came from. ``coprod_sim.sweeps.design.Design`` is one; typed here, not imported, because
    the design module imports the samplers (the layers point down, type hints included)."""

    model: DesignModel
    path: str | None

    @property
    def sweep(self) -> SweepSection: ...


def problem(design: DesignLike) -> dict[str, Any]:
    """The SALib problem of a sensitivity design: names and bounds of its ranges."""
    r = design.model.design.ranges
    return {"num_vars": len(r), "names": list(r), "bounds": [list(v) for v in r.values()]}


def _sampler_rng(design: DesignLike) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(design.sweep.seed, spawn_key=(SAMPLER_STREAM,))
    )


def check(design: DesignLike) -> None:
    """Refuse a design that does not fit its sampler, before anything runs."""
    d = design.model.design
    kind = d.kind
    if kind == "arms":
        if not design.model.arms:
            raise DesignError(
                "design.kind = 'arms' needs at least one [[arms]] entry; allowed: "
                "[[arms]] tables with name, world and levers"
            )
        names = [a.name for a in design.model.arms]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise DesignError(f"arms: name {dup[0]!r} is used twice; allowed: unique arm names")
        for a in design.model.arms:
            for k in a.world:
                if factor_kind(k, f"arms '{a.name}'.world")[0] != "world":
                    raise DesignError(
                        f"arms '{a.name}'.world: '{k}' is a lever; put it under levers"
                    )
            for lever, params in a.levers.items():
                check_lever(lever, f"arms '{a.name}'.levers")
                for p in params:
                    factor_kind(f"{lever}.{p}", f"arms '{a.name}'.levers")
    elif design.model.arms:
        raise DesignError(
            f"[[arms]] given with design.kind = '{kind}'; allowed: [[arms]] only with kind = 'arms'"
        )
    if kind == "factorial":
        if not d.factors:
            raise DesignError(
                "design.kind = 'factorial' needs [design.factors] (name = [level, ...])"
            )
        for name, levels in d.factors.items():
            fk = factor_kind(name, "design.factors")[0]
            if not levels:
                raise DesignError(
                    f"design.factors.{name}: value [] is empty; allowed: a list of 1 or more levels"
                )
            if fk == "lever" and not all(isinstance(v, bool) for v in levels):
                raise DesignError(
                    f"design.factors.{name}: value {levels!r}; allowed: levels true or false "
                    f"(a lever is on or off)"
                )
            if len(levels) < 2 or len({repr(v) for v in levels}) < len(levels):
                raise DesignError(
                    f"design.factors.{name}: value {levels!r} has "
                    + ("one level" if len(levels) < 2 else "a level twice")
                    + "; allowed: two or more different levels (a factor that does not vary "
                    "compares nothing: put a fixed value under [world] or [levers])"
                )
    elif d.factors:
        raise DesignError(
            f"design.factors given with design.kind = '{kind}'; allowed: factors only with "
            "kind = 'factorial' (use design.ranges for lhs, sobol and morris)"
        )
    if d.futures and kind in SENSITIVITY_KINDS:
        raise DesignError(
            f"design.futures given with design.kind = '{kind}'; allowed: futures with kind = "
            "'arms', 'factorial' or 'table' (fix one future with future = NAME under [world])"
        )
    names = list(d.futures)
    if len(set(names)) < len(names):
        raise DesignError(f"design.futures: value {names!r} names a future twice; allowed: "
                          "different futures")  # fmt: skip
    if d.futures and "future" in d.factors:
        raise DesignError("design.factors.future and design.futures both given; allowed: one")
    if kind in SENSITIVITY_KINDS:
        _check_ranges(design)
    elif d.ranges:
        raise DesignError(
            f"design.ranges given with design.kind = '{kind}'; allowed: ranges only with "
            "kind = 'lhs', 'sobol' or 'morris'"
        )
    if kind == "table":
        if not d.rows:
            raise DesignError("design.kind = 'table' needs design.rows (a list of tables)")
        for i, row in enumerate(d.rows):
            for k in row:
                if k != "name":
                    factor_kind(k, f"design.rows[{i}]")
    pts = points(design)
    for p in pts:
        _validate_point(p)
    _check_baseline(design, pts)


def _check_ranges(design: DesignLike) -> None:
    d = design.model.design
    if not d.ranges:
        raise DesignError(f"design.kind = '{d.kind}' needs [design.ranges] (name = [low, high])")
    if d.samples is None:
        raise DesignError(
            f"design.samples is missing; design.kind = '{d.kind}' needs it (lhs: points; sobol: "
            "base samples, a power of 2; morris: trajectories)"
        )
    for name, bounds in d.ranges.items():
        fk = factor_kind(name, "design.ranges")[0]
        if fk == "lever":
            raise DesignError(
                f"design.ranges.{name}: a lever is on or off, not a range; allowed: a numeric "
                "scenario or lever parameter"
            )
        if len(bounds) != 2:
            raise DesignError(
                f"design.ranges.{name}: value {bounds!r}; allowed: [low, high] (two numbers)"
            )
        lo, hi = bounds
        if not lo < hi:
            raise DesignError(
                f"design.ranges.{name}: value [{lo:g}, {hi:g}] is empty or inverted; allowed: "
                "[low, high] with low < high"
            )
        dlo, dhi, typ = declared_range(name)
        if typ is bool or typ is str:
            raise DesignError(
                f"design.ranges.{name}: the parameter is {typ.__name__}; allowed: numeric "
                "parameters only"
            )
        if (dlo is not None and lo < dlo) or (dhi is not None and hi > dhi):
            raise DesignError(
                f"design.ranges.{name}: value [{lo:g}, {hi:g}] leaves the declared range; "
                f"allowed: within [{dlo}, {dhi}]"
            )
    if d.kind == "sobol":
        n = d.samples
        if n & (n - 1):
            raise DesignError(
                f"design.samples: value {n} does not fit the Sobol sampler; allowed: a power "
                "of 2 (Saltelli's scheme keeps its balance only then), e.g. "
                f"{1 << (n.bit_length() - 1)} or {1 << n.bit_length()}"
            )
        if len(d.ranges) < 2:
            raise DesignError(
                "design.ranges: the Sobol design needs at least 2 ranges; allowed: 2 or more"
            )
    if d.kind == "morris":
        if d.levels % 2:
            raise DesignError(
                f"design.levels: value {d.levels} does not fit the Morris sampler; allowed: an "
                "even number of levels (4 is usual)"
            )
        if d.samples < 2:
            raise DesignError(
                f"design.samples: value {d.samples}; allowed: >= 2 Morris trajectories"
            )
    if d.kind == "lhs" and d.samples < 2:
        raise DesignError(f"design.samples: value {d.samples}; allowed: >= 2 hypercube points")


def _validate_point(p: dict[str, Any]) -> None:
    try:
        make_scenario(**p["world"])
        make_levers(p["levers"])
    except ScenarioError as exc:
        raise DesignError(f"arm '{p['arm']}': {exc}") from None


def _check_baseline(design: DesignLike, pts: list[dict[str, Any]]) -> None:
    base = design.model.design.baseline
    if base is None:
        return
    if baseline_point(design, pts) is None:
        names = ", ".join(p["arm"] for p in pts[:20])
        raise DesignError(
            f"design.baseline: value {base!r} matches no arm; allowed: an arm name ({names})"
            + (" or a table of factor levels" if design.model.design.kind == "factorial" else "")
        )


# ------------------------------------------------------------------ building points
def _apply(world: dict, levers: dict, values: dict[str, Any], start_week: int) -> None:
    """Apply factor values (world params, lever params, then levers on/off)."""
    for name, v in values.items():
        kind, a, b = factor_kind(name, "factor")
        if kind == "world":
            world[a] = v
        elif kind == "lever_param":
            levers.setdefault(a, {})[b] = v
    for name, v in values.items():
        kind, a, _ = factor_kind(name, "factor")
        if kind == "lever":
            if switch(name, v):
                levers.setdefault(a, {})
            else:
                levers.pop(a, None)


def switch(name: str, value: Any) -> bool:
    """A lever's on/off value: true/false, or 1/0. Text ("no", "yes", "off") is refused, never
    read as true because it is not empty."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return bool(value)
    raise DesignError(
        f"{name}: value {value!r} is not allowed; allowed: true or false (or 1 or 0): "
        "a lever is switched on or off"
    )


def _point(design: DesignLike, i: int, arm: str, values: dict, world=None, levers=None) -> dict:
    m = design.model
    w = copy.deepcopy(m.world) if world is None else world
    lv = copy.deepcopy(m.levers) if levers is None else levers
    _apply(w, lv, values, design.sweep.burn_in_weeks)
    for params in lv.values():  # levers start when the burn-in ends unless told otherwise
        params.setdefault("start_week", design.sweep.burn_in_weeks)
    return {"point": i, "arm": arm, "world": w, "levers": lv, "values": values}


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cast(name: str, x: float) -> Any:
    typ = declared_range(name)[2]
    return int(round(x)) if typ is int else float(x)


def points(design: DesignLike) -> list[dict[str, Any]]:
    """Every point of the design, in a fixed order (point ids are positions). With
    ``design.futures``, every arm once under each future: point ``j * arms + i`` is arm ``i``
    under future ``j`` (named ``"<arm> @ <future>"``, ``future`` among its values)."""
    pts = _arm_points(design)
    futures = future_values(design)
    if not futures:
        return pts
    out = []
    for j, (name, value) in enumerate(futures):
        for p in pts:
            q = copy.deepcopy(p)
            q["point"] = j * len(pts) + p["point"]
            q["arm"] = f"{p['arm']} @ {name}"
            q["world"]["future"] = value
            q["values"] = {**p["values"], "future": name}
            out.append(q)
    return out


def future_values(design: DesignLike) -> list[tuple[str, str]]:
    """(name, scenario value) of each future of ``design.futures``: a shipped name as it is, a
    file's path resolved from the design file's folder (DesignError for an unusable one)."""
    out = []
    for i, f in enumerate(design.model.design.futures):
        value = f
        if f.endswith(".toml") and not Path(f).is_absolute() and design.path is not None:
            value = str((Path(design.path).parent / f).resolve())
        try:
            load_future(value)  # a FutureError names what is wrong with the file
        except FutureError as exc:
            raise DesignError(f"design.futures[{i}]: {exc}") from None
        out.append((Path(f).stem if f.endswith(".toml") else f, value))
    return out


def _arm_points(design: DesignLike) -> list[dict[str, Any]]:
    """The design's points before any crossing with futures."""
    m, d = design.model, design.model.design
    out: list[dict[str, Any]] = []
    if d.kind == "arms":
        for i, a in enumerate(m.arms):
            w = {**copy.deepcopy(m.world), **a.world}
            lv = copy.deepcopy(m.levers)
            for name, params in a.levers.items():
                lv[name] = {**lv.get(name, {}), **params}
            out.append(_point(design, i, a.name, {}, w, lv))
    elif d.kind == "factorial":
        names = list(d.factors)
        base = _factorial_base(design)
        for i, combo in enumerate(itertools.product(*d.factors.values())):
            values = dict(zip(names, combo, strict=True))
            parts = []
            for n in names:
                if values[n] == base[n]:
                    continue
                kind = factor_kind(n, "factor")[0]
                if kind == "lever":
                    parts.append(n if values[n] else f"no {n}")
                else:
                    parts.append(f"{n}={_label(values[n])}")
            out.append(_point(design, i, " + ".join(parts) or "baseline", values))
    elif d.kind == "table":
        for i, row in enumerate(d.rows):
            values = {k: v for k, v in row.items() if k != "name"}
            arm = str(row.get("name", f"row {i}"))
            out.append(_point(design, i, arm, values))
    else:
        for i, x in enumerate(sample_matrix(design)):
            values = {n: _cast(n, v) for n, v in zip(d.ranges, x, strict=True)}
            out.append(_point(design, i, f"p{i:05d}", values))
    return out


def _factorial_base(design: DesignLike) -> dict[str, Any]:
    d = design.model.design
    base = {n: levels[0] for n, levels in d.factors.items()}
    if isinstance(d.baseline, dict):
        for k, v in d.baseline.items():
            if k not in base:
                raise DesignError(
                    f"design.baseline.{k}: not a factor; allowed: " + ", ".join(d.factors)
                )
            base[k] = v
    return base


def sample_matrix(design: DesignLike) -> np.ndarray:
    """The raw sample of a sensitivity design (rows in the order SALib's analysers expect)."""
    d = design.model.design
    prob = problem(design)
    seed = int(_sampler_rng(design).integers(2**31))
    if d.kind == "lhs":
        # scipy.stats and SALib are imported by the sampler that needs them (heavy)
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=prob["num_vars"], rng=np.random.default_rng(seed))
        unit = sampler.random(d.samples)
        b = np.asarray(prob["bounds"], float)
        return qmc.scale(unit, b[:, 0], b[:, 1])
    if d.kind == "sobol":
        # heavy: SALib, only for Sobol designs
        from SALib.sample import sobol

        return sobol.sample(prob, d.samples, calc_second_order=False, scramble=True, seed=seed)
    if d.kind == "morris":
        # heavy: SALib, only for Morris designs
        from SALib.sample import morris

        return morris.sample(prob, d.samples, num_levels=d.levels, seed=seed)
    raise DesignError(f"design.kind '{d.kind}' has no sample matrix")


def baseline_point(design: DesignLike, pts: list[dict[str, Any]] | None = None) -> int | None:
    """Point id of the baseline arm (None for sensitivity designs without one)."""
    d = design.model.design
    if d.futures:  # the baseline arm under the first future (its point id is the arm's own)
        pts = _arm_points(design)
    elif pts is None:
        pts = points(design)
    if d.kind in SENSITIVITY_KINDS and d.baseline is None:
        return None
    if d.kind == "factorial" and not isinstance(d.baseline, str):
        base = _factorial_base(design)
        for p in pts:
            if p["values"] == base:
                return p["point"]
        return None
    name = d.baseline if isinstance(d.baseline, str) else None
    if name is None:
        names = [p["arm"] for p in pts]
        return pts[names.index("baseline")]["point"] if "baseline" in names else pts[0]["point"]
    for p in pts:
        if p["arm"] == name:
            return p["point"]
    return None
