"""Every committed artefact that quotes the model's numbers was made by this results version.

The artefacts and the command that regenerates each are listed once, in
``experiments/regenerate_all.py`` (``STEPS``). A change of results bumps ``RESULTS_VERSION``
(``tests/test_golden.py`` forces it), and from then on this test lists every artefact still
made by the old model, with its command, until ``experiments/regenerate_all.py`` has run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from coprod_sim import CoproductionModel, Scenario
from coprod_sim import results_version as rv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))
sys.path.insert(0, str(ROOT / "tests" / "data" / "golden"))
import make_golden  # noqa: E402
import regenerate_all  # noqa: E402
from regenerate_all import PENDING, STALE_BANNER, STEPS, describe_stale, stale  # noqa: E402


def test_every_committed_artefact_is_this_results_version() -> None:
    found = [(step, name, made) for step, name, made in stale(ROOT) if step.name not in PENDING]
    if found:
        pytest.fail(
            f"{len(found)} committed artefact(s) were not made by results version "
            f"{rv.RESULTS_VERSION} (run `python experiments/regenerate_all.py`, or each "
            "command below):\n" + describe_stale(found),
            pytrace=False,
        )


def test_an_acknowledged_stale_artefact_is_still_stale_and_says_so() -> None:
    """``PENDING`` lists steps left stale on purpose: each must really be stale (else remove
    it), and what it feeds must say so (a posterior: every run and report drawing from it; a
    markdown document: a visible banner)."""
    from coprod_sim.calibration.posterior import load_posterior

    steps = {s.name: s for s in STEPS}
    still = {step.name for step, _, _ in stale(ROOT)}
    for name, why in PENDING.items():
        assert name in steps, f"PENDING names no step: {name!r}"
        assert why.strip(), f"PENDING[{name!r}] gives no reason"
        assert name in still, f"{name} is current again: remove it from PENDING"
        for art in steps[name].artefacts:
            if name.startswith("posterior_"):
                town = name.removeprefix("posterior_")
                assert "STALE posterior" in load_posterior(ROOT / art.path).describe(), town
            elif art.kind == "markdown":
                text = (ROOT / art.path).read_text(encoding="utf-8")
                assert STALE_BANNER in text, f"{art.path} is pending but has no {STALE_BANNER} line"


def test_a_stale_posterior_says_so_in_every_run_that_draws_from_it(tmp_path: Path) -> None:
    from coprod_sim.calibration.posterior import load_posterior
    from coprod_sim.results_version import stale_fit_note

    post = load_posterior(ROOT / "coprod_sim" / "data" / "posterior_demo.json")
    assert stale_fit_note(rv.RESULTS_VERSION) == ""
    other_rules = max(v for v, r in rv.RULES_OF.items() if r != rv.RULES_OF[rv.RESULTS_VERSION])
    assert "STALE posterior" in stale_fit_note(other_rules, town="demo")
    same_rules = [v for v, r in rv.RULES_OF.items() if r == rv.RULES_OF[rv.RESULTS_VERSION]]
    assert all(stale_fit_note(v) == "" for v in same_rules)  # defaults moved, rules did not
    assert ("STALE" in post.describe()) == (not rv.fit_is_current(post.results_version))


def _fake_artefacts(root: Path) -> None:
    """Every artefact STEPS lists, written under ``root`` as this version would write it."""
    from PIL import Image

    for step in STEPS:
        for art in step.artefacts:
            path = root / art.path.replace("*", "figure")
            path.parent.mkdir(parents=True, exist_ok=True)
            if art.kind == "png":
                Image.new("RGB", (4, 4), "white").save(path)
                rv.stamp_png(path)
            elif art.kind in ("json", "posterior"):
                path.write_text(json.dumps({rv.KEY: rv.RESULTS_VERSION}))
            elif art.kind == "golden":
                path.write_text(json.dumps({c: rv.RESULTS_VERSION for c in make_golden.CASES}))
            else:
                begin, end = art.within or ("", "")
                stamp = rv.markdown_stamp(step.shown)
                path.write_text(f"# doc\n{begin}\n{stamp}\n| table |\n{end}\n")


def _bump(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    for module in (rv, make_golden, regenerate_all):
        monkeypatch.setattr(module, "RESULTS_VERSION", version)


def test_a_changed_default_makes_every_artefact_stale_until_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a copy: artefacts of this version pass; a changed default moves the golden series,
    which make_golden will not store under the same version; after the bump every other
    artefact is stale, each named with its command."""
    _fake_artefacts(tmp_path)
    assert stale(tmp_path) == []
    golden = tmp_path / "tests" / "data" / "golden"
    stored = pd.read_parquet(make_golden.HERE / "demo_none.parquet")
    stored.to_parquet(golden / "demo_none.parquet")

    other = Scenario().need_rate_scale * 1.2

    def changed(case: str) -> pd.DataFrame:  # the demo case with one default changed
        model = CoproductionModel(rng=1, burn_in_years=0, need_rate_scale=other)
        model.run_weeks(60)
        return model.datacollector.get_model_vars_dataframe()

    with pytest.raises(make_golden.GoldenVersionError, match="bump RESULTS_VERSION"):
        make_golden.store(["demo_none"], golden, make=changed)

    _bump(monkeypatch, rv.RESULTS_VERSION + 1)
    make_golden.store(list(make_golden.CASES), golden, make=lambda case: stored)
    found = stale(tmp_path)
    names = {name for _, name, _ in found}
    expected = {a.path.replace("*", "figure") for s in STEPS for a in s.artefacts}
    assert names == expected - {"tests/data/golden/versions.json"}
    text = describe_stale(found)
    assert f"- levers_doc: docs/levers.md (results version {rv.RESULTS_VERSION - 1})" in text
    assert "regenerate with: python experiments/lever_evidence.py" in text
    assert "calibrate --town darlington" in text


def test_artefacts_without_a_version_are_stale_with_their_command(tmp_path: Path) -> None:
    """A posterior, report or figure from before results versions is stale, not current."""
    from PIL import Image

    (tmp_path / "coprod_sim" / "data").mkdir(parents=True)
    (tmp_path / "coprod_sim/data/posterior_demo.json").write_text('{"town": "demo"}')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/levers.md").write_text("# levers\n| a | b |\n")
    Image.new("RGB", (4, 4)).save(tmp_path / "docs/dashboard.png")
    found = {name: (step, made) for step, name, made in stale(tmp_path)}
    for name in ("coprod_sim/data/posterior_demo.json", "docs/levers.md", "docs/dashboard.png"):
        assert found[name][1] is None
    assert "calibrate --town demo" in found["coprod_sim/data/posterior_demo.json"][0].shown
    assert "results version none" in describe_stale(stale(tmp_path))


def test_png_stamp_keeps_the_pixels(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "f.png"
    Image.new("RGB", (3, 2), (10, 20, 30)).save(path)
    assert rv.png_version(path) is None
    rv.stamp_png(path, 7)
    assert rv.png_version(path) == "7"
    with Image.open(path) as img:
        assert img.size == (3, 2) and img.getpixel((1, 1)) == (10, 20, 30)
