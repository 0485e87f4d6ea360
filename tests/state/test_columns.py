"""Resident state declared once (``StateColumn`` in the owner's ``STATE``): the arrays a town is
built with are exactly the declared ones, a newcomer's history is reset from the declared start
values, and agents read and write any column by its declared name."""

from __future__ import annotations

import types

import numpy as np
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.agents import Resident
from coprod_sim.mechanisms.needs import NeedTable
from coprod_sim.schedule import RESIDENT_STATE
from coprod_sim.state.columns import StateColumn, collect_columns
from coprod_sim.state.population import Neighbourhoods, Population, Staff


@pytest.fixture(scope="module")
def model() -> CoproductionModel:
    m = CoproductionModel(rng=3, n_residents=300, n_neighbourhoods=3, burn_in_years=1)
    m.run_weeks(6)
    return m


def test_a_town_has_exactly_the_declared_columns_with_their_dtypes(model) -> None:
    pop = model.pop
    assert pop.columns.keys() == RESIDENT_STATE.keys()
    for name, col in RESIDENT_STATE.items():
        a = getattr(pop, name)
        assert a.dtype == np.dtype(col.dtype) and len(a) == len(pop), name
        assert col.owner and col.unit and col.meaning, name


@pytest.mark.parametrize(
    ("holder", "cls"), [("staff", Staff), ("nb", Neighbourhoods), ("needs", NeedTable)]
)
def test_the_small_tables_match_their_declared_columns(model, holder: str, cls: type) -> None:
    obj = getattr(model, holder)
    declared = {c.name for c in cls.COLUMNS}
    arrays = {k for k, v in vars(obj).items() if isinstance(v, np.ndarray) and k[0] != "_"}
    assert arrays == declared
    for c in cls.COLUMNS:
        assert getattr(obj, c.name).dtype == np.dtype(c.dtype), c.name


def test_an_undeclared_or_missing_array_is_refused(model) -> None:
    arrays = {name: getattr(model.pop, name) for name in RESIDENT_STATE}
    with pytest.raises(ValueError, match="undeclared \\['stray'\\]"):
        Population(RESIDENT_STATE, {**arrays, "stray": np.zeros(len(model.pop))})
    del arrays["fatigue"]
    with pytest.raises(ValueError, match="missing \\['fatigue'\\]"):
        Population(RESIDENT_STATE, arrays)


def test_a_wrong_dtype_names_the_column_and_its_owner(model) -> None:
    arrays = {name: getattr(model.pop, name) for name in RESIDENT_STATE}
    arrays["fatigue"] = arrays["fatigue"].astype(np.float64)
    with pytest.raises(ValueError, match="'fatigue'.*float32 \\(mechanisms.commitment\\)"):
        Population(RESIDENT_STATE, arrays)


def test_a_column_declared_by_two_modules_is_refused() -> None:
    a = types.ModuleType("coprod_sim.a")
    b = types.ModuleType("coprod_sim.b")
    a.STATE = (StateColumn("x", "float32", "0-1", "x"),)
    b.STATE = (StateColumn("x", "float32", "0-1", "x again"),)
    with pytest.raises(ValueError, match="'x' is declared by both a and b"):
        collect_columns((a, b))


def test_a_newcomer_starts_from_the_declared_start_values() -> None:
    m = CoproductionModel(rng=4, n_residents=200, burn_in_years=1)
    m.run_weeks(30)
    rows = np.arange(0, 200, 7)
    before = {n: getattr(m.pop, n)[rows].copy() for n, c in RESIDENT_STATE.items()}
    m.pop.reset_rows(rows)
    for name, col in RESIDENT_STATE.items():
        now = getattr(m.pop, name)[rows]
        if col.start is None:  # drawn, or set by its owner: untouched here
            assert np.array_equal(now, before[name]), name
        else:  # the start value in the column's dtype, as set-up fills it, to the bit
            assert now.tobytes() == col.empty(len(rows)).tobytes(), name


def test_an_agent_reads_and_writes_any_declared_column(model) -> None:
    r = model.residents[7]
    assert isinstance(r, Resident)
    for name in RESIDENT_STATE:
        assert getattr(r, name) == getattr(model.pop, name)[7].item(), name
    old = model.pop.fatigue[7]
    r.fatigue = 0.75
    assert model.pop.fatigue[7] == np.float32(0.75) and "fatigue" not in vars(r)
    r.fatigue = old
    model.pop.add_column("stamp", np.int16, 3)
    assert r.stamp == 3
    with pytest.raises(AttributeError, match="no attribute 'not_a_column'"):
        _ = r.not_a_column
