"""Services: capacity from staff, co-production mode from staff attitude, agents' views."""

from __future__ import annotations

import numpy as np

from coprod_sim.mechanisms.needs import SERVICES
from coprod_sim.mechanisms.services import MODES, capacity, mean_attitude, mode_of


def test_mode_follows_mean_attitude_thresholds() -> None:
    lo, mid, hi = 0.25, 0.45, 0.65  # the defaults of the mode_threshold_* parameters
    att = np.array([0.0, lo - 1e-6, lo, mid, hi, 1.0])
    assert [MODES[i] for i in mode_of(att, np.array([lo, mid, hi]))] == [
        "traditional",
        "traditional",
        "co_deliverers",
        "full_coproduction",
        "self_organised",
        "self_organised",
    ]


def test_capacity_sums_staff_hours_less_the_cut() -> None:
    service = np.array([0, 0, 1, 2, 2, 2])
    hours = np.array([10.0, 20.0, 5.0, 1.0, 1.0, 1.0])
    assert np.allclose(capacity(service, hours, 3, np.zeros(3)), [30, 5, 3])
    assert np.allclose(capacity(service, hours, 3, np.array([0.5, 0.0, 1.0])), [15, 5, 0])


def test_mean_attitude_per_service() -> None:
    m = mean_attitude(np.array([0, 0, 2]), np.array([0.2, 0.4, 0.9]), 3)
    assert np.allclose(m, [0.3, 0.0, 0.9])


def test_service_agents_read_the_model(run_town) -> None:
    m = run_town(1, weeks=10)
    assert [s.name for s in m.services] == list(SERVICES)
    open_ = m.needs.channel == -1
    for s in m.services:
        assert s.capacity == m.service_capacity[s.idx]
        assert s.staff == (m.staff.service == s.idx).sum() >= 1
        assert s.mode in MODES
        assert s.budget == s.capacity * m.params.professional_hour_cost
        assert s.queue_length == int((open_ & (m.kinds.service[m.needs.kind] == s.idx)).sum())
    assert sum(s.queue_length for s in m.services) == open_.sum()


def test_enabling_staff_make_self_organised_services(run_town) -> None:
    m = run_town(2, weeks=1, attitude_mean=0.95)
    assert (m.service_mode == MODES.index("self_organised")).all()
    m = run_town(2, weeks=1, attitude_mean=0.02)
    assert (m.service_mode == MODES.index("traditional")).all()
