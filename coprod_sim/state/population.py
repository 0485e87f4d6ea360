"""Residents, neighbourhoods and professionals as arrays: who lives in the town at the start.

Every array is indexed by resident (or professional, or neighbourhood). Residents are
numbered so that each neighbourhood is a contiguous block, which lets the graph builder and
open calls draw "someone from this neighbourhood" as one integer draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import model_validator

from coprod_sim.data.services import SERVICES
from coprod_sim.parameters import ASSUME, Strict, param
from coprod_sim.state.ages import start_ages
from coprod_sim.state.columns import StateColumn
from coprod_sim.state.towns import Town
from coprod_sim.state.willingness import draw_willingness

#: ``p`` below is the run's ``coprod_sim.scenario.Scenario`` (every group's parameters by name);
#: it is typed as the parameter sets' base class because the scenario joins groups declared in
#: the mechanisms above this module, which state does not import (the layers point down)
Scenario = Strict

YOUNG, WORKING, RETIRED = 0, 1, 2


class PopulationParams(Strict):
    """Residents: ages, time, dispositions (drawn once, at set-up)."""

    share_young: float = param(
        0.2,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS mid-year estimates, England: 18-29 about 20% of adults (rounded)",
        doc="Share of adults aged 18-29.",
    )
    share_retired: float = param(
        0.24,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS mid-year estimates, England: 65+ about 24% of adults (rounded)",
        doc="Share of adults retired (65+).",
    )
    employment_rate: float = param(
        0.75,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS labour market statistics, working-age employment rate about 75%",
        doc="Share of non-retired adults in paid work.",
    )
    carer_rate: float = param(
        0.12,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="Census 2011: about 12% of adults give unpaid care",
        doc="Share of adults with unpaid caring duties.",
    )
    free_hours_mean: float = param(
        6.37,
        unit="hours/week",
        role="world",
        prior=(2.0, 10.0),
        ge=0,
        le=60,
        source=(
            "hand-tuned to 5.0 before issue 25; "
            + ASSUME
            + " ('lack of time' is the overwhelming barrier, Capable Communities 2010)"
            + " (calibrated: prior uniform [2, 10] hours/week; time is the main barrier, so not"
            " far above the issue-14 value)"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Mean discretionary hours a week of a resident with neither work nor caring duties "
        "(before age effects).",
    )
    work_hours_cost: float = param(
        0.55,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of free hours eaten by paid work.",
    )
    caring_hours_cost: float = param(
        0.5,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of free hours eaten by unpaid caring duties.",
    )
    trust_neighbour_base: float = param(
        0.6,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean trust in neighbours in an undeprived, homogeneous neighbourhood.",
    )
    diversity_trust_effect: float = param(
        0.25,
        unit="trust per unit diversity",
        role="world",
        ge=0,
        le=1,
        source="Young Foundation 2009 citing Putnam ('hunkering down'); size is an assumption",
        doc="How much neighbourhood diversity lowers neighbour trust.",
    )
    deprivation_trust_effect: float = param(
        0.2,
        unit="trust per unit deprivation",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="How much neighbourhood deprivation lowers neighbour trust (weak local networks).",
    )
    trust_service_base: float = param(
        0.55,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean trust in public services at the start.",
    )
    fear_commitment_mean: float = param(
        0.45,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 focus groups (fear of being 'sucked in'); level assumed",
        doc="Mean fear of commitment at the start.",
    )
    fear_liability_mean: float = param(
        0.35,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 (liability worries stop gardening); level assumed",
        doc="Mean fear of liability at the start.",
    )
    fear_retaliation_mean: float = param(
        0.5,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 (public safety focus groups); level assumed",
        doc="Mean fear of retaliation at the start.",
    )
    confidence_mean: float = param(
        0.5,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean confidence and skills at the start.",
    )
    awareness_rate: float = param(
        0.52,
        unit="share",
        role="world",
        prior=(0.1, 1.0),
        ge=0,
        le=1,
        source=(
            "hand-tuned to 0.6 before issue 25; "
            + ASSUME
            + " (most people 'had never been asked', Capable Communities 2010)"
            + " (calibrated: prior uniform [0.1, 1])"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Share of residents aware of local volunteering opportunities at the start.",
    )
    willingness_scale: float = param(
        1.0,
        unit="x",
        role="world",
        ge=0,
        le=2.5,
        source="survey_targets willingness rows (1 = the reported shares)",
        doc="Multiplies every stated-willingness share (capped at 1).",
    )
    disposition_loading: float = param(
        0.73,
        unit="correlation",
        role="world",
        prior=(0.0, 0.9),
        ge=0,
        lt=1,
        source=(
            "hand-tuned to 0.05 before issue 25; "
            + ASSUME
            + " (willingness to help clusters in the same people)"
            + " (calibrated: prior uniform [0, 0.9])"
            + " (default: centre of the three towns' posteriors, RESULTS_VERSION 5 fits)"
        ),
        doc="Loading of each activity's stated willingness on one latent disposition to help "
        "(0: independent across activities).",
    )

    @model_validator(mode="after")
    def _age_shares(self) -> PopulationParams:
        if self.share_young + self.share_retired > 1.0:
            raise ValueError(
                f"share_young + share_retired = {self.share_young + self.share_retired:g} exceeds 1"
            )
        return self


AGE_FREE_HOURS = (0.9, 1.0, 1.6)  # multiplier on free hours by age group (assumption)
NOT_VETTED, VETTING, VETTED, GAVE_UP = 0, 1, 2, 3
#: week stamp meaning "never" (before any burn-in: weeks run from -52 * burn_in_years, and
#: burn_in_years is at most 50)
LONG_AGO = -10_000


#: what set-up draws for every resident (``build_population``, ``draw_residents``), and what
#: turnover draws again for a newcomer; the rules that change them later are named in each meaning
STATE = (
    StateColumn("age", "int8", "0 young, 1 working, 2 retired",
                "age group (18-29, 30-64, 65+), following `age_years` (turnover.ageing)"),
    StateColumn("age_years", "int16", "years",
                "age; one year more every 52 weeks, in the row's birthday week"),
    StateColumn("nbhd", "int32", "index", "neighbourhood of the resident"),
    StateColumn("employed", "bool", "bool", "in paid work (never when retired)"),
    StateColumn("carer", "bool", "bool", "has unpaid caring duties"),
    StateColumn("free_hours_base", "float32", "hours/week",
                "free hours before age, work and caring (free hours are recomputed from it when "
                "the age group changes)"),
    StateColumn("free_hours", "float32", "hours/week",
                "discretionary hours left after work and caring"),
    StateColumn("willing", "uint16", "bitmask",
                "stated willingness per activity (bit a = `ACTIVITY_NAMES[a]`)"),
    StateColumn("fear_commit_base", "float32", "0-1",
                "baseline fear of commitment that fear relaxes back to"),
    StateColumn("trust_svc_base", "float32", "0-1",
                "baseline trust in services that it relaxes back to"),
    StateColumn("trust_nbr", "float32", "0-1", "trust in neighbours (the place; trust)"),
    StateColumn("trust_svc", "float32", "0-1", "trust in public services (trust)"),
    StateColumn("confidence", "float32", "0-1", "confidence and skills"),
    StateColumn("fear_commit", "float32", "0-1", "fear of commitment (of being 'sucked in')"),
    StateColumn("fear_liab", "float32", "0-1", "fear of liability"),
    StateColumn("fear_retal", "float32", "0-1", "fear of retaliation (public safety)"),
    StateColumn("aware", "bool", "bool", "aware of local opportunities to help (awareness)"),
    StateColumn("vet_status", "int8", "0 none, 1 waiting, 2 vetted, 3 gave up",
                "vetting (DBS) check status (red_tape)"),
)  # fmt: skip


class Neighbourhoods:
    """Neighbourhoods: contiguous blocks of residents, with the place's deprivation and trust."""

    COLUMNS = (
        StateColumn("start", "int64", "resident index", "first resident of the block"),
        StateColumn("end", "int64", "resident index", "one past the last resident of the block"),
        StateColumn("deprivation", "float32", "0-1", "deprivation"),
        StateColumn("diversity", "float32", "0-1", "ethnic and social diversity"),
        StateColumn("trust_base", "float32", "0-1",
                    "baseline neighbour trust (set by diversity and deprivation)"),
    )  # fmt: skip

    def __init__(self, start, end, deprivation, diversity, trust_base) -> None:  # noqa: ANN001
        self.start, self.end = start, end
        self.deprivation, self.diversity, self.trust_base = deprivation, diversity, trust_base

    @property
    def size(self) -> np.ndarray:
        return self.end - self.start


class Population:
    """Resident state: one array per declared column (``columns``, collected from the modules
    that own them, ``schedule.RESIDENT_STATE``), all indexed by resident. Read a column as
    ``pop.<name>``; levers and extensions add theirs with ``add_column``."""

    def __init__(self, columns: Mapping[str, StateColumn], arrays: Mapping[str, np.ndarray]):
        missing = sorted(set(columns) - set(arrays))
        undeclared = sorted(set(arrays) - set(columns))
        if missing or undeclared:
            raise ValueError(
                f"population arrays do not match the declared state columns: missing "
                f"{missing}, undeclared {undeclared} (declare a column in its owner's STATE)"
            )
        n = len(arrays["age"])
        for name, col in columns.items():
            a = arrays[name]
            if len(a) != n or a.dtype != np.dtype(col.dtype):
                raise ValueError(
                    f"population column {name!r}: {len(a)} rows of {a.dtype}, declared "
                    f"{col.dtype} ({col.owner}) for {n} residents"
                )
            setattr(self, name, a)
        self.columns: dict[str, StateColumn] = dict(columns)

    def __len__(self) -> int:
        return len(self.age)

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.columns) + sum(
            a.nbytes for a in self.extra.values()
        )

    @property
    def extra(self) -> dict[str, np.ndarray]:
        """Columns added by levers with ``add_column``."""
        return self.__dict__.setdefault("_extra", {})

    @property
    def extra_fill(self) -> dict[str, Any]:
        """The start value of each column in ``extra`` (a newcomer's, ``reset_rows``)."""
        return self.__dict__.setdefault("_extra_fill", {})

    def reset_rows(self, rows: np.ndarray) -> None:
        """Forget the history of these rows (a newcomer moved in): every declared column with a
        start value back to it (``StateColumn.start``), every lever column to its fill."""
        # a scalar per column, cast to its dtype as ``StateColumn.empty`` fills it at set-up
        for name, col in self.columns.items():
            if col.start is not None:
                getattr(self, name)[rows] = col.start
        for name, col in self.extra.items():
            col[rows] = self.extra_fill.get(name, 0)

    def add_column(self, name: str, dtype: Any, fill: Any = 0) -> np.ndarray:
        """A per-resident column for a lever (or any extension), readable as ``pop.<name>``:
        the documented way to add resident state without editing this class. Adding a column
        that exists returns it (two levers may share one) if the dtype agrees."""
        have = getattr(self, name, None)
        if have is not None:
            if not isinstance(have, np.ndarray) or have.dtype != np.dtype(dtype):
                raise ValueError(
                    f"population column {name!r} exists with dtype "
                    f"{getattr(have, 'dtype', type(have).__name__)}, not {np.dtype(dtype)}"
                )
            return have
        col = np.full(len(self), fill, dtype)
        self.extra[name] = col
        self.extra_fill[name] = fill
        setattr(self, name, col)
        return col


class Staff:
    """Professionals: frontline staff of the three services."""

    COLUMNS = (
        StateColumn("service", "int8", "index", "service (index into `SERVICES`)"),
        StateColumn("nbhd", "int32", "index", "neighbourhood the professional works in"),
        StateColumn("capacity", "float32", "hours/week", "direct-contact hours a week"),
        StateColumn("attitude", "float32", "0-1",
                    "attitude to co-production, 0 sceptical .. 1 enabling"),
    )  # fmt: skip

    def __init__(self, service, nbhd, capacity, attitude) -> None:  # noqa: ANN001
        self.service, self.nbhd, self.capacity, self.attitude = service, nbhd, capacity, attitude

    def __len__(self) -> int:
        return len(self.service)


def _beta(mean: float, conc: float, n: int, rng: np.random.Generator) -> np.ndarray:
    m = min(max(mean, 1e-3), 1 - 1e-3)
    return rng.beta(m * conc, (1 - m) * conc, n).astype(np.float32)


def build_neighbourhoods(
    n: int, n_nb: int, town: Town, p: Scenario, rng: np.random.Generator
) -> Neighbourhoods:
    """Block sizes from a Dirichlet split; deprivation and diversity from the town's Beta laws."""
    n_nb = max(1, min(n_nb, max(n, 1)))
    shares = rng.dirichlet(np.full(n_nb, 8.0))
    sizes = np.maximum(1, np.floor(shares * n).astype(np.int64)) if n else np.zeros(n_nb, np.int64)
    sizes[np.argmax(sizes)] += n - sizes.sum()
    end = np.cumsum(sizes)
    start = end - sizes
    dep = rng.beta(*town.deprivation_beta, n_nb).astype(np.float32)
    div = rng.beta(*town.diversity_beta, n_nb).astype(np.float32)
    trust_base = np.clip(
        p.trust_neighbour_base - p.diversity_trust_effect * div - p.deprivation_trust_effect * dep,
        0.02,
        0.98,
    ).astype(np.float32)
    return Neighbourhoods(start, end, dep, div, trust_base)


def free_hours_of(
    base: np.ndarray, age: np.ndarray, employed: np.ndarray, carer: np.ndarray, p: Scenario
) -> np.ndarray:
    """Free hours a week (float32): the base draw times the age group's multiplier, less the
    shares paid work and caring eat. One rule, at set-up and whenever age group or work change."""
    return (
        base
        * np.asarray(AGE_FREE_HOURS, np.float32)[age]
        * np.where(employed, 1 - p.work_hours_cost, 1.0)
        * np.where(carer, 1 - p.caring_hours_cost, 1.0)
    ).astype(np.float32)


def draw_residents(
    age: np.ndarray, nbhd: np.ndarray, nb: Neighbourhoods, p: Scenario, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every per-resident draw of residents of age group ``age`` living in neighbourhoods
    ``nbhd``: work, caring, free hours, willingness, baseline trust and fears, confidence,
    awareness, vetting. Set-up draws the whole town with it and turnover its newcomers: one
    rule in one place (see docs/ODD.md, Initialisation)."""
    f32 = np.float32
    n = len(age)
    employed = (age != RETIRED) & (rng.random(n) < p.employment_rate)
    carer = rng.random(n) < p.carer_rate
    base = rng.gamma(2.0, p.free_hours_mean / 2.0, n)
    trust_nbr = np.clip(nb.trust_base[nbhd] + rng.normal(0, 0.12, n), 0, 1).astype(f32)
    trust_svc = np.clip(p.trust_service_base + rng.normal(0, 0.15, n), 0, 1).astype(f32)
    fear_c = _beta(p.fear_commitment_mean, 6.0, n, rng)
    return dict(
        employed=employed,
        carer=carer,
        free_hours_base=base.astype(f32),
        free_hours=free_hours_of(base, age, employed, carer, p),
        willing=draw_willingness(n, p.willingness_scale, rng, p.disposition_loading),
        fear_commit_base=fear_c.copy(),
        trust_svc_base=trust_svc.copy(),
        trust_nbr=trust_nbr,
        trust_svc=trust_svc,
        confidence=_beta(p.confidence_mean, 6.0, n, rng),
        fear_commit=fear_c,
        fear_liab=_beta(p.fear_liability_mean, 6.0, n, rng),
        fear_retal=_beta(p.fear_retaliation_mean, 6.0, n, rng),
        aware=rng.random(n) < p.awareness_rate,
        vet_status=np.where(rng.random(n) < p.vetted_share, VETTED, NOT_VETTED).astype(np.int8),
    )


def build_population(
    n: int,
    nb: Neighbourhoods,
    p: Scenario,
    rng: np.random.Generator,
    columns: Mapping[str, StateColumn],
) -> Population:
    """Draw residents' attributes (see docs/ODD.md, Initialisation): an age group, the
    per-resident draws (``draw_residents``), then an age in years within the group; every other
    declared column starts at its start value (its owner's set-up may fill it later)."""
    nbhd = np.repeat(np.arange(len(nb.start), dtype=np.int32), nb.size)
    u = rng.random(n)
    age = np.where(u < p.share_young, YOUNG, np.where(u < 1 - p.share_retired, WORKING, RETIRED))
    age = age.astype(np.int8)
    drawn = draw_residents(age, nbhd, nb, p, rng)
    age_years = start_ages(age, rng)
    arrays = {name: col.empty(n) for name, col in columns.items()}
    arrays.update(
        age=age,
        age_years=age_years,
        moved_in_week=np.full(n, LONG_AGO, np.int32),
        history_start_age=age_years.copy(),
        nbhd=nbhd,
        **drawn,
    )
    return Population(columns, arrays)


def build_staff(n_residents: int, n_nb: int, p: Scenario, rng: np.random.Generator) -> Staff:
    """Frontline professionals split across services by share. A service's weekly hours are
    exactly its share of ``staff_per_1000 x residents / 1000 x staff_hours``, not rounded to
    whole staff (rounding gave a 2,000-resident town 11% more public-safety hours than its
    share); its headcount is that number of full-time staff rounded (at least one where the
    share is above zero), each giving an equal part of the hours."""
    shares = np.array(
        [
            p.staff_share_social_care,
            p.staff_share_public_safety,
            max(0.0, 1.0 - p.staff_share_social_care - p.staff_share_public_safety),
        ]
    )
    exact = shares / max(shares.sum(), 1e-12) * (p.staff_per_1000 * n_residents / 1000.0)
    counts = np.where(exact > 0, np.maximum(np.round(exact), 1), 0).astype(int)
    service = np.repeat(np.arange(len(SERVICES), dtype=np.int8), counts)
    each = np.divide(exact, counts, out=np.zeros(len(SERVICES)), where=counts > 0)
    m = len(service)
    return Staff(
        service=service,
        nbhd=rng.integers(0, max(n_nb, 1), m).astype(np.int32),
        capacity=(each[service] * p.staff_hours).astype(np.float32),
        attitude=_attitudes(service, p.attitude_mean, rng),
    )


def _attitudes(service: np.ndarray, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Staff attitudes: Beta(mean, concentration 5) draws, then corrected so each service's
    mean is exactly ``mean`` (a service has 3-5 staff in the demo town, so raw draws gave
    service means of 0.23-0.57 for a declared 0.4). The correction keeps every value in
    [0, 1] and the order within a service: a sample whose mean m is above the target is
    scaled by mean / m; one below is mirrored, 1 - (1 - x)(1 - mean) / (1 - m)."""
    x = _beta(mean, 5.0, len(service), rng).astype(np.float64)
    target = min(max(mean, 0.0), 1.0)
    for s in np.unique(service):
        at = service == s
        m = x[at].mean()
        if m > target:
            x[at] *= target / m
        elif m < target:
            x[at] = 1.0 - (1.0 - x[at]) * (1.0 - target) / (1.0 - m)
    return x.astype(np.float32)
