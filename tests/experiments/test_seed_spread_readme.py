"""The README's seed-spread table is the output of the command the README states above it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- seed_spread table: begin -->", "<!-- seed_spread table: end -->"


def readme_table_and_command() -> tuple[str, list[str]]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    cmd = re.search(r"\.venv/bin/python (experiments/seed_spread\.py[^\n`]*)", text)
    assert cmd, "the README does not state the seed_spread.py command that made its table"
    return table, shlex.split(cmd.group(1))


@pytest.mark.slow
def test_readme_table_is_the_scripts_output(tmp_path):
    table, args = readme_table_and_command()
    assert "--markdown" in args
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, str(ROOT / args[0]), *args[1:]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == table, (
        "README.md's seed-spread table differs from the script's output; paste this between "
        f"the markers (and update the date and commit):\n{out.stdout}"
    )
