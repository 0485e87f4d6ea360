"""The student notebooks as stored: the five the issue lists, without outputs (so never stale:
the README's test command executes them), on the venv's ``python3`` kernel, each opening with
what the student will learn and ending with two or three exercises, with plots, and using only
public names (nothing starting with ``_``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = (
    "01_first_town.ipynb",
    "02_the_decision_to_help.ipynb",
    "03_a_policy_experiment.ipynb",
    "04_burnout_and_trust.ipynb",
    "05_sensitivity.ipynb",
)
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def read(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    return nb


def test_the_five_notebooks_and_no_others() -> None:
    assert tuple(ALL) == EXPECTED


@pytest.mark.parametrize("name", ALL)
def test_stored_without_outputs(name: str) -> None:
    """Outputs would go stale as the model changes: strip them before committing
    (``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``)."""
    for i, cell in enumerate(read(name).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {i} has outputs"
            assert cell.execution_count is None, f"{name} cell {i} has an execution count"


@pytest.mark.parametrize("name", ALL)
def test_kernel_is_python3(name: str) -> None:
    """``python3`` is the kernel ipykernel installs in the venv (and the one nbmake runs)."""
    assert read(name).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", ALL)
def test_opens_with_what_you_will_learn_and_ends_with_exercises(name: str) -> None:
    cells = read(name).cells
    assert cells[0].cell_type == "markdown"
    assert "What you will learn" in cells[0].source
    last = cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Exercises")
    exercises = re.findall(r"^\d+\. ", last.source, flags=re.M)
    assert 2 <= len(exercises) <= 3, f"{name}: {len(exercises)} exercises"


def code(name: str) -> str:
    return "\n".join(c.source for c in read(name).cells if c.cell_type == "code")


@pytest.mark.parametrize("name", ALL)
def test_has_plots(name: str) -> None:
    src = code(name)
    assert "import matplotlib.pyplot as plt" in src
    assert re.search(r"\b(plt\.subplots|\.plot\b|\.plot\.)", src)


#: a named tuple's public methods and attributes (underscored so they never clash with a
#: field): the rules' records (``decision.Resident``, ...) are named tuples
NAMED_TUPLE_API = {"_replace", "_fields", "_asdict", "_make", "_field_defaults"}


def private_names(src: str) -> list[str]:
    """Names starting with one underscore that code reaches into: attributes, imports and
    module paths (dunder names such as ``__name__`` are Python's, not private, and a named
    tuple's ``_replace`` and ``_fields`` are its public API)."""

    def private(n: str) -> bool:
        dunder = n.startswith("__") and n.endswith("__")
        return n.startswith("_") and not dunder and n not in NAMED_TUPLE_API

    found = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Attribute) and private(node.attr):
            found.append(node.attr)
        elif isinstance(node, ast.ImportFrom):
            found += [p for p in (node.module or "").split(".") if private(p)]
            found += [a.name for a in node.names if private(a.name)]
        elif isinstance(node, ast.Import):
            found += [p for a in node.names for p in a.name.split(".") if private(p)]
    return found


def test_private_names_are_found() -> None:
    src = "import a._b\nfrom c import _d\nfrom e._f import g\nx._y\nx.__doc__\nr._replace(a=1)\n"
    assert private_names(src) == ["_b", "_d", "_f", "_y"]


@pytest.mark.parametrize("name", ALL)
def test_public_api_only(name: str) -> None:
    assert private_names(code(name)) == []
