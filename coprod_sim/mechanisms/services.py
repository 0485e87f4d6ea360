"""Services and their professionals: capacity, budget, co-production mode.

A service's weekly capacity is the sum of its staff's direct-contact hours times
``(1 - capacity_cut)``. Its co-production mode follows the mean attitude of its staff
(Boyle and Harris, cited in Capable Communities 2010):

    mean attitude < 0.25  traditional professional provision   (no open calls for volunteers)
    0.25 - 0.45           professionals with co-deliverers      (open calls)
    0.45 - 0.65           full co-production                    (open calls, referral)
    >= 0.65               self-organised community provision    (open calls, referral, and
                                                                  professionals step back from
                                                                  needs the community can meet)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

MODES: tuple[str, ...] = (
    "traditional",
    "co_deliverers",
    "full_coproduction",
    "self_organised",
)
MODE_THRESHOLDS = np.array([0.25, 0.45, 0.65])  # assumption


def mode_of(mean_attitude: np.ndarray) -> np.ndarray:
    """Co-production mode index of each service from its staff's mean attitude."""
    return np.searchsorted(MODE_THRESHOLDS, mean_attitude, side="right").astype(np.int8)


def capacity(
    staff_service: np.ndarray, staff_capacity: np.ndarray, n_services: int, cut: np.ndarray
) -> np.ndarray:
    """Professional hours each service can give this week."""
    hours = np.bincount(staff_service, weights=staff_capacity, minlength=n_services)
    return hours * (1.0 - cut)


def mean_attitude(staff_service: np.ndarray, attitude: np.ndarray, n_services: int) -> np.ndarray:
    total = np.bincount(staff_service, weights=attitude, minlength=n_services)
    count = np.bincount(staff_service, minlength=n_services)
    return total / np.maximum(count, 1)


def refresh(model: CoproductionModel) -> None:
    """Each service's capacity this week (after any cut) and its mode (from staff attitudes,
    which gatekeeping and levers move)."""
    n_s = len(model.service_capacity)
    staff = model.staff
    model.service_mode = mode_of(mean_attitude(staff.service, staff.attitude, n_s))
    model.service_capacity = capacity(staff.service, staff.capacity, n_s, model.capacity_cut)


def professional_load(model: CoproductionModel) -> np.ndarray:
    """Hours each service's staff owe this week to the cases they already hold."""
    from coprod_sim.mechanisms.needs import CHANNEL_INDEX

    n = model.needs
    act = n.channel == CHANNEL_INDEX["professional"]
    return np.bincount(
        model.kinds.service[n.kind[act]],
        weights=n.hours[act],
        minlength=len(model.service_capacity),
    )
