"""Scenario files and --set overrides: merged, validated, refused with clear messages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import pytest

from coprod_sim.io.run_file import RUN_KEYS, RunFile
from coprod_sim.io.scenario_file import (
    build_spec,
    load_run_file,
    parse_sets,
    parse_value,
    reproduce_args,
    run_record,
)
from coprod_sim.levers import LEVERS, Lever
from coprod_sim.parameters import ScenarioError, param


class DemoLever(Lever):
    """A lever for these tests only: one parameter with a range."""

    name: ClassVar[str] = "test_file_lever"
    hours: float = param(
        10.0, unit="hours/week", role="policy", ge=0, le=40, source="test", doc="test parameter"
    )


@pytest.fixture
def lever(monkeypatch: pytest.MonkeyPatch) -> type[Lever]:
    monkeypatch.setitem(LEVERS, DemoLever.name, DemoLever)
    return DemoLever


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_values_are_toml_literals_and_bare_words_are_strings() -> None:
    assert parse_value("0.5") == 0.5
    assert parse_value("3") == 3 and isinstance(parse_value("3"), int)
    assert parse_value("true") is True
    assert parse_value('"x y"') == "x y"
    assert parse_value("reading") == "reading"
    with pytest.raises(ScenarioError, match="not a TOML literal"):
        parse_value("a b")


def test_sets_split_into_scenario_and_lever_parameters() -> None:
    params, policies = parse_sets(["scale=0.5", "time_bank.coordinator_hours=30", "town=reading"])
    assert params == {"scale": 0.5, "town": "reading"}
    assert policies == {"time_bank": {"coordinator_hours": 30}}
    with pytest.raises(ScenarioError, match="name=value"):
        parse_sets(["scale"])


def test_file_layout_run_table_and_policies(tmp_path: Path, lever: type[Lever]) -> None:
    p = write(
        tmp_path,
        'town = "demo"\nn_residents = 300\n[run]\nyears = 1.5\nseed = 4\nout = "o"\n'
        f"[policies.{lever.name}]\nhours = 20.0\n",
    )
    spec = build_spec(p)
    assert spec.scenario.n_residents == 300
    assert spec.weeks == round(52 * 1.5) and spec.seed == 4 and spec.seed_given
    assert spec.out == Path("o")
    assert [lv.name for lv in spec.levers] == [lever.name]
    assert spec.levers[0].hours == 20.0


def test_command_line_overrides_the_file(tmp_path: Path, lever: type[Lever]) -> None:
    p = write(tmp_path, "n_residents = 300\nscale = 2.0\n[run]\nweeks = 10\nseed = 1\n")
    spec = build_spec(
        p,
        sets=["n_residents=400", f"{lever.name}.hours=5"],
        overrides={"scale": 0.5, "town": None},
        weeks=20,
        seed=9,
        out=tmp_path / "x",
    )
    assert (spec.scenario.n_residents, spec.scenario.scale) == (400, 0.5)
    assert (spec.weeks, spec.seed, spec.out) == (20, 9, tmp_path / "x")
    assert spec.levers[0].hours == 5  # a lever parameter switches the lever on


def test_defaults_five_years_and_a_recorded_random_seed(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default folder is relative: never the checkout's results/
    spec = build_spec()
    assert spec.weeks == 260 and not spec.seed_given and spec.seed >= 0
    assert spec.out == Path("results/demo")


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (
            "scael = 1.0\n",
            ["unknown parameter 'scael'", "closest: 'scale'", "list parameters"],
        ),
        ("scale = nan\n", ["'scale'", "nan", "> 0 and <= 100"]),
        ("scale = inf\n", ["'scale'", "inf"]),
        ('scale = "big"\n', ["'scale'", "'big'", "number"]),
        ("n_residents = 2.5\n", ["'n_residents'", "2.5", "whole number"]),
        ("share_young = 1.5\n", ["'share_young'", "1.5", ">= 0 and <= 1"]),
        ("[run]\nyaers = 3\n", ["'run.yaers'", "allowed under [run]: years, weeks"]),
        ("[run]\nyears = -1\n", ["'run.years'", "-1", "> 0"]),
        ("[run]\nweeks = 2.5\n", ["'run.weeks'", "2.5", "whole number"]),
        ("[run]\nseed = -1\n", ["'run.seed'", "-1", "whole number"]),
        ("[run]\nyears = 1\nweeks = 9\n", ["both years = 1 and weeks = 9"]),
        ("[run]\nseed = true\n", ["'run.seed'", "True"]),
        ("[policies.nope]\n", ["unknown policy lever 'nope'", "allowed: one of"]),
        ("policies = 3\n", ["'policies'", "value 3", "allowed: one table per lever"]),
        ("run = 3\n", ["'run'", "value 3", "allowed: a table ([run])"]),
        ("scale = \n", ["not valid TOML", "line 1"]),
    ],
)
def test_bad_files_are_refused_naming_parameter_value_and_allowed(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    with pytest.raises(ScenarioError) as err:
        build_spec(write(tmp_path, text))
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))


def test_bad_lever_parameters_list_the_valid_ones(lever: type[Lever], tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"unknown parameter 'test_file_lever\.hourz'.*hours"):
        build_spec(sets=[f"{lever.name}.hourz=3"])
    with pytest.raises(ScenarioError, match=r"test_file_lever\.hours.*nan.*>= 0 and <= 40"):
        build_spec(sets=[f"{lever.name}.hours=nan"])
    with pytest.raises(ScenarioError, match=r"test_file_lever\.hours.*99"):
        build_spec(sets=[f"{lever.name}.hours=99"])


def test_missing_unreadable_and_folder_paths(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        build_spec(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="is a folder"):
        build_spec(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"town = '\xe9'\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        build_spec(bad)
    a_file = tmp_path / "f"
    a_file.write_text("x")
    with pytest.raises(ScenarioError, match="'out'.*not a folder"):
        build_spec(out=a_file)


def test_the_file_is_read_into_its_sections(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        'town = "demo"\n[commitment]\nfatigue_rate = 0.02\n[run]\nseed = 1\n'
        "[policies.training]\n[policies.time_bank]\ncoordinator_hours = 20\n",
    )
    run_file = load_run_file(p)
    assert run_file.parameters() == {"town": "demo", "fatigue_rate": 0.02}  # only those given
    assert run_file.run.seed == 1 and run_file.run.n_weeks == 260
    # the file's order is the order the levers act in, with only the parameters it gives
    assert run_file.policies.tables() == {"training": {}, "time_bank": {"coordinator_hours": 20}}


def test_the_run_files_schema_is_one_pydantic_model() -> None:
    schema = RunFile.model_json_schema()
    assert {"run", "policies", "town", "scale", "fatigue_rate"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    assert set(defs["RunSection"]["properties"]) == set(RUN_KEYS)
    assert set(LEVERS) <= set(defs["Policies"]["properties"])  # one table per lever
    assert "coordinator_hours" in defs["TimeBank"]["properties"]  # by the lever's own model


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[run]\nyears = nan\n", ["'run.years'", "nan", "finite", "allowed: a number > 0"]),
        ("[run]\nyears = inf\n", ["'run.years'", "inf", "finite"]),
        ("[run]\nyears = -inf\n", ["'run.years'", "-inf", "finite"]),
        (
            "[policies.time_bank]\ncoordinator_hours = nan\n",
            ["'time_bank.coordinator_hours'", "nan", "finite", ">= 0 and <= 400"],
        ),
        (
            "[policies.time_bank]\noutreach_share = inf\n",
            ["'time_bank.outreach_share'", "inf", "finite", ">= 0 and <= 1"],
        ),
    ],
)
def test_nan_and_infinity_in_run_or_a_lever_table_are_refused_naming_them(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    with pytest.raises(ScenarioError) as err:
        build_spec(write(tmp_path, text), check_folder=False)
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))


def test_every_problem_of_a_file_is_one_line(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "scale = -1\nscael = 2\n[run]\nseed = -3\nyaers = 1\n"
        "[policies.training]\nstart_week = nan\n[policies.nope]\n",
    )
    with pytest.raises(ScenarioError) as err:
        build_spec(p, check_folder=False)
    lines = str(err.value).splitlines()
    assert len(lines) == 6, lines
    starts = [
        "parameter 'scale': value -1",
        "unknown parameter 'scael'",
        "parameter 'run.seed': value -3",
        "unknown run setting 'run.yaers'",
        "parameter 'training.start_week': value nan",
        "unknown policy lever 'nope'",
    ]
    for start in starts:
        assert sum(line.startswith(start) for line in lines) == 1, (start, lines)
    assert "validation error" not in str(err.value) and "pydantic" not in str(err.value)


def test_a_lever_registered_after_import_is_checked_by_its_own_model(
    tmp_path: Path, lever: type[Lever]
) -> None:
    p = write(tmp_path, f"[policies.{lever.name}]\nhours = 99.0\n")
    with pytest.raises(ScenarioError, match=r"'test_file_lever\.hours'.*99.*<= 40"):
        build_spec(p, check_folder=False)


def test_reproduce_arguments_rebuild_the_same_spec(lever: type[Lever]) -> None:
    spec = build_spec(
        sets=["n_residents=300", "fear_liability_mean=0.2", f"{lever.name}.hours=12.5"],
        weeks=30,
        seed=7,
        out="r",
    )
    args = reproduce_args(spec)
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    pols = [args[i + 1] for i, a in enumerate(args) if a == "--policy"]
    again = build_spec(sets=sets, policies=pols, weeks=30, seed=7, out="r")
    assert again.params == spec.params and again.policies == spec.policies
    rec = run_record(spec)
    assert rec["seed"] == 7 and rec["weeks"] == 30
    assert rec["parameters"]["n_residents"] == 300
    assert rec["levers"] == {lever.name: {"start_week": 0, "end_week": 0, "hours": 12.5}}


@pytest.mark.parametrize(
    ("text", "needles"),
    [  # settings in the wrong section: a hint says where they go
        ("years = 5\n", ["'years'", "value 5", "run setting", "put it under [run]"]),
        ('out = "x"\n', ["'out'", "'x'", "put it under [run]"]),
        ("[time_bank]\ncoordinator_hours = 3\n", ["'time_bank'", "[policies.time_bank]"]),
        ('[run]\nyears = 1\ntown = "reading"\n', ["'run.town'", "'reading'", "top of the file"]),
    ],
)
def test_misplaced_settings_get_a_hint(tmp_path: Path, text: str, needles: list[str]) -> None:
    with pytest.raises(ScenarioError) as err:
        build_spec(write(tmp_path, text), check_folder=False)
    for needle in needles:
        assert needle in str(err.value), (needle, str(err.value))


def test_unknown_names_list_the_closest_few_not_all(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as err:
        build_spec(write(tmp_path, "fear_of_spiders = 0.3\n"), check_folder=False)
    msg = str(err.value)
    assert "'fear_liability_mean'" in msg and "'fear_commitment_mean'" in msg
    assert msg.count("'") <= 2 * 5 + 2  # the name and at most four suggestions, quoted
    assert "share_young" not in msg and "coprod-sim list parameters" in msg


def test_a_byte_order_mark_is_accepted_and_other_encodings_refused(tmp_path: Path) -> None:
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbfn_residents = 300\n")
    assert build_spec(p, check_folder=False).scenario.n_residents == 300
    p.write_bytes("n_residents = 300\n".encode("utf-16"))
    with pytest.raises(ScenarioError, match=r"UTF-16.*save it as UTF-8"):
        build_spec(p, check_folder=False)
    p.write_bytes(b"town = 'Wolverh\xe4mpton'\n")
    with pytest.raises(ScenarioError, match=r"not UTF-8 text \(byte 0xe4 at position 15\)"):
        build_spec(p, check_folder=False)


def test_empty_and_huge_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is empty"):
        build_spec(write(tmp_path, "# only a comment\n"), check_folder=False)
    big = tmp_path / "big.toml"
    big.write_text("# x\n" * 400_000)
    with pytest.raises(ScenarioError, match=r"bytes; allowed: a TOML file of at most"):
        build_spec(big, check_folder=False)


def test_an_empty_out_is_refused_and_an_unwritable_one_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"parameter 'out': value '' is not allowed"):
        build_spec(out="")
    p = write(tmp_path, 'town = "demo"\n[run]\nout = ""\n')
    with pytest.raises(ScenarioError, match=r"parameter 'run.out': value ''"):
        build_spec(p)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        p = write(tmp_path, f'[run]\nout = "{(locked / "r").as_posix()}"\n')
        with pytest.raises(ScenarioError) as err:
            build_spec(p)
        assert f"'{locked / 'r'}'" in str(err.value) and "None" not in str(err.value)
        assert "cannot be written to" in str(err.value)
    finally:
        locked.chmod(0o700)


def test_the_size_limit_applies_to_the_resulting_town() -> None:
    with pytest.raises(ScenarioError) as err:
        build_spec(overrides={"town": "reading", "scale": 100.0}, check_folder=False)
    msg = str(err.value)
    assert "16,000,000 residents" in msg and "at most 5,000,000" in msg and "'scale'" in msg
    assert build_spec(overrides={"town": "reading", "scale": 31.25}, check_folder=False)


def test_toml_literal_reads_back_any_text() -> None:
    """Found by the generated inputs: DEL and characters beyond U+FFFF were written in forms
    TOML refuses, so a recorded `reproduce` command could not be read back."""
    import tomllib

    from coprod_sim.io.scenario_file import toml_literal

    for value in ["\x7f", "\U00010000", 'a"b\\c\n\t\x01', "Wolverhämpton", 1e300, -0.0, [1, 2]]:
        assert tomllib.loads(f"v = {toml_literal(value)}")["v"] == value
