"""The package's data files (kinds of need, towns, unit costs): what the model uses is what the
files say, every entry states its source, and a bad entry stops with an error that names the
file, the entry, the field, the value and what is allowed."""

from __future__ import annotations

import shutil
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from coprod_sim import data
from coprod_sim.analysis import costs
from coprod_sim.data import DataFileError
from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS, SERVICES, NeedKind
from coprod_sim.state import towns
from coprod_sim.state.willingness import ACTIVITY_INDEX

PACKAGE_DATA = Path(str(files("coprod_sim.data")))


def _raw(name: str) -> dict:
    return tomllib.loads((PACKAGE_DATA / name).read_text(encoding="utf-8"))


def test_need_kinds_are_the_file_entries_with_sources_and_units() -> None:
    raw = _raw(data.NEED_KINDS_FILE)
    assert [k["name"] for k in raw["kind"]] == [k.name for k in DEFAULT_NEED_KINDS]
    for entry, kind in zip(raw["kind"], DEFAULT_NEED_KINDS, strict=True):
        assert entry["source"].strip()
        for field in NeedKind.model_fields:
            want = entry.get(field)  # activity left out: professional only
            want = tuple(want) if isinstance(want, list) else want
            assert getattr(kind, field) == want, (kind.name, field)
    units = {n: data.field_unit(f) for n, f in NeedKind.model_fields.items()}
    assert raw["units"] == {n: u for n, u in units.items() if n != "name"}


def test_towns_and_unit_costs_are_the_file_entries() -> None:
    raw = _raw(data.TOWNS_FILE)["town"]
    assert list(towns.TOWNS) == [t["name"] for t in raw]
    for entry in raw:
        town = towns.TOWNS[entry["name"]]
        assert town.residents == entry["residents"] and town.note == entry["source"]
        assert town.deprivation_beta == tuple(entry["deprivation_beta"])
        assert town.diversity_beta == tuple(entry["diversity_beta"])
    raw = _raw(data.UNIT_COSTS_FILE)["cost"]
    assert list(costs.UNIT_COSTS) == [c["name"] for c in raw]
    for entry in raw:
        c = costs.UNIT_COSTS[entry["name"]]
        assert (c.value, c.unit, c.source) == (entry["value"], entry["unit"], entry["source"])
        assert costs.unit(entry["name"]) == entry["value"]
        assert c.source.strip()


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    """A copy of the package's data files to break."""
    for name in (data.NEED_KINDS_FILE, data.TOWNS_FILE, data.UNIT_COSTS_FILE):
        shutil.copy(PACKAGE_DATA / name, tmp_path / name)
    return tmp_path


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _kinds(root: Path) -> tuple:
    return data.load_need_kinds(
        NeedKind,
        services=SERVICES,
        activities=tuple(ACTIVITY_INDEX),
        owners=("resident", "service"),
        root=root,
    )


def test_an_unchanged_copy_loads_the_same(copy_dir: Path) -> None:
    assert _kinds(copy_dir) == DEFAULT_NEED_KINDS
    assert towns.load_towns(copy_dir) == towns.TOWNS
    assert costs.load_unit_costs(copy_dir) == costs.UNIT_COSTS


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (  # out of range: file, entry, field, value and the allowed range
            "hours = 1.0",
            "hours = 50.0",
            ["need_kinds.toml", "kind 'check_in'", "'hours'", "50.0", "[0.05, 40]", "hours/week"],
        ),
        (
            "crisis_hazard = 0.01",
            "crisis_hazard = -0.01",
            ["kind 'check_in'", "'crisis_hazard'", "-0.01", "[0, 1]"],
        ),
        ("rate = [0.0, 0.45, 7.5]", "rate = [0.0, 0.45]", ["kind 'check_in'", "'rate'"]),
        ('service = "social_care"', 'service = "housing"', ["'housing'", "'early_years'"]),
        ('activity = "check_elderly"', 'activity = "knitting"', ["'activity'", "'knitting'"]),
        ("hours = 1.0", "hours = 1.0\nhorus = 2.0", ["kind 'check_in'", "unknown field 'horus'"]),
        ("growth = 0.03\n", "", ["kind 'check_in'", "'growth' is missing", "[0, 0.5]"]),
        ("recurring = true", 'recurring = "yes"', ["'recurring'", "'yes'"]),
        ('hours = "hours/week"', 'hours = "hours/day"', ["[units] hours", "'hours/week'"]),
        ('name = "lift_to_shops"', 'name = "check_in"', ["kind 'check_in' appears twice"]),
        ("hours = 1.0", "hours = ", ["need_kinds.toml: not valid TOML", "line"]),
    ],
)
def test_a_bad_need_kind_names_file_entry_field_and_value(
    copy_dir: Path, old: str, new: str, expect: list[str]
) -> None:
    _edit(copy_dir, data.NEED_KINDS_FILE, old, new)
    with pytest.raises(DataFileError) as err:
        _kinds(copy_dir)
    for part in expect:
        assert part in str(err.value), (part, str(err.value))


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            "residents = 10_000",
            "residents = 0",
            ["towns.toml", "town 'demo'", "'residents'", "0", "[1, 5000000]"],
        ),
        ("residents = 10_000", "residents = 3", ["town 'demo'", "at least neighbourhoods (6)"]),
        (
            "deprivation_beta = [2.0, 3.0]",
            "deprivation_beta = [2.0, 0.0]",
            ["town 'demo'", "'deprivation_beta'[1]", "0.0", "(0, 1000]"],
        ),
        ("neighbourhoods = 6", "neighbourhoods = 6.5", ["'neighbourhoods'", "6.5"]),
    ],
)
def test_a_bad_town_names_file_entry_field_and_value(
    copy_dir: Path, old: str, new: str, expect: list[str]
) -> None:
    _edit(copy_dir, data.TOWNS_FILE, old, new)
    with pytest.raises(DataFileError) as err:
        towns.load_towns(copy_dir)
    for part in expect:
        assert part in str(err.value), (part, str(err.value))


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            "value = 16.0",
            "value = -16.0",
            ["unit_costs.toml", "cost 'coordinator_hour'", "'value'", "-16.0", ">= 0"],
        ),
        ("value = 16.0", "value = nan", ["cost 'coordinator_hour'", "'value'", "nan"]),
        ('unit = "GBP/hour"', 'unit = "EUR/hour"', ["'unit'", "'EUR/hour'", "GBP"]),
        ('unit = "GBP/hour"', 'unit = "GBP/hour"\nvat = 0.2', ["unknown field 'vat'"]),
    ],
)
def test_a_bad_unit_cost_names_file_entry_field_and_value(
    copy_dir: Path, old: str, new: str, expect: list[str]
) -> None:
    _edit(copy_dir, data.UNIT_COSTS_FILE, old, new)
    with pytest.raises(DataFileError) as err:
        costs.load_unit_costs(copy_dir)
    for part in expect:
        assert part in str(err.value), (part, str(err.value))


def test_a_unit_cost_above_its_lever_parameters_maximum_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    too_dear = costs.UnitCost(900.0, "GBP/hour", "x")
    monkeypatch.setitem(costs.UNIT_COSTS, "coordinator_hour", too_dear)
    with pytest.raises(DataFileError, match=r"'coordinator_hour'.*900.*\[0, 500\]"):
        costs.cost_param("coordinator_hour", le=500, doc="Full cost of one coordinator hour.")
    with pytest.raises(KeyError, match="'no_such_cost' is not in unit_costs.toml"):
        costs.cost_param("no_such_cost", le=500, doc="-")


def test_entries_that_are_not_tables_are_named(tmp_path: Path) -> None:
    units = (PACKAGE_DATA / data.TOWNS_FILE).read_text(encoding="utf-8").split("[[town]]")[0]
    (tmp_path / data.TOWNS_FILE).write_text('town = ["demo"]\n' + units, encoding="utf-8")
    with pytest.raises(DataFileError, match=r"towns.toml: town number 1 is 'demo'"):
        towns.load_towns(tmp_path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="towns.toml: data file not found"):
        towns.load_towns(tmp_path)
