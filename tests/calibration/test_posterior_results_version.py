"""A posterior records the results version of the model it was fitted with; a file from
before versions still loads (its checksum unchanged) and records none, so it shows as stale."""

from __future__ import annotations

import json
from pathlib import Path

from coprod_sim.calibration.posterior import Posterior, load_posterior
from coprod_sim.results_version import RESULTS_VERSION


def test_a_new_posterior_records_the_version_and_an_old_one_keeps_none(tmp_path: Path) -> None:
    shipped = load_posterior("demo")
    payload = shipped.data()
    payload.pop("results_version", None)  # as a fit hands it over: no version, no checksum
    path = Posterior.model_validate(payload).save(tmp_path / "post.json")
    assert json.loads(path.read_text())["results_version"] == RESULTS_VERSION
    again = load_posterior(path)
    assert again.results_version == RESULTS_VERSION
    assert again.record()["results_version"] == RESULTS_VERSION

    old = json.loads(path.read_text())  # a file written before versions existed
    del old["results_version"], old["checksum"]
    from coprod_sim.calibration.posterior import checksum_of

    old["checksum"] = checksum_of(old)
    (tmp_path / "old.json").write_text(json.dumps(old))
    loaded = load_posterior(tmp_path / "old.json")
    assert loaded.results_version is None and loaded.record()["results_version"] is None
