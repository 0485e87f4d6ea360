"""Generated bad designs (hypothesis): over 1,000 cases fed to the experiment-design loader
(``load_design``) and a sample to ``coprod-sim sweep`` in-process. Each must be refused with a
message that names the entry, the value and what is allowed; the command line exits 2 with no
traceback and writes nothing.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.io.scenario_file import toml_literal
from coprod_sim.levers import LEVERS
from coprod_sim.parameters import parameter_rows
from coprod_sim.scenario import Scenario
from coprod_sim.sweeps import DesignError, load_design

SETTINGS = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: float parameters with a declared lower bound, so -1e12 is out of range for every one
FLOATS = sorted(
    r["name"]
    for r in parameter_rows(Scenario)
    if Scenario.model_fields[r["name"]].annotation is float and r["low"] is not None
)
BAD_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, -1e12])


def _toml(data: dict[str, Any]) -> str:
    """A design as TOML text (tables for dicts, arrays of tables for lists of dicts)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            arrays.append((key, value))
        else:
            lines.append(f"{key} = {toml_literal(value)}")
    for name, table in tables:
        lines.append(f"[{name}]")
        sub: list[tuple[str, dict[str, Any]]] = []
        for key, value in table.items():
            if isinstance(value, dict):
                sub.append((key, value))
            else:
                lines.append(f"{key} = {toml_literal(value)}")
        for key, value in sub:
            lines.append(f"[{name}.{key}]")
            lines.extend(f"{k} = {toml_literal(v)}" for k, v in value.items())
    for name, items in arrays:
        for item in items:
            lines.append(f"[[{name}]]")
            lines.extend(f"{k} = {toml_literal(v)}" for k, v in item.items())
    return "\n".join(lines) + "\n"


def _refused(text: str, *words: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "design.toml"
        f.write_text(text, encoding="utf-8")
        try:
            load_design(f)
        except DesignError as exc:
            msg = str(exc)
        else:
            raise AssertionError(f"accepted: {text!r}")
    assert "allowed" in msg or "valid" in msg or "not" in msg, msg
    for w in words:
        assert w in msg, (w, msg)
    return msg


BASE = {"sweep": {"name": "p", "seed": 1, "replications": 2, "weeks": 4}}


@SETTINGS
@given(st.sampled_from(FLOATS), BAD_NUMBERS)
def test_a_world_value_out_of_range_is_refused(name: str, value: float) -> None:
    data = {**BASE, "world": {name: value}, "arms": [{"name": "a"}]}
    _refused(_toml(data), name)


@SETTINGS
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=20).filter(
        lambda s: s not in Scenario.model_fields and s not in LEVERS
    )
)
def test_an_unknown_world_parameter_is_refused(name: str) -> None:
    _refused(_toml({**BASE, "world": {name: 1.0}, "arms": [{"name": "a"}]}), name)


@SETTINGS
@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=100_001),
        # a whole number written as a float (2.0) is read as that number: not generated
        st.floats(allow_nan=True).filter(lambda x: not (math.isfinite(x) and x == int(x))),
        st.text(max_size=5),
    )
)
def test_a_bad_replication_count_is_refused(value: Any) -> None:
    sweep = {**BASE["sweep"], "replications": value}
    _refused(_toml({"sweep": sweep, "arms": [{"name": "a"}]}), "replications")


@SETTINGS
@given(st.sampled_from(FLOATS), st.floats(allow_nan=False, allow_infinity=False), st.floats(0, 1))
def test_an_inverted_or_empty_range_is_refused(name: str, lo: float, width: float) -> None:
    hi = lo - width  # empty (width 0) or inverted
    design = {"kind": "lhs", "samples": 4, "ranges": {name: [lo, hi]}}
    _refused(_toml({**BASE, "design": design}), name)


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.binary(min_size=1, max_size=40).filter(lambda b: b"=" not in b),
        st.sampled_from([b"\xff\xfe\x00", b"[sweep\n", b"sweep = 1\nsweep = 2\n", b"\x00"]),
    )
)
def test_the_command_line_refuses_broken_files_with_exit_2(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "design.toml"
        f.write_bytes(raw)
        out = Path(d) / "out"
        res = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output
        assert "design" in res.output
        assert not out.exists()
