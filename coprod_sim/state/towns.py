"""Town presets: size, neighbourhoods, and how deprivation and diversity spread across them.

The two fieldwork towns of Capable Communities (IPPR/PwC 2010) are represented by stylised
presets. Figures are rounded public orders of magnitude and stated assumptions, not
ward-level data; each preset says which is which.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import field_validator

from coprod_sim.parameters import ASSUME, Strict, param


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

    @field_validator("town")
    @classmethod
    def _known_town(cls, v: str) -> str:
        if v not in TOWNS:
            raise ValueError(f"unknown town {v!r}; valid towns are: {', '.join(TOWNS)}")
        return v


@dataclass(frozen=True)
class Town:
    """A preset town. Deprivation and diversity per neighbourhood are drawn from Beta laws."""

    name: str
    residents: int
    neighbourhoods: int
    deprivation_beta: tuple[float, float]
    diversity_beta: tuple[float, float]
    note: str


TOWNS: dict[str, Town] = {
    "demo": Town(
        name="demo",
        residents=2_000,
        neighbourhoods=6,
        deprivation_beta=(2.0, 3.0),
        diversity_beta=(2.0, 5.0),
        note="A small teaching town that runs in seconds; every figure is an assumption.",
    ),
    "darlington": Town(
        name="darlington",
        residents=100_000,
        neighbourhoods=20,
        deprivation_beta=(1.6, 2.2),
        diversity_beta=(1.2, 9.0),
        note=(
            "About 100,000 residents (Darlington borough, ONS mid-year estimates, rounded); "
            "20 neighbourhoods (assumption, of the order of its wards grouped); a wide spread of "
            "deprivation with several highly deprived areas (assumption from IMD rankings); low "
            "ethnic diversity (about 5-8% minority ethnic, Census 2011, rounded)."
        ),
    ),
    "reading": Town(
        name="reading",
        residents=160_000,
        neighbourhoods=28,
        deprivation_beta=(1.8, 3.2),
        diversity_beta=(2.5, 4.0),
        note=(
            "About 160,000 residents (Reading borough, ONS mid-year estimates, rounded); "
            "28 neighbourhoods (assumption); moderate deprivation with a few deprived areas "
            "(assumption); high ethnic diversity (about a third minority ethnic, Census 2011, "
            "rounded)."
        ),
    ),
}
