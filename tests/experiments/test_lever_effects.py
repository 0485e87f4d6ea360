"""The lever-effects experiment: paired differences, intervals, and input checks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "lever_effects.py"
spec = importlib.util.spec_from_file_location("lever_effects", SCRIPT)
lever_effects = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lever_effects)


def test_paired_differences_show_a_budget_cut_with_an_interval() -> None:
    # budget cuts remove professional capacity: paired over seeds, fewer professional hours
    table = lever_effects.run(
        ["budget_cuts"], seeds=[1, 2, 3], weeks=60, params={"n_residents": 800}, workers=1
    )
    row = table.set_index(["lever", "outcome"]).loc[("budget_cuts", "professional_hours")]
    assert row["replications"] == 3
    assert row["ci95_low"] <= row["mean_change"] <= row["ci95_high"]
    assert row["mean_change"] < 0  # a cut means fewer professional hours given


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert lever_effects.main(["--lever", "no_such_lever"]) == 2
    assert "valid levers are" in capsys.readouterr().err
    assert lever_effects.main(["--set", "scale=-1"]) == 2
    assert "'scale'" in capsys.readouterr().err
