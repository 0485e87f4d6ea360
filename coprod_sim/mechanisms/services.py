"""Services and their professionals: capacity, budget, co-production mode.

A service's weekly capacity is the sum of its staff's direct-contact hours times
``(1 - capacity_cut)``. Its co-production mode follows the mean attitude of its staff
(Boyle and Harris, cited in Capable Communities 2010):

    (thresholds ``mode_threshold_co_deliverers``, ``mode_threshold_full``,
    ``mode_threshold_self_organised``; defaults shown)

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
from pydantic import model_validator

from coprod_sim.parameters import ASSUME, Strict, param

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


class ServiceParams(Strict):
    """Services and professionals: staff, hours, cost, attitudes, standard."""

    staff_per_1000: float = param(
        6.0,
        unit="frontline staff per 1000 adults",
        role="world",
        ge=0,
        le=100,
        source=ASSUME,
        doc="Frontline professionals across the three services per 1000 adults.",
    )
    staff_hours: float = param(
        22.0,
        unit="hours/week",
        role="world",
        ge=0,
        le=60,
        source=ASSUME + " (37-hour week, about 60% in direct contact)",
        doc="Direct-contact hours a frontline professional gives each week.",
    )
    professional_hour_cost: float = param(
        35.0,
        unit="GBP/hour",
        role="world",
        ge=0,
        le=500,
        source="PSSRU Unit Costs of Health and Social Care (order of magnitude); assumption",
        doc="Full cost of one professional hour.",
    )
    staff_share_social_care: float = param(
        0.45,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of frontline staff in social care.",
    )
    staff_share_public_safety: float = param(
        0.30,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of frontline staff in public safety (the rest are early years).",
    )
    attitude_mean: float = param(
        0.4,
        unit="0-1 (sceptical-enabling)",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 ('professional territory'); level assumed",
        doc="Mean professional attitude to co-production at the start.",
    )
    service_standard_weeks: int = param(
        4,
        unit="weeks",
        role="world",
        ge=1,
        le=104,
        source=ASSUME,
        doc="A need should be met within this many weeks (the service standard).",
    )

    mode_threshold_co_deliverers: float = param(
        0.25,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Boyle and Harris modes, as cited in Capable Communities 2010)",
        doc="Mean staff attitude from which a service makes open calls for volunteers.",
    )
    mode_threshold_full: float = param(
        0.45,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Boyle and Harris modes)",
        doc="Mean staff attitude from which a service co-produces fully (and refers).",
    )
    mode_threshold_self_organised: float = param(
        0.65,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Boyle and Harris modes)",
        doc="Mean staff attitude from which professionals step back from needs the community "
        "can meet.",
    )

    @model_validator(mode="after")
    def _staff_shares(self) -> ServiceParams:
        total = self.staff_share_social_care + self.staff_share_public_safety
        if total > 1.0:
            raise ValueError(
                f"staff_share_social_care + staff_share_public_safety = {total:g} exceeds 1"
            )
        t = (self.mode_threshold_co_deliverers, self.mode_threshold_full)
        if not t[0] <= t[1] <= self.mode_threshold_self_organised:
            raise ValueError(
                "mode thresholds must not decrease: mode_threshold_co_deliverers <= "
                "mode_threshold_full <= mode_threshold_self_organised"
            )
        return self


MODES: tuple[str, ...] = (
    "traditional",
    "co_deliverers",
    "full_coproduction",
    "self_organised",
)


def mode_thresholds(p: ServiceParams) -> np.ndarray:
    """The mean attitudes at which a service moves to the next mode."""
    return np.array(
        [p.mode_threshold_co_deliverers, p.mode_threshold_full, p.mode_threshold_self_organised]
    )


def mode_of(mean_attitude: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Co-production mode index of each service from its staff's mean attitude."""
    return np.searchsorted(thresholds, mean_attitude, side="right").astype(np.int8)


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
    model.service_mode = mode_of(
        mean_attitude(staff.service, staff.attitude, n_s), mode_thresholds(model.params)
    )
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
