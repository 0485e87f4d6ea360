"""A yearly record of each resident, in Mesa's own form: ``DataCollector(agent_reporters=...)``.

``attach_agent_records(model)`` gives a model ``model.agent_datacollector``, a collector of its
own (the weekly figures stay in ``model.datacollector``), and the schedule's "resident records"
phase (``collect_year``) fills it at the end of every results year (every 52 results weeks;
the burn-in's years are not recorded). ``model.agent_datacollector.get_agent_vars_dataframe()``
is then the per-resident table a notebook would otherwise build with ``getattr`` over every
resident; ``coprod_sim.io.run_files.write_agent_records`` saves it as
``residents_yearly.parquet`` in a run folder.

A big town records a sample: every resident up to ``RECORD_ALL_UP_TO`` residents, else
``SAMPLE_SIZE`` residents drawn once, at set-up, from the run's own ``agent_record`` stream
(``model.streams``: a child of the run's seed that no mechanism draws from, so recording
changes no result). Each column is declared once, as a reader of the recorded residents' rows
(``COLUMNS``); Mesa's agent reporters (``REPORTERS``) are the same readers for one resident,
and ``ResidentRecords`` collects a column at a time, not a reporter per resident. Collecting
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from coprod_sim.mechanisms.outcomes import BARRIERS, PARTICIPATION, WEEKS_PER_YEAR
from coprod_sim.state.occupancy import has_vacancies

#: towns up to this many residents record every resident
RECORD_ALL_UP_TO = 10_000
#: residents recorded in a bigger town (a simple random sample without replacement)
SAMPLE_SIZE = 1_000
#: the random stream the sample is drawn from (``model.streams``)
STREAM = "agent_record"
#: the run folder's file
FILE = "residents_yearly.parquet"


#: how a column is read: (model, the recorded residents' rows) -> one Python value per row
Reader = Callable[[Any, np.ndarray], list]


def _resident(column: str) -> Reader:
    """Reader: a column of ``model.pop`` (declared, or a lever's) by its name there."""

    def read(model: Any, rows: np.ndarray) -> list:
        return getattr(model.pop, column)[rows].tolist()

    return read


def _named(codes: np.ndarray, names: tuple[str, ...]) -> list[str | None]:
    """Codes as names; a negative code (none) as None."""
    return [names[c] if c >= 0 else None for c in codes.tolist()]


def _class_name(column: str) -> Reader:
    """Reader: a resident's participation class of the year just closed, by name."""

    def read(model: Any, rows: np.ndarray) -> list:
        return _named(getattr(model.pop, column)[rows], PARTICIPATION)

    return read


def _barrier(model: Any, rows: np.ndarray) -> list:
    """Reader: the main barrier of a resident who gave no help in the year (else None)."""
    return _named(model.barrier_codes[rows], BARRIERS)


#: column -> how it is read for the recorded residents, all at once
COLUMNS: dict[str, Reader] = {
    "week": lambda model, rows: [int(model.week)] * len(rows),
    "resident": lambda model, rows: rows.tolist(),
    "age": _resident("age"),
    "neighbourhood": _resident("nbhd"),
    "employed": _resident("employed"),
    "carer": _resident("carer"),
    "free_hours": _resident("free_hours"),
    "hours_last_year": lambda model, rows: model.hours_last_year[rows].tolist(),
    "participation": _class_name("last_year_class"),
    "participation_formal": _class_name("last_year_class_formal"),
    "participation_informal": _class_name("last_year_class_informal"),
    "barrier": _barrier,
    "willing_activities": lambda model, rows: np.bitwise_count(model.pop.willing[rows]).tolist(),
    "trust_neighbours": _resident("trust_nbr"),
    "trust_services": _resident("trust_svc"),
    "confidence": _resident("confidence"),
    "fear_of_commitment": _resident("fear_commit"),
    "fatigue": _resident("fatigue"),
    "committed_hours": _resident("committed"),
    "hours_given": _resident("hours_given"),
    "credits": _resident("credits"),
}


def _agent_reporter(read: Reader) -> Callable[[Any], Any]:
    """The same column as a Mesa agent reporter: the value for one resident (agent)."""
    return lambda agent: read(agent.model, np.array([agent.idx]))[0]


#: column -> Mesa agent reporter (one resident at a time), from ``COLUMNS``
REPORTERS: dict[str, Callable[[Any], Any]] = {
    name: _agent_reporter(read) for name, read in COLUMNS.items()
}


class ResidentRecords(mesa.DataCollector):
    """Mesa's DataCollector with the agent reporters ``REPORTERS``, collecting them a column at
    a time: each column of ``COLUMNS`` is read once for all the recorded residents instead of
    a reporter being called per resident (21 Python calls each), which cost ~25 ms at every
    year's end for a 1,000-resident sample. The records are the same: one tuple per agent, in
    the agent set's order, of (time, unique_id, the reporters' values as Python scalars)."""

    def __init__(self) -> None:
        super().__init__(agent_reporters=dict(REPORTERS))

    def _record_agents(self, model: Any) -> Any:
        """Mesa's hook for the records of ``model.agents`` (residents), read as arrays."""
        agents = list(model.agents)
        if not agents or list(self.agent_reporters) != list(COLUMNS):
            return super()._record_agents(model)  # reporters added by hand: Mesa's own way
        town = agents[0].model
        rows = np.fromiter((a.idx for a in agents), np.int64, len(agents))
        if has_vacancies(town):  # records of residents: a vacant row has none
            here = town.pop.present[rows]
            agents = [a for a, h in zip(agents, here, strict=True) if h]
            rows = rows[here]
        ids = [a.unique_id for a in agents]
        columns = [read(town, rows) for read in COLUMNS.values()]
        return zip(repeat(town.time, len(agents)), ids, *columns, strict=True)


def sample_residents(model: Any, size: int | None = None) -> np.ndarray:
    """Row indices of the residents to record, sorted: all of them in a town of up to
    ``RECORD_ALL_UP_TO`` residents (unless ``size`` says otherwise), else ``size`` (default
    ``SAMPLE_SIZE``) drawn without replacement from the run's ``agent_record`` stream."""
    n = int(model.n_residents)
    if size is None:
        size = n if n <= RECORD_ALL_UP_TO else SAMPLE_SIZE
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"agent_record_sample: value {size!r} is not allowed; allowed: 1 or more")
    if size >= n:
        return np.arange(n)
    rng = model.streams.get(STREAM)  # set-up block of a stream of its own
    return np.sort(rng.choice(n, size=int(size), replace=False))


def attach_agent_records(model: Any, size: int | None = None) -> mesa.DataCollector:
    """Give ``model`` a yearly per-resident collector (``model.agent_datacollector``) over the
    residents ``sample_residents`` picks (``model.agent_record_set``, a Mesa ``AgentSet``)."""
    rows = sample_residents(model, size)
    model.agent_record_set = AgentSet(
        [model.residents[i] for i in rows.tolist()], random=model.random
    )
    model.agent_datacollector = ResidentRecords()
    return model.agent_datacollector


def detach_agent_records(model: Any) -> None:
    """No yearly resident records for a run whose records nobody reads (a sweep's runs, a
    calibration simulation, the dashboard's replication bands): Mesa's agent reporters call
    Python per resident, about 0.19 s CPU a year at 10,000 residents, as much as the year's
    52 weeks. Recording draws from a stream of its own and writes nothing into the model, so
    leaving it out changes no result (``tests/outputs/test_agent_records.py``)."""
    model.agent_datacollector = None  # ``collect_year`` then records nothing


def collect_year(model: Any) -> None:
    """At the end of each results year, a record of each sampled resident (Mesa's agent
    reporters, on ``model.agent_datacollector`` when ``attach_agent_records`` gave one)."""
    collector = getattr(model, "agent_datacollector", None)
    if collector is None or model.week <= 0 or model.week % WEEKS_PER_YEAR:
        return
    # Mesa's collector records ``model.agents``; this view hands it the sample instead
    collector.collect(SimpleNamespace(agents=model.agent_record_set, time=model.time))


def agent_records_frame(model: Any) -> pd.DataFrame:
    """The yearly records as one flat table (a row per resident and year, ``year`` from 1)."""
    frame = model.agent_datacollector.get_agent_vars_dataframe().reset_index()
    frame = frame.rename(columns={"Step": "step", "AgentID": "agent_id"})
    frame.insert(0, "year", frame["week"] // WEEKS_PER_YEAR)
    return frame
