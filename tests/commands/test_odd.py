"""docs/ODD.md is generated from the templates and the code, and cannot drift from either."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coprod_sim.commands import odd
from coprod_sim.commands.cli import app
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS
from coprod_sim.model import CoproductionModel
from coprod_sim.scenario import DECLARED_IN, GROUP_OF, Scenario


@pytest.fixture(scope="module")
def text() -> str:
    return odd.render()


def test_the_committed_document_is_up_to_date(text: str) -> None:
    assert odd.OUT_PATH.is_file(), "run `python -m coprod_sim.commands.odd`"
    assert odd.OUT_PATH.read_text(encoding="utf-8") == text, (
        "docs/ODD.md is stale: run `python -m coprod_sim.commands.odd`"
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


def test_the_process_overview_is_rendered_from_the_schedule(text: str) -> None:
    from coprod_sim.schedule import WEEK, Phase

    section3 = text[text.index("## 3 Process") : text.index("## 4 Design")]
    rows = [line for line in section3.splitlines() if line.startswith("| ") and "|---" not in line]
    assert len(rows) == len(WEEK) + 1  # the header and one row per entry of the week
    positions = [section3.index(f"`{p.function}`") for p in WEEK if isinstance(p, Phase)]
    assert positions == sorted(positions), "the table lists the phases in the order step() runs"


def test_step_runs_the_schedule_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing the schedule changes what step() does: the order lives in one place."""
    from coprod_sim import schedule

    ran: list[str] = []
    week = tuple(
        (lambda m, n=p.name: ran.append(n)) if isinstance(p, schedule.Phase) else p
        for p in schedule.WEEK
    )
    monkeypatch.setattr("coprod_sim.model.WEEK", week)
    CoproductionModel(rng=1, n_residents=50, burn_in_years=0).step()
    assert ran == [p.name for p in schedule.WEEK if isinstance(p, schedule.Phase)]


def test_no_placeholder_is_left_and_every_resident_column_is_in_the_state_table(
    text: str,
) -> None:
    assert "<!-- generated:" not in text and "<!-- include:" not in text
    from coprod_sim.schedule import RESIDENT_STATE

    for name, col in RESIDENT_STATE.items():
        assert f"| `{name}` " in text and f"`{col.owner}`" in text, name


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
    src = tmp_path / "templates"
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
    src = tmp_path / "templates"
    shutil.copytree(odd.SRC_DIR, src)
    (src / "broken.md").write_text("## Broken\n\n{{ no_such_table() }}\n")
    with pytest.raises(KeyError, match="broken.md: unknown generated table 'no_such_table'"):
        odd.render(src)


def test_an_old_style_placeholder_is_an_error_not_silent_text(tmp_path: Path) -> None:
    src = tmp_path / "templates"
    shutil.copytree(odd.SRC_DIR, src)
    (src / "old.md").write_text("## Old\n\n<!-- generated: towns -->\n")
    with pytest.raises(ValueError, match=r"old.md: old placeholder.*write \{\{ towns\(\) \}\}"):
        odd.render(src)


def test_a_table_named_without_calling_it_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "templates"
    shutil.copytree(odd.SRC_DIR, src)
    (src / "bare.md").write_text("## Bare\n\n{{ towns }}\n")
    with pytest.raises(TypeError, match="towns_table without calling it"):
        odd.render(src)


def cells(line: str) -> list[str]:
    """The cells of one Markdown table row (pipes escaped as ``\\|`` stay inside a cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_process_overview_renders_schedule_rows_as_a_table() -> None:
    """Rows of (phase, where it runs, one-line doc), in order, render as the week's table."""
    rows = [
        ("arrivals", "coprod_sim.mechanisms.needs", "Needs arise."),
        ("channels", "coprod_sim.mechanisms.channels", "Channels meet needs | in order."),
    ]
    out = odd.process_overview(rows)
    lines = out.splitlines()
    assert cells(lines[2]) == ["#", "phase", "runs", "what it does"]
    assert cells(lines[4]) == ["1", "arrivals", "`coprod_sim.mechanisms.needs`", "Needs arise."]
    assert cells(lines[5])[:2] == ["2", "channels"] and "needs \\| in order." in lines[5]
    assert "Lever points of the week:" in out
    from coprod_sim.schedule import overview_rows

    assert odd.process_overview() == odd.process_overview(overview_rows())  # the schedule
    with pytest.raises(ValueError, match="row 1"):
        odd.process_overview([("arrivals", "coprod_sim.mechanisms.needs")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="no phases"):
        odd.process_overview([])


def test_shift_headings_leaves_code_alone() -> None:
    body = "# Top\n\n```\n# a comment\n```\n\n## Sub\n"
    assert odd.shift_headings(body, 3) == "### Top\n\n```\n# a comment\n```\n\n#### Sub"


def test_lever_rows_of_any_shape_render_as_a_table() -> None:
    rows = [
        {"lever": "a", "parameter": "x", "default": 1.5},
        {"lever": "b", "parameter": "y|z", "cost": "GBP 3"},
    ]
    out = odd._records_table(rows)
    assert cells(out.splitlines()[0]) == ["lever", "parameter", "default", "cost"]
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


@pytest.mark.slow
def test_renders_from_an_installed_wheel_without_a_checkout(tmp_path: Path, text: str) -> None:
    """A wheel built from the package holds the templates and data files; unpacked where no
    docs/ folder or pyproject.toml is, it renders the same document with --out, and without
    --out says that it needs one (exit 2)."""
    import subprocess
    import sys
    import zipfile

    assert odd.ROOT is not None
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(odd.ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    shutil.copytree(odd.ROOT / "coprod_sim", source / "coprod_sim", ignore=ignore)
    shipped = _test_posterior().save(source / "coprod_sim" / "data" / "posterior_demo.json")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("coprod_sim-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        z.extractall(site)
    for f in odd.SRC_DIR.glob("*.md"):
        assert f"coprod_sim/commands/odd_templates/{f.name}" in names
    for f in ("need_kinds.toml", "towns.toml", "unit_costs.toml", shipped.name):
        assert f"coprod_sim/data/{f}" in names

    work = tmp_path / "elsewhere"
    work.mkdir()
    # plain Python instead of compiling the kernels afresh for this copy (same tables, a
    # fraction of the time): what is tested is where the templates and data are found
    env = {**os.environ, "PYTHONPATH": str(site), "NUMBA_DISABLE_JIT": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, *args]
        return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)

    # the unpacked copy is the one imported, it finds no checkout, and without --out it says so
    bare = run("-c", "import coprod_sim.commands.odd as o; print(o.__file__); exit(o.main([]))")
    assert bare.stdout.strip() == str(site / "coprod_sim" / "commands" / "odd.py"), bare.stderr
    assert bare.returncode == 2 and "--out" in bare.stderr and "Traceback" not in bare.stderr
    # a shipped posterior is found in the installed package by its town's name
    post = run(
        "-c",
        "from coprod_sim.calibration import load_posterior as l; p = l('demo'); "
        "print(p.source, p.checksum)",
    )
    assert post.stdout.split() == [
        "package:coprod_sim/data/posterior_demo.json",
        json.loads(shipped.read_text())["checksum"],
    ], post.stderr
    out = work / "ODD.md"
    done = run("-m", "coprod_sim.commands.odd", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == text


def _test_posterior() -> Any:
    """A small valid posterior of the demo town (for the wheel test: shipped files travel)."""
    from _posteriors import spread_posterior

    return spread_posterior(2)


def test_parameter_appendix_is_grouped_by_the_declaring_group() -> None:
    """One table per parameter group, headed by the group and its module; each parameter is
    in the table of the group that declares it (``scenario.DECLARED_IN``)."""
    text = odd.parameter_table()
    found = {}
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        head = section.splitlines()[0]
        for line in section.splitlines():
            if line.startswith("| `"):
                found[cells(line)[0].strip("`")] = head
    expected = {
        name: f"{odd.group_title(cls)} (`scenario.{GROUP_OF[name]}`: "
        f"`{cls.__module__}.{cls.__name__}`)"
        for name, cls in DECLARED_IN.items()
    }
    assert found == expected
    assert odd.group_title(DECLARED_IN["fatigue_rate"]) == "Commitment"


def test_odd_is_a_command_of_the_command_line(tmp_path: Path) -> None:
    """``coprod-sim odd`` is the same command as ``python -m coprod_sim.commands.odd``."""
    target = tmp_path / "ODD.md"
    done = CliRunner().invoke(app, ["odd", "--out", str(target)])
    assert done.exit_code == 0, done.output
    assert target.read_text() == odd.OUT_PATH.read_text()
    target.write_text("stale\n")
    assert CliRunner().invoke(app, ["odd", "--check", "--out", str(target)]).exit_code == 1
    assert odd.main(["--no-such-option"]) == 2
