"""A sweep's manifest records the results version, and a folder of another version is not
resumed: its runs and the new ones would come from two models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _sweep_helpers import tiny_design

from coprod_sim.results_version import RESULTS_VERSION, markdown_version, png_version
from coprod_sim.sweeps import Design, run_sweep, write_report
from coprod_sim.sweeps.design import DesignError
from coprod_sim.sweeps.store import MANIFEST


def test_manifest_and_report_record_the_version_and_another_version_is_not_resumed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    design = Design.from_dict(tiny_design(replications=1))
    man = run_sweep(design, out, workers=0)
    assert man["results_version"] == RESULTS_VERSION
    report = write_report(out)
    text = report.read_text()
    assert markdown_version(text) == str(RESULTS_VERSION)
    assert f"Results version: {RESULTS_VERSION}" in text
    for png in (out / "figures").glob("*.png"):
        assert png_version(png) == str(RESULTS_VERSION)

    data = json.loads((out / MANIFEST).read_text())
    data["results_version"] = RESULTS_VERSION - 1
    (out / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(DesignError, match=f"results version {RESULTS_VERSION - 1}"):
        run_sweep(design, out, workers=0)
    # a report of those runs says which model made them, not which reads them
    assert markdown_version(write_report(out).read_text()) == str(RESULTS_VERSION - 1)
    del data["results_version"]
    (out / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(DesignError, match="before results versions"):
        run_sweep(design, out, workers=0)
