"""A future: a data file of declared trajectories by year, read and checked once.

A future says how the town's world moves over the run: the share of residents aged 65+ and 80+
(optional: without it the town keeps the age mix its own turnover gives), multipliers of the
mortality and moving rates, of each service's need rates (a demand trend beyond the age mix),
of each service's budget and of residents' free time. Years count from the start of the results
(year 0 is week 0). Values between the years given are interpolated linearly; after the last
year given they stay at its values. The shipped futures live in ``coprod_sim/data/futures/``
(``coprod-sim list futures``); a user passes the path of their own.

    [[year]]
    year = 0
    share_65_plus = 0.240      # optional, in every row or in none
    share_80_plus = 0.063
    mortality = 1.0            # x the age bands' death_qx (turnover.toml)
    moving = 1.0               # x the age bands' move_rate
    free_time = 1.0            # x every resident's free hours
    demand = { social_care = 1.0, public_safety = 1.0, early_years = 1.0 }
    budget = { social_care = 1.0, public_safety = 1.0, early_years = 1.0 }
    population = 1.0           # optional, in every row or in none: the town's size / year 0's

Every figure needs a source or a stated assumption: ``[sources]`` names one for each key the
rows use. A bad file (missing year or key, a negative rate, an unknown service or key, years
not increasing, a population that is not positive, above ``MAX_POPULATION`` or not 1 in year 0)
is a ``FutureError``: one line naming the file, the entry and what is allowed.

``population`` (the town's size relative to year 0) is read and checked here; the town follows
it at the start of each results year (``coprod_sim.mechanisms.futures.follow_population``;
docs/futures.md, "Growth and shrinking").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coprod_sim.data.services import SERVICES
from coprod_sim.data.toml_file import read_toml
from coprod_sim.parameters import ScenarioError

#: the folder of the shipped futures, inside the package
FUTURES_DIR = "futures"
#: the most years a future may run to (a study runs 5 to 20)
MAX_YEAR = 100
#: the largest town size relative to year 0 a future may reach (Tower Hamlets, England's
#: fastest-growing local authority, grew about 1.6 times between the 2001 and 2021 censuses;
#: 5 leaves room for a new town while refusing a typo such as 15 for 1.5)
MAX_POPULATION = 5.0
#: the keys of a year's row that carry a trajectory, each needing a source
KEYS: tuple[str, ...] = (
    "share_65_plus",
    "share_80_plus",
    "mortality",
    "moving",
    "free_time",
    "demand",
    "budget",
    "population",
)
#: the optional keys: in every row or in none
OPTIONAL = ("share_65_plus", "share_80_plus", "population")
ALLOWED = (
    "allowed: a shipped future (coprod-sim list futures) or a .toml file of [[year]] rows "
    "(see docs/futures.md)"
)


class FutureError(ScenarioError):
    """A future that cannot be used: the message names the file, the entry and what is allowed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def _m(doc: str, high: float) -> Any:
    return Field(ge=0, le=high, description=doc)


class ByService(_Strict):
    """A multiplier for each service (every service named, no other)."""

    social_care: float = _m("multiplier of social care", 10)
    public_safety: float = _m("multiplier of public safety", 10)
    early_years: float = _m("multiplier of early years", 10)

    def array(self) -> np.ndarray:
        return np.array([getattr(self, s) for s in SERVICES], np.float64)


class FutureYear(_Strict):
    """One ``[[year]]`` row of a future."""

    year: int = Field(ge=0, le=MAX_YEAR, description="years after the start of the results")
    share_65_plus: float | None = Field(None, ge=0, le=1, description="share of residents 65+")
    share_80_plus: float | None = Field(None, ge=0, le=1, description="share of residents 80+")
    mortality: float = _m("x every age band's annual probability of dying", 10)
    moving: float = _m("x every age band's annual rate of moving away", 10)
    free_time: float = _m("x every resident's free hours", 3)
    demand: ByService = Field(description="x each service's need rates")
    budget: ByService = Field(description="x each service's budget (its staff hours and pay)")
    population: float | None = Field(
        None, gt=0, le=MAX_POPULATION, description="the town's size relative to year 0"
    )

    @model_validator(mode="after")
    def _shares(self) -> FutureYear:
        a, b = self.share_65_plus, self.share_80_plus
        if (a is None) != (b is None):
            raise ValueError("give share_65_plus and share_80_plus together, or neither")
        if a is not None and b is not None and b > a:
            raise ValueError(f"share_80_plus ({b:g}) exceeds share_65_plus ({a:g})")
        return self


class FutureFile(_Strict):
    """A future file: a description, a source per trajectory, and rows by year."""

    description: str = Field(min_length=1, description="what the future assumes, in a line")
    sources: dict[str, str] = Field(description="a source or stated assumption per key")
    year: list[FutureYear] = Field(min_length=1, description="the trajectories, by year")

    @model_validator(mode="after")
    def _years(self) -> FutureFile:
        years = [r.year for r in self.year]
        if years[0] != 0:
            raise ValueError(f"the first row is year {years[0]}; allowed: rows from year 0")
        for a, b in zip(years, years[1:], strict=False):
            if b <= a:
                raise ValueError(f"year {b} follows year {a}; allowed: years increasing")
        with_shares = {r.share_65_plus is not None for r in self.year}
        if len(with_shares) > 1:
            raise ValueError("share_65_plus and share_80_plus are in some rows only; allowed: "
                             "in every row or in none")  # fmt: skip
        with_population = {r.population is not None for r in self.year}
        if len(with_population) > 1:
            raise ValueError("population is in some rows only; allowed: in every row or in none")
        if with_population == {True} and self.year[0].population != 1.0:
            raise ValueError(
                f"population is {self.year[0].population:g} in year 0; allowed: 1 in year 0 "
                "(the town's size relative to year 0)"
            )
        used = [k for k in KEYS if k not in OPTIONAL]
        if with_shares == {True}:
            used += ["share_65_plus", "share_80_plus"]
        if with_population == {True}:
            used += ["population"]
        for k in self.sources:
            if k not in KEYS:
                raise ValueError(f"sources: unknown key {k!r}; allowed: {', '.join(KEYS)}")
        missing = [k for k in used if not self.sources.get(k, "").strip()]
        if missing:
            raise ValueError(
                f"sources: no source for {', '.join(missing)}; allowed: a source or stated "
                "assumption for every trajectory"
            )
        return self


@dataclass(frozen=True)
class Future:
    """A checked future as arrays by given year, with ``at(year)``: the values of that year."""

    name: str
    description: str
    sources: dict[str, str]
    years: np.ndarray
    share_65_plus: np.ndarray | None
    share_80_plus: np.ndarray | None
    mortality: np.ndarray
    moving: np.ndarray
    free_time: np.ndarray
    demand: np.ndarray  # years x services
    budget: np.ndarray  # years x services
    population: np.ndarray | None = None  # the town's size relative to year 0; None: fixed

    def _at(self, values: np.ndarray, year: float) -> float:
        return float(np.interp(year, self.years, values))

    def at(self, year: float) -> FutureValues:
        """The future's values in ``year`` (linear between the years given, flat after)."""
        s65 = None if self.share_65_plus is None else self._at(self.share_65_plus, year)
        s80 = None if self.share_80_plus is None else self._at(self.share_80_plus, year)
        by_service = lambda v: np.array([self._at(v[:, s], year) for s in range(v.shape[1])])  # noqa: E731
        return FutureValues(
            year=year,
            share_65_plus=s65,
            share_80_plus=s80,
            mortality=self._at(self.mortality, year),
            moving=self._at(self.moving, year),
            free_time=self._at(self.free_time, year),
            demand=by_service(self.demand),
            budget=by_service(self.budget),
            population=None if self.population is None else self._at(self.population, year),
        )


@dataclass(frozen=True)
class FutureValues:
    """A future's values in one year."""

    year: float
    share_65_plus: float | None
    share_80_plus: float | None
    mortality: float
    moving: float
    free_time: float
    demand: np.ndarray  # by service
    budget: np.ndarray  # by service
    population: float | None = None  # the town's size relative to year 0; None: fixed


def shipped_futures() -> dict[str, Path]:
    """The shipped futures by name (``coprod_sim/data/futures/<name>.toml``)."""
    folder = files("coprod_sim.data").joinpath(FUTURES_DIR)
    return {
        Path(p.name).stem: Path(str(p))
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".toml")
    }


def resolve(name_or_path: str) -> Path:
    """The file of a shipped future's name, or the path given; FutureError if neither."""
    shipped = shipped_futures()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return path.resolve()
    raise FutureError(
        f"future {name_or_path!r} is neither a shipped future ({', '.join(shipped)}) nor an "
        f"existing .toml file; {ALLOWED}"
    )


def load_future(name_or_path: str) -> Future:
    """The checked future of a shipped name or a file path (read once per file version)."""
    path = resolve(name_or_path)
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load(path: str, _mtime: int) -> Future:
    what = f"future file '{path}'"
    data = read_toml(path, what, ALLOWED, FutureError)
    try:
        f = FutureFile.model_validate(data)
    except ValidationError as exc:
        raise FutureError(f"{what}: {_first_problem(exc)}") from None
    rows = f.year
    col = lambda k: np.array([getattr(r, k) for r in rows], np.float64)  # noqa: E731
    shares = rows[0].share_65_plus is not None
    population = rows[0].population is not None
    return Future(
        name=Path(path).stem,
        description=f.description,
        sources=dict(f.sources),
        years=col("year"),
        share_65_plus=col("share_65_plus") if shares else None,
        share_80_plus=col("share_80_plus") if shares else None,
        mortality=col("mortality"),
        moving=col("moving"),
        free_time=col("free_time"),
        demand=np.array([r.demand.array() for r in rows]),
        budget=np.array([r.budget.array() for r in rows]),
        population=col("population") if population else None,
    )


def _first_problem(exc: ValidationError) -> str:
    """The first problem of a validation error as one line: entry, value, what is allowed (an
    unknown entry first: a misspelt name also shows as the right one missing)."""
    err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    loc = ".".join(str(x) for x in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    where = f"entry '{loc}'" if loc else "the file"
    if err["type"] == "extra_forbidden":
        model = ByService if loc.split(".")[-2:-1] and loc.split(".")[-2] in KEYS else FutureYear
        if "." not in loc:
            model = FutureFile
        return f"{where} (value {err.get('input')!r}) is unknown; allowed: " + ", ".join(
            model.model_fields
        )
    if err["type"] == "missing":
        return f"{where} is missing; it is required"
    if loc:
        return f"{where}: value {err.get('input')!r} is not allowed ({msg})"
    return msg
