"""docs/levers.md: one row per lever, with the results version that made it (no simulation);
the script that writes it, tried on a tiny run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coprod_sim.levers import LEVERS
from coprod_sim.results_version import RESULTS_VERSION, markdown_version

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "experiments" / "lever_evidence.py"
VERDICTS = ("agrees", "disagrees", "no quantitative source", "input from the source")


def table_rows(text: str) -> list[list[str]]:
    """The cells of the lever table's body rows."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| lever |"))
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split(" | ")])
    return rows


def check_doc(text: str) -> None:
    rows = table_rows(text)
    assert len(rows) == 13 and [r[0] for r in rows] == list(LEVERS)
    for r in rows:
        assert len(r) == 6, r
        assert r[-1].startswith(VERDICTS), r[-1]
    assert markdown_version(text) is not None, "docs/levers.md records no results version"
    assert "results version" in text and "commit" in text


def test_levers_doc_has_every_lever_and_a_results_version() -> None:
    check_doc((ROOT / "docs" / "levers.md").read_text(encoding="utf-8"))


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    done = _run("--seeds", "0", "--out", str(tmp_path / "x.md"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "lever_evidence: error: --seeds: value 0 is not allowed; allowed: 1 or more"
    )
    assert not (tmp_path / "x.md").exists()


@pytest.mark.slow
def test_quick_run_writes_every_lever_with_this_version(tmp_path: Path) -> None:
    out = tmp_path / "levers.md"
    done = _run("--quick", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    check_doc(text)
    assert markdown_version(text) == str(RESULTS_VERSION)
    rows = {r[0]: r for r in table_rows(text)}
    assert rows["time_bank"][3].endswith("from the start") and "%" in rows["time_bank"][3]
    assert rows["community_dividend"][-1] == "input from the source"
    assert rows["training"][-1] == "no quantitative source"


def _evidence_module():
    sys.path.insert(0, str(SCRIPT.parent))
    import lever_evidence

    return lever_evidence


def test_effect_parameters_fitted_rows_and_the_top_of_a_prior_are_shown() -> None:
    """From made-up measures (no simulation): the effect table marks the fitted parameter, the
    fitted row's verdict says in sample, and time credits shows its run at the prior's top."""
    ev = _evidence_module()
    results = [
        {
            "time_bank:measure": 0.66,
            "time_credits:measure": 0.02,
            "time_credits:measure_top": 0.05,
            "personal_asks:measure": 300.0,
            "community_entrepreneurs:measure": 20.0,
        }
    ]
    rows = {r["lever"]: r for r in ev.build_rows(results)}
    assert rows["time_bank"]["verdict"] == (
        "agrees (in-sample: `confidence_gain` fitted to this row)"
    )
    assert rows["personal_asks"]["verdict"] == "agrees (out-of-sample)"
    credits = rows["time_credits"]
    assert credits["verdict"] == "disagrees (out-of-sample)"
    assert "with `reward_level` at the top of its prior (1): +5%" in credits["model"]
    assert (
        "At the top of `reward_level`'s prior (1, its declared maximum) the increase is +5%"
        in (credits["reason"])
    )
    settings = {
        "town": "demo", "residents": 600, "years": 1.0, "seeds": 1, "n_sets": 1, "workers": 1,
        "commit": "x", "uncertainty": "the declared defaults, seeds 1-1",
    }  # fmt: skip
    text = ev.render(list(rows.values()), settings, 1.0, "python experiments/lever_evidence.py")
    check_doc(text)
    lines = text.splitlines()
    gain = next(ln for ln in lines if ln.startswith("| time_bank | `confidence_gain` |"))
    assert gain.endswith("| fitted to `timebank_confidence` (in sample) |")
    assert "| 0.002 - 0.05 |" in gain
    reward = next(ln for ln in lines if ln.startswith("| time_credits | `reward_level` |"))
    assert "| 0.3 - 1 |" in reward and "also run at its top" in reward
    assert any(ln.startswith("| budget_cuts | none: ") for ln in lines)
    assert "15 runs" in text  # 13 levers, the no-lever run and time credits at its top
