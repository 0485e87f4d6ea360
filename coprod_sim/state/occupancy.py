"""Occupancy: which rows of the town have a resident (issue 26, a town that grows or shrinks).

A run whose future carries a ``population`` trajectory is built with enough rows for the
largest size the future reaches: the start size ``n`` plus spare (vacant) rows. Neighbourhood
draws assume contiguous blocks of rows, so the blocks stay contiguous and each holds vacant rows
in proportion to its size (largest remainders, the rows drawn at random within the block).
``present`` says which rows are occupied: all True without a population trajectory, when the
town has no spare rows and nothing here changes a result.

A vacant row is inert by its values: no free hours, no willingness, no awareness, no ties, and
the age group ``VACANT`` (no group: no needs arise to it, no rate applies to it). Counts,
shares and means over residents read only present rows (``present_rows``, ``n_present``);
a draw of "someone in this neighbourhood" draws a present resident (``someone_in``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.state.columns import StateColumn

if TYPE_CHECKING:
    from mesa import Model

#: the age group of a vacant row: none of the three (needs arise by age group)
VACANT = -1

STATE = (
    StateColumn("present", "bool", "yes/no",
                "whether the row has a resident (False: a spare row of a growing town)", True),
)  # fmt: skip


def rows_for(n_start: int, largest: float | None) -> int:
    """Rows a town of ``n_start`` residents needs for a future whose largest size relative to
    year 0 is ``largest`` (None: no population trajectory, no spare rows)."""
    if largest is None or largest <= 1.0:
        return n_start
    return int(np.ceil(round(n_start * largest, 6)))


def spare_rows(
    block_start: np.ndarray, block_end: np.ndarray, n_vacant: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_vacant`` rows spread through the blocks in proportion to their sizes (largest
    remainders), drawn at random within each block (sorted)."""
    size = (block_end - block_start).astype(np.int64)
    total = int(size.sum())
    if n_vacant <= 0 or total == 0:
        return np.zeros(0, np.int64)
    exact = size * (n_vacant / total)
    take = np.floor(exact).astype(np.int64)
    rest = n_vacant - int(take.sum())
    if rest > 0:
        order = np.argsort(-(exact - take), kind="stable")
        take[order[:rest]] += 1
    take = np.minimum(take, np.maximum(size - 1, 0))  # a block keeps at least one resident
    rows = [
        int(s) + rng.choice(int(z), int(k), replace=False)
        for s, z, k in zip(block_start, size, take, strict=True)
        if k > 0
    ]
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, np.int64)


def make_vacant(pop, rows: np.ndarray) -> None:  # noqa: ANN001 (state.population.Population)
    """Rows left without a resident: inert by their values (no free hours, no willingness,
    no awareness, age group ``VACANT``); their ties are removed by the caller
    (``network.drop_ties``)."""
    pop.present[rows] = False
    pop.free_hours[rows] = 0.0
    pop.free_hours_base[rows] = 0.0
    pop.willing[rows] = 0.0
    pop.aware[rows] = False
    pop.employed[rows] = False
    pop.carer[rows] = False
    pop.age[rows] = VACANT
    pop.age_years[rows] = 0
    pop.vet_status[rows] = 0  # not vetted (population.NOT_VETTED), not waiting


@dataclass(frozen=True)
class Occupied:
    """Who lives where, kept between changes of occupancy (``refresh``: at set-up and after
    each yearly growth or shrinking; weekly turnover reuses rows and changes none of it)."""

    rows: np.ndarray  # the present rows, ascending
    first: np.ndarray  # by neighbourhood: position in ``rows`` of its first present row
    count: np.ndarray  # by neighbourhood: its present residents


def refresh(model: Model) -> None:
    """Recompute ``model.occupied`` from ``pop.present`` (after occupancy changed)."""
    rows = np.flatnonzero(model.pop.present)
    first = np.searchsorted(rows, model.nb.start)
    model.occupied = Occupied(rows, first, np.searchsorted(rows, model.nb.end) - first)


def has_vacancies(model: Model) -> bool:
    """Whether the town may have vacant rows: a run whose future has a population trajectory
    (``model.varying_size``), growing or shrinking."""
    return getattr(model, "varying_size", False)


def present_rows(model: Model) -> np.ndarray:
    """The rows that have a resident (every row in a town without spare rows)."""
    if not has_vacancies(model):
        return np.arange(model.n_residents)
    return model.occupied.rows


def n_present(model: Model) -> int:
    """How many residents the town has now (rows with a resident)."""
    if not has_vacancies(model):
        return int(model.n_residents)
    return len(model.occupied.rows)


def residents_by_block(model: Model) -> np.ndarray:
    """Present residents of each neighbourhood (its block's size without spare rows)."""
    return model.occupied.count if has_vacancies(model) else model.nb.end - model.nb.start


def block_residents(model: Model, nbhd: int) -> np.ndarray:
    """The present residents of neighbourhood ``nbhd`` (rows of its block)."""
    if not has_vacancies(model):
        return np.arange(int(model.nb.start[nbhd]), int(model.nb.end[nbhd]))
    occ = model.occupied
    return occ.rows[occ.first[nbhd] : occ.first[nbhd] + occ.count[nbhd]]


def someone_in(model: Model, nbhd: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One present resident drawn uniformly in each neighbourhood of ``nbhd`` (-1 where a
    neighbourhood has no resident). Without spare rows this is one uniform draw per
    neighbourhood over its block, as every such draw was before."""
    nbhd = np.asarray(nbhd, np.int64)
    if not has_vacancies(model):
        start, size = model.nb.start[nbhd], (model.nb.end - model.nb.start)[nbhd]
        return start + (rng.random(len(nbhd)) * size).astype(np.int64)
    occ = model.occupied
    count = occ.count[nbhd]
    pick = occ.first[nbhd] + (rng.random(len(nbhd)) * count).astype(np.int64)
    return np.where(count > 0, occ.rows[np.minimum(pick, max(len(occ.rows) - 1, 0))], -1)
