"""Ages in years: the age bands of ``coprod_sim/data/turnover.toml`` and the draws from them.

A resident's age group (``pop.age``: 0 young 18-29, 1 working 30-64, 2 retired 65+) follows
their age in years (``pop.age_years``). The bands carry what turnover needs by age (annual
probabilities of dying and of moving away, the ages of newcomers) and how a start age group
spreads over its bands; each band has its source in the data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from coprod_sim.data import DataFileError, Entry, load_entries

TURNOVER_FILE = "turnover.toml"
#: first age (years) of the working and retired age groups; younger adults are "young" (18+)
GROUP_STARTS = (30, 65)
ADULT_AGE = 18
#: ages above this share its band (the last); the look-up table of bands stops here
MAX_AGE = 150


def _f(unit: str, doc: str, **bounds: float) -> object:
    return Field(description=doc, json_schema_extra={"unit": unit}, **bounds)


class AgeBandEntry(Entry):
    """One ``[[band]]`` of ``turnover.toml``: the schema it is validated against."""

    name: str = Field(min_length=1, description="label of the band, e.g. 18-29")
    age_from: int = _f("years", "first age of the band", ge=ADULT_AGE, le=120)
    age_to: int = _f("years", "last age of the band (draws stop here)", ge=ADULT_AGE, le=120)
    death_qx: float = _f("probability per year", "annual probability of dying", ge=0, le=1)
    move_rate: float = _f(
        "probability per year", "annual probability of moving out of the area", ge=0, le=1
    )
    newcomer_share: float = _f("share", "share of newcomers in this band", ge=0, le=1)
    start_weight: float = _f(
        "weight within the age group", "weight of the band within its start age group", ge=0
    )
    source: str = Field(min_length=1, description="sources and stated assumptions of the figures")

    @model_validator(mode="after")
    def _ordered(self) -> AgeBandEntry:
        if self.age_to < self.age_from:
            raise ValueError(f"age_to ({self.age_to}) is below age_from ({self.age_from})")
        return self


@dataclass(frozen=True)
class AgeBands:
    """The bands as arrays (band b covers ages ``age_from[b]`` .. ``age_to[b]``; the last band
    also holds everyone older)."""

    names: tuple[str, ...]
    age_from: np.ndarray
    age_to: np.ndarray
    death_qx: np.ndarray
    move_rate: np.ndarray
    newcomer_share: np.ndarray
    start_weight: np.ndarray
    sources: tuple[str, ...]
    by_age: np.ndarray  # band of each age 0..MAX_AGE

    def band_of(self, age_years: np.ndarray) -> np.ndarray:
        """Band index of each age (a table look-up: turnover asks it of every resident weekly)."""
        return self.by_age[np.minimum(age_years, MAX_AGE)]

    def draw_in_bands(self, bands: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An age (int16) drawn uniformly within each given band."""
        width = self.age_to[bands] - self.age_from[bands] + 1
        return (self.age_from[bands] + np.floor(rng.random(len(bands)) * width)).astype(np.int16)


def load_bands(root: Path | None = None) -> AgeBands:
    """The bands of ``turnover.toml`` (in the package, or in folder ``root``), checked to be
    contiguous from 18, with newcomer shares adding up to 1 and every age group covered."""
    entries = load_entries(TURNOVER_FILE, "band", AgeBandEntry, units_table=True, root=root)
    if entries[0].age_from != ADULT_AGE:
        raise DataFileError(f"{TURNOVER_FILE}: the first band must start at {ADULT_AGE}")
    for a, b in zip(entries, entries[1:], strict=False):
        if b.age_from != a.age_to + 1:
            raise DataFileError(
                f"{TURNOVER_FILE}: band {b.name!r} must start at {a.age_to + 1} (the bands are "
                "contiguous)"
            )
    starts = [e.age_from for e in entries]
    for g in GROUP_STARTS:
        if g not in starts:
            raise DataFileError(f"{TURNOVER_FILE}: no band starts at {g} (an age group's start)")
    total = sum(e.newcomer_share for e in entries)
    if abs(total - 1.0) > 1e-6:
        raise DataFileError(f"{TURNOVER_FILE}: newcomer_share adds up to {total:g}, not 1")
    return AgeBands(
        names=tuple(e.name for e in entries),
        age_from=np.array([e.age_from for e in entries], np.int16),
        age_to=np.array([e.age_to for e in entries], np.int16),
        death_qx=np.array([e.death_qx for e in entries]),
        move_rate=np.array([e.move_rate for e in entries]),
        newcomer_share=np.array([e.newcomer_share for e in entries]),
        start_weight=np.array([e.start_weight for e in entries]),
        sources=tuple(e.source for e in entries),
        by_age=np.maximum(
            np.searchsorted([e.age_from for e in entries], np.arange(MAX_AGE + 1), "right") - 1, 0
        ),
    )


BANDS: AgeBands = load_bands()


def group_of(age_years: np.ndarray) -> np.ndarray:
    """Age group (int8: 0 young 18-29, 1 working 30-64, 2 retired 65+) of each age in years."""
    return np.searchsorted(np.array(GROUP_STARTS), age_years, side="right").astype(np.int8)


def start_ages(group: np.ndarray, rng: np.random.Generator, bands: AgeBands = BANDS) -> np.ndarray:
    """Ages in years at set-up, consistent with each resident's age group: a band of the group
    by ``start_weight``, then an age uniformly within it."""
    band_group = group_of(bands.age_from)
    u = rng.random(len(group))
    band = np.zeros(len(group), np.int64)
    for g in range(len(GROUP_STARTS) + 1):
        mine = np.flatnonzero(band_group == g)
        w = bands.start_weight[mine]
        if w.sum() <= 0:
            w = np.ones(len(mine))
        cum = np.cumsum(w) / w.sum()
        rows = group == g
        band[rows] = mine[np.minimum(np.searchsorted(cum, u[rows], side="right"), len(mine) - 1)]
    return bands.draw_in_bands(band, rng)


def newcomer_ages(n: int, rng: np.random.Generator, bands: AgeBands = BANDS) -> np.ndarray:
    """Ages in years of ``n`` newcomers: a band by ``newcomer_share``, then uniform within it."""
    cum = np.cumsum(bands.newcomer_share) / bands.newcomer_share.sum()
    band = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)
    return bands.draw_in_bands(band, rng)
