"""Mechanism 12, a future: the town's world follows declared trajectories year by year.

A future (``coprod_sim.data.future_file``; ``coprod-sim list futures``) is data, not a second
copy of any mechanism. At the start of each results year (weeks 0, 52, 104, ...) this phase
reads the year's values and sets the parameters the existing mechanisms already use:

- turnover (mechanism 11): every age band's annual probability of dying times ``mortality``
  and of moving away times ``moving``; newcomers' ages follow the future's age mix (below);
- needs (mechanism 1): each kind's arrival rate times its service's ``demand`` multiplier, on
  top of the age dependence the kinds already have (a rate per age group, so demand per resident
  follows the age mix by itself);
- services: each service's budget share ``b`` sets ``model.capacity_cut = 1 - b``, the same
  handle the budget cuts lever turns: staff hours and the staff pay the council is charged both
  scale with ``b`` (a lever's cut, when on, is the larger of the two, as it always was);
- free time: every resident's free hours (the set-up rule, ``population.free_hours_of``) times
  ``free_time``, newcomers' and those changing age group included.

The age mix. Without ``share_65_plus`` in the file the newcomers' ages are those of
``turnover.toml`` and the town keeps the mix its own turnover gives. With it, the town follows
the future's change in the shares from its own start (``target = start share + future(y) -
future(0)``: a future is a national projection, a town starts where it is). At the start of
year ``y`` the newcomers' ages are set so that, with the year's expected leavers (the weekly
hazards over 52 weeks) and those who reach 65 and 80 during it, the town reaches the target of
year ``y + 1``: the share of newcomers aged 65-79 and 80+ is what that takes (between 0 and 1),
and within 18-64, 65-79 and 80+ newcomers' ages keep ``turnover.toml``'s relative weights. Each
year starts from the town as it is, so an error one year is corrected the next. The town keeps
its size week to week (a leaver's row goes to a newcomer, as without a future).

Growth and shrinking. A future may carry a ``population`` trajectory (the town's size relative
to year 0). The town is then built with spare (vacant) rows for its largest size
(``state.occupancy``), and at the start of each results year ``follow_population`` brings the
residents present to ``round(population(y) x start size)``: a growing town's newcomers move
into vacant rows drawn at random (``turnover.move_in``: the newcomers' set-up of turnover, the
future's age mix included), with ties by the formation rule (``network.add_ties``) at a mean of
``newcomer_tie_share`` times the stayers' mean tie count (newcomers know fewer people), trust on
them as turnover gives newcomers, and the levers' newcomer hooks; a shrinking town's leavers are
drawn at random among residents and leave as turnover's leavers do (their needs end, their
helping reopens; ``turnover.depart``), their ties removed (``network.drop_ties``) and their rows
left vacant. The staff, budgets and everything else keep their own rules. A future whose largest
size needs more than ``MAX_ROWS`` rows is refused.

Sampled trajectories. Three world parameters scale a future for sweeps to sample (each 1 by
default, which leaves the future as written, bit for bit): ``future_budget_scale`` s turns each
year's budget share b into b ** s, ``future_demand_scale`` each demand multiplier d into d ** s,
and ``future_ageing_scale`` multiplies the change in the 65+ and 80+ shares since year 0.

A future does not act during the burn-in (the burned-in town is that of no future), and with
every multiplier 1 and no age mix (the ``steady`` future) it changes nothing: the run equals the
run without a future, bit for bit.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from pydantic import field_validator

from coprod_sim.data.future_file import FutureError, load_future
from coprod_sim.mechanisms import trust, turnover
from coprod_sim.mechanisms.future_year import YearSettings
from coprod_sim.mechanisms.needs import AgeGroups
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state import occupancy
from coprod_sim.state.ages import BANDS, MAX_AGE, AgeBands
from coprod_sim.state.arrays import expand_rows
from coprod_sim.state.network import add_ties, drop_ties
from coprod_sim.state.population import free_hours_of

if TYPE_CHECKING:
    from mesa import Model

    from coprod_sim.data.future_file import Future, FutureValues

WEEKS_PER_YEAR = 52
#: the most rows a town with a population trajectory may be built with (its largest size)
MAX_ROWS = 5_000_000
#: the first age of the two old-age groups a future follows
OLD, VERY_OLD = 65, 80


class FutureParams(Strict):
    """Mechanism 12: the future the town's world follows."""

    future: str = param(
        "",
        unit="-",
        role="run",
        source="coprod_sim/data/futures/*.toml (each figure with its source; docs/futures.md)",
        doc="A shipped future's name (steady, ageing, austerity, ageing_austerity) or the path "
        "of a future's TOML file; empty: no future (the town's rates, age mix and budgets "
        "never change).",
    )

    future_budget_scale: float = param(
        1.0,
        unit="x (power)",
        role="world",
        ge=0,
        le=4,
        source=ASSUME + " (an uncertainty on the future's budget path, for sweeps to sample; "
        "1: the path as written)",
        doc="Each year's budget share b of the future becomes b ** s (0: budgets never change; "
        "2: a 19% cut becomes 34%).",
    )
    future_demand_scale: float = param(
        1.0,
        unit="x (power)",
        role="world",
        ge=0,
        le=4,
        source=ASSUME + " (an uncertainty on the future's demand trend, for sweeps to sample; "
        "1: the trend as written)",
        doc="Each year's demand multiplier d of the future becomes d ** s (0: no trend beyond "
        "the age mix).",
    )
    future_ageing_scale: float = param(
        1.0,
        unit="x",
        role="world",
        ge=0,
        le=4,
        source=ASSUME + " (an uncertainty on the projection's ageing, for sweeps to sample; "
        "1: the projection as written)",
        doc="The future's change in the 65+ and 80+ shares since year 0 times s (0: the town "
        "keeps its start mix).",
    )

    newcomer_tie_share: float = param(
        0.5,
        unit="share of stayers' mean tie count",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (newcomers know fewer people)",
        doc="A growing town's newcomers (a future's population trajectory) get ties at this "
        "share of the stayers' mean number of ties.",
    )

    @field_validator("future")
    @classmethod
    def _known_future(cls, v: str) -> str:
        if v:
            load_future(v)  # a FutureError (a ValueError) names what is wrong
        return v


def largest_size(name: str) -> float | None:
    """The largest town size relative to year 0 a future reaches (None: no future or no
    population trajectory)."""
    if not name:
        return None
    future = load_future(name)
    return None if future.population is None else float(future.population.max())


def check_rows(name: str, n_start: int) -> int:
    """Rows a town of ``n_start`` residents is built with under future ``name`` (its largest
    size, ``occupancy.rows_for``), or a FutureError past ``MAX_ROWS``."""
    rows = occupancy.rows_for(n_start, largest_size(name))
    if rows > MAX_ROWS:
        raise FutureError(
            f"future {name!r}: entry 'population' reaches {largest_size(name):g} x "
            f"{n_start:,} residents = {rows:,} rows; allowed: at most {MAX_ROWS:,} rows"
        )
    return rows


def setup(model: Model) -> None:
    """The model's future (``model.future``; None without one) and its year's settings."""
    name = model.params.future
    model.future = load_future(name) if name else None
    model.future_now = None
    model.future_start_shares = None


def year_start(model: Model) -> None:
    """At the start of each results year, the future's values of the year (``scaled``) set the
    mechanisms' multipliers, the services' budgets and the newcomers' ages (see the module's
    docstring)."""
    future = model.future
    if future is None or model.week < 0 or model.week % WEEKS_PER_YEAR:
        return
    year = model.week // WEEKS_PER_YEAR
    if model.future_start_shares is None:
        model.future_start_shares = age_shares(model.pop.age_years)
    now = scaled(future.at(year), model.params)
    model.capacity_cut[:] = 1.0 - now.budget
    before = model.future_now.values.free_time if model.future_now is not None else 1.0
    cdf, t65, t80 = None, float("nan"), float("nan")
    if future.share_65_plus is not None:
        t65, t80 = targets(model, future, year + 1)
        cdf = newcomer_cdf(*newcomer_shares(model, now, t65, t80))
    model.future_now = YearSettings(
        values=now,
        need_multiplier=now.demand[model.kinds.service],
        newcomer_cdf=cdf,
        target_65=t65,
        target_80=t80,
    )
    if now.free_time != before:
        pop = model.pop
        pop.free_hours[:] = free_hours_of(
            pop.free_hours_base, pop.age, pop.employed, pop.carer, model.params
        ) * np.float32(now.free_time)


def scaled(values: FutureValues, p: FutureParams) -> FutureValues:
    """The year's values with the sampled trajectory scales applied (budget and demand
    multipliers to the power ``s``; the age mix's change is scaled in ``targets``). A scale of
    1 leaves a value untouched, bit for bit."""
    changes = {}
    if p.future_budget_scale != 1.0:
        changes["budget"] = values.budget ** float(p.future_budget_scale)
    if p.future_demand_scale != 1.0:
        changes["demand"] = values.demand ** float(p.future_demand_scale)
    return dataclasses.replace(values, **changes) if changes else values


def age_shares(age_years: np.ndarray) -> tuple[float, float]:
    """(share 65+, share 80+) of residents."""
    n = max(len(age_years), 1)
    return (
        float(np.count_nonzero(age_years >= OLD) / n),
        float(np.count_nonzero(age_years >= VERY_OLD) / n),
    )


def targets(model: Model, future: Future, year: float) -> tuple[float, float]:
    """The town's target shares (65+, 80+) in ``year``: its start shares plus the future's
    change since year 0, kept within [0, 1] and 80+ within 65+."""
    s65, s80 = model.future_start_shares
    v, v0 = future.at(year), future.at(0)
    d65, d80 = v.share_65_plus - v0.share_65_plus, v.share_80_plus - v0.share_80_plus
    k = float(model.params.future_ageing_scale)
    if k != 1.0:
        d65, d80 = k * d65, k * d80
    t65 = min(max(s65 + d65, 0.0), 1.0)
    t80 = min(max(s80 + d80, 0.0), t65)
    return t65, t80


def annual_leaving(model: Model, mortality: float, moving: float) -> np.ndarray:
    """Chance of leaving (dying or moving away) within a year, by age band, at the weekly
    hazards of turnover with the year's multipliers."""
    pd, pm = turnover.hazards_pass(
        model,
        BANDS.death_qx * mortality,
        BANDS.move_rate,
        float(model.params.move_rate_scale) * moving,
    )
    return 1.0 - (1.0 - pd - pm) ** WEEKS_PER_YEAR


def newcomer_shares(model: Model, now: FutureValues, t65: float, t80: float) -> tuple[float, float]:
    """(share of newcomers aged 65+, aged 80+) this year that brings the town to the target
    shares ``t65``, ``t80`` by the year's end: needed = target x N - (now - expected leavers
    + expected ageing in), over the expected newcomers (as many as leavers)."""
    age = model.pop.age_years
    n = len(age)
    leave = annual_leaving(model, now.mortality, now.moving)[BANDS.band_of(age)]
    newcomers = max(float(leave.sum()), 1.0)
    shares = []
    for first, target in ((OLD, t65), (VERY_OLD, t80)):
        old = age >= first
        stay = float(np.count_nonzero(old)) - float(leave[old].sum())
        ageing_in = float(np.count_nonzero(age == first - 1))
        shares.append(min(max((target * n - stay - ageing_in) / newcomers, 0.0), 1.0))
    return shares[0], min(shares[1], shares[0])


def newcomer_cdf(share_65: float, share_80: float, bands: AgeBands = BANDS) -> np.ndarray:
    """Cumulative weights over ages 0..MAX_AGE of a newcomer's age: 18-64, 65-79 and 80+ get
    shares ``1 - share_65``, ``share_65 - share_80`` and ``share_80``; within each, ages keep
    ``turnover.toml``'s weights (band share over band width; no one beyond the last band)."""
    ages = np.arange(MAX_AGE + 1)
    band = bands.by_age
    width = (bands.age_to - bands.age_from + 1).astype(np.float64)
    w = bands.newcomer_share[band] / width[band]
    w[(ages < bands.age_from[0]) | (ages > bands.age_to[-1])] = 0.0
    for lo, hi, share in (
        (0, OLD, 1.0 - share_65),
        (OLD, VERY_OLD, share_65 - share_80),
        (VERY_OLD, MAX_AGE + 1, share_80),
    ):
        part = slice(lo, hi)
        total = w[part].sum()
        w[part] = w[part] * (share / total) if total > 0 else 0.0
    cdf = np.cumsum(w)
    return cdf / cdf[-1]


# ------------------------------------------------------------------ growth and shrinking
def follow_population(model: Model) -> None:
    """At the start of each results year, a future's ``population`` trajectory sets the
    town's size: newcomers move into vacant rows, or residents leave and their rows stay
    vacant, until ``round(population(y) x start size)`` residents are present."""
    future = model.future
    if future is None or future.population is None or model.week < 0:
        return
    if model.week % WEEKS_PER_YEAR:
        return
    year = model.week // WEEKS_PER_YEAR
    target = int(round(future.at(year).population * model.n_start))
    present = model.pop.present
    now = int(np.count_nonzero(present))
    rng = model.rng_for("population")
    if target > now:
        vacant = np.flatnonzero(~present)
        rows = np.sort(rng.choice(vacant, min(target - now, len(vacant)), replace=False))
        grow(model, rows, rng)
    elif target < now:
        rows = np.sort(rng.choice(np.flatnonzero(present), now - target, replace=False))
        shrink(model, rows)


def grow(model: Model, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Newcomers move into vacant ``rows`` (ascending): turnover's newcomer set-up, ties at
    ``newcomer_tie_share`` of the stayers' mean, fresh trust on them, the levers' hooks."""
    pop, p, g = model.pop, model.params, model.graph
    stayers = np.flatnonzero(pop.present)
    stayers_mean = float(g.deg[stayers].mean()) if len(stayers) else 0.0
    turnover.move_in(model, rows, rng)
    pop.present[rows] = True
    # add_ties gives a joiner about ties_local + ties_bridge ties: scale both to the target
    full = float(p.ties_local + p.ties_bridge)
    k = float(p.newcomer_tie_share) * stayers_mean / full if full > 0 else 0.0
    new_graph, pos = add_ties(
        g, rows, model.nb.start, model.nb.end, p.ties_local * k, p.ties_bridge * k,
        p.tie_clustering, rng, present=pop.present,
    )  # fmt: skip
    fresh = np.ones(len(new_graph.indices), bool)
    fresh[pos] = False
    set_graph(model, new_graph, pos)
    at = np.flatnonzero(fresh)  # the new ties (both ways): trust as turnover gives newcomers
    src = np.searchsorted(new_graph.indptr, at, side="right") - 1
    trust_new = trust.start_tie_trust(src, new_graph.indices[at], pop.trust_nbr, rng)
    model.tie_trust[at] = trust_new
    model.tie_trust_base[at] = trust_new
    after_change(model, rows)
    model.events["moved_in_growth"] += len(rows)
    turnover.newcomer_hooks(model, rows)


def shrink(model: Model, rows: np.ndarray) -> None:
    """Residents of ``rows`` (ascending) leave as turnover's leavers do (their needs end,
    those they helped with reopen), the levers forget them (their newcomer hooks, as for a row
    turnover empties), their ties go and their rows are left vacant."""
    turnover.depart(model, rows)
    model.pop.reset_rows(rows)
    turnover.newcomer_hooks(model, rows)  # levers drop the rows from what they track
    occupancy.make_vacant(model.pop, rows)
    model.pop.moved_in_week[rows] = model.week  # the row's occupant changed: roles held end
    model.hours_last_year[rows] = 0.0
    model.barrier_codes[rows] = -1
    new_graph, pos = drop_ties(model.graph, rows)
    set_graph(model, new_graph, pos)
    after_change(model, rows)
    model.events["moved_out_shrinking"] += len(rows)


def set_graph(model: Model, graph, pos: np.ndarray) -> None:  # noqa: ANN001 (network.Graph)
    """The town's new graph; per-tie arrays follow their ties (``pos``: each old tie's new
    position, -1 if gone): trust on ties and the tie each need is helped over."""
    keep = pos >= 0
    for name in ("tie_trust", "tie_trust_base"):
        old = getattr(model, name)
        new = np.zeros(len(graph.indices), old.dtype)
        new[pos[keep]] = old[keep]
        setattr(model, name, new)
    edge = model.needs.edge
    tied = edge >= 0
    edge[tied] = pos[edge[tied]]
    model.good_marks.seen_tie = np.zeros(len(graph.indices), np.int64)
    model.graph = graph
    model._nx = None


def after_change(model: Model, rows: np.ndarray) -> None:
    """What follows a change of who lives in rows ``rows``: who lives where
    (``occupancy.refresh``), each resident's count of recent helpers among their ties (only
    the rows' own change: a newcomer is no recent helper, and a leaver who was one was taken
    off their ties' counts by ``turnover.depart``), committed hours and the age groups needs
    arise by."""
    g, ex, pop = model.graph, model.examples, model.pop
    occupancy.refresh(model)
    row_id, pos = expand_rows(g.indptr, rows)
    recent = ex.recent[g.indices[pos]].astype(np.int64)
    ex.count[rows] = np.bincount(row_id, weights=recent, minlength=len(rows)).astype(ex.count.dtype)
    model.recount_committed()
    model.age_groups = AgeGroups.from_ages(pop.age)
