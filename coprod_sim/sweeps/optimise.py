"""Search lever mixes for the lowest cost that keeps a target in most uncertainty cases.

    coprod-sim optimise experiments/cheapest_mix/design.toml --out results/cheapest_mix

    from coprod_sim.sweeps.optimise import load_optimise, run_optimise
    design, spec = load_optimise("experiments/cheapest_mix/design.toml")
    result = run_optimise(design, spec, "results/cheapest_mix", workers=2)

The optimiser is Platypus's NSGA-II (the library EMA Workbench's optimiser runs on), on mixed
variables: each searched lever's switch (an integer 0/1) and its intensity (a real or integer
within the bounds of ``[optimise.levers]``). A candidate (a lever mix) is scored on every
**uncertainty case** of the design: each point of the design's own factors (world parameters,
and whatever factor a later design adds, e.g. futures) crossed with ``evaluation_seeds``
paired seeds (and, with ``posterior`` in the design, the seed's posterior draw). Every candidate
runs on the same cases (common random numbers), so two mixes differ only by their levers.
Objectives are means over the cases; the constraint holds when the metric meets its threshold
in at least ``quantile`` of the cases (its violation, which guides the search, is how far the
cases' ``quantile``-th value is beyond the threshold).

Runs go through the sweep engine (``engine.execute``: batches on a local process pool or a Dask
executor, the worker's ``run_batch``); every run is stored in ``OUT/runs/part-*.parquet`` keyed
by the candidate (``arm``: a hash of the mix, the mix in ``OUT/candidates.jsonl``) and the case
(``point``, ``replication``). The search is a pure function of its seed and the runs' results,
which do not depend on workers or their order; so a resumed search (``resume=True``) replays
the same generations, finds their runs stored and runs only what is missing. After the last
generation the Pareto set is re-evaluated on fresh cases (seeds from another stream), stored in
``OUT/reevaluation/runs``; ``optimise_report.write_optimise_report`` writes the report.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from platypus import (
    HUX,
    NSGAII,
    PM,
    SBX,
    BitFlip,
    CompoundOperator,
    Evaluator,
    Integer,
    Problem,
    Real,
    nondominated,
)

from coprod_sim.data.toml_file import read_toml, read_toml_text
from coprod_sim.results_version import RESULTS_VERSION
from coprod_sim.sweeps.design import Design, DesignError, _check_finite
from coprod_sim.sweeps.engine import Sweep, _local_pool, execute
from coprod_sim.sweeps.optimise_spec import OptimiseSpec, SearchedLever, optimise_spec
from coprod_sim.sweeps.store import (
    MANIFEST,
    Store,
    live_owner,
    owner_record,
    versions,
)

#: spawn key of the re-evaluation's seeds (the search's replication seeds use 0, 1, 2, ...)
REEVALUATION_STREAM = 2**31 + 1
#: intensities are rounded to this fraction of their bounds (so a mix has one key)
GRID = 1000
CANDIDATES = "candidates.jsonl"


# ------------------------------------------------------------------ reading
def load_optimise(path: str | Path, no_posterior: bool = False) -> tuple[Design, OptimiseSpec]:
    """Read a design file with an ``[optimise]`` table. A design that varies nothing (no
    ``[design]`` factors, no ``[[arms]]``) has one uncertainty point: the ``[world]`` itself.
    ``no_posterior``: draw no world parameters from a posterior, whatever the file says."""
    path = Path(path)
    what = f"design file '{path}'"
    if path.exists() and not path.is_dir() and path.suffix != ".toml":
        raise DesignError(f"{what}: suffix {path.suffix!r} is not allowed; allowed: a .toml file")
    data = read_toml(path, what, "allowed: a UTF-8 .toml file", DesignError)
    _check_finite(data, "")
    if no_posterior:
        data["sweep"] = {**data.get("sweep", {}), "posterior": False}
    design = design_from_dict(data, source=read_toml_text(path), path=path.as_posix())
    return design, optimise_spec(design)


def design_from_dict(
    data: dict[str, Any], source: str | None = None, path: str | None = None
) -> Design:
    """A Design from a dict with an ``[optimise]`` table (one plain case if it varies nothing)."""
    data = dict(data)
    kind = (data.get("design") or {}).get("kind", "arms")
    if kind == "arms" and not data.get("arms"):
        data["arms"] = [{"name": "case"}]
    if "optimise" not in data:
        raise DesignError(
            "design has no [optimise] table; allowed: [optimise] with levers and a constraint "
            "(see docs/optimise.md)"
        )
    return Design.from_dict(data, source=source, path=path)


# ------------------------------------------------------------------ the uncertainty cases
def search_seed(design: Design, spec: OptimiseSpec, seed: int | None = None) -> int:
    """The search's seed: ``--seed``, else ``optimise.seed``, else ``sweep.seed``."""
    if seed is not None:
        return int(seed)
    return int(spec.section.seed if spec.section.seed is not None else design.sweep.seed)


def cases_design(design: Design, spec: OptimiseSpec, seed: int, fresh: bool) -> Design:
    """The design whose points x replications are the uncertainty cases: the user's design
    with only the metrics the search needs; ``fresh``: the re-evaluation's (more) seeds, from
    another stream of the search seed, so no case of the search is reused."""
    data = design.to_dict()
    data.pop("optimise", None)
    s = data["sweep"]
    sec = spec.section
    if fresh:
        ss = np.random.SeedSequence(seed, spawn_key=(REEVALUATION_STREAM,))
        s["seed"] = int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        s["replications"] = sec.reevaluation_seeds or 2 * (
            sec.evaluation_seeds or s["replications"]
        )
    else:
        s["seed"] = seed
        s["replications"] = sec.evaluation_seeds or s["replications"]
    s["name"] = f"{s.get('name', 'sweep')} ({'re-evaluation' if fresh else 'search'} cases)"
    s.update(outcomes=spec.outcomes(), weekly=False, by_deprivation=False, adaptive=None)
    return Design.from_dict(data, source=None, path=design.path)


# ------------------------------------------------------------------ candidates
def mix_of(values: list[Any], levers: tuple[SearchedLever, ...]) -> dict[str, dict[str, Any]]:
    """The lever mix (``policies`` for the model) of decoded variable values: switched-on
    levers with their rounded intensity and fixed parameters."""
    out: dict[str, dict[str, Any]] = {}
    i = 0
    for lv in levers:
        on = True
        if lv.switch:
            on = bool(int(values[i]))
            i += 1
        if lv.parameter is not None:
            v = values[i]
            i += 1
            if on:
                out[lv.lever] = {**lv.fixed, lv.parameter: rounded(v, lv)}
        elif on:
            out[lv.lever] = dict(lv.fixed)
    return out


def rounded(v: float, lv: SearchedLever) -> float | int:
    """An intensity on the search's grid (1/GRID of its bounds), inside the bounds."""
    if lv.integer:
        return int(min(max(round(v), lv.low), lv.high))
    step = (lv.high - lv.low) / GRID
    x = lv.low + round((v - lv.low) / step) * step
    return float(round(min(max(x, lv.low), lv.high), 12))


def mix_key(mix: dict[str, dict[str, Any]]) -> str:
    """A candidate's key: a hash of its lever mix (levers off are absent)."""
    text = json.dumps(mix, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe_mix(mix: dict[str, dict[str, Any]]) -> str:
    if not mix:
        return "no lever"
    parts = []
    for name, params in sorted(mix.items()):
        inner = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                          for k, v in params.items())  # fmt: skip
        parts.append(f"{name} ({inner})" if inner else name)
    return " + ".join(parts)


# ------------------------------------------------------------------ scores
@dataclass
class Score:
    """A candidate's score on a set of cases."""

    objectives: dict[str, float]
    constraint_values: np.ndarray  # per case, scaled as the constraint reads it
    quantile_value: float  # the value the constraint holds for in `quantile` of the cases
    violation: float  # > 0: how far beyond the threshold; 0: feasible
    share_met: float
    cases: pd.DataFrame = field(repr=False)  # one row per case: point, replication, metrics

    @property
    def feasible(self) -> bool:
        return self.violation <= 0


def constraint_values(wide: pd.DataFrame, spec: OptimiseSpec, weeks: int) -> np.ndarray:
    """The constraint metric per case (per 1,000 residents a year if asked)."""
    c = spec.constraint
    v = wide[c.metric].to_numpy(float)
    if c.per_1000_residents_a_year:
        v = 1000 * v / wide["n_residents"].clip(lower=1).to_numpy(float) / (weeks / 52)
    return v


def score(wide: pd.DataFrame, spec: OptimiseSpec, weeks: int) -> Score:
    """Objectives (means over cases) and the constraint of one candidate's cases."""
    wide = wide.sort_values(["point", "replication"]).reset_index(drop=True)
    c = spec.constraint
    v = constraint_values(wide, spec, weeks)
    if c.at_most is not None:
        met = v <= c.at_most
        bad = np.where(np.isnan(v), np.inf, v)  # a case without a value fails
        q = float(np.quantile(bad, c.quantile, method="inverted_cdf"))
        violation = max(0.0, q - c.at_most)
    else:
        met = v >= c.at_least
        bad = np.where(np.isnan(v), -np.inf, v)
        q = float(np.quantile(bad, 1 - c.quantile, method="higher"))
        violation = max(0.0, c.at_least - q)
    objectives = {o: float(np.nanmean(wide[o].to_numpy(float))) for o in spec.objectives}
    return Score(objectives, v, q, violation, float(np.mean(met)), wide)


# ------------------------------------------------------------------ runs on the sweep engine
class Evaluations:
    """The stored runs of candidates on one set of cases (resumable), run on the engine."""

    def __init__(self, sweep: Sweep, store: Store) -> None:
        self.sweep = sweep
        self.store = store
        self.design = sweep.design  # what ``engine.execute`` reads
        self.cases = sweep.tasks(
            {p["point"]: sweep.design.sweep.replications for p in sweep.points}
        )
        self._wide: dict[str, pd.DataFrame] = {}
        self._load()

    def _load(self) -> None:
        if not self.store.parts():
            return
        long = pd.read_parquet(self.store.parts())
        long = long.drop_duplicates(subset=["arm", "point", "replication", "metric"])
        for key, g in long.groupby("arm", sort=False):
            self._add(str(key), g)

    def _add(self, key: str, long: pd.DataFrame) -> None:
        wide = long.pivot(index=["point", "replication"], columns="metric", values="value")
        wide = wide.reset_index()
        wide.columns.name = None
        old = self._wide.get(key)
        if old is not None:
            wide = pd.concat([old, wide]).drop_duplicates(["point", "replication"])
        self._wide[key] = wide

    def wide(self, key: str) -> pd.DataFrame:
        return self._wide[key]

    def write_batch(self, runs: pd.DataFrame, weekly: Any) -> None:
        """Called by ``engine.execute`` for each finished batch: stored, then indexed."""
        self.store.write_batch(runs, None)
        for key, g in runs.groupby("arm", sort=False):
            self._add(str(key), g)

    def run(
        self,
        mixes: dict[str, dict[str, dict[str, Any]]],
        executor: Executor | None,
        workers: int,
    ) -> int:
        """Run every case of each mix not stored yet; returns the number of runs made."""
        tasks = []
        for key, mix in mixes.items():
            have = self._wide.get(key)
            done = (
                set() if have is None else set(zip(have["point"], have["replication"], strict=True))
            )
            for case in self.cases:
                if (case["point"], case["replication"]) in done:
                    continue
                levers = {n: p for n, p in case["levers"].items() if n not in mix}
                tasks.append({**case, "arm": key, "levers": {**levers, **mix}})
        if tasks:
            # the engine writes each finished batch to ``target.store``: here, this object
            target = SimpleNamespace(design=self.design, store=self)
            execute(target, tasks, executor, max(workers, 1), progress=False)
        return len(tasks)


def _append_candidates(out: Path, mixes: dict[str, dict[str, Any]], known: set[str]) -> None:
    new = [k for k in mixes if k not in known]
    if not new:
        return
    with (out / CANDIDATES).open("a", encoding="utf-8") as f:
        for k in new:
            f.write(json.dumps({"key": k, "levers": mixes[k]}, sort_keys=True) + "\n")
            known.add(k)


def read_candidates(out: Path) -> dict[str, dict[str, Any]]:
    """Every candidate evaluated in ``out``: key -> lever mix."""
    path = Path(out) / CANDIDATES
    if not path.is_file():
        return {}
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            found[row["key"]] = row["levers"]
    return found


# ------------------------------------------------------------------ the Platypus problem
def _problem(spec: OptimiseSpec, scores: dict[str, Score], weeks: int) -> Any:
    types = []
    for lv in spec.levers:
        if lv.switch:
            types.append(Integer(0, 1))
        if lv.parameter is not None:
            types.append(
                Integer(int(lv.low), int(lv.high)) if lv.integer else Real(lv.low, lv.high)
            )

    class LeverMix(Problem):
        """Objectives and the constraint of a mix, read from the scores the evaluator made."""

        def evaluate(self, solution: Any) -> None:
            s = scores[mix_key(mix_of(list(solution.variables), spec.levers))]
            sign = [1 if spec.directions[o] == "lower" else -1 for o in spec.objectives]
            objs = [sg * s.objectives[o] for sg, o in zip(sign, spec.objectives, strict=True)]
            solution.objectives[:] = objs
            solution.constraints[:] = [s.violation]

    problem = LeverMix(len(types), len(spec.objectives), 1)
    problem.types[:] = types
    problem.constraints[:] = "<=0"
    return problem


def _evaluator(
    problem: Any,
    spec: OptimiseSpec,
    evals: Evaluations,
    scores: dict[str, Score],
    known: set[str],
    out: Path,
    executor: Executor | None,
    workers: int,
    counter: dict[str, int],
) -> Any:
    class OnTheSweepEngine(Evaluator):
        """Platypus hands over a whole generation: its new mixes run together on the engine."""

        def evaluate_all(self, jobs: list, **kwargs: Any) -> list:
            mixes = {}
            for job in jobs:
                vals = [problem.types[i].decode(v) for i, v in enumerate(job.solution.variables)]
                mix = mix_of(vals, spec.levers)
                mixes[mix_key(mix)] = mix
            _append_candidates(out, mixes, known)
            # an executor in this process (Dask's in-process cluster) draws from Python's
            # `random` while it runs; the search's draws must not depend on it
            state = random.getstate()
            try:
                counter["runs"] += evals.run(mixes, executor, workers)
            finally:
                random.setstate(state)
            for key in mixes:
                if key not in scores:
                    scores[key] = score(evals.wide(key), spec, evals.design.weeks)
            for job in jobs:
                job.run()
            return jobs

    return OnTheSweepEngine()


# ------------------------------------------------------------------ the search
def _fingerprint(design: Design, spec: OptimiseSpec, seed: int) -> str:
    cases = cases_design(design, spec, seed, fresh=False)
    table = spec.to_dict()
    table.pop("prim_min_failures", None)  # the report's setting, not the search's
    data = {"cases": cases.fingerprint(), "optimise": table, "seed": seed}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _open(out: Path, design: Design, spec: OptimiseSpec, seed: int, resume: bool) -> Store:

    store = Store(out)
    fp = _fingerprint(design, spec, seed)
    if store.manifest_path.is_file():
        if not resume:
            raise DesignError(
                f"--out '{out}' holds a search already; allowed: --resume (to continue it), or "
                "a new folder"
            )
        old = store.read_manifest()
        if (other := live_owner(old)) is not None:
            raise DesignError(
                f"--out '{out}' is being written by another search ({other}); allowed: another "
                "folder, or wait for it to end (or stop it), then --resume"
            )
        if old.get("fingerprint") != fp:
            raise DesignError(
                f"--out '{out}' holds a search of another design, [optimise] table or seed "
                f"(fingerprint {str(old.get('fingerprint'))[:12]}, this one {fp[:12]}); allowed: "
                "the same design and seed (to resume), or a new folder"
            )
        if old.get("results_version") != RESULTS_VERSION:
            raise DesignError(
                f"--out '{out}': its runs were made by results version "
                f"{old.get('results_version')}, and this code is version {RESULTS_VERSION}; "
                "allowed: a new folder"
            )
        return store
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DesignError(
            f"--out '{out}' exists and is not an empty folder; allowed: a new or empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    store.write_manifest(
        {
            "kind": "optimise",
            "fingerprint": fp,
            "seed": seed,
            "design": design.to_dict(),
            "design_source": design.source,
            "design_file": design.path,
            "optimise": spec.to_dict(),
            "status": "created",
            **versions(),
        }
    )
    return store


def run_optimise(
    design: Design,
    spec: OptimiseSpec,
    out: str | Path,
    *,
    seed: int | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    resume: bool = False,
    on_generation: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Search, re-evaluate the Pareto set, write ``front.json``; returns the manifest.

    ``executor``: any ``concurrent.futures``-style executor (a Dask client's); otherwise a
    local pool of ``workers`` processes (0: this process). ``resume``: continue the search in
    ``out`` (stored runs are read, not run again)."""
    out = Path(out)
    s_seed = search_seed(design, spec, seed)
    store = _open(out, design, spec, s_seed, resume)
    search = Sweep(cases_design(design, spec, s_seed, fresh=False), out / "cases" / "search")
    fresh = Sweep(cases_design(design, spec, s_seed, fresh=True), out / "cases" / "reevaluation")
    evals = Evaluations(search, store)
    reevals = Evaluations(fresh, Store(out / "reevaluation"))
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    own_pool = None
    if executor is None and n_workers > 0:
        own_pool = executor = _local_pool(n_workers)
    known = set(read_candidates(out))
    scores: dict[str, Score] = {}
    counter = {"runs": 0}
    started = time.perf_counter()
    store.update_manifest(status="running", owner=owner_record())
    rng_state = random.getstate()
    try:
        problem = _problem(spec, scores, design.weeks)
        random.seed(s_seed)  # Platypus draws from Python's `random`: seeded, then restored
        algorithm = NSGAII(
            problem,
            population_size=spec.section.population,
            variator=CompoundOperator(SBX(), HUX(), PM(), BitFlip()),
            evaluator=_evaluator(
                problem, spec, evals, scores, known, out, executor, n_workers, counter
            ),
        )
        generations = []
        for g in range(spec.section.generations + 1):
            algorithm.step()
            keys = [mix_key(_solution_mix(problem, spec, s)) for s in algorithm.population]
            generations.append({"generation": g, "population": keys})
            if on_generation is not None:
                on_generation(g, counter["runs"])
        front = nondominated(algorithm.population)
        pareto = list(dict.fromkeys(mix_key(_solution_mix(problem, spec, s)) for s in front))
        search_runs = counter["runs"]
        mixes = read_candidates(out)
        re_runs = reevals.run({k: mixes[k] for k in pareto}, executor, n_workers)
    except BaseException:
        store.update_manifest(status="interrupted")
        raise
    finally:
        random.setstate(rng_state)
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)
    elapsed = time.perf_counter() - started
    front_rows = []
    for k in pareto:
        s, r = scores[k], score(reevals.wide(k), spec, design.weeks)
        front_rows.append(
            {
                "key": k,
                "levers": mixes[k],
                "mix": describe_mix(mixes[k]),
                "search": _score_record(s),
                "reevaluation": _score_record(r),
            }
        )
    _write_json(out / "front.json", {"seed": s_seed, "pareto": front_rows})
    _write_json(out / "generations.json", generations)
    old = store.read_manifest()
    sessions = [
        *old.get("sessions", []),
        {"seconds": round(elapsed, 2), "search_runs": search_runs, "reevaluation_runs": re_runs},
    ]
    return store.update_manifest(
        status="complete",
        sessions=sessions,
        seconds_total=round(sum(x["seconds"] for x in sessions), 2),
        candidates=len(read_candidates(out)),
        cases_search=len(evals.cases),
        cases_reevaluation=len(reevals.cases),
    )


def _solution_mix(problem: Any, spec: OptimiseSpec, solution: Any) -> dict[str, Any]:
    vals = [problem.types[i].decode(v) for i, v in enumerate(solution.variables)]
    return mix_of(vals, spec.levers)


def _score_record(s: Score) -> dict[str, Any]:
    return {
        "objectives": s.objectives,
        "quantile_value": s.quantile_value,
        "violation": s.violation,
        "feasible": s.feasible,
        "share_met": s.share_met,
        "cases": len(s.constraint_values),
    }


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_plain) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return str(v)


def load_front(out: str | Path) -> dict[str, Any]:
    """The search's result (``front.json``): the Pareto set with its search and re-evaluation
    scores."""
    path = Path(out) / "front.json"
    if not path.is_file():
        raise DesignError(f"folder '{out}' has no front.json; allowed: a finished optimise --out")
    return json.loads(path.read_text(encoding="utf-8"))


def is_optimise_folder(out: str | Path) -> bool:
    p = Path(out) / MANIFEST
    return p.is_file() and json.loads(p.read_text(encoding="utf-8")).get("kind") == "optimise"
