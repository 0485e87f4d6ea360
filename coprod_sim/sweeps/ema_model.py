"""The model as an EMA Workbench ``Model``: explore, discover scenarios and optimise with EMA.

    from ema_workbench import SequentialEvaluator
    from coprod_sim.sweeps.ema_model import ema_model

    model = ema_model(town="demo", years=1, replications=2, n_residents=2000)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=8, policies=4)

Uncertainties are world parameters, with the ranges of their calibration priors where the
parameter declarations give one (``parameter_rows``' ``prior``), otherwise their declared
bounds; by default the calibrated ones (those with a prior). Levers are the policy switches
(``BooleanParameter``, one per lever) and each switched lever's main intensity
(``MAIN_INTENSITY``: ``personal_asks__asks_per_professional`` and so on; EMA names must be
identifiers, so ``lever.param`` is written ``lever__param``), from the declared lower bound to
twice the default (within the declared upper bound). Outcomes are declared metrics
(``coprod_sim.analysis.metrics``): MAXIMIZE where higher is better, MINIMIZE where lower is,
INFO where neither.

Replication r of every experiment runs with the same seed (common random numbers, as the
sweep engine pairs arms): with ``replications > 1`` a ``ReplicatorModel`` whose outcomes are
means over replications, otherwise a ``Model`` with the seed as a constant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.levers import LEVERS
from coprod_sim.model import CoproductionModel
from coprod_sim.parameters import ScenarioError, parameter_rows
from coprod_sim.scenario import Scenario
from coprod_sim.sweeps.ema import outcome_kinds

#: the parameter that sets how much of each lever there is (the lever's "intensity")
MAIN_INTENSITY: dict[str, str] = {
    "budget_cuts": "total_cut",
    "community_dividend": "share",
    "community_entrepreneurs": "per_10000",
    "culture_change": "weekly_shift",
    "information_point": "points",
    "insurance_cover": "coverage",
    "personal_asks": "asks_per_professional",
    "right_to_time_off": "hours_granted",
    "time_bank": "coordinator_hours",
    "time_credits": "reward_level",
    "training": "places_per_1000_year",
    "vetting_reform": "portable_share",
    "year_of_paid_service": "uniformed_per_1000",
}
#: outcomes reported by default: needs, crises, money by payer, participation
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "needs_met_total",
    "needs_residents_unmet",
    "crises",
    "public_purse_cost_gbp",
    "cost_employers_gbp",
    "participation_formal_at_least_monthly",
)
SEP = "__"  # lever__param: EMA Workbench 3.0 names must be Python identifiers


def _rows(cls: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in parameter_rows(cls)}


def default_uncertainties() -> tuple[str, ...]:
    """The world parameters with a calibration prior (the ones the data leave uncertain)."""
    return tuple(n for n, r in _rows(Scenario).items() if r["role"] == "world" and r["prior"])


def _uncertainty(name: str, rows: dict[str, dict[str, Any]]) -> Any:
    # EMA Workbench is imported when used (heavy)
    from ema_workbench import IntegerParameter, RealParameter

    row = rows.get(name)
    if row is None or row["role"] != "world":
        allowed = ", ".join(n for n, r in rows.items() if r["role"] == "world")
        raise ScenarioError(
            f"ema_model: uncertainty '{name}' is not a world parameter; allowed: {allowed}"
        )
    lo, hi = row["prior"] if row["prior"] else (row["low"], row["high"])
    if lo is None or hi is None or not lo < hi:
        raise ScenarioError(
            f"ema_model: uncertainty '{name}' has no finite range ({lo}, {hi}); allowed: "
            "a world parameter with a prior or declared bounds"
        )
    if Scenario.model_fields[name].annotation is int:
        return IntegerParameter(name, int(lo), int(hi))
    return RealParameter(name, float(lo), float(hi))


def _intensity(lever: str) -> Any:
    # EMA Workbench is imported when used (heavy)
    from ema_workbench import IntegerParameter, RealParameter

    pname = MAIN_INTENSITY[lever]
    cls = LEVERS[lever]
    row = _rows(cls)[pname]
    lo = row["low"] if row["low"] is not None else 0
    hi = 2 * row["default"]
    if row["high"] is not None:
        hi = min(hi, row["high"])
    if not hi > lo:
        hi = row["high"]
    name = f"{lever}{SEP}{pname}"
    if cls.model_fields[pname].annotation is int:
        return IntegerParameter(name, int(lo), max(int(hi), int(lo) + 1))
    return RealParameter(name, float(lo), float(hi))


def _policies(levers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """EMA's lever values as the model's ``policies``: switched-on levers with their
    intensity (an intensity of a switched-off lever has no effect)."""
    out: dict[str, dict[str, Any]] = {}
    for name in LEVERS:
        if bool(levers.get(name, False)):
            key = f"{name}{SEP}{MAIN_INTENSITY[name]}"
            out[name] = {MAIN_INTENSITY[name]: levers[key]} if key in levers else {}
    return out


def run_coprod(
    *,
    seed: int,
    town: str,
    weeks: int,
    n_residents: int | None,
    burn_in_years: float | None,
    outcome_names: Sequence[str],
    **values: Any,
) -> dict[str, float]:
    """One run for EMA: world parameters and lever values by name; the outcomes by name."""
    world = {k: v for k, v in values.items() if k in Scenario.model_fields}
    levers = {k: v for k, v in values.items() if k not in world}
    if n_residents is not None:
        world["n_residents"] = n_residents
    if burn_in_years is not None:
        world["burn_in_years"] = burn_in_years
    for k, v in list(world.items()):  # EMA gives numpy scalars; the scenario wants Python ones
        world[k] = v.item() if isinstance(v, np.generic) else v
    policies = _policies(levers)
    model = CoproductionModel(rng=int(seed), town=town, policies=policies or None, **world)
    model.run_weeks(weeks)
    m = summary_metrics(model)
    return {o: float(m.get(o, np.nan)) for o in outcome_names}


def _mean(values: Any) -> float:
    return float(np.mean(values))


def ema_model(
    town: str = "demo",
    years: float = 1.0,
    replications: int = 1,
    n_residents: int | None = None,
    *,
    weeks: int | None = None,
    burn_in_years: float | None = None,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    seed: int = 2026,
    name: str = "coprod_sim",
    switches: Literal["boolean", "integer"] = "boolean",
) -> Any:
    """An ``ema_workbench.Model`` (one replication) or ``ReplicatorModel`` of the simulation.

    ``uncertainties``: world parameter names (default: the calibrated ones); ``levers``: lever
    names, each a switch plus its main intensity (default: every lever); ``outcomes``: declared
    metric names (default ``DEFAULT_OUTCOMES``); ``weeks`` overrides ``years``; replication r
    runs with seed r of ``np.random.SeedSequence(seed)`` in every experiment.

    ``switches``: "boolean" (``BooleanParameter``, best for PRIM on the experiments) or
    "integer" (``IntegerParameter`` 0 off / 1 on), which ``optimize`` needs: EMA Workbench
    3.0's optimisation (platypus) cannot encode a ``BooleanParameter`` lever (``ValueError:
    setting an array element with a sequence`` in ``process_jobs``).
    """
    # EMA Workbench is imported when used (heavy)
    from ema_workbench import (
        BooleanParameter,
        Constant,
        IntegerParameter,
        Model,
        ReplicatorModel,
        ScalarOutcome,
    )

    if switches not in ("boolean", "integer"):
        raise ScenarioError(f"ema_model: switches = {switches!r}; allowed: 'boolean', 'integer'")
    if replications < 1:
        raise ScenarioError(f"ema_model: replications = {replications}; allowed: >= 1")
    n_weeks = int(weeks) if weeks is not None else round(52 * years)
    if n_weeks < 1:
        raise ScenarioError(f"ema_model: {n_weeks} weeks to run; allowed: at least 1 week")
    rows = _rows(Scenario)
    unc = [_uncertainty(u, rows) for u in (uncertainties or default_uncertainties())]
    lever_names = list(LEVERS) if levers is None else list(levers)
    for lever in lever_names:
        if lever not in LEVERS:
            raise ScenarioError(
                f"ema_model: unknown lever '{lever}'; allowed: " + ", ".join(LEVERS)
            )
    lev: list[Any] = []
    for lever in lever_names:
        lev.append(
            BooleanParameter(lever) if switches == "boolean" else IntegerParameter(lever, 0, 1)
        )
        lev.append(_intensity(lever))
    names = list(outcomes or DEFAULT_OUTCOMES)
    kinds = outcome_kinds(names)
    outs = [ScalarOutcome(o, kind=kinds[o], function=_mean) for o in names]
    seeds = [
        int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        for s in np.random.SeedSequence(seed).spawn(replications)
    ]
    fixed = {
        "town": town,
        "weeks": n_weeks,
        "n_residents": n_residents,
        "burn_in_years": burn_in_years,
        "outcome_names": tuple(names),
    }
    if replications > 1:
        model = ReplicatorModel(name, function=run_coprod)
        model.replications = [{"seed": s} for s in seeds]
        constants = [Constant(k, v) for k, v in fixed.items()]
    else:
        model = Model(name, function=run_coprod)
        constants = [Constant(k, v) for k, v in {**fixed, "seed": seeds[0]}.items()]
    model.uncertainties = unc
    model.levers = lev
    model.outcomes = outs
    model.constants = constants
    return model
