"""A yearly record of each resident, in Mesa's own form: ``DataCollector(agent_reporters=...)``.

``attach_agent_records(model)`` gives a model ``model.agent_datacollector``, a collector of its
own (the weekly figures stay in ``model.datacollector``), and the schedule's "resident records"
phase (``collect_year``) fills it at the end of every results year (every 52 results weeks;
the burn-in's years are not recorded). ``model.agent_datacollector.get_agent_vars_dataframe()``
is then the per-resident table a notebook would otherwise build with ``getattr`` over every
resident; ``coprod_sim.io.run_files.write_agent_records`` saves it as
``residents_yearly.parquet`` in a run folder.

Mesa's agent reporters call Python functions agent by agent, so a big town records a sample:
every resident up to ``RECORD_ALL_UP_TO`` residents, else ``SAMPLE_SIZE`` residents drawn once,
at set-up, from the run's own ``agent_record`` stream (``model.streams``: a child of the run's
seed that no mechanism draws from, so recording changes no result). Collecting reads the
residents' array-backed properties (``coprod_sim.agents``); it writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from coprod_sim.mechanisms.outcomes import BARRIERS, PARTICIPATION, WEEKS_PER_YEAR

#: towns up to this many residents record every resident
RECORD_ALL_UP_TO = 10_000
#: residents recorded in a bigger town (a simple random sample without replacement)
SAMPLE_SIZE = 1_000
#: the random stream the sample is drawn from (``model.streams``)
STREAM = "agent_record"
#: the run folder's file
FILE = "residents_yearly.parquet"


def _class_name(codes: str) -> Callable[[Any], str | None]:
    """Reporter: a resident's participation class of the year just closed, by name."""

    def report(agent: Any) -> str | None:
        code = int(getattr(agent.model.pop, codes)[agent.idx])
        return PARTICIPATION[code] if code >= 0 else None

    return report


def _barrier(agent: Any) -> str | None:
    """Reporter: the main barrier of a resident who gave no help in the year (else None)."""
    code = int(agent.model.barrier_codes[agent.idx])
    return BARRIERS[code] if code >= 0 else None


#: column -> Mesa agent reporter (an attribute of ``coprod_sim.agents.Resident`` or a function)
REPORTERS: dict[str, str | Callable[[Any], Any]] = {
    "week": lambda a: int(a.model.week),
    "resident": "idx",
    "age": "age",
    "neighbourhood": "nbhd",
    "employed": "employed",
    "carer": "carer",
    "free_hours": "free_hours",
    "hours_last_year": lambda a: float(a.model.hours_last_year[a.idx]),
    "participation": _class_name("last_year_class"),
    "participation_formal": _class_name("last_year_class_formal"),
    "participation_informal": _class_name("last_year_class_informal"),
    "barrier": _barrier,
    "willing_activities": lambda a: int(a.willing).bit_count(),
    "trust_neighbours": "trust_neighbours",
    "trust_services": "trust_services",
    "confidence": "confidence",
    "fear_of_commitment": "fear_of_commitment",
    "fatigue": "fatigue",
    "committed_hours": "committed_hours",
    "hours_given": "hours_given",
    "credits": "credits",
}


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
    model.agent_datacollector = mesa.DataCollector(agent_reporters=dict(REPORTERS))
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
