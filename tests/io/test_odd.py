"""docs/ODD.md is generated from the fragments and the code, and cannot drift from either."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from coprod_sim.io import odd
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import Scenario


@pytest.fixture(scope="module")
def text() -> str:
    return odd.render()


def test_the_committed_document_is_up_to_date(text: str) -> None:
    assert odd.OUT_PATH.is_file(), "run `python -m coprod_sim.io.odd`"
    assert odd.OUT_PATH.read_text(encoding="utf-8") == text, (
        "docs/ODD.md is stale: run `python -m coprod_sim.io.odd`"
    )


def test_rendering_is_deterministic(text: str) -> None:
    assert odd.render() == text


def test_sections_are_in_odd_order(text: str) -> None:
    heads = [
        "## 1 Purpose and patterns",
        "## 2 Entities, state variables and scales",
        "## 3 Process overview and scheduling",
        "## 4 Design concepts",
        "## 5 Initialisation",
        "## 6 Input data",
        "## 7 Submodels",
    ]
    pos = [text.find("\n" + h + "\n") for h in heads]
    assert all(p >= 0 for p in pos), [h for h, p in zip(heads, pos, strict=True) if p < 0]
    assert pos == sorted(pos)
    concepts = [
        "Basic principles",
        "Emergence",
        "Adaptation",
        "Objectives",
        "Learning",
        "Prediction",
        "Sensing",
        "Interaction",
        "Stochasticity",
        "Collectives",
        "Observation",
    ]
    section4 = text[pos[3] : pos[4]]
    cpos = [section4.find(f"\n### {c}") for c in concepts]
    assert all(p >= 0 for p in cpos) and cpos == sorted(cpos)


def test_every_parameter_lever_and_kind_of_need_is_documented(text: str) -> None:
    for name in Scenario.model_fields:
        assert f"`{name}`" in text, name
    for name, cls in LEVERS.items():
        assert f"`{name}`" in text, name
        for pname in cls.model_fields:
            assert pname in text, f"{name}.{pname}"
    for kind in DEFAULT_NEED_KINDS:
        assert kind.name in text


def test_the_week_order_is_the_step_docstring(text: str) -> None:
    import inspect

    doc = inspect.cleandoc(CoproductionModel.step.__doc__)
    section3 = text[text.index("## 3 Process") : text.index("## 4 Design")]
    assert doc in section3


def test_no_placeholder_is_left_and_no_array_is_undocumented(text: str) -> None:
    assert "<!-- generated:" not in text and "<!-- include:" not in text
    assert "(undocumented" not in text, "document the new array in odd.ARRAY_DOCS"


def test_tables_are_well_formed(text: str) -> None:
    lines = text.splitlines()
    fenced = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not line.startswith("|---"):
            continue
        cols = line.count("|")
        header = lines[i - 1]
        assert _cells(header) == cols, header
        j = i + 1
        while j < len(lines) and lines[j].startswith("|"):
            assert _cells(lines[j]) == cols, lines[j]
            j += 1


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_new_fragments_appear_under_submodels_and_outputs_under_observation(
    tmp_path: Path,
) -> None:
    src = tmp_path / "odd_src"
    shutil.copytree(odd.SRC_DIR, src)
    (src / "zz_new_rule.md").write_text("# A brand new rule\n\nText of zz.\n")
    (src / "aa_other_rule.md").write_text("## Another rule\n\n### Detail\n\nText of aa.\n")
    (src / "outputs.md").write_text("## What is written\n\nOutputs text.\n")
    out = odd.render(src)
    sub = out.index("## 7 Submodels")
    assert "\n### A brand new rule\n" in out and out.index("A brand new rule") > sub
    assert "\n### Another rule\n\n#### Detail\n" in out
    assert sub < out.index("Another rule") < out.index("A brand new rule")
    obs = out.index("### Observation")
    assert obs < out.index("#### What is written") < out.index("## 5 Initialisation")
    assert out.count("Outputs text.") == 1


def test_an_unknown_generated_table_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "odd_src"
    shutil.copytree(odd.SRC_DIR, src)
    (src / "broken.md").write_text("## Broken\n\n<!-- generated: no_such_table -->\n")
    with pytest.raises(KeyError, match="no_such_table"):
        odd.render(src)


def test_shift_headings_leaves_code_alone() -> None:
    body = "# Top\n\n```\n# a comment\n```\n\n## Sub\n"
    assert odd.shift_headings(body, 3) == "### Top\n\n```\n# a comment\n```\n\n#### Sub"


def test_lever_rows_of_any_shape_render_as_a_table() -> None:
    rows = [
        {"lever": "a", "parameter": "x", "default": 1.5},
        {"lever": "b", "parameter": "y|z", "cost": "GBP 3"},
    ]
    out = odd._records_table(rows)
    assert out.splitlines()[0] == "| lever | parameter | default | cost |"
    assert "y\\|z" in out and out.count("\n") == 3


def test_cli_check_and_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert odd.main(["--check"]) == 0
    target = tmp_path / "ODD.md"
    target.write_text("stale\n")
    assert odd.main(["--check", "--out", str(target)]) == 1
    assert "stale" in capsys.readouterr().err
    assert odd.main(["--out", str(target)]) == 0
    assert odd.main(["--check", "--out", str(target)]) == 0
    assert target.read_text() == odd.OUT_PATH.read_text()
