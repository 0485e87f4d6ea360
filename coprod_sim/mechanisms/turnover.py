"""Mechanism 11, a population that turns over: residents age, die or move away, and newcomers
take their place.

Every resident has an age in years (``pop.age_years``) and ages one year every 52 weeks, on a
birthday week staggered by row (row ``i`` ages in the weeks where ``week % 52 == i % 52``);
their age group (``pop.age``) follows the age: a 29-year-old becomes "working" at 30 and a
64-year-old "retired" at 65, when paid work ends (retired residents are never employed) and
free hours are recomputed with the set-up rule (``population.free_hours_of``).

Each week a resident dies with the weekly hazard of their age band's annual probability ``qx``
(ONS National Life Tables, ``coprod_sim/data/turnover.toml``) or moves out of the area with
that of the band's annual moving rate (times ``move_rate_scale``); an annual probability ``q``
is ``1 - (1 - q)^(1/52)`` a week, exactly. One uniform draw per resident decides: below the
death hazard the resident dies, within the next ``move hazard`` they move away.

Each leaver is replaced at once by a newcomer in the same row (the same home and
neighbourhood; the town keeps its size): an age from the newcomers' age distribution, every
other attribute redrawn with the set-up rules (``population.draw_residents``), and a history
that starts afresh (``Population.reset_rows``; lever columns back to their start value). The
newcomer takes over the row's ties (a simplification: the graph does not change), with the
trust on them drawn again by the set-up rule (``trust.start_tie_trust``). Needs the leaver
owned end (counted as ``needs_left_with_owner``, not as unmet); needs the leaver was helping
with go back to the queue (``model.reopen``, no one let down) and count as re-matches when met
again. The Mesa agent of the row stays (same ``unique_id``) and reads the newcomer's row:
an agent is a home's row; ``moved_in_week`` tells its occupants apart.

A future (mechanism 12, ``coprod_sim.mechanisms.futures``) multiplies the death and moving
rates, sets the newcomers' ages and scales newcomers' free hours, year by year. A future's
``population`` trajectory grows or shrinks the town once a year with this module's two halves of
a replacement: ``move_in`` (a newcomer's set-up, into a vacant row) and ``depart`` (a leaver's
needs and helping, their row then left vacant); in a town with vacant rows (``state.occupancy``)
only present residents age or leave.

Rules (``coprod_sim.RULES``): ``death``, ``moving``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.mechanisms import collective_action, future_year, life_history, trust
from coprod_sim.mechanisms.needs import UNMET, AgeGroups, leave_table
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.rules import compiled_pass, rule
from coprod_sim.state.ages import BANDS, group_of, newcomer_ages
from coprod_sim.state.arrays import count_into, expand_rows, unique_ints
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.network import tie_counts_update
from coprod_sim.state.occupancy import has_vacancies
from coprod_sim.state.population import RETIRED, draw_residents, free_hours_of

if TYPE_CHECKING:
    from mesa import Model

WEEKS_PER_YEAR = 52


#: the column turnover owns (set-up: LONG_AGO; a newcomer: the week of arrival)
STATE = (
    StateColumn("moved_in_week", "int32", "week",
                "week the row's present resident moved in; -10000 at set-up"),
)  # fmt: skip


class TurnoverParams(Strict):
    """Mechanism 11: ageing, deaths, moves away and newcomers."""

    population_turnover: bool = param(
        True,
        unit="on/off",
        role="world",
        source="issue 24 (a baseline whose structure holds); off: the closed town of earlier "
        "versions, where nobody ages, dies or moves",
        doc="Whether residents age, die and move away, newcomers taking their place.",
    )
    move_rate_scale: float = param(
        1.0,
        unit="x",
        role="world",
        ge=0,
        le=5,
        source=ASSUME + " (the rates in turnover.toml are national orders of magnitude; a "
        "town's own differ)",
        doc="Multiplies every age band's annual rate of moving out of the area (capped at 1).",
    )


# ------------------------------------------------------------------------------ rules
@rule(
    "death",
    doc="weekly chance that a resident dies",
    returns="a probability",
    low=0.0,
    high=1.0,
    example=(0.016,),
)
def weekly_death(qx):
    """The weekly hazard of an annual probability of dying ``qx``: ``1 - (1 - qx)^(1/52)``."""
    return 1.0 - (1.0 - qx) ** (1.0 / 52.0)


@rule(
    "moving",
    doc="weekly chance that a resident moves out of the area",
    returns="a probability",
    low=0.0,
    high=1.0,
    example=(0.07, 1.0),
)
def weekly_move(rate, scale):
    """The weekly hazard of an annual moving probability ``rate * scale`` (at most 1)."""
    return 1.0 - (1.0 - min(rate * scale, 1.0)) ** (1.0 / 52.0)


@compiled_pass(death="weekly_death", moving="weekly_move")
def hazards_pass(qx, move_rate, scale):
    """(death, moving) weekly hazards of each age band, by the rules; the move hazard is
    capped at ``1 - death`` (one uniform draw decides between them)."""
    pd = np.empty(len(qx))
    pm = np.empty(len(qx))
    for b in range(len(qx)):
        pd[b] = weekly_death(qx[b])
        pm[b] = min(weekly_move(move_rate[b], scale), 1.0 - pd[b])
    return pd, pm


def weekly_hazards(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """(death, moving) weekly hazards of each age band, by the model's rules (a future's
    mortality and moving multipliers of the year applied, ``future_year.hazard_multipliers``)."""
    qx, scale = BANDS.death_qx, float(model.params.move_rate_scale)
    mortality, moving = future_year.hazard_multipliers(model)
    if (mortality, moving) != (1.0, 1.0):
        qx, scale = qx * mortality, scale * moving
    return hazards_pass(model, qx, BANDS.move_rate, scale)


# ------------------------------------------------------------------------------ phase
def step(model: Model) -> None:
    """Residents whose birthday week it is age a year (their age group, work and free hours
    follow); some die or move away (age-specific weekly hazards) and newcomers take their rows
    at once (burn-in weeks included)."""
    if not model.params.population_turnover:
        return
    rng = model.rng_for("turnover")
    changed = age_one_year(model)
    pop = model.pop
    pd, pm = weekly_hazards(model)
    leave = pd + pm  # dies, or else moves away: one draw decides
    u = rng.random(len(pop))
    # only a draw below the highest hazard can mean leaving: the bands of those few are read
    maybe = np.flatnonzero(u < leave.max())
    if has_vacancies(model):  # a vacant row has no one to leave
        maybe = maybe[pop.present[maybe]]
    band = BANDS.band_of(pop.age_years[maybe])
    leavers = maybe[u[maybe] < leave[band]]
    deaths = int(np.count_nonzero(u[maybe] < pd[band]))
    model.events["deaths"] += deaths
    model.events["moved_away"] += len(leavers) - deaths
    model.events["newcomers"] += len(leavers)
    if len(leavers):
        replace(model, leavers, rng)
    if changed or len(leavers):  # needs arise by age group: its members follow
        model.age_groups = AgeGroups.from_ages(pop.age)


def age_one_year(model: Model) -> int:
    """Everyone whose birthday week this is (rows ``week % 52``, ``+52``, ...) ages a year;
    returns how many changed age group."""
    pop = model.pop
    rows = np.arange(model.week % WEEKS_PER_YEAR, len(pop), WEEKS_PER_YEAR)
    if has_vacancies(model):  # a vacant row has no one to age
        rows = rows[pop.present[rows]]
    pop.age_years[rows] += 1
    new = group_of(pop.age_years[rows])
    changes = new != pop.age[rows]
    set_age_group(model, rows[changes], new[changes])
    return int(changes.sum())


def set_age_group(model: Model, rows: np.ndarray, group: np.ndarray) -> None:
    """A change of age group and what follows from it (a simple rule): retired residents stop
    paid work, and with it any time off an employer granted; free hours are recomputed from the
    resident's base draw with the set-up rule. Moving from young to working keeps work as it
    was (the same employment rate applies)."""
    if len(rows) == 0:
        return
    pop = model.pop
    pop.age[rows] = group
    retiring = rows[group == RETIRED]
    pop.employed[retiring] = False
    pop.time_off[retiring] = 0.0
    pop.free_hours[rows] = free_hours_of(
        pop.free_hours_base[rows], pop.age[rows], pop.employed[rows], pop.carer[rows], model.params
    )
    if future_year.free_time(model) != 1.0:  # a future's free time of the year
        pop.free_hours[rows] *= np.float32(future_year.free_time(model))


def replace(model: Model, leavers: np.ndarray, rng: np.random.Generator) -> None:
    """Newcomers take the rows of ``leavers`` (ascending): the leavers' needs end, the needs
    they helped with reopen, and every attribute and all history of the row starts again."""
    depart(model, leavers)
    move_in(model, leavers, rng)
    pop = model.pop
    gone = np.zeros(len(pop) + 1, bool)  # shifted by one: -1 (no one) -> 0
    gone[leavers + 1] = True
    # ties: the newcomer takes the row's ties; trust on them (both ways) starts again
    g = model.graph
    _, out_pos = expand_rows(g.indptr, leavers)
    _, back_pos = expand_rows(g.indptr, g.indices[out_pos])
    back_pos = back_pos[gone[g.indices[back_pos] + 1]]
    pos = unique_ints(np.concatenate((out_pos, back_pos)))
    src = np.searchsorted(g.indptr, pos, side="right") - 1
    fresh = trust.start_tie_trust(src, g.indices[pos], pop.trust_nbr, rng)
    model.tie_trust[pos] = fresh
    model.tie_trust_base[pos] = fresh
    model.recount_committed()
    newcomer_hooks(model, leavers)


def newcomer_hooks(model: Model, rows: np.ndarray) -> None:
    """Levers act after the burn-in: each decides what newcomers in ``rows`` get."""
    if model.week >= 0:
        for lever in getattr(model, "policy_levers", ()):
            if lever.active(model):
                lever.newcomers(model, rows)


def depart(model: Model, leavers: np.ndarray) -> None:
    """Residents of rows ``leavers`` (ascending) leave: the needs they owned end (not unmet),
    the needs they helped with go back to the queue, and their ties forget them as a recent
    example of helping. Their rows are then taken by newcomers (``move_in``) or left vacant (a
    shrinking town, ``futures.follow_population``)."""
    n, pop = model.needs, model.pop
    gone = np.zeros(len(pop) + 1, bool)  # shifted by one: -1 (no one) -> 0
    gone[leavers + 1] = True
    # needs the leavers owned end (not unmet: their owner has gone); those met or lapsed this
    # week are leaving the table already
    # ``take``: a gather by the table's int32 ids, ~3x faster than indexing with them
    ended = np.flatnonzero(gone.take(n.owner + 1) & ~n.leaving)
    model.events["needs_left_with_owner"] += len(ended)
    count_into(n.kind[ended[n.channel[ended] == UNMET]], model.left_open_by_kind)  # open ones
    n.leaving[ended] = True
    leave_table(model)  # the week's compaction, done here: the rows below are those that stay
    # needs they were helping with go back to the queue (a re-match when met again)
    helped = np.flatnonzero(gone.take(n.helper + 1))
    model.events["needs_helper_left"] += len(helped)
    model.reopen(helped, let_down=False)
    # their ties no longer count them as a recent example of helping
    ex = model.examples
    recent = leavers[ex.recent[leavers]]
    if len(recent):
        ex.recent[recent] = False
        tie_counts_update(model.graph, ex.count, recent, np.full(len(recent), -1, np.int16))


def move_in(model: Model, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Newcomers move into ``rows`` (ascending): an age (a future's age mix, else
    ``turnover.toml``'s), every other attribute by the set-up draws (``draw_residents``), a
    history that starts now. Ties and levers' hooks are the caller's (turnover: the row's ties;
    a growing town: ``network.add_ties``)."""
    pop, p = model.pop, model.params
    age_years = future_year.newcomer_ages(model, len(rows), rng)  # a future's age mix
    if age_years is None:
        age_years = newcomer_ages(len(rows), rng)
    group = group_of(age_years)
    pop.age_years[rows] = age_years
    pop.age[rows] = group
    pop.moved_in_week[rows] = model.week
    for name, values in draw_residents(group, pop.nbhd[rows], model.nb, p, rng).items():
        getattr(pop, name)[rows] = values
    if future_year.free_time(model) != 1.0:
        pop.free_hours[rows] *= np.float32(future_year.free_time(model))
    pop.reset_rows(rows)
    model.hours_last_year[rows] = 0.0
    model.barrier_codes[rows] = -1
    collective_action.newcomers(model, rows)  # no intervention yet; their fear's baseline
    life_history.arrive(model, rows)  # their history here starts now
