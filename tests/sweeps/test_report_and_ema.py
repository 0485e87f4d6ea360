"""The report (Markdown with PNG plots), sensitivity indices and the EMA Workbench export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _sweep_helpers import tiny_design
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.sweeps import Design, load_results, run_sweep, write_report
from coprod_sim.sweeps.ema import to_ema
from coprod_sim.sweeps.sensitivity import indices


def test_report_of_the_smoke_sweep(smoke_reference: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(smoke_reference)])
    assert res.exit_code == 0, res.output
    text = (smoke_reference / "report.md").read_text()
    for heading in (
        "Differences from the baseline",
        "Costs per extra need met",
        "By deprivation",
        "full size on a cluster",
        "--scheduler tcp://",
    ):
        assert heading in text
    pngs = sorted((smoke_reference / "figures").glob("*.png"))
    assert len(pngs) >= 3
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"figures/{png.name}" in text


def test_report_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "manifest.json" in res.output


def _sensitivity(kind: str, samples: int, out: Path) -> Design:
    d = Design.from_dict(
        {
            "sweep": {"name": kind, "seed": 3, "replications": 1, "weeks": 4},
            "world": {"n_residents": 150},
            "design": {
                "kind": kind,
                "samples": samples,
                "ranges": {"free_hours_mean": [1.0, 8.0], "need_rate_scale": [0.5, 2.0]},
            },
        }
    )
    run_sweep(d, out, workers=0)
    return d


@pytest.mark.slow
def test_sobol_and_morris_indices_with_intervals(tmp_path: Path) -> None:
    d = _sensitivity("sobol", 16, tmp_path / "sobol")
    si = indices(d, load_results(tmp_path / "sobol"), "needs_arisen")
    assert list(si["parameter"]) == ["free_hours_mean", "need_rate_scale"]
    assert np.all(np.isfinite(si[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy()))
    # the need rate drives how many needs arise; free hours do not
    st = si.set_index("parameter")["ST"]
    assert st["need_rate_scale"] > 0.5 > st["free_hours_mean"]
    d = _sensitivity("morris", 2, tmp_path / "morris")
    si = indices(d, load_results(tmp_path / "morris"), "needs_arisen").set_index("parameter")
    assert si.loc["need_rate_scale", "mu_star"] > si.loc["free_hours_mean", "mu_star"]
    report = write_report(tmp_path / "morris", ["needs_arisen"]).read_text()
    assert "Sensitivity indices" in report and "sensitivity_needs_arisen.png" in report


@pytest.mark.slow
def test_ema_export_runs_prim_and_feature_scoring(tmp_path: Path) -> None:
    from ema_workbench.analysis import feature_scoring, prim

    data = tiny_design(replications=4, posterior=False)  # drawn worlds add columns (see ema.py)
    data.pop("arms")
    data["design"] = {
        "kind": "factorial",
        "factors": {"time_bank": [False, True], "need_rate_scale": [0.5, 2.0]},
    }
    run_sweep(Design.from_dict(data), tmp_path / "f", workers=0)
    x, y = to_ema(tmp_path / "f")
    assert list(x.columns) == ["need_rate_scale", "time_bank", "scenario", "policy", "model"]
    assert len(x) == 16 and all(len(v) == 16 for v in y.values())
    xx = x.drop(columns=["scenario", "policy", "model"])
    many = y["needs_arisen"] > np.median(y["needs_arisen"])
    box = prim.Prim(xx, many).find_box()
    lim, full = box.box_lim, box.box_lims[0]
    restricted = [c for c in lim.columns if not lim[c].equals(full[c])]
    assert restricted == ["need_rate_scale"]  # the box is on the need rate, not the time bank
    scores = feature_scoring.get_feature_scores_all(xx, {"needs_arisen": y["needs_arisen"]})
    assert scores.loc["need_rate_scale", "needs_arisen"] > scores.loc["time_bank", "needs_arisen"]
