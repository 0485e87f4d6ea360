"""``coprod-sim optimise``: a tiny search finds a mix that meets its target on fresh seeds, is
the same on 1 and 2 workers, resumes without re-running stored runs, and bad [optimise] tables
are refused with one line (exit 2)."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.results_version import RESULTS_VERSION, markdown_version, png_version
from coprod_sim.sweeps.design import DesignError
from coprod_sim.sweeps.optimise import (
    design_from_dict,
    load_front,
    read_candidates,
    run_optimise,
    score,
)
from coprod_sim.sweeps.optimise_report import prim_lines, write_optimise_report
from coprod_sim.sweeps.optimise_spec import optimise_spec

runner = CliRunner()
TARGET = 200.0  # residents' needs lapsed unmet per 1,000 residents a year
QUANTILE = 0.75


def tiny() -> dict[str, Any]:
    """The demo town at 1,000 residents, no burn-in, one year; budget cuts save money and
    raise unmet needs, so the target binds."""
    return {
        "sweep": {"name": "tiny search", "seed": 5, "replications": 2, "years": 1},
        "world": {"town": "demo", "n_residents": 1000, "burn_in_years": 0},
        "optimise": {
            "generations": 2,
            "population": 4,
            "evaluation_seeds": 2,
            "reevaluation_seeds": 4,
            "objectives": ["public_purse_cost_gbp", "needs_residents_unmet"],
            "levers": {
                "budget_cuts": {"bounds": [0.0, 0.6], "set": {"ramp_years": 0}},
                "time_bank": {"bounds": [10, 60]},
            },
            "constraint": {
                "metric": "needs_residents_unmet",
                "at_most": TARGET,
                "quantile": QUANTILE,
            },
        },
    }


def _search(out: Path, workers: int, **kw: Any) -> dict[str, Any]:
    design = design_from_dict(tiny())
    return run_optimise(design, optimise_spec(design), out, workers=workers, **kw)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("opt") / "two"
    _search(out, workers=2)
    write_optimise_report(out)
    return out


def _front(out: Path) -> list[tuple]:
    return [
        (p["key"], tuple(sorted(p["search"]["objectives"].items())), p["reevaluation"]["share_met"])
        for p in load_front(out)["pareto"]
    ]


def _fresh_share(out: Path, key: str) -> float:
    """The share of fresh cases in which ``key`` meets the target, read from the stored runs."""
    long = pd.read_parquet(sorted((out / "reevaluation" / "runs").glob("part-*.parquet")))
    w = long[long["arm"] == key].pivot(
        index=["point", "replication"], columns="metric", values="value"
    )
    per_1000 = 1000 * w["needs_residents_unmet"] / w["n_residents"]  # one year
    return float(np.mean(per_1000 <= TARGET))


@pytest.mark.slow
def test_the_cheapest_mix_found_meets_its_target_on_fresh_seeds(two_workers: Path) -> None:
    front = load_front(two_workers)["pareto"]
    met = [p for p in front if p["reevaluation"]["feasible"]]
    assert met, "no mix of the Pareto set meets the target on fresh seeds"
    best = min(met, key=lambda p: p["reevaluation"]["objectives"]["public_purse_cost_gbp"])
    assert _fresh_share(two_workers, best["key"]) >= QUANTILE  # from the runs themselves
    assert best["reevaluation"]["cases"] == 4 and best["search"]["cases"] == 2
    # the target binds: a mix cheaper than the one chosen (deep cuts) missed it in the search
    man = json.loads((two_workers / "manifest.json").read_text())
    assert man["candidates"] == len(read_candidates(two_workers)) > len(front)
    spec = optimise_spec(design_from_dict(tiny()))
    long = pd.read_parquet(sorted((two_workers / "runs").glob("part-*.parquet")))
    searched = [score(w.pivot(index=["point", "replication"], columns="metric", values="value")
                      .reset_index(), spec, 52) for _, w in long.groupby("arm")]  # fmt: skip
    cost = best["search"]["objectives"]["public_purse_cost_gbp"]
    assert any(s.objectives["public_purse_cost_gbp"] < cost and not s.feasible for s in searched)
    report = (two_workers / "report.md").read_text()
    assert best["mix"] in report.split("## The Pareto set")[0]
    assert markdown_version(report) == str(RESULTS_VERSION)
    assert png_version(two_workers / "figures" / "front.png") == str(RESULTS_VERSION)


@pytest.mark.slow
def test_the_same_front_on_one_and_two_workers(two_workers: Path, tmp_path: Path) -> None:
    _search(tmp_path / "one", workers=1)
    assert _front(tmp_path / "one") == _front(two_workers)
    assert read_candidates(tmp_path / "one") == read_candidates(two_workers)
    gens = json.loads((tmp_path / "one" / "generations.json").read_text())
    assert gens == json.loads((two_workers / "generations.json").read_text())


@pytest.mark.slow
def test_a_resumed_search_runs_only_what_was_not_stored(two_workers: Path, tmp_path: Path) -> None:
    """Interrupted in this process, resumed on Dask: only the missing runs run, the front is
    the 2-worker pool's (Dask's in-process cluster draws from Python's `random` meanwhile)."""
    out = tmp_path / "part"

    def stop(generation: int, runs: int) -> None:
        if generation == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _search(out, workers=0, on_generation=stop)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    stored = pd.read_parquet(sorted((out / "runs").glob("part-*.parquet")))
    n_stored = len(stored[["arm", "point", "replication"]].drop_duplicates())
    total = json.loads((two_workers / "manifest.json").read_text())["sessions"][0]["search_runs"]
    assert 0 < n_stored < total
    with pytest.raises(DesignError, match="--resume"):
        _search(out, workers=0)
    from distributed import Client

    # resumed on another executor (a Dask cluster in this process): the same search continues
    with Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        man = _search(out, workers=2, resume=True, executor=client.get_executor())
    assert man["sessions"][-1]["search_runs"] == total - n_stored
    assert _front(out) == _front(two_workers)
    again = _search(out, workers=0, resume=True)  # complete: nothing runs again
    assert again["sessions"][-1]["search_runs"] == 0
    assert again["sessions"][-1]["reevaluation_runs"] == 0


def _bad(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(tiny())
    edit(data["optimise"])
    return data


BAD = {
    "unknown lever": (
        lambda o: o["levers"].update(time_machine={}),
        "optimise.levers.time_machine: value 'time_machine' is not allowed",
    ),
    "bound outside the declared range": (
        lambda o: o["levers"].update(budget_cuts={"bounds": [0.0, 1.5]}),
        "within budget_cuts.total_cut's declared range [0, 1]",
    ),
    "unknown objective": (
        lambda o: o.update(objectives=["happiness"]),
        "optimise.objectives[0]: value 'happiness'",
    ),
    "objective without a direction": (
        lambda o: o.update(objectives=["needs_arisen"]),
        "where lower or higher is better",
    ),
    "unknown constraint metric": (
        lambda o: o["constraint"].update(metric="joy"),
        "optimise.constraint.metric: value 'joy'",
    ),
    "quantile 0": (lambda o: o["constraint"].update(quantile=0.0), "optimise.constraint.quantile"),
    "quantile above 1": (
        lambda o: o["constraint"].update(quantile=1.5),
        "a share of uncertainty cases in (0, 1]",
    ),
    "no threshold": (
        lambda o: o["constraint"].pop("at_most"),
        "exactly one of at_most or at_least",
    ),
    "unknown entry": (lambda o: o.update(generation=3), "optimise.generation"),
    "unknown parameter": (
        lambda o: o["levers"].update(time_bank={"parameter": "speed"}),
        "optimise.levers.time_bank.parameter: value 'speed'",
    ),
    "fixed value outside its range": (
        lambda o: o["levers"].update(budget_cuts={"set": {"ramp_years": -1}}),
        "optimise.levers.budget_cuts.set.ramp_years",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_optimise_table_is_refused(case: str) -> None:
    edit, message = BAD[case]
    with pytest.raises(DesignError) as err:
        design = design_from_dict(_bad(edit))
        optimise_spec(design)
    assert message in str(err.value)


def test_a_searched_lever_the_design_sets_itself_is_refused() -> None:
    data = tiny()
    data["levers"] = {"time_bank": {}}
    with pytest.raises(DesignError, match="optimise.levers.time_bank"):
        optimise_spec(design_from_dict(data))


def test_a_folder_another_live_search_writes_is_refused(tmp_path: Path) -> None:
    import os
    import socket

    design = design_from_dict(tiny())
    out = tmp_path / "busy"
    out.mkdir()
    manifest = {
        "kind": "optimise",
        "status": "running",
        "owner": {"pid": os.getppid(), "host": socket.gethostname(), "started": "now"},
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DesignError, match="being written by another search"):
        run_optimise(design, optimise_spec(design), out, workers=0, resume=True)


def _toml(data: dict[str, Any]) -> str:
    """A small TOML writer for the test's nested tables (strings, numbers, lists, tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    lines = []

    def table(name: str, d: dict[str, Any]) -> None:
        lines.append(f"[{name}]")
        subs = {k: v for k, v in d.items() if isinstance(v, dict) and k in ("levers", "constraint")}
        for k, v in d.items():
            if k not in subs:
                lines.append(f"{k} = {value(v)}")
        for k, v in subs.items():
            lines.append(f"[{name}.{k}]")
            lines.extend(f"{kk} = {value(vv)}" for kk, vv in v.items())

    for name, d in data.items():
        table(name, d)
    return "\n".join(lines) + "\n"


def test_the_command_refuses_a_bad_table_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_toml(_bad(lambda o: o["constraint"].update(quantile=1.5))))
    assert tomllib.loads(path.read_text())["optimise"]["constraint"]["quantile"] == 1.5
    r = runner.invoke(app, ["optimise", str(path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "optimise.constraint.quantile" in lines[0]
    assert not (tmp_path / "o").exists()


def test_prim_describes_where_failures_concentrate() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"need_rate_scale": rng.uniform(0.5, 1.5, 200), "noise": rng.random(200)})
    fails = (x["need_rate_scale"] > 1.2).to_numpy() & (rng.random(200) < 0.9)
    text = "\n".join(prim_lines(x, fails, minimum=5))
    assert "| need_rate_scale |" in text and "| noise |" not in text
    few = prim_lines(x, np.zeros(200, bool) | (np.arange(200) < 3), minimum=5)
    assert "Too few failing cases" in few[0] and "3 of 200" in few[0]


def test_shipped_study_design_is_valid() -> None:
    from coprod_sim.sweeps.optimise import load_optimise

    root = Path(__file__).resolve().parents[2]
    for name in ("design", "design_full"):
        design, spec = load_optimise(root / "experiments" / "cheapest_mix" / f"{name}.toml")
        assert spec.objectives[0] == "public_purse_cost_gbp"
        assert design.sweep.name == "cheapest_mix"
