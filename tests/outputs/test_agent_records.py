"""Yearly per-resident records through Mesa's DataCollector: one row per sampled resident and
results year, a sample in a big town, and no change to any result."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import mesa
import pandas as pd
import pytest

from coprod_sim import CoproductionModel
from coprod_sim.io.run_files import write_outputs
from coprod_sim.outputs.agent_records import (
    FILE,
    REPORTERS,
    SAMPLE_SIZE,
    agent_records_frame,
    attach_agent_records,
    sample_residents,
)

COLUMNS = ["year", "step", "agent_id", *REPORTERS]


class Recorded(CoproductionModel):
    """The model as it is once its constructor calls ``attach_agent_records``."""

    def __init__(self, *args, record: int | None = None, **kw) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kw)
        attach_agent_records(self, record)


def small(cls: type = Recorded, **kw) -> CoproductionModel:  # noqa: ANN003
    return cls(rng=7, town="demo", n_residents=600, burn_in_years=0, **kw)


def test_two_years_give_two_records_per_resident_with_the_declared_columns() -> None:
    model = small()
    model.run_weeks(2 * 52 + 10)  # the third year is not complete: not recorded
    frame = model.agent_datacollector.get_agent_vars_dataframe()
    assert list(frame.columns) == list(REPORTERS)
    flat = agent_records_frame(model)
    assert list(flat.columns) == COLUMNS
    assert flat.groupby("resident").size().eq(2).all()
    assert flat["resident"].nunique() == 600
    assert sorted(flat["year"].unique()) == [1, 2]
    assert set(flat["participation_formal"].dropna()) <= {
        "weekly", "monthly", "yearly", "rarely", "never"
    }  # fmt: skip
    # the record is what the arrays held at the year's end
    last = flat[flat.year == 2].set_index("resident")
    pop = model.pop
    # (rows with no birthday and no newcomer in the 10 weeks since: population turnover)
    same = (last.index % 52 >= 10) & (pop.moved_in_week[last.index] < 2 * 52)
    assert same.sum() > 400
    assert (last["age"].to_numpy()[same] == pop.age[last.index[same]]).all()
    helped = last["hours_last_year"] > 0
    assert last.loc[helped, "barrier"].isna().all()  # a barrier only for who gave no help


def test_a_column_at_a_time_records_what_mesas_reporters_record_per_resident() -> None:
    """``ResidentRecords`` reads each column once for the sample; Mesa's own collector calls
    the same reporters resident by resident: the same tuples of the same Python types."""
    from coprod_sim.levers import LEVERS

    model = small(policies=list(LEVERS))  # every lever: the levers' columns are recorded too
    model.run_weeks(52 + 20)
    view = SimpleNamespace(agents=model.agent_record_set, time=model.time)
    per_resident = mesa.DataCollector(agent_reporters=dict(REPORTERS))
    for collector in (per_resident, model.agent_datacollector):
        collector.collect(view)
    ours = model.agent_datacollector._agent_records[model.time]
    mesas = per_resident._agent_records[model.time]
    assert len(ours) == 600 and ours == mesas
    assert [tuple(map(type, r)) for r in ours] == [tuple(map(type, r)) for r in mesas]
    pd.testing.assert_frame_equal(
        model.agent_datacollector.get_agent_vars_dataframe().xs(model.time, drop_level=False),
        per_resident.get_agent_vars_dataframe(),
    )
    # a reporter reads what the resident agent shows
    attrs = {"age": "age", "neighbourhood": "nbhd", "free_hours": "free_hours",
             "trust_neighbours": "trust_neighbours", "committed_hours": "committed_hours",
             "fear_of_commitment": "fear_of_commitment", "credits": "credits"}  # fmt: skip
    for agent in list(model.agent_record_set)[:50]:
        for column, attr in attrs.items():
            assert REPORTERS[column](agent) == getattr(agent, attr)


def test_recording_changes_no_result() -> None:
    plain, recorded = small(CoproductionModel), small(record=100)
    for m in (plain, recorded):
        m.run_weeks(2 * 52)
    pd.testing.assert_frame_equal(
        plain.datacollector.get_model_vars_dataframe(),
        recorded.datacollector.get_model_vars_dataframe(),
    )
    assert str(plain.years) == str(recorded.years)  # NaN-safe: retention is NaN in year 1


def test_a_detached_run_records_nothing_and_computes_the_same() -> None:
    """Sweeps, calibration and the dashboard's bands detach the records they never read."""
    from coprod_sim.outputs.agent_records import detach_agent_records

    kept, detached = small(CoproductionModel), small(CoproductionModel)
    detach_agent_records(detached)
    for m in (kept, detached):
        m.run_weeks(53)
    assert detached.agent_datacollector is None
    assert len(kept.agent_datacollector.get_agent_vars_dataframe()) == 600
    pd.testing.assert_frame_equal(
        kept.datacollector.get_model_vars_dataframe(),
        detached.datacollector.get_model_vars_dataframe(),
    )


def test_a_sample_comes_from_its_own_stream_and_is_reproducible() -> None:
    a, b = small(record=50), small(record=50)
    rows = sample_residents(a, 50)
    assert len(rows) == 50 and len(set(rows.tolist())) == 50
    assert a.agent_record_set is not b.agent_record_set
    assert sorted(x.idx for x in a.agent_record_set) == sorted(x.idx for x in b.agent_record_set)
    with pytest.raises(ValueError, match="agent_record_sample: value 0"):
        sample_residents(a, 0)


@pytest.mark.slow
def test_a_20000_resident_town_records_only_the_sample() -> None:
    model = Recorded(rng=3, town="demo", n_residents=20_000, burn_in_years=0)
    assert len(model.agent_record_set) == SAMPLE_SIZE
    model.run_weeks(52)
    flat = agent_records_frame(model)
    assert len(flat) == SAMPLE_SIZE
    assert flat["resident"].nunique() == SAMPLE_SIZE
    assert set(flat["resident"]) == {x.idx for x in model.agent_record_set}


def test_the_run_folder_gets_the_records_only_when_recorded(tmp_path: Path) -> None:
    recorded, plain = small(), small(CoproductionModel)
    recorded.run_weeks(52)
    plain.run_weeks(51)  # every model records, but only completed results years
    paths = write_outputs(tmp_path / "rec", recorded)
    assert tmp_path / "rec" / FILE in paths
    table = pd.read_parquet(tmp_path / "rec" / FILE)
    assert list(table.columns) == COLUMNS and len(table) == 600
    assert not (tmp_path / "plain" / FILE).exists()
    assert tmp_path / "plain" / FILE not in write_outputs(tmp_path / "plain", plain)
    assert not (tmp_path / "plain" / FILE).exists()
