"""Mechanism 12, a life before the town: whether a resident had ever helped before their history
in the model began, for the survey's lifetime questions ("never volunteered").

The survey's "never" and "less often than once a year" are about a whole adult life; the
model's record of a resident (``pop.helped_ever``, ``formal_ever``, ``informal_ever``) starts
when they move in, or at set-up for the founders. Read alone, it calls a 50-year-old who moved
in last year "never", and the shares of "never" and "rarely" then depend on the length of the
burn-in and on how long residents stay, not on behaviour.

The rule (an assumption: a stationary town whose residents differ in inclination). Over the
burn-in's closed years (no levers act) the town measures, for each measure of help (any, formal,
informal) and for residents willing to help with some activity or with none, the annual hazard
of a first time by the number of whole years the resident's history here has lasted (``d`` =
0, 1, ...): residents who helped for the first time in the year over the resident-years at risk
(not helped yet here; a newcomer counts from the week they moved in). The hazard falls with
``d`` because those still at risk are more and more the least inclined. Each resident is taken
to have a constant inclination of their own, spread across residents as a gamma distribution
(the classic frailty model of survival analysis), which makes the town's hazard
``h(t) = a / (1 + b t)`` at ``t = d + 1/2`` years; ``a`` and ``b`` are fitted to the measured
first times by maximum likelihood (``gamma_frailty_fit``).

A resident whose history here began at age ``A`` had ``Y = A - 18`` adult years before it. If
they have helped here, they have helped. If not, after ``d`` years here, the chance that they
had helped before is that of someone of the same inclination helping in ``Y`` more years:
``1 - prod_{k = d}^{d + Y - 1} (1 - h(k + 1/2))`` (with a constant inclination the order of the
years does not matter, so the ``d`` years without help here say how inclined they are). One
uniform draw per resident (``pop.prior_draw``, stream "life_history", drawn at set-up and for
each newcomer) decides: the same draw for the three measures, so whoever had helped formally
before had helped at all. A resident counts as "ever helped" in the yearly participation
classes when they have helped here or did before (``close_year``).

The hazards stop at week 0: a lever cannot change what residents did before they came, and a
lever run and its paired baseline share them. A run without a burn-in has no years to measure
and gives nobody a past (the history starts at set-up, as before this mechanism).

The rule feeds only the participation classes: no decision reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.state.ages import ADULT_AGE
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.occupancy import has_vacancies

if TYPE_CHECKING:
    from mesa import Model

#: the measures of help whose history is recorded (``pop.<measure>_ever``), in order
EVER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("any", "helped_ever"),
    ("formal", "formal_ever"),
    ("informal", "informal_ever"),
)
WEEKS_PER_YEAR = 52
#: longest history here (years) with hazards of its own; longer ones share the last
MAX_YEARS = 60
#: longest adult life before the town (years) the probabilities are tabled for
MAX_PRIOR_YEARS = 150 - ADULT_AGE


#: a life before the town: when the row's history here began, the draw for "had helped
#: before", and who had helped here at the last year's close
STATE = (
    StateColumn("history_start_age", "int16", "years",
                "age when the row's history here began (set-up, arrival)"),
    StateColumn("history_start_week", "int32", "week",
                "week the row's history here began (set-up, arrival)"),
    StateColumn("prior_draw", "float64", "0-1",
                "uniform draw: had the resident helped before (life_history)"),
    StateColumn("ever_at_close", "uint8", "bitmask",
                "helped here by the last year's close: bit 0 any, bit 1 formal, bit 2 informal",
                start=0),
)  # fmt: skip


class Hazards:
    """The town's tallies of first times (measure x years of history here x willing)."""

    def __init__(self) -> None:
        shape = (len(EVER_COLUMNS), MAX_YEARS, 2)
        self.first = np.zeros(shape)  # residents who helped for the first time here
        self.exposure = np.zeros(shape)  # resident-years at risk

    def measured(self) -> np.ndarray:
        """Annual hazards of a first time by year of history (0 where nobody was at risk)."""
        return np.divide(
            self.first, self.exposure, out=np.zeros_like(self.first), where=self.exposure > 0
        )

    def fitted(self) -> np.ndarray:
        """``(a, b)`` of ``h(t) = a / (1 + b t)`` for each measure and willingness (shape
        measure x willing x 2), by maximum likelihood (``gamma_frailty_fit``); ``(0, 0)``
        (nobody helps) where no first time was measured."""
        t = np.arange(MAX_YEARS) + 0.5
        out = np.zeros((len(EVER_COLUMNS), 2, 2))
        for m in range(len(EVER_COLUMNS)):
            for v in range(2):
                if self.first[m, :, v].sum() > 0:
                    out[m, v] = gamma_frailty_fit(t, self.first[m, :, v], self.exposure[m, :, v])
        return out


#: the values of ``b`` (per year) the likelihood is profiled over
B_GRID = np.concatenate(([0.0], np.logspace(-3, 2, 501)))


def gamma_frailty_fit(
    t: np.ndarray, first: np.ndarray, exposure: np.ndarray
) -> tuple[float, float]:
    """``(a, b)`` of ``h(t) = a / (1 + b t)`` by maximum likelihood, the first times in each
    year being Poisson with mean ``exposure x h(t)``: for each ``b`` of ``B_GRID`` the best
    ``a`` is ``sum(first) / sum(exposure / (1 + b t))``, and the ``b`` with the highest
    likelihood wins (a grid, so the fit is the same on every machine)."""
    scale = 1.0 / (1.0 + B_GRID[:, None] * t[None, :])  # (grid, years)
    a = first.sum() / (scale * exposure).sum(axis=1)
    rate = a[:, None] * scale
    with np.errstate(divide="ignore"):
        log_lik = (first * np.log(np.where(rate > 0, rate, 1.0))).sum(axis=1) - (
            rate * exposure
        ).sum(axis=1)
    best = int(np.argmax(log_lik))
    return float(a[best]), float(B_GRID[best])


def hazard_curve(a: float, b: float, years: int) -> np.ndarray:
    """The fitted annual hazard in each year ``d`` = 0 .. years - 1 (at ``t = d + 1/2``)."""
    return np.clip(a / (1.0 + b * (np.arange(years) + 0.5)), 0.0, 1.0 - 1e-12)


def setup(model: Model) -> None:
    """At set-up: each founder's draw, and no tallies yet."""
    pop = model.pop
    pop.prior_draw[:] = model.streams.get("life_history").random(len(pop))  # set-up
    pop.history_start_age[:] = pop.age_years
    pop.history_start_week[:] = model.week
    model.life_hazards = Hazards()


def arrive(model: Model, rows: np.ndarray) -> None:
    """A newcomer's history starts at their age on arrival, with a draw of their own."""
    pop = model.pop
    pop.prior_draw[rows] = model.rng_for("life_history").random(len(rows))
    pop.history_start_age[rows] = pop.age_years[rows]
    pop.history_start_week[rows] = model.week
    pop.ever_at_close[rows] = 0


def prior_probability(
    a: float, b: float, start_age: np.ndarray, years_here: np.ndarray
) -> np.ndarray:
    """For residents who have not helped here in ``years_here`` years, the chance that they had
    helped in the ``start_age - 18`` adult years before: ``1 - prod_{k=d}^{d+Y-1} (1 - h_k)``."""
    y = np.clip(start_age.astype(np.int64) - ADULT_AGE, 0, MAX_PRIOR_YEARS)
    d = np.clip(years_here.astype(np.int64), 0, MAX_PRIOR_YEARS)
    log_never = np.concatenate(
        ([0.0], np.cumsum(np.log1p(-hazard_curve(a, b, 2 * MAX_PRIOR_YEARS))))
    )
    return 1.0 - np.exp(log_never[d + y] - log_never[d])


def tally_year(model: Model) -> None:
    """At a year's close in the burn-in: first times and resident-years at risk, by the year
    of each resident's history here and their willingness."""
    pop = model.pop
    year_start = model.week - WEEKS_PER_YEAR
    since = np.maximum(year_start - pop.history_start_week.astype(np.int64), 0)
    year_of_history = np.minimum(since // WEEKS_PER_YEAR, MAX_YEARS - 1)
    at_risk_from = np.maximum(pop.history_start_week.astype(np.int64), year_start)
    exposure = (model.week - at_risk_from) / WEEKS_PER_YEAR
    cell = year_of_history * 2 + (pop.willing != 0)
    h = model.life_hazards
    for m, (_, column) in enumerate(EVER_COLUMNS):
        risk = (pop.ever_at_close & (1 << m)) == 0
        if has_vacancies(model):  # a vacant row is no resident at risk
            risk &= pop.present
        first = risk & getattr(pop, column)
        h.first[m] += np.bincount(cell[first], minlength=2 * MAX_YEARS).reshape(-1, 2)
        h.exposure[m] += np.bincount(
            cell[risk], weights=exposure[risk], minlength=2 * MAX_YEARS
        ).reshape(-1, 2)


def close_year(model: Model) -> dict[str, np.ndarray]:
    """At each year's close: tally the burn-in's first times (until week 0), record who has
    helped here, and return each measure's lifetime "ever" (here or before)."""
    pop = model.pop
    if model.week <= 0 < model.burn_in_weeks:
        tally_year(model)
    bits = np.zeros(len(pop), np.uint8)
    fit = model.life_hazards.fitted()
    years_here = (model.week - pop.history_start_week.astype(np.int64)) // WEEKS_PER_YEAR
    willing = (pop.willing != 0).astype(np.int64)
    ever = {}
    for m, (measure, column) in enumerate(EVER_COLUMNS):
        here = getattr(pop, column)
        bits |= here.astype(np.uint8) << m
        before = np.zeros(len(pop), bool)
        for v in range(2):
            rows = np.flatnonzero(~here & (willing == v))
            a, b = fit[m, v]
            before[rows] = pop.prior_draw[rows] < prior_probability(
                a, b, pop.history_start_age[rows], years_here[rows]
            )
        ever[measure] = here | before
    pop.ever_at_close[:] = bits
    return ever
