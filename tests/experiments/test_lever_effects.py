"""The lever-effects script: a thin design over the sweep engine, and its input checks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from coprod_sim.sweeps.samplers import baseline_point, points

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "lever_effects.py"
spec = importlib.util.spec_from_file_location("lever_effects", SCRIPT)
lever_effects = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lever_effects)


def test_design_pairs_each_lever_with_a_baseline() -> None:
    d = lever_effects.design(["budget_cuts", "time_bank"], 3, 1.0, {"n_residents": 800})
    pts = points(d)
    assert [p["arm"] for p in pts] == ["baseline", "budget_cuts", "time_bank"]
    assert pts[0]["levers"] == {} and set(pts[2]["levers"]) == {"time_bank"}
    assert baseline_point(d, pts) == 0 and d.sweep.replications == 3


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert lever_effects.main(["--lever", "no_such_lever", "--out", str(tmp_path / "a")]) == 2
    assert "valid levers are" in capsys.readouterr().err
    assert lever_effects.main(["--set", "scale=-1", "--out", str(tmp_path / "b")]) == 2
    assert "scale" in capsys.readouterr().err
    assert lever_effects.main(["--seeds", "0", "--out", str(tmp_path / "c")]) == 2
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()
