"""The week, as data: the phases ``CoproductionModel.step`` runs, in order, and the named points
where levers attach. The ODD's process overview is rendered from ``WEEK``; nothing else states
the order of a week.

Each phase is a function of the model in the module of the mechanism it belongs to (a reader
finds ``commitment.fatigue_and_burnout`` in ``coprod_sim/mechanisms/commitment.py``), and works
on whole arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coprod_sim.levers import (
    charge_levers,
    insurance_cover,
    personal_asks,
    right_to_time_off,
    training,
)
from coprod_sim.mechanisms import (
    awareness,
    channels,
    collective_action,
    commitment,
    decision,
    futures,
    life_history,
    local_groups,
    needs,
    outcomes,
    red_tape,
    referral,
    services,
    timebank,
    trust,
    turnover,
)
from coprod_sim.outputs import agent_records, reporters
from coprod_sim.state import occupancy, population
from coprod_sim.state.columns import StateColumn, collect_columns

if TYPE_CHECKING:
    from mesa import Model

RELAX_EVERY = 4  # weeks between applications of the (compounded) drift to baselines


@dataclass(frozen=True)
class Phase:
    """One step of the week: ``run(model)``, named for the ODD submodel it belongs to."""

    name: str
    submodel: str
    run: Callable[[Model], None]

    def __call__(self, model: Model) -> None:
        self.run(model)

    @property
    def function(self) -> str:
        return f"{self.run.__module__.removeprefix('coprod_sim.')}.{self.run.__name__}"

    @property
    def doc(self) -> str:
        text = (self.run.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(text.split())


@dataclass(frozen=True)
class LeverPoint:
    """A named point of the week where levers registered for it run, in the order added."""

    name: str

    def __call__(self, model: Model) -> None:
        if model.week < 0:  # burn-in: the town without levers
            return
        for lever in model.hooks[self.name]:
            lever(model)

    submodel = "levers"
    function = "(levers)"

    @property
    def doc(self) -> str:
        return f"Levers whose ``point`` is ``{self.name}`` act here (not during the burn-in)."


def relax(model: Model) -> None:
    """Trust in neighbours and in services and fear of commitment drift back to their
    baselines (every ``RELAX_EVERY`` weeks, at the compounded rate)."""
    trust.relax_to_baselines(model, RELAX_EVERY)


def lever_costs(model: Model) -> None:
    """Levers' costs of the week are charged (none during the burn-in, when no lever acts)."""
    if model.week >= 0:
        charge_levers(model)


def start_results(model: Model) -> None:
    """At the end of the burn-in (week 0 reached): the run's totals start from zero, so
    every total and the start-of-run means cover the results weeks only."""
    if model.week == 0 and model.burn_in_weeks > 0:
        model.start_results()


def end_week(model: Model) -> None:
    """The week is over: the week counter moves on."""
    model.week += 1


def collect(model: Model) -> None:
    """Mesa's DataCollector records the week's figures: a results week in
    ``model.datacollector``, a burn-in week in ``model.burn_in_datacollector``."""
    if model.week <= 0:  # the week just completed was part of the burn-in
        model.burn_in_datacollector.collect(model)
    else:
        model.datacollector.collect(model)


WEEK: tuple[Phase | LeverPoint, ...] = (
    Phase("future", "futures", futures.year_start),
    Phase("population", "futures", futures.follow_population),
    LeverPoint("start_of_week"),
    Phase("services", "services and modes", services.refresh),
    Phase("needs arise", "needs arise and wait", needs.arise),
    Phase("commitments grow", "commitment and burnout", commitment.grow_and_drop),
    Phase("fatigue and burnout", "commitment and burnout", commitment.fatigue_and_burnout),
    Phase("vetting", "red tape", red_tape.vetting),
    Phase("gatekeeping", "professional gatekeeping", referral.weekly),
    LeverPoint("before_channels"),
    Phase("channels", "channels", channels.match),
    Phase("collective action", "collective action", collective_action.step),
    LeverPoint("after_channels"),
    Phase("needs wait", "needs arise and wait", needs.wait),
    Phase("delivery", "outcomes", outcomes.deliver),
    Phase("local groups", "other local organisations", local_groups.weekly),
    Phase("awareness", "awareness", awareness.weekly),
    Phase("drift", "trust dynamics", relax),
    LeverPoint("end_of_week"),
    Phase("lever costs", "costs", lever_costs),
    Phase("turnover", "population turnover", turnover.step),
    Phase("needs leave", "needs arise and wait", needs.leave_table),
    Phase("end of week", "bookkeeping", end_week),
    Phase("end of year", "outcomes", outcomes.close_year),
    Phase("weekly figures", "outputs", reporters.record_week),
    Phase("data collection", "outputs", collect),
    Phase("resident records", "outputs", agent_records.collect_year),
    Phase("end of burn-in", "outputs", start_results),
)

HOOK_POINTS: tuple[str, ...] = tuple(p.name for p in WEEK if isinstance(p, LeverPoint))

#: every resident column, collected from the module that owns it (its ``STATE``): set-up's
#: draws, then the mechanisms', then the levers' (columns every run has, the lever on or off)
RESIDENT_STATE: dict[str, StateColumn] = collect_columns(
    (
        population,
        occupancy,
        turnover,
        life_history,
        channels,
        decision,
        commitment,
        needs,
        red_tape,
        outcomes,
        timebank,
        insurance_cover,
        right_to_time_off,
        personal_asks,
        training,
    )
)


def overview_rows() -> list[tuple[str, str, str]]:
    """(step, where it runs, what it does) for each entry of ``WEEK``: the ODD's table."""
    return [
        (p.name if isinstance(p, Phase) else f"levers: {p.name}", p.function, p.doc) for p in WEEK
    ]
