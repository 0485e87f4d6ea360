"""The README and docs are tested: every fenced ```bash and ```python block runs and exits 0.

Each block runs in a fresh temporary folder holding copies of ``scenarios/``, ``experiments/``
and ``notebooks/`` (never the checkout). Commands: through bash, ``.venv/bin/`` and a bare
``coprod-sim`` resolved to stand-ins (``tests/doctest_wrappers.py``) that run this interpreter
and reduce what would take minutes (listed in the output with how). Python blocks: in a
subprocess. A block opts out only with ``<!-- doctest: skip (reason) -->`` just before it; a
block that needs an earlier step names it with ``<!-- doctest: first (command) -->``.
Run with ``-s`` to see the list of skips and reductions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "experiments/README.md"]
COPIED = ("scenarios", "experiments", "notebooks", "coprod_sim/data")  # calibrate --out there

#: setup commands not rerun here (CI runs them); (pattern, reason). A matched prefix followed by
#: ``&&`` is removed and the rest of the line runs.
SETUP = [
    (r"python3 -m venv \.venv && \.venv/bin/pip install -e \. && ",
     "environment setup (what CI does before the tests)"),
    (r"python3 -m venv \.venv && \.venv/bin/pip install -q -e \"\.\[dev\]\" && "
     r"\.venv/bin/python -m pytest$",
     "environment setup and the whole test suite (this test is part of it; CI runs it)"),
]  # fmt: skip

FENCE = re.compile(r"^```(\w*)\s*$")
DIRECTIVE = re.compile(r"<!--\s*doctest:\s*(skip|first)\s*\((.*)\)\s*-->")


@dataclass
class Block:
    doc: Path
    line: int
    lang: str
    code: str
    skip: str | None = None
    first: str | None = None

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    """The bash and python blocks of a markdown file, with the directive before each."""
    lines = doc.read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith("```"))
        if m.group(1) in ("bash", "python"):
            b = Block(doc, i + 1, m.group(1), "\n".join(lines[i + 1 : j]) + "\n")
            prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            if d := DIRECTIVE.search(prev):
                setattr(b, d.group(1), d.group(2))
            found.append(b)
        i = j + 1
    return found


ALL = [b for doc in DOCS for b in blocks(doc)]


def strip_setup(code: str) -> tuple[str, list[str]]:
    """Remove the declared setup commands; returns the code left and the reasons."""
    reasons = []
    for pattern, reason in SETUP:
        code, n = re.subn(pattern, "", code, flags=re.M)
        if n:
            reasons.append(reason)
    return code, reasons


def make_bin(tmp: Path) -> Path:
    """A bin folder whose coprod-sim, python and jupyter are the doc-test's stand-ins."""
    bindir = tmp / ".doctest-bin"
    bindir.mkdir()
    for name in ("coprod-sim", "python", "jupyter", "solara"):
        script = bindir / name
        wrappers = ROOT / "tests" / "doctest_wrappers.py"
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{wrappers}" {name} "$@"\n')
        script.chmod(0o755)
    return bindir


@pytest.fixture(scope="module")
def report():
    lines: list[str] = []
    yield lines
    print("\n\ndoc-test: skips and reductions\n" + "\n".join(lines))


@pytest.mark.slow
@pytest.mark.parametrize("block", ALL, ids=[b.id for b in ALL])
def test_block_runs(block: Block, tmp_path: Path, report: list[str]):
    if block.skip:
        report.append(f"{block.id}: skipped ({block.skip})")
        pytest.skip(block.skip)
    work = tmp_path / "work"
    work.mkdir()
    for name in COPIED:
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("*.png"))
    bindir = make_bin(tmp_path)
    log = tmp_path / "reductions.log"
    log.touch()
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "COPROD_SIM_DOCTEST": str(log),
        "MPLBACKEND": "Agg",
    }
    code = block.code
    if block.lang == "bash":
        code, reasons = strip_setup(code)
        for r in reasons:
            report.append(f"{block.id}: setup not rerun ({r})")
        code = code.replace(".venv/bin/", f"{bindir}/")
        if not code.strip():
            pytest.skip("setup only")
        cmd = ["bash", "-e", "-c", code]
    else:
        script = tmp_path / "snippet.py"
        script.write_text(code)
        cmd = [sys.executable, str(script)]
    if block.first:
        report.append(f"{block.id}: first ran `{block.first}`")
        pre = subprocess.run(["bash", "-e", "-c", block.first], cwd=work, env=env,
                             capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
        assert pre.returncode == 0, f"{block.first}\n{pre.stdout[-3000:]}\n{pre.stderr[-3000:]}"
    out = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600,
                         check=False)  # fmt: skip
    report += [f"{block.id}: reduced: {x}" for x in log.read_text().splitlines()]
    assert out.returncode == 0, f"{block.id} failed\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
