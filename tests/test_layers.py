"""The layers only point down (issue 28): import-linter's contracts in pyproject.toml hold, every
part of the package is in a layer, a new upward import would be caught, and no two subpackages
import each other in a circle."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONFIG = PYPROJECT["tool"]["importlinter"]
LAYERS = next(c for c in CONFIG["contracts"] if c["type"] == "layers")["layers"]


LINT = "from importlinter.cli import lint_imports_command as lint; lint()"


def lint_imports(folder: Path, env_path: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on ``folder``'s pyproject.toml, importing packages from ``env_path``
    (no cache: nothing is written into the checkout)."""
    return subprocess.run(
        [sys.executable, "-c", LINT,
         "--no-cache", "--no-logo", str(folder / "pyproject.toml")],
        capture_output=True, text=True, cwd=folder, timeout=300,
        env={"PYTHONPATH": str(env_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def layer_names() -> set[str]:
    return {m.strip() for layer in LAYERS for m in layer.replace("|", ":").split(":")}


def graph() -> grimp.ImportGraph:
    return grimp.build_graph("coprod_sim", exclude_type_checking_imports=False, cache_dir=None)


def test_contracts_are_kept() -> None:
    done = lint_imports(ROOT, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Layers point down KEPT" in done.stdout


def test_every_part_of_the_package_is_in_a_layer() -> None:
    """A new subpackage or top-level module must be given its layer (else nothing checks it)."""
    children = graph().find_children("coprod_sim")
    assert children == layer_names(), "in no layer: " + ", ".join(children - layer_names())


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The same kind of contract on a two-layer package whose lower layer imports the upper."""
    pkg = tmp_path / "towny"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text("")
    (pkg / "state.py").write_text("import towny.model  # upward\n")
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "towny"

            [[tool.importlinter.contracts]]
            name = "Layers point down"
            type = "layers"
            layers = ["towny.model", "towny.state"]
            """
        )
    )
    done = lint_imports(tmp_path, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout and "towny.state -> towny.model" in done.stdout


def test_no_import_circle_between_subpackages() -> None:
    """No circle between subpackages, the top included: the command tree (``commands``)
    imports io, calibration, sweeps and the dashboard, and none of them imports it."""
    g = graph()
    children = sorted(g.find_children("coprod_sim"))
    edges = nx.DiGraph()
    edges.add_nodes_from(children)
    for a in children:
        for b in children:
            if a != b and g.direct_import_exists(importer=a, imported=b, as_packages=True):
                edges.add_edge(a, b)
    circles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert circles == []


def test_no_module_imports_itself_through_others() -> None:
    """No import circle between modules at all (imports inside functions and type hints
    included): every module can be imported on its own, first."""
    g = graph()
    edges = nx.DiGraph()
    for m in g.modules:
        for imported in g.find_modules_directly_imported_by(m):
            if imported.startswith("coprod_sim.") and imported != m:
                edges.add_edge(m, imported)
    circles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert circles == []


@pytest.mark.parametrize("argv", [["run", "--help"], ["list", "--help"]])
def test_command_line_help_imports_no_heavy_stack(argv: list[str]) -> None:
    """``coprod-sim run --help`` imports neither scipy.stats, SALib, dask, pyabc nor matplotlib."""
    code = (
        "import sys\nfrom coprod_sim.commands.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = ('scipy.stats', 'SALib', 'dask', 'distributed', 'pyabc', 'matplotlib')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
