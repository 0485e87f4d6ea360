"""Mesa agents are views of array rows: reading and writing an attribute is reading and writing
the array."""

from __future__ import annotations

import numpy as np

from coprod_sim.agents import Professional, Resident, Service
from coprod_sim.state.willingness import ACTIVITY_NAMES, willing_for


def test_every_resident_professional_and_service_is_an_agent(run_town) -> None:
    m = run_town(1, weeks=2, n_residents=400)
    assert len(m.agents_by_type[Resident]) == m.n_residents
    assert len(m.agents_by_type[Professional]) == len(m.staff)
    assert len(m.agents_by_type[Service]) == 3
    assert len(m.agents) == m.n_residents + len(m.staff) + 3


def test_a_resident_reads_and_writes_its_row(run_town) -> None:
    m = run_town(2, weeks=5, n_residents=400)
    r = m.residents[17]
    assert r.fatigue == m.pop.fatigue[17]
    assert r.free_hours == m.pop.free_hours[17]
    assert r.trust_neighbours == m.pop.trust_nbr[17]
    assert r.fear_of_commitment == m.pop.fear_commit[17]
    r.fatigue = 0.75
    assert m.pop.fatigue[17] == np.float32(0.75)
    m.pop.confidence[17] = 0.125
    assert r.confidence == 0.125
    assert np.array_equal(r.ties, m.graph.indices[m.graph.indptr[17] : m.graph.indptr[18]])
    assert r.willing_for == [
        a for i, a in enumerate(ACTIVITY_NAMES) if willing_for(m.pop.willing[17:18], i)[0]
    ]


def test_the_agents_own_attributes_are_never_resident_columns(run_town) -> None:
    """``Resident.OWN`` are set on the agent without looking for a column: no resident column
    (declared, or added by a lever) may take one of their names."""
    from coprod_sim.levers import LEVERS

    m = run_town(4, weeks=1, n_residents=300, policies=list(LEVERS))
    assert not Resident.OWN & (set(m.pop.columns) | set(m.pop.extra))
    r = m.residents[3]
    assert (r.idx, r.model, r.unique_id) == (3, m, m.residents[3].unique_id)


def test_agents_of_two_live_models_do_not_mix(run_town) -> None:
    a, b = run_town(1, weeks=0, n_residents=300), run_town(2, weeks=0, n_residents=300)
    a.residents[5].fatigue = 0.5
    assert b.pop.fatigue[5] == 0.0
    assert a.residents[5].free_hours == a.pop.free_hours[5] != b.residents[5].free_hours


def test_agent_set_aggregates_match_the_arrays(run_town) -> None:
    m = run_town(3, weeks=10, n_residents=400)
    residents = m.agents_by_type[Resident]
    assert np.isclose(residents.agg("hours_given", sum), m.pop.hours_given.sum(), rtol=1e-5)
    p = m.professionals[0]
    assert p.capacity == m.staff.capacity[0] and p.service in (
        "social_care",
        "public_safety",
        "early_years",
    )
    owners = m.needs.owner[m.needs.owner >= 0]
    if len(owners):
        r = m.residents[int(owners[0])]
        assert len(r.own_needs) == int((m.needs.owner == owners[0]).sum())
