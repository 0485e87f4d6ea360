"""What calibration fits, and to what: the survey's ``calibrate`` rows with their tolerances,
the ``willingness`` rows as upper bounds, and the parameters that declare a prior.

Tolerances (stated assumptions): 3 points for weekly, at least monthly and at least yearly,
4 points for rarely and never, 4 points for older people's unmet care (a survey's self-report
of difficulty and help received against the model's lapsed needs: the definitions differ more).
The survey (IPPR/PwC 2010, 2,041 adults) has a sampling error
of about 1 point; the rest allows for the model's stylised towns and for the rows coming from
different surveys and years (the yearly row is the Citizenship Survey 2007-08).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coprod_sim.data.survey import SURVEY_TARGETS
from coprod_sim.mechanisms.outcomes import PARTICIPATION
from coprod_sim.parameters import parameter_rows
from coprod_sim.scenario import Scenario
from coprod_sim.state.towns import TOWNS
from coprod_sim.state.willingness import ACTIVITIES, ACTIVITY_NAMES

#: an activity's share of helpers may exceed its stated-willingness share by this much before
#: it counts as a miss of one tolerance (the bound is exact; this only scales the distance)
WILLINGNESS_TOLERANCE = 0.001

#: what one simulation reports: the formal participation classes, help by activity and older
#: people's unmet care (the outcome side: pattern-oriented, participation and outcomes together)
MEASURE_KEYS: list[str] = (
    [f"participation_formal_{c}" for c in (*PARTICIPATION, "at_least_monthly", "at_least_yearly")]
    + [f"helped_{a}" for a in ACTIVITY_NAMES]
    + ["older_unmet_care_share"]
)


@dataclass(frozen=True)
class Target:
    """One ``calibrate`` row: the survey figure, the model measure compared with it, and how."""

    id: str
    measure: str
    tolerance: float
    lower_bound: bool = False

    @property
    def value(self) -> float:
        return SURVEY_TARGETS[self.id].value

    @property
    def quantity(self) -> str:
        return SURVEY_TARGETS[self.id].quantity

    def compared(self, simulated: float) -> float:
        """The simulated side of the distance: a lower bound only counts a shortfall."""
        return min(simulated, self.value) if self.lower_bound else simulated

    def within(self, simulated: float) -> bool:
        """Whether a simulated value meets the target within its tolerance."""
        return abs(self.compared(simulated) - self.value) <= self.tolerance + 1e-12

    def describe(self) -> dict[str, Any]:
        row = SURVEY_TARGETS[self.id]
        return {
            "id": self.id,
            "value": row.value,
            "kind": row.kind,
            "measure": self.measure,
            "tolerance": self.tolerance,
            "compared_as": "at least (only a shortfall counts)" if self.lower_bound else "equal",
            "quantity": row.quantity,
            "source": row.source,
        }


TARGETS: tuple[Target, ...] = (
    Target("vol_weekly", "participation_formal_weekly", 0.03),
    Target("vol_monthly", "participation_formal_at_least_monthly", 0.03),
    Target("vol_yearly", "participation_formal_at_least_yearly", 0.03, lower_bound=True),
    Target("vol_rarely", "participation_formal_rarely", 0.04),
    Target("vol_never", "participation_formal_never", 0.04),
    Target("older_unmet_care", "older_unmet_care_share", 0.04),
)
assert {t.id for t in TARGETS} == {i for i, r in SURVEY_TARGETS.items() if r.kind == "calibrate"}


def willingness_excess(measures: dict[str, float]) -> float:
    """The largest excess of an activity's share of helpers over its stated willingness (0
    when every activity is within its bound)."""
    return max(0.0, max(measures[f"helped_{a}"] - share for a, (_, share) in ACTIVITIES.items()))


def is_calibrated(row: dict[str, Any]) -> bool:
    """Whether calibration fits a declared parameter: a ``world`` parameter with a ``prior``.

    A lever's effect parameters (role ``policy``) declare priors too, from the lever's own
    evidence; the survey's participation rows say nothing about them, so they are never fitted
    here (experiments/lever_fits.py fits the one a source pins down, on its own measure)."""
    return row.get("role") == "world" and row.get("prior") is not None


def calibrated_parameters(rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The parameters the fit estimates, in declaration order: the world parameters that
    declare a ``prior`` (``is_calibrated``) among ``rows`` (default: the Scenario's); the rest
    keep their declared defaults."""
    return [r for r in (parameter_rows(Scenario) if rows is None else rows) if is_calibrated(r)]


#: residents at which a shipped posterior is fitted and checked (the town's full size if
#: smaller): at 1,000 a town has a handful of professionals and seeds diverge widely; at 10,000
#: the spread between seeds is several times smaller, so one parameter set gets one verdict
CHECK_RESIDENTS = 10_000


#: a shipped posterior passes its check when, for every target, the mean over posterior draws
#: at the check scale is within this many of the target's tolerances: one, the tolerance itself
#: (issue 25: fits at 10,000 residents, where the seed cannot decide the verdict, so the fit's
#: own tolerance holds at the check; the 1,000-resident fits of results version 1 needed 2)
CHECK_TOLERANCES = 1.0


def check_scale(town: str) -> float:
    """The scale factor at which a town's posterior is checked (``CHECK_RESIDENTS``)."""
    return min(1.0, CHECK_RESIDENTS / TOWNS[town].residents)
