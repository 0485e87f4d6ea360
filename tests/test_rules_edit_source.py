"""Editing a rule's source in its module changes the next run, even with numba's on-disk cache.

numba caches a compiled function next to its source file and checks only that file's stamp
when it loads it; a rule and the pass that calls it share one module, so editing the rule
invalidates the pass too. This test copies the package (with its compiled cache, so the copy
starts warm) to a temporary folder and runs a short model in fresh processes that import the
copy: twice unchanged (the second run loads the fatigue pass from the cache in the copy and
gives the same result), then once after the fatigue rule's source is edited to never rise
(the pass is compiled again, and nobody burns out).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import coprod_sim
from coprod_sim import RULES

SCRIPT = """
import json
import coprod_sim
from coprod_sim import CoproductionModel

m = CoproductionModel(
    rng=1, n_residents=400, staff_hours=5.0, tolerance_share=0.05, fatigue_rate=0.5
)
m.run_weeks(12)
df = m.datacollector.get_model_vars_dataframe()
print(json.dumps({"package": coprod_sim.__file__, "burnouts": int(df["burnouts"].sum()),
                  "volunteer_hours": float(df["volunteer_hours"].sum())}))
"""


def _run(root: Path) -> tuple[dict, str]:
    """Run ``SCRIPT`` in a fresh process importing the package copy under ``root``; returns
    its result and numba's cache log (what it loaded from and saved to disk)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(root)
    env["NUMBA_DEBUG_CACHE"] = "1"  # numba reports every cache load and save on stdout
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def _make_rule_return_zero(path: Path, func: str) -> None:
    """Insert ``return <first argument> * 0`` as the first statement after the docstring of
    function ``func`` in ``path`` (the rule's type is kept: float32 in, float32 out)."""
    src = path.read_text()
    node = next(
        n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef) and n.name == func
    )
    body = node.body
    has_doc = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    first = body[1] if has_doc and len(body) > 1 else body[0]
    lines = src.splitlines(keepends=True)
    indent = " " * first.col_offset
    arg = node.args.args[0].arg
    lines.insert(first.lineno - 1, f"{indent}return {arg} * 0  # edited by the test\n")
    path.write_text("".join(lines))


@pytest.mark.slow
def test_editing_a_rule_in_its_module_changes_the_next_run(tmp_path: Path) -> None:
    package = Path(coprod_sim.__file__).parent
    shutil.copytree(package, tmp_path / "coprod_sim")  # copy2: times kept, so caches match
    rule = RULES["fatigue"]
    module_file = tmp_path.joinpath(*rule.module.split(".")).with_suffix(".py")
    module_name = rule.module.rsplit(".", 1)[1]
    pass_cache = f"{module_name}.fatigue_pass-"

    first, _ = _run(tmp_path)
    assert Path(first["package"]).is_relative_to(tmp_path), "the copy is what runs"
    assert first["burnouts"] > 0, "overloaded helpers burn out with the default rule"

    second, log = _run(tmp_path)
    assert second == first
    loaded = [ln for ln in log.splitlines() if "data loaded from" in ln and pass_cache in ln]
    assert loaded and str(tmp_path) in loaded[0], "the second run used the copy's cache"

    _make_rule_return_zero(module_file, rule.attr)
    edited, log = _run(tmp_path)
    assert not any("data loaded from" in ln and pass_cache in ln for ln in log.splitlines())
    assert any("data saved to" in ln and pass_cache in ln for ln in log.splitlines())
    assert edited["burnouts"] == 0, "fatigue that never rises: nobody burns out"
    assert edited != first
