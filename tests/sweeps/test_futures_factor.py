"""Futures in a sweep: every arm runs under each future; the report shows regret per future."""

from __future__ import annotations

from pathlib import Path

import pytest

from coprod_sim.sweeps import Design, load_results, run_sweep, write_report
from coprod_sim.sweeps.design import DesignError, load_design
from coprod_sim.sweeps.samplers import baseline_point, points

HALF_BUDGET = """description = "half the budget"
[sources]
mortality = "t"
moving = "t"
free_time = "t"
demand = "t"
budget = "t"
[[year]]
year = 0
mortality = 1.0
moving = 1.0
free_time = 1.0
demand = { social_care = 1.0, public_safety = 1.0, early_years = 1.0 }
budget = { social_care = 0.5, public_safety = 0.5, early_years = 0.5 }
"""


def design_text(futures: str, kind: str = "arms") -> str:
    return f"""
[sweep]
name = "futures"
seed = 5
replications = 2
weeks = 6
headline = ["needs_residents_unmet", "professional_hours"]
[world]
n_residents = 300
burn_in_years = 0
[design]
kind = "{kind}"
futures = {futures}
[[arms]]
name = "baseline"
[[arms]]
name = "time bank"
levers = {{ time_bank = {{}} }}
"""


def test_arms_run_under_each_future_with_regret(tmp_path: Path) -> None:
    (tmp_path / "half.toml").write_text(HALF_BUDGET, encoding="utf-8")
    path = tmp_path / "design.toml"
    path.write_text(design_text('["steady", "half.toml"]'), encoding="utf-8")
    design = load_design(path)  # the future's path is read from the design's folder
    pts = points(design)
    assert [p["arm"] for p in pts] == [
        "baseline @ steady",
        "time bank @ steady",
        "baseline @ half",
        "time bank @ half",
    ]
    assert pts[2]["world"]["future"] == str((tmp_path / "half.toml").resolve())
    assert baseline_point(design) == 0
    out = tmp_path / "out"
    run_sweep(design, out, workers=0)
    wide = load_results(out).set_index("point")
    # half the budget: half the paid staff hours, whatever the arm
    paid = wide.groupby(level=0)["professional_cost_gbp"].mean()
    assert paid[2] == pytest.approx(paid[0] / 2) and paid[3] == pytest.approx(paid[1] / 2)
    text = write_report(out).read_text(encoding="utf-8")
    assert "## Under each future" in text
    section = text.split("## Under each future")[1].split("\n## ")[0]
    assert "regret steady" in section and "regret half" in section and "max regret" in section
    assert "| baseline |" in section and "| time bank |" in section


def test_a_bad_future_in_a_design_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "design.toml"
    path.write_text(design_text('["steady", "utopia"]'), encoding="utf-8")
    with pytest.raises(DesignError, match=r"design.futures\[1\].*utopia"):
        load_design(path)
    path.write_text(design_text('["steady", "steady"]'), encoding="utf-8")
    with pytest.raises(DesignError, match="twice"):
        load_design(path)
    growing = tmp_path / "growing.toml"  # a growing town (issue 26): accepted
    growing.write_text(
        HALF_BUDGET.replace('budget = "t"', 'budget = "t"\npopulation = "t"')
        + "population = 1.0\n",
        encoding="utf-8",
    )
    path.write_text(design_text('["steady", "growing.toml"]'), encoding="utf-8")
    assert load_design(path).model.design.futures == ["steady", "growing.toml"]
    bad = tmp_path / "bad.toml"  # a population trajectory without a source: still refused
    bad.write_text(HALF_BUDGET + "population = 1.0\n", encoding="utf-8")
    path.write_text(design_text('["steady", "bad.toml"]'), encoding="utf-8")
    with pytest.raises(DesignError, match=r"design.futures\[1\].*population"):
        load_design(path)


def test_futures_with_a_sensitivity_design_are_refused() -> None:
    with pytest.raises(DesignError, match="futures"):
        Design.from_dict(
            {
                "sweep": {"name": "s", "seed": 1, "replications": 1, "weeks": 2},
                "design": {
                    "kind": "lhs",
                    "samples": 4,
                    "ranges": {"need_rate_scale": [0.5, 2.0]},
                    "futures": ["steady", "ageing"],
                },
            }
        )


def test_a_design_without_futures_keeps_its_fingerprint() -> None:
    """Designs run before futures existed resume: their fingerprint is the hash of the design
    as it was then (no ``futures`` entry)."""
    import hashlib
    import json

    from coprod_sim.sweeps.design import REPORT_ONLY

    design = Design.from_dict(
        {"sweep": {"name": "s", "seed": 1, "replications": 1, "weeks": 2, "posterior": False},
         "arms": [{"name": "baseline"}]}
    )  # fmt: skip
    before = design.to_dict()
    assert before["design"].pop("futures") == []
    for key in (*REPORT_ONLY, "posterior"):
        before["sweep"].pop(key, None)
    before.pop("rules")
    before.pop("optimise", None)  # the search table never changes a sweep
    text = json.dumps(before, sort_keys=True, separators=(",", ":"))
    assert design.fingerprint() == hashlib.sha256(text.encode()).hexdigest()
