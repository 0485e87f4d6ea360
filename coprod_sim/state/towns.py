"""Town presets: size, neighbourhoods, and how deprivation and diversity spread across them.

The two fieldwork towns of Capable Communities (IPPR/PwC 2010) are represented by stylised
presets. Figures are rounded public orders of magnitude and stated assumptions, not
ward-level data; each preset says which is which. The presets are data, not code: they live in
``coprod_sim/data/towns.toml`` (each with its source), are validated against ``TownEntry``
when this module is imported, and become ``TOWNS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from coprod_sim.data import TOWNS_FILE, Entry, load_entries
from coprod_sim.parameters import ASSUME, Strict, param

#: the smallest town: residents per neighbourhood (assumption; a town needs neighbours)
MIN_RESIDENTS_PER_NEIGHBOURHOOD = 5

#: a shape parameter of a Beta law
_Shape = Annotated[float, Field(gt=0, le=1000)]


class TownParams(Strict):
    """The run's town: which preset, at what size."""

    town: str = param(
        "demo",
        unit="-",
        role="run",
        source="town presets (coprod_sim.state.towns)",
        doc="Town preset that sets the size and neighbourhood structure.",
    )
    scale: float = param(
        1.0,
        unit="x",
        role="run",
        gt=0.0,
        le=100.0,
        source=ASSUME,
        doc="Multiplies the preset's residents (and staff); 1 = the preset as documented.",
    )
    n_residents: int = param(
        0,
        unit="residents",
        role="run",
        ge=0,
        le=5_000_000,
        source="town preset when 0",
        doc="Adult residents; 0 takes the town preset times scale.",
    )
    n_neighbourhoods: int = param(
        0,
        unit="neighbourhoods",
        role="run",
        ge=0,
        le=2_000,
        source="town preset when 0",
        doc="Neighbourhoods; 0 takes the town preset.",
    )

    @classmethod
    def choices(cls, name: str) -> tuple[str, ...]:
        """The values parameter ``name`` may take, when it is one of a list (error messages)."""
        return tuple(TOWNS) if name == "town" else ()

    @field_validator("town")
    @classmethod
    def _known_town(cls, v: str) -> str:
        if v not in TOWNS:
            raise ValueError(f"unknown town {v!r}; valid towns are: {', '.join(TOWNS)}")
        return v

    @model_validator(mode="after")
    def _enough_residents(self) -> TownParams:
        """A town has at least ``MIN_RESIDENTS_PER_NEIGHBOURHOOD`` residents per neighbourhood
        (assumption: fewer leave neighbourhoods with nobody to ask or tie to); a smaller town is
        refused, never silently given fewer neighbourhoods."""
        town = TOWNS.get(self.town)
        if town is None:
            return self
        residents = self.n_residents or max(1, int(round(town.residents * self.scale)))
        nbhds = self.n_neighbourhoods or town.neighbourhoods
        need = MIN_RESIDENTS_PER_NEIGHBOURHOOD * nbhds
        if residents < need:
            which = "n_residents" if self.n_residents else "scale"
            value = self.n_residents if self.n_residents else self.scale
            raise ValueError(
                f"parameter '{which}': value {value!r} gives a town of {residents:,} residents in "
                f"{nbhds} neighbourhoods; allowed: at least {MIN_RESIDENTS_PER_NEIGHBOURHOOD} "
                f"residents per neighbourhood ({need:,} here), or fewer neighbourhoods "
                "(n_neighbourhoods)"
            )
        return self


@dataclass(frozen=True)
class Town:
    """A preset town. Deprivation and diversity per neighbourhood are drawn from Beta laws."""

    name: str
    residents: int
    neighbourhoods: int
    deprivation_beta: tuple[float, float]
    diversity_beta: tuple[float, float]
    note: str


def _f(unit: str, doc: str, **bounds: float) -> object:
    return Field(description=doc, json_schema_extra={"unit": unit}, **bounds)


class TownEntry(Entry):
    """One ``[[town]]`` of ``towns.toml``: the schema it is validated against."""

    name: str = Field(min_length=1, description="preset name, the `town` parameter's value")
    residents: int = _f("residents", "adult residents of the preset", ge=1, le=5_000_000)
    neighbourhoods: int = _f("neighbourhoods", "neighbourhoods of the preset", ge=1, le=2_000)
    deprivation_beta: tuple[_Shape, _Shape] = _f(
        "Beta(a, b) shape parameters",
        "deprivation of each neighbourhood ~ Beta(a, b); each in (0, 1000]",
    )
    diversity_beta: tuple[_Shape, _Shape] = _f(
        "Beta(a, b) shape parameters",
        "ethnic and social diversity of each neighbourhood ~ Beta(a, b); each in (0, 1000]",
    )
    source: str = Field(min_length=1, description="sources and stated assumptions of the figures")

    @model_validator(mode="after")
    def _enough_residents(self) -> TownEntry:
        if self.residents < self.neighbourhoods:
            raise ValueError(
                f"residents ({self.residents}) must be at least neighbourhoods "
                f"({self.neighbourhoods})"
            )
        return self


def load_towns(root: Path | None = None) -> dict[str, Town]:
    """The presets of ``towns.toml`` (in the package, or in folder ``root``), by name."""
    return {
        e.name: Town(
            name=e.name,
            residents=e.residents,
            neighbourhoods=e.neighbourhoods,
            deprivation_beta=e.deprivation_beta,
            diversity_beta=e.diversity_beta,
            note=e.source,
        )
        for e in load_entries(TOWNS_FILE, "town", TownEntry, units_table=True, root=root)
    }


TOWNS: dict[str, Town] = load_towns()
