"""Designs are read from TOML or Python, expanded into points, and refused when bad."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sweep_helpers import SMOKE, tiny_design
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.sweeps import Design, DesignError, load_design
from coprod_sim.sweeps.engine import replication_seed
from coprod_sim.sweeps.samplers import baseline_point, points

HEAD = '[sweep]\nname = "b"\nseed = 1\nweeks = 5\n'

BAD = {
    "zero replications": (HEAD + "replications = 0\n", ["sweep.replications", "0", ">= 1"]),
    "unknown lever": (
        HEAD + "replications = 2\n[design]\nkind = 'factorial'\n"
        "[design.factors]\ntime_bnk = [false, true]\n",
        ["time_bnk", "time_bank"],
    ),
    "unknown world parameter": (
        HEAD + "replications = 2\n[world]\nfrre_hours = 3\n[[arms]]\nname = 'a'\n",
        ["frre_hours", "free_hours_mean"],
    ),
    "unknown lever parameter": (
        HEAD + "replications = 2\n[[arms]]\nname = 'a'\n"
        "levers = {time_bank = {coordinator_hour = 3}}\n",
        ["coordinator_hour", "coordinator_hours"],
    ),
    "lever parameter out of range": (
        HEAD + "replications = 2\n[[arms]]\nname = 'a'\n"
        "levers = {time_bank = {coordinator_hours = -3}}\n",
        ["time_bank.coordinator_hours", "-3", ">= 0"],
    ),
    "inverted range": (
        HEAD + "replications = 2\n[design]\nkind = 'lhs'\nsamples = 4\n"
        "[design.ranges]\nfree_hours_mean = [6.0, 2.0]\n",
        ["free_hours_mean", "[6, 2]", "low < high"],
    ),
    "empty range": (
        HEAD + "replications = 2\n[design]\nkind = 'lhs'\nsamples = 4\n"
        "[design.ranges]\nfree_hours_mean = [2.0, 2.0]\n",
        ["free_hours_mean", "[2, 2]", "low < high"],
    ),
    "range beyond declared": (
        HEAD + "replications = 2\n[design]\nkind = 'lhs'\nsamples = 4\n"
        "[design.ranges]\nfree_hours_mean = [2.0, 600.0]\n",
        ["free_hours_mean", "600", "[0, 60]"],
    ),
    "empty factor levels": (
        HEAD + "replications = 2\n[design]\nkind = 'factorial'\n[design.factors]\ntime_bank = []\n",
        ["time_bank", "[]", "1 or more"],
    ),
    "sobol not a power of 2": (
        HEAD + "replications = 2\n[design]\nkind = 'sobol'\nsamples = 6\n"
        "[design.ranges]\nfree_hours_mean = [2.0, 6.0]\nreferral_rate = [0.1, 0.5]\n",
        ["design.samples", "6", "power of 2"],
    ),
    "morris odd levels": (
        HEAD + "replications = 2\n[design]\nkind = 'morris'\nsamples = 4\nlevels = 3\n"
        "[design.ranges]\nfree_hours_mean = [2.0, 6.0]\n",
        ["design.levels", "3", "even"],
    ),
    "ranges in a factorial": (
        HEAD + "replications = 2\n[design]\nkind = 'factorial'\n"
        "[design.factors]\ntime_bank = [false, true]\n"
        "[design.ranges]\nfree_hours_mean = [2.0, 6.0]\n",
        ["design.ranges", "factorial", "lhs"],
    ),
    "a lever as a range": (
        HEAD + "replications = 2\n[design]\nkind = 'lhs'\nsamples = 4\n"
        "[design.ranges]\ntime_bank = [0.0, 1.0]\n",
        ["time_bank", "on or off"],
    ),
    "unknown outcome": (
        HEAD + "replications = 2\noutcomes = ['needs_mett']\n[[arms]]\nname = 'a'\n",
        ["needs_mett", "needs_met_total"],
    ),
    "unknown entry": (
        HEAD + "replications = 2\nbogus = 1\n[[arms]]\nname = 'a'\n",
        ["sweep.bogus", "allowed entries"],
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_design_is_refused_with_exit_2(name: str, tmp_path: Path) -> None:
    text, words = BAD[name]
    f = tmp_path / "bad.toml"
    f.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.output, (w, res.output)
    assert not out.exists()  # refused before anything ran or was written


def test_folder_of_another_design_is_refused(tmp_path: Path) -> None:
    from coprod_sim.sweeps import run_sweep

    out = tmp_path / "out"
    run_sweep(Design.from_dict(tiny_design(replications=1)), out, workers=0)
    other = tmp_path / "other.toml"
    other.write_text(HEAD + "replications = 2\n[[arms]]\nname = 'a'\n")
    parts = sorted((out / "runs").iterdir())
    res = CliRunner().invoke(app, ["sweep", str(other), "--out", str(out)])
    assert res.exit_code == 2
    assert "another design" in res.output and "tiny" in res.output and "--out" in res.output
    assert sorted((out / "runs").iterdir()) == parts  # nothing added


def test_a_python_design_file_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    f = tmp_path / "design.py"
    f.write_text(f"open({str(marker)!r}, 'w').close()\nDESIGN = {tiny_design()!r}\n")
    with pytest.raises(DesignError, match="a .toml file"):
        load_design(f)
    assert not marker.exists()  # design files are data: never executed


def test_factorial_points_and_baseline() -> None:
    d = Design.from_dict(
        {
            "sweep": {"seed": 1, "replications": 2},
            "levers": {"budget_cuts": {"total_cut": 0.19}},
            "design": {
                "kind": "factorial",
                "factors": {"time_bank": [False, True], "personal_asks": [False, True]},
            },
        }
    )
    pts = points(d)
    assert [p["arm"] for p in pts] == [
        "baseline",
        "personal_asks",
        "time_bank",
        "time_bank + personal_asks",
    ]
    assert all(p["levers"]["budget_cuts"]["total_cut"] == 0.19 for p in pts)  # fixed lever
    assert "time_bank" not in pts[0]["levers"] and "time_bank" in pts[3]["levers"]
    assert baseline_point(d, pts) == 0


def test_sensitivity_points_are_within_ranges_and_reproducible() -> None:
    data = {
        "sweep": {"seed": 3, "replications": 1},
        "design": {
            "kind": "sobol",
            "samples": 8,
            "ranges": {"free_hours_mean": [2.0, 6.0], "referral_candidates": [1, 4]},
        },
    }
    pts = points(Design.from_dict(data))
    assert len(pts) == 8 * (2 + 2)  # Saltelli without second order: N (D + 2)
    assert all(2.0 <= p["world"]["free_hours_mean"] <= 6.0 for p in pts)
    assert all(isinstance(p["world"]["referral_candidates"], int) for p in pts)
    assert pts == points(Design.from_dict(data))


def test_replication_seeds_are_fixed_and_distinct() -> None:
    seeds = [replication_seed(11, r) for r in range(50)]
    assert len(set(seeds)) == 50
    assert seeds[:5] == [replication_seed(11, r) for r in range(5)]  # independent of count
    assert all(0 <= s < 2**63 for s in seeds)


def test_smoke_design_reads() -> None:
    d = load_design(SMOKE)
    assert len(points(d)) >= 2 and d.sweep.replications >= 4


def test_design_error_is_a_scenario_error() -> None:
    with pytest.raises(DesignError, match="replications"):
        Design.from_dict(tiny_design(replications=0))


def test_report_settings_can_change_without_refusing_the_runs(tmp_path: Path) -> None:
    from coprod_sim.sweeps import run_sweep
    from coprod_sim.sweeps.store import Store

    out = tmp_path / "out"
    run_sweep(Design.from_dict(tiny_design(replications=1)), out, workers=0)
    edited = tiny_design(replications=1, headline=["crises"], description="new words")
    man = run_sweep(Design.from_dict(edited), out, workers=0)
    assert man["sessions"][-1]["runs"] == 0  # same runs: resumed, nothing rerun
    assert Store(out).read_manifest()["design"]["sweep"]["headline"] == ["crises"]
    more = tiny_design(replications=1, weeks=7)  # a change to the runs is another design
    with pytest.raises(DesignError, match="another design"):
        run_sweep(Design.from_dict(more), out, workers=0)
