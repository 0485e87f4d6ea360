"""Year of paid service: uniformed public servants near pension volunteer for a year on full pay.

Representation on arrays: every 52 weeks from ``start_week`` a cohort of
``uniformed_per_1000 x window_years / career_years x take_up`` residents per 1000 (working-age,
employed, drawn at random: the uniformed servants within ``window_years`` of pension who take
the offer) serves for 52 weeks. The cohort is drawn from those who stated willingness for at
least one activity (who would take up a year of community service otherwise), and a servant
helps only with the activities they stated: the year does not override stated willingness (ODD
pattern 2: nobody helps with an activity they did not say they would do; until this version it
made every servant willing for every activity). While serving, a servant is an experienced
volunteer: confidence ``servant_confidence``, fear of retaliation, liability and commitment
``servant_fear``, vetted, insured, aware of every opportunity, and has ``hours_per_week`` more
hours (``pop.time_off``). After 52 weeks these attributes return to their values before the
year, and the needs the servant still holds are handed back to the queue (owners are not let
down: a planned handover). Weekly cost: servants serving x ``annual_salary`` x (1 +
``employer_oncost``) / 52 (paid by their service; the whole salary is counted, as their
frontline hours are forgone). Source: "people powered services" agenda (a year of paid service
within five years of pension, survey_targets ``paid_service_window``); Young Foundation 2009
(COMETs, retired professionals). Figures are assumptions unless noted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import PrivateAttr

from coprod_sim.levers import Lever
from coprod_sim.mechanisms.awareness import make_aware
from coprod_sim.parameters import ASSUME, HALF_TO_DOUBLE, param
from coprod_sim.state.arrays import not_in
from coprod_sim.state.occupancy import n_present
from coprod_sim.state.population import VETTED, WORKING

if TYPE_CHECKING:
    from mesa import Model

SERVICE_WEEKS = 52
SAVED = (
    "confidence",
    "fear_retal",
    "fear_retal_base",  # fear of retaliation fades to it (mechanism 8)
    "fear_liab",
    "fear_commit",
    "fear_commit_base",
    "insured",
    "vet_status",
    "aware",
)


class YearOfPaidService(Lever):
    """Uniformed servants within a few years of pension serve the community for a year."""

    name: ClassVar[str] = "year_of_paid_service"
    point: ClassVar[str] = "start_of_week"
    source: ClassVar[str] = "people powered services agenda; Young Foundation 2009 (COMETs)"
    #: assumption: uniformed servants (mostly police) are paid mainly from central grant
    payer: ClassVar[str] = "central_government"

    window_years: float = param(
        5.0,
        unit="years",
        role="policy",
        gt=0,
        le=20,
        source="survey_targets paid_service_window (people powered services agenda)",
        doc="Servants within this many years of pension are offered the year.",
    )
    uniformed_per_1000: float = param(
        4.0,
        unit="servants per 1000 adults",
        role="policy",
        ge=0,
        le=100,
        source="Home Office workforce statistics: about 147,000 police officers and 35,000 "
        "firefighters in England and Wales, over about 47 million adults (rounded)",
        doc="Uniformed public servants per 1000 adult residents.",
    )
    career_years: float = param(
        30.0,
        unit="years",
        role="policy",
        gt=0,
        le=50,
        source=ASSUME + " (even spread of service length over a 30-year career)",
        doc="Career length: the share within the window is window_years / career_years.",
    )
    take_up: float = param(
        0.5,
        unit="share",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.25, 1.0),
        doc="Share of those offered who take the year of service.",
    )
    hours_per_week: float = param(
        30.0,
        unit="hours/week",
        role="policy",
        ge=0,
        le=60,
        source=ASSUME + " (a working week less training and travel)",
        doc="Hours a week a servant gives to the community.",
    )
    servant_confidence: float = param(
        0.95,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + " (experienced uniformed servants); prior from confident to fully "
        "confident (" + ASSUME + ")",
        prior=(0.8, 1.0),
        doc="Confidence of a serving servant.",
    )
    servant_fear: float = param(
        0.1,
        unit="0-1",
        role="policy",
        ge=0,
        le=1,
        source=ASSUME + "; " + HALF_TO_DOUBLE,
        prior=(0.05, 0.2),
        doc="Fear of retaliation, liability and commitment of a serving servant.",
    )
    annual_salary: float = param(
        46_000.0,
        unit="GBP/year",
        role="policy",
        ge=0,
        le=500_000,
        source="Police Remuneration Review Body 2023: constable pay point 7 about GBP 46,000",
        doc="Salary of a servant near pension.",
    )
    employer_oncost: float = param(
        0.3,
        unit="share of salary",
        role="policy",
        ge=0,
        le=2,
        source=ASSUME + " (employer pension and National Insurance)",
        doc="Employer's on-costs on top of the salary.",
    )

    _serving: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0, np.int64))
    _saved: dict = PrivateAttr(default_factory=dict)

    def setup(self, model: Model) -> None:
        self._serving = np.zeros(0, np.int64)
        self._saved = {}

    @property
    def serving(self) -> np.ndarray:
        """Residents serving their year now."""
        return self._serving

    def per_1000(self) -> float:
        """Servants serving per 1000 residents."""
        share_in_window = min(1.0, self.window_years / self.career_years)
        return self.uniformed_per_1000 * share_in_window * self.take_up

    def apply(self, model: Model) -> None:
        if (model.week - self.start_week) % SERVICE_WEEKS != 0:
            return
        self._end_year(model)
        self._start_year(model)

    def _start_year(self, model: Model) -> None:
        pop = model.pop
        rng = model.rng_for("lever:year_of_paid_service")
        pool = np.flatnonzero(pop.employed & (pop.age == WORKING) & (pop.willing != 0))
        n = min(len(pool), int(rng.poisson(self.per_1000() * n_present(model) / 1000.0)))
        s = rng.choice(pool, n, replace=False) if n else np.zeros(0, np.int64)
        self._serving = s
        self._saved = {a: getattr(pop, a)[s].copy() for a in SAVED}
        pop.confidence[s] = np.maximum(pop.confidence[s], self.servant_confidence)
        for a in ("fear_retal", "fear_retal_base", "fear_liab", "fear_commit", "fear_commit_base"):
            getattr(pop, a)[s] = np.minimum(getattr(pop, a)[s], self.servant_fear)
        pop.insured[s] = True
        pop.vet_status[s] = VETTED
        # placed by their service: aware, with the contact recorded so it does not fade in the
        # year (awareness.make_aware); stated willingness (pop.willing) is kept: pattern 2
        make_aware(model, s)
        pop.time_off[s] += np.float32(self.hours_per_week)
        model.events["paid_service_started"] += len(s)

    def _end_year(self, model: Model) -> None:
        s = self._serving
        if len(s) == 0:
            return
        pop = model.pop
        for a, v in self._saved.items():
            getattr(pop, a)[s] = v
        pop.time_off[s] -= np.float32(self.hours_per_week)
        serving = np.zeros(model.n_residents, bool)
        serving[s] = True
        n = model.needs
        rows = np.flatnonzero((n.helper >= 0) & serving[np.maximum(n.helper, 0)])
        model.reopen(rows, let_down=False)  # planned handover
        self._serving = np.zeros(0, np.int64)
        self._saved = {}

    def newcomers(self, model: Model, rows: np.ndarray) -> None:
        """A servant who leaves ends their year: the row's newcomer is not a servant, and the
        servant's saved dispositions are not written over the newcomer at the year's end."""
        keep = not_in(self._serving, rows, model.n_residents)
        if keep.all():
            return
        self._serving = self._serving[keep]
        self._saved = {a: v[keep] for a, v in self._saved.items()}

    def weekly_cost(self, model: Model) -> float:
        return len(self._serving) * self.annual_salary * (1.0 + self.employer_oncost) / 52.0
