"""Generated bad input (hypothesis): well over 1,000 cases across the scenario loader and the
command line (in-process, typer's test runner). Each must be refused with a message that names
the parameter, the value and what is allowed; on the command line with exit code 2 and no
traceback; and nothing may be left behind (no output folder, no temporary file).

The experiment-design loader's properties are in ``tests/sweeps/test_design_properties.py``.
"""

from __future__ import annotations

import math
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coprod_sim.commands.cli import app
from coprod_sim.io.scenario_file import RUN_KEYS, build_spec, toml_literal
from coprod_sim.levers import LEVERS
from coprod_sim.parameters import ScenarioError, parameter_rows
from coprod_sim.scenario import Scenario

FIELDS = Scenario.model_fields
ROWS = {r["name"]: r for r in parameter_rows(Scenario)}
INTS = sorted(n for n, f in FIELDS.items() if f.annotation is int)
FLOATS = sorted(n for n, f in FIELDS.items() if f.annotation is float)
NUMBERS = INTS + FLOATS
RESERVED = {*FIELDS, *RUN_KEYS, *LEVERS, "run", "policies"}
# The loader is cheap to call, the command line less so (typer builds its command per call):
# 4 loader properties x 200 + 5 command-line properties x 70 (one tries two inputs per case)
# = over 1,100 generated bad inputs.
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same cases on every run and machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
CLI_SETTINGS = settings(SETTINGS, max_examples=70)
TRIED: dict[str, int] = {}
runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def _command_built_once() -> Any:
    """typer's test runner rebuilds the command from the app on every call (half the time of a
    refused call); the app does not change here, so build it once for this module."""
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(typer.testing, "_get_command", lambda _app: command)
        yield


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


# ------------------------------------------------------------------ strategies
names = st.from_regex(r"[a-z][a-z0-9_]{0,24}", fullmatch=True).filter(lambda k: k not in RESERVED)
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12)
small_ints = st.integers(-(2**62), 2**62)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def bad_parameter(draw: st.DrawFn) -> tuple[str, Any]:
    """(name, value) for a known scenario parameter with a value it must refuse."""
    kind = draw(st.sampled_from(["type", "range", "nan"]))
    if kind == "nan":
        name = draw(st.sampled_from(FLOATS))
        return name, draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    if kind == "type":
        name = draw(st.sampled_from([*NUMBERS, "town"]))
        if name == "town":
            return name, draw(st.one_of(small_ints, finite, st.booleans(), st.just([1])))
        wrong = [texts, st.booleans(), st.lists(small_ints, min_size=1, max_size=3)]
        if name in INTS:
            wrong.append(finite.filter(lambda x: not float(x).is_integer()))
        return name, draw(st.one_of(*wrong))
    name = draw(st.sampled_from(NUMBERS))
    row = ROWS[name]
    lo, hi = row["low"], row["high"]
    if name in INTS:
        below, above = st.integers(-(2**40), int(lo) - 1), st.integers(int(hi) + 1, 2**60)
    else:
        below, above = finite.filter(lambda x: x < lo), finite.filter(lambda x: x > hi)
    if name == "scale":
        below = st.floats(-1e12, 0.0)  # > 0 is allowed
    return name, draw(st.one_of(below, above))


bad_run = st.one_of(
    st.tuples(
        st.just("years"),
        st.one_of(
            st.sampled_from([math.nan, math.inf, 0, -1]),
            st.floats(-1e9, 0.0095),  # at most zero, or less than one week
            st.floats(100.01, 1e12),
            texts,
            st.booleans(),
        ),
    ),
    st.tuples(
        st.just("weeks"),
        st.one_of(st.integers(-(2**40), 0), st.integers(5201, 2**40), finite, texts),
    ),
    st.tuples(
        st.just("seed"),
        st.one_of(st.integers(-(2**62), -1), finite, texts, st.booleans()),
    ),
    st.tuples(st.just("out"), st.one_of(st.just(""), st.just("  "), small_ints, st.booleans())),
    st.tuples(names, st.one_of(small_ints, texts)),  # unknown run setting
)


def shown(value: Any) -> list[str]:
    """Ways a message may show ``value`` (repr, str; floats as Python or TOML write them)."""
    out = [repr(value), str(value)]
    if isinstance(value, float):
        out += [f"{value:g}", toml_literal(value)]
    return out


def assert_names(msg: str, name: str, value: Any) -> None:
    assert name in msg, (name, msg)
    assert any(v in msg for v in shown(value)), (value, msg)
    assert "allowed" in msg, msg
    assert "Traceback" not in msg


def write_case(folder: Path, text: str | bytes) -> Path:
    p = folder / "case.toml"
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8")
    else:
        p.write_bytes(text)
    return p


def refused_file(text: str | bytes, give_out: bool = True) -> str:
    """Load a scenario file that must be refused; returns the message. Checks nothing is left.

    ``give_out``: pass an output folder as the command line would (else the file's is used).
    """
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        p = write_case(folder, text)
        out = folder / "out" if give_out else None
        with pytest.raises(ScenarioError) as err:
            build_spec(p, out=out)
        assert sorted(os.listdir(folder)) == ["case.toml"]  # nothing created
    return str(err.value)


# ------------------------------------------------------------------ the scenario loader
@pytest.mark.slow
@SETTINGS
@given(name=names, value=st.one_of(small_ints, finite, texts, st.booleans()))
def test_loader_refuses_unknown_parameters(name: str, value: Any) -> None:
    tried("loader unknown")
    msg = refused_file(f"{name} = {toml_literal(value)}\n")
    assert_names(msg, name, value)
    assert "closest:" in msg and msg.count("', '") <= 3  # the closest few, not all ~100


@SETTINGS
@given(case=bad_parameter())
def test_loader_refuses_bad_values(case: tuple[str, Any]) -> None:
    tried("loader values")
    name, value = case
    assert_names(refused_file(f"{name} = {toml_literal(value)}\n"), name, value)


@SETTINGS
@given(case=bad_run)
def test_loader_refuses_bad_run_settings(case: tuple[str, Any]) -> None:
    tried("loader run")
    name, value = case
    msg = refused_file(f"[run]\n{name} = {toml_literal(value)}\n", give_out=False)
    assert_names(msg, name, value)


def _not_toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True
    return False


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@SETTINGS
@given(
    case=st.one_of(
        texts.filter(_not_toml),
        st.tuples(st.sampled_from(NUMBERS), st.sampled_from(["", "[", "1 2", "'x", "{a="])).map(
            lambda t: f"{t[0]} = {t[1]}\n"
        ),
        st.binary(min_size=1, max_size=40).filter(_not_utf8),
        st.binary(min_size=1, max_size=40).filter(_not_utf8).map(lambda b: b"\xef\xbb\xbf" + b),
        st.sampled_from(["", "\n", "# nothing\n", "\ufeff"]),
        st.sampled_from(["n_residents = 300\n", 'town = "demo"\n']).map(
            lambda t: t.encode("utf-16")
        ),
    )
)
def test_loader_refuses_broken_files(case: str | bytes) -> None:
    tried("loader files")
    msg = refused_file(case)
    assert "case.toml" in msg and "allowed" in msg and "Traceback" not in msg


# ------------------------------------------------------------------ the command line
def refused_cli(args: list[str]) -> str:
    """Run the command line in-process on args that must be refused; returns stderr."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        out = folder / "out"
        r = runner.invoke(app, ["run", *args, "--out", str(out), "--no-progress"])
        assert r.exit_code == 2, (args, r.output)
        assert (
            "Traceback" not in r.output
            and r.exception is None
            or isinstance(r.exception, SystemExit)
        )
        assert os.listdir(folder) == []  # nothing written, not even a temporary folder
    return r.stderr


@CLI_SETTINGS
@given(case=bad_parameter())
def test_cli_refuses_bad_set_values(case: tuple[str, Any]) -> None:
    tried("cli set")
    name, value = case
    assert_names(refused_cli(["--set", f"{name}={toml_literal(value)}"]), name, value)


@CLI_SETTINGS
@given(name=names, value=st.one_of(small_ints, finite))
def test_cli_refuses_unknown_names(name: str, value: Any) -> None:
    tried("cli unknown")
    msg = refused_cli(["--set", f"{name}={toml_literal(value)}"])
    assert_names(msg, name, value)
    tried("cli unknown lever")
    msg = refused_cli(["--policy", name])
    assert f"'{name}'" in msg and "allowed: one of" in msg


@CLI_SETTINGS
@given(
    case=st.one_of(
        st.tuples(st.just("--years"), st.floats(-1e9, 0.0095).map(repr)),
        st.tuples(st.just("--years"), st.floats(100.01, 1e12).map(repr)),
        st.tuples(st.just("--years"), st.sampled_from(["nan", "inf", "-inf"])),
        st.tuples(st.just("--weeks"), st.integers(-(2**40), 0).map(str)),
        st.tuples(st.just("--weeks"), st.integers(5201, 2**40).map(str)),
        st.tuples(st.just("--seed"), st.integers(-(2**62), -1).map(str)),
        st.tuples(st.just("--town"), names),
        st.tuples(st.just("--scale"), st.floats(-1e9, 0.0).map(repr)),
        st.tuples(st.just("--scale"), st.floats(100.01, 1e12).map(repr)),
    )
)
def test_cli_refuses_bad_run_options(case: tuple[str, str]) -> None:
    tried("cli options")
    option, text = case
    msg = refused_cli([option, text])
    name = {"--years": "years", "--weeks": "weeks", "--seed": "seed"}.get(option)
    if name is not None:
        assert f"'{name}'" in msg and "allowed" in msg, msg
    elif option == "--town":
        assert f"'{text}'" in msg and "demo, darlington, reading" in msg, msg
    else:
        assert "'scale'" in msg and "allowed" in msg, msg


@CLI_SETTINGS
@given(
    scale=st.floats(31.26, 100.0),
    town=st.sampled_from(["reading", "darlington"]),
)
def test_cli_refuses_towns_over_the_size_limit(scale: float, town: str) -> None:
    if round(scale * {"reading": 160_000, "darlington": 100_000}[town]) <= 5_000_000:
        return  # darlington x 31-50 is within the limit: not a bad input (not counted)
    tried("cli size")
    msg = refused_cli(["--town", town, "--scale", repr(scale)])
    assert "'scale'" in msg and "at most 5,000,000 residents" in msg and town in msg


@CLI_SETTINGS
@given(
    kind=st.sampled_from(["run", "file", "other", "dir-as-scenario"]),
    overwrite=st.booleans(),
    filename=st.from_regex(r"[a-z]{1,8}\.(txt|csv|docx)", fullmatch=True),
)
def test_cli_refuses_output_folders_it_must_not_write(
    kind: str, overwrite: bool, filename: str
) -> None:
    tried("cli folders")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        out = folder / "out"
        args = ["run", "--set", "n_residents=300", "--weeks", "3", "--no-progress"]
        if kind == "run":  # an earlier run (only refused without --overwrite)
            out.mkdir()
            (out / "scenario.json").write_text('{"status": "complete", "seed": 1}')
            overwrite = False
        elif kind == "file":
            out.write_text("not a folder")
        elif kind == "other":
            out.mkdir()
            (out / filename).write_text("someone's work")
        else:
            args = ["run", str(folder), "--no-progress"]
        before = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        flags = ["--overwrite"] if overwrite else []
        r = runner.invoke(app, [*args, "--out", str(out), *flags])
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output and "allowed" in r.stderr
        assert (str(out) if kind != "dir-as-scenario" else str(folder)) in r.stderr
        assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == before


def test_zz_over_a_thousand_bad_inputs_were_tried() -> None:
    """Counts the generated cases of the properties above (when the whole module runs)."""
    if len(TRIED) < 10:  # nine properties, one of which tries two kinds of input
        pytest.skip("only some of the properties ran")
    assert sum(TRIED.values()) >= 1000, TRIED
