"""Services and their professionals: capacity, budget, co-production mode.

A service's weekly capacity is the sum of its staff's direct-contact hours times
``(1 - capacity_cut)``. How far it co-produces follows the mean attitude ``m`` of its staff
(Boyle and Harris's modes, cited in Capable Communities 2010), as three smooth shares, each a
``smoothstep`` of ``m`` across a band of half-width ``h = mode_transition_halfwidth`` around
one of the mode thresholds (defaults shown):

    open_call_share  = S((m - 0.25) / h)  share of its volunteer roles a service advertises
                                          by open call this week (0: traditional provision)
    referral_share   = S((m - 0.25) / h)  factor on its professionals' referrals (a service
                                          that accepts no co-delivery refers nothing; each
                                          professional's own engagement gates the rest)
    step_back_share  = S((m - 0.65) / h)  chance its professionals leave a need the community
                                          can meet to the community this week

    S(x) = 0 for x <= -1, 1 for x >= 1, else smoothstep: u = (x + 1) / 2, 3u^2 - 2u^3

(thresholds ``mode_threshold_co_deliverers`` for the first two, ``mode_threshold_self_organised``
for the third; ``mode_threshold_full`` is the label's only). So a service whose mean attitude is
a band's width away from a threshold behaves exactly as its mode says, and one near it part of
the way: one professional's draw (the demo town has 3-5 per service, whose mean attitude has a
standard error of about 0.1) moves the service's practice by a share, not all or nothing.

A service's staff work in teams of about ``team_size`` (``team_mean_attitude``): the shares
above are those of each team's mean attitude, averaged over the service's teams. So a town of
100,000 is many teams of about four, each as likely to be sceptical as the one team of a town of
2,000, and the expected practice does not depend on the town's size.

Staff hours are not rounded to whole staff: a service gets exactly its share of
``staff_per_1000 x residents / 1000 x staff_hours`` hours a week (``build_staff`` gives each of
its professionals an equal part), so a small town is not over- or under-staffed by rounding.

The mode index (``model.service_mode``, ``mode_of``) is kept only as a label for reports: the
band the mean attitude lies in. No rule reads it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from pydantic import model_validator

from coprod_sim.mechanisms.needs import CHANNEL_INDEX
from coprod_sim.parameters import ASSUME, Strict, param

if TYPE_CHECKING:
    from mesa import Model


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
        doc="Mean staff attitude at which a service advertises half its volunteer roles and "
        "accepts half the referrals its professionals would make (the middle of the smooth "
        "move from traditional provision to co-deliverers).",
    )
    mode_threshold_full: float = param(
        0.45,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Boyle and Harris modes)",
        doc="Mean staff attitude from which a service's mode is labelled full co-production "
        "(a label for reports; no rule reads it).",
    )
    mode_threshold_self_organised: float = param(
        0.65,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Boyle and Harris modes)",
        doc="Mean staff attitude at which professionals leave half the needs the community "
        "can meet to the community (the middle of the smooth move to self-organised).",
    )
    team_size: int = param(
        4,
        unit="professionals",
        role="world",
        ge=1,
        le=100,
        source=ASSUME + " (frontline services work in small locality teams)",
        doc="Professionals per team: a service's staff work in round(staff / team_size) teams "
        "(at least one), each co-producing as far as its own members' mean attitude says; "
        "the service's shares are the mean over its teams, so a big town's service is many "
        "small teams, not one large one whose mean attitude never strays.",
    )
    mode_transition_halfwidth: float = param(
        0.1,
        unit="attitude (0-1)",
        role="world",
        ge=0,
        le=0.5,
        source=ASSUME + " (about the standard error of the mean attitude of a 4-person team "
        "whose attitudes spread with sd 0.2, so one professional moves a service part of the "
        "way, not across a threshold)",
        doc="Half-width of the band of mean staff attitude over which a service moves smoothly "
        "from one mode's practice to the next (0: a sharp threshold).",
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


#: who pays for the emergency response to a crisis of each service that waited past
#: ``crisis_max_wait_weeks`` (``needs.emergency_response``; one of ``analysis.costs.PAYERS``):
#: a social-care crisis ends in A&E and an acute admission (the NHS); a public-safety one in a
#: 999 response and an early-years one in an emergency placement, both from the service's own
#: budget (counted with its staff, ``council_services``)
EMERGENCY_PAYER: dict[str, str] = {
    "social_care": "nhs",
    "public_safety": "council_services",
    "early_years": "council_services",
}

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
    """Co-production mode label (index into ``MODES``) of each service: the band of
    ``mode_threshold_*`` its staff's mean attitude lies in. For reports only; the rules read
    the smooth shares of ``coproduction_shares``."""
    return np.searchsorted(thresholds, mean_attitude, side="right").astype(np.int8)


def smoothstep(x: np.ndarray) -> np.ndarray:
    """0 below -1, 1 above 1, and ``3u^2 - 2u^3`` (``u = (x + 1) / 2``) between: a step with no
    jump and no kink, so a share moves gradually as the mean attitude crosses a threshold."""
    u = np.clip((np.asarray(x, np.float64) + 1.0) / 2.0, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def mode_share(mean_attitude: np.ndarray, threshold: float, halfwidth: float) -> np.ndarray:
    """Share of the way a service has moved across ``threshold`` (0-1): ``smoothstep`` of
    ``(m - threshold) / halfwidth``; a sharp step (0 below, 1 at and above) when
    ``halfwidth`` is 0."""
    m = np.asarray(mean_attitude, np.float64)
    if halfwidth <= 0:
        return (m >= threshold).astype(np.float64)
    return smoothstep((m - threshold) / halfwidth)


def coproduction_shares(
    mean_attitude: np.ndarray, p: ServiceParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(open_call_share, referral_share, step_back_share) of each service from its staff's
    mean attitude (the module docstring gives the functions)."""
    h = p.mode_transition_halfwidth
    calls = mode_share(mean_attitude, p.mode_threshold_co_deliverers, h)
    step_back = mode_share(mean_attitude, p.mode_threshold_self_organised, h)
    return calls, calls.copy(), step_back


def capacity(
    staff_service: np.ndarray, staff_capacity: np.ndarray, n_services: int, cut: np.ndarray
) -> np.ndarray:
    """Professional hours each service can give this week."""
    hours = np.bincount(staff_service, weights=staff_capacity, minlength=n_services)
    return hours * (1.0 - cut)


def staff_paid_hours(model: Model) -> np.ndarray:
    """Hours each service's staff are employed (and paid) this week: their direct-contact
    hours less the budget cut (``model.capacity_cut``). Staff time a lever takes from cases
    (``staff_time = "capacity"``) is still paid, so it is not taken off here."""
    staff = model.staff
    n_s = len(model.capacity_cut)
    return capacity(staff.service, staff.capacity, n_s, model.capacity_cut)


def staff_cost_week(model: Model) -> float:
    """GBP the council pays its frontline staff this week (paid hours x hourly cost)."""
    return float(staff_paid_hours(model).sum()) * model.params.professional_hour_cost


def mean_attitude(staff_service: np.ndarray, attitude: np.ndarray, n_services: int) -> np.ndarray:
    """Mean attitude of each service's staff (0 for a service with none)."""
    total = np.bincount(staff_service, weights=attitude, minlength=n_services)
    count = np.bincount(staff_service, minlength=n_services)
    return total / np.maximum(count, 1)


def team_mean_attitude(
    staff_service: np.ndarray, attitude: np.ndarray, n_services: int, team_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each service's staff in ``round(count / team_size)`` teams (at least one; the k-th of a
    service's staff, in staff order, in team ``k * teams // count``): returns every team's
    service and its members' mean attitude."""
    service = np.asarray(staff_service, np.int64)
    # who is in which team depends on the staff's services only, which do not change in a
    # run: worked out once for them (``_teams``), the attitudes averaged every week
    team, team_service, members = _teams(service.tobytes(), n_services, team_size)
    total = np.bincount(team, weights=attitude, minlength=len(members))
    return team_service, total / np.maximum(members, 1)


@lru_cache(maxsize=16)
def _teams(service_bytes: bytes, n_services: int, team_size: int) -> tuple[np.ndarray, ...]:
    """``team_mean_attitude``'s teams for staff of these services (int64, as bytes): each
    member's team, each team's service and its number of members (read-only arrays)."""
    service = np.frombuffer(service_bytes, np.int64)
    count = np.bincount(service, minlength=n_services)
    teams = np.where(count > 0, np.maximum(np.round(count / team_size), 1), 0).astype(np.int64)
    first_team = np.concatenate([[0], np.cumsum(teams)[:-1]])
    order = np.argsort(service, kind="stable")
    rank = np.empty(len(service), np.int64)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank[order] = np.arange(len(service)) - np.repeat(starts, count)
    team = first_team[service] + rank * teams[service] // np.maximum(count[service], 1)
    n_teams = int(teams.sum())
    out = (team, np.repeat(np.arange(n_services), teams), np.bincount(team, minlength=n_teams))
    for a in out:
        a.flags.writeable = False
    return out


def refresh(model: Model) -> None:
    """Each service's capacity this week (after any cut) and how far it co-produces (from
    staff attitudes, which gatekeeping and levers move): ``model.service_open_call_share``,
    ``model.service_referral_share``, ``model.service_step_back_share``, and the mode label
    ``model.service_mode`` (for reports only)."""
    n_s = len(model.service_capacity)
    staff = model.staff
    m = mean_attitude(staff.service, staff.attitude, n_s)
    model.service_mode = mode_of(m, mode_thresholds(model.params))
    # each team co-produces as far as its members' mean attitude says; a service is the mean of
    # its teams (so the expected share is the same in a town of 2,000 and of 100,000)
    team_service, team_m = team_mean_attitude(
        staff.service, staff.attitude, n_s, model.params.team_size
    )
    n_teams = np.maximum(np.bincount(team_service, minlength=n_s), 1)
    (
        model.service_open_call_share,
        model.service_referral_share,
        model.service_step_back_share,
    ) = (
        np.bincount(team_service, weights=share, minlength=n_s) / n_teams
        for share in coproduction_shares(team_m, model.params)
    )
    model.service_capacity = capacity(staff.service, staff.capacity, n_s, model.capacity_cut)


def professional_load(model: Model) -> np.ndarray:
    """Hours each service's staff owe this week to the cases they already hold."""

    n = model.needs
    act = n.channel == CHANNEL_INDEX["professional"]
    return np.bincount(
        model.kinds.service.take(n.kind[act]),  # take: faster than indexing by int16 kinds
        weights=n.hours[act],
        minlength=len(model.service_capacity),
    )
