"""What a run reports: tables, a flat summary, the policy-versus-baseline comparison, files.

Everything here reads a finished ``CoproductionModel`` (or the flat dict ``summary_metrics``
makes of one) and never changes it, so scripts can call the same functions as the CLI:

    base = CoproductionModel(rng=1, town="demo"); base.run_weeks(260)
    pol = CoproductionModel(rng=1, town="demo", policies=["time_bank"]); pol.run_weeks(260)
    result = compare(base, pol)            # same seed: the difference is the lever's
    comparison_frame(result).to_csv("comparison.csv", index=False)

Counts over the run: a need is "met" each time a channel takes it on (a need reopened because
its helper dropped out or burnt out and met again counts again), "lapsed" when it waited past
its kind's longest wait and was given up unmet, a "crisis" when a waiting need escalated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coprod_sim.analysis import costs
from coprod_sim.analysis.metrics import find
from coprod_sim.levers import LEVERS
from coprod_sim.mechanisms import needs as queues
from coprod_sim.mechanisms.needs import ASB_CALLOUT, CHANNEL_INDEX, CHANNELS, SERVICES, UNMET
from coprod_sim.mechanisms.outcomes import (
    BARRIERS,
    PARTICIPATION,
    SURVEY_PARTICIPATION,
    barrier_shares,
    participation_shares,
    top_share,
)
from coprod_sim.state.occupancy import n_present

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

WEEKS_PER_YEAR = 52
PROFESSIONAL_STAFF = costs.PROFESSIONAL_STAFF  # the model's cost item for the services' staff
PARTICIPATION_ROWS: tuple[str, ...] = (*PARTICIPATION, "at_least_monthly", "at_least_yearly")
#: one row per payer (``costs.PAYERS``): cash over the run, GBP
COST_ROWS: tuple[str, ...] = tuple(f"cost_{payer}_gbp" for payer in costs.PAYERS)
#: money and professional time, compared side by side (volunteer time is valued, not cash)
MONEY_ROWS: tuple[str, ...] = (
    *COST_ROWS,
    "public_purse_cost_gbp",
    "volunteer_time_value_gbp",
    "professional_hours_paid",
    "professional_hours_on_levers",
    "professional_hours_idle",
    *(f"staff_cost_{s}_gbp" for s in SERVICES),
    *(f"professional_hours_{s}" for s in SERVICES),
    "police_callout_hours",
    "crises_value_gbp",
)
#: participation_<row> counts any help; participation_formal_<row> (the survey's measure:
#: volunteering with a local organisation) and participation_informal_<row> count each apart
PARTICIPATION_METRICS: tuple[str, ...] = tuple(
    f"participation_{m}{c}" for m in ("formal_", "informal_", "") for c in PARTICIPATION_ROWS
)
#: needs: residents' own needs and services' volunteer roles (owner -1) apart; a need met
#: again after its helper left is a re-match, not a new need served
NEEDS_SPLIT: tuple[str, ...] = (
    "needs_residents_arisen",
    "needs_residents_served_distinct",
    "needs_residents_unmet",
    "roles_arisen",
    "roles_filled_distinct",
    "roles_unfilled",
    "needs_served_distinct",
    "rematches",
)
#: metrics ``compare`` sets side by side (lever costs and money are added to these)
COMPARED: tuple[str, ...] = (
    *PARTICIPATION_METRICS,
    "retention_formal",
    "dropout_12m_formal",
    *NEEDS_SPLIT,
    "needs_arisen",
    *(f"needs_met_{c}" for c in CHANNELS),
    "needs_met_total",
    "needs_lapsed",
    "crises",
    "emergency_responses",
    "emergency_hours",
    "needs_open_end",
    "needs_past_standard_end",
    "needs_residents_unmet_so_far",
    "professional_hours",
    "crisis_hours",
    "professional_cost_gbp",
    "volunteer_hours",
    "top10_hours_share",
    "trust_neighbours_end",
    "trust_services_end",
    "fear_of_commitment_end",
    *MONEY_ROWS,
)
OUTPUT_FILES: tuple[str, ...] = (
    "weekly.parquet",
    "needs_by_kind_channel.parquet",
    "needs_by_neighbourhood.parquet",
    "needs_by_deprivation.parquet",
    "summary.csv",
)


# ------------------------------------------------------------------ tables
def weekly_series(model: CoproductionModel, include_burn_in: bool = False) -> pd.DataFrame:
    """The DataCollector's weekly series with a ``week`` column (weeks of results completed,
    from 1). ``include_burn_in`` puts the burn-in's weeks first (from
    ``model.burn_in_datacollector``), numbered up to 0, with ``burn_in`` 1."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "week", np.arange(1, len(df) + 1, dtype=np.int64))
    if include_burn_in:
        burn = model.burn_in_datacollector.get_model_vars_dataframe().reset_index(drop=True)
        first = 1 - int(model.burn_in_weeks)
        burn.insert(0, "week", np.arange(first, first + len(burn), dtype=np.int64))
        df = pd.concat([burn, df], ignore_index=True)
    return df


def needs_by_kind_channel(model: CoproductionModel) -> pd.DataFrame:
    """One row per kind of need: matches per channel, lapsed, crises, still open at the end,
    and those still waiting when their owner died or moved away (``left_open``)."""
    k = model.kinds
    n = len(k.names)
    open_end = np.bincount(
        model.needs.kind[model.needs.channel == UNMET].astype(np.int64), minlength=n
    )
    df = pd.DataFrame(
        {
            "kind": list(k.names),
            "service": [SERVICES[s] for s in k.service],
        }
    )
    for c, name in enumerate(CHANNELS):
        df[f"met_{name}"] = model.met_by_kind_channel[:, c]
    df["met_total"] = model.met_by_kind_channel.sum(axis=1)
    df["lapsed"] = model.lapsed_by_kind
    df["crises"] = model.crises_by_kind
    df["open_end"] = open_end
    df["left_open"] = model.left_open_by_kind  # still waiting when their owner left (turnover)
    ended = df["met_total"] + df["lapsed"]
    df["lapsed_share"] = np.where(ended > 0, df["lapsed"] / ended.clip(lower=1), np.nan)
    return df


def needs_by_neighbourhood(model: CoproductionModel) -> pd.DataFrame:
    """One row per neighbourhood: residents, deprivation, needs met, lapsed, open at the end."""
    nb = model.nb
    n = len(nb.start)
    open_end = np.bincount(
        model.needs.nbhd[model.needs.channel == UNMET].astype(np.int64), minlength=n
    )
    df = pd.DataFrame(
        {
            "neighbourhood": np.arange(n),
            "residents": nb.size.astype(np.int64),
            "deprivation": nb.deprivation.astype(np.float64),
            "diversity": nb.diversity.astype(np.float64),
            "deprivation_quintile": deprivation_quintiles(nb.deprivation, nb.size),
            "needs_met": model.met_by_nbhd,
            "needs_lapsed": model.lapsed_by_nbhd,
            "needs_open_end": open_end,
        }
    )
    ended = df["needs_met"] + df["needs_lapsed"]
    df["lapsed_share"] = np.where(ended > 0, df["needs_lapsed"] / ended.clip(lower=1), np.nan)
    return df


def deprivation_quintiles(deprivation: np.ndarray, residents: np.ndarray) -> np.ndarray:
    """Quintile of each neighbourhood, weighted by residents; 1 = most deprived (as the IMD).

    Neighbourhoods are ranked by deprivation; each takes the quintile in which the middle of
    its residents falls, so every quintile holds about a fifth of the residents (a town with
    few neighbourhoods may leave a quintile empty).
    """
    dep = np.asarray(deprivation, np.float64)
    size = np.asarray(residents, np.float64)
    order = np.argsort(-dep, kind="stable")  # most deprived first
    total = max(size.sum(), 1.0)
    mid = (np.cumsum(size[order]) - size[order] / 2) / total
    q = np.empty(len(dep), np.int64)
    q[order] = np.minimum((mid * 5).astype(np.int64), 4) + 1
    return q


def needs_by_deprivation(model: CoproductionModel) -> pd.DataFrame:
    """The neighbourhood table summed by deprivation quintile (1 = most deprived)."""
    nb = needs_by_neighbourhood(model)
    nb["_dep_x_res"] = nb["deprivation"] * nb["residents"]
    g = nb.groupby("deprivation_quintile", as_index=False).agg(
        neighbourhoods=("neighbourhood", "size"),
        residents=("residents", "sum"),
        _dep_x_res=("_dep_x_res", "sum"),
        needs_met=("needs_met", "sum"),
        needs_lapsed=("needs_lapsed", "sum"),
        needs_open_end=("needs_open_end", "sum"),
    )
    g["deprivation_mean"] = g["_dep_x_res"] / g["residents"].clip(lower=1)
    g = g.drop(columns="_dep_x_res")
    ended = g["needs_met"] + g["needs_lapsed"]
    g["lapsed_share"] = np.where(ended > 0, g["needs_lapsed"] / ended.clip(lower=1), np.nan)
    g["needs_per_1000_residents"] = 1000 * ended / g["residents"].clip(lower=1)
    return g


# ------------------------------------------------------------------ the flat summary
def summary_metrics(model: CoproductionModel) -> dict[str, float | int]:
    """Every headline figure of a run as ``{metric: number}`` (NaN where undefined).

    Participation, retention and barriers are those of the last completed 52-week year of
    results (NaN before the first year ends); needs, hours and costs are totals over the
    results weeks (the burn-in's are left out); trust and fear are means over residents at the
    start of the results (the end of the burn-in) and at the end. ``participation_formal_*``
    is the survey's measure (volunteering with a local organisation); "never" there is never
    in the simulated history, burn-in included (``burn_in_years`` long); a newcomer's history
    starts when they move in (population turnover). ``deaths``, ``moved_away`` and
    ``newcomers`` are totals over the results weeks; ``mean_age_end`` and
    ``share_65_plus_end`` are the last week's.
    """
    m: dict[str, float | int] = {
        "weeks": int(model.week),
        "n_residents": int(model.n_start),
        "residents_present_end": n_present(model),
        "seed": int(model.seed),  # exact: a float would round a large seed
        "professional_hour_cost": float(model.params.professional_hour_cost),
    }
    m["burn_in_weeks"] = int(model.burn_in_weeks)
    complete_year = model.week >= WEEKS_PER_YEAR
    pop = model.pop
    for prefix, classes in (
        ("participation_", pop.last_year_class),
        ("participation_formal_", pop.last_year_class_formal),
        ("participation_informal_", pop.last_year_class_informal),
    ):
        shares = participation_shares(classes)
        for c in PARTICIPATION_ROWS:
            m[f"{prefix}{c}"] = shares[c] if complete_year else math.nan
    last_year = model.years[-1] if complete_year and model.years else {}
    for key in ("retention_formal", "dropout_12m_formal"):
        m[key] = float(last_year.get(key, math.nan))
    weekly = weekly_series(model)
    for metric, series in (
        ("needs_residents_arisen", "needs_arisen_residents"),
        ("needs_residents_served_distinct", "needs_residents_served_distinct"),
        ("needs_residents_unmet", "needs_lapsed_residents"),
        ("roles_arisen", "needs_arisen_roles"),
        ("roles_filled_distinct", "roles_filled_distinct"),
        ("roles_unfilled", "roles_unfilled"),
        ("needs_served_distinct", "needs_served_distinct"),
        ("rematches", "rematches"),
        ("deaths", "deaths"),
        ("moved_away", "moved_away"),
        ("newcomers", "newcomers"),
        ("group_hours", "group_hours"),  # mechanism 13, other local organisations
    ):
        m[metric] = float(weekly[series].sum()) if series in weekly else 0.0
    met = model.met_by_kind_channel.sum(axis=0)
    for i, c in enumerate(CHANNELS):
        m[f"needs_met_{c}"] = float(met[i])
    m["needs_met_total"] = float(met.sum())
    m["needs_arisen"] = float(weekly["needs_arisen"].sum()) if "needs_arisen" in weekly else 0.0
    m["needs_lapsed"] = float(model.lapsed_by_kind.sum())
    m["crises"] = float(model.crises_by_kind.sum())
    m["needs_open_end"] = float((model.needs.channel == UNMET).sum())
    m.update(queue_metrics(model, float(m["needs_residents_unmet"])))
    hours = model.hours_by_channel_total
    for i, c in enumerate(CHANNELS):
        m[f"hours_{c}"] = float(hours[i])
    m["professional_hours"] = float(model.professional_hours_total)
    m["crisis_hours"] = float(model.crisis_hours_total)
    m["volunteer_hours"] = float(hours.sum() - hours[CHANNELS.index("professional")])
    m["professional_cost_gbp"] = float(model.costs_total.get(PROFESSIONAL_STAFF, 0.0))
    lever_total = 0.0
    for lever in model.policy_levers:
        cost = float(model.costs_total.get(lever.name, 0.0))
        m[f"lever_cost_{lever.name}"] = cost
        lever_total += cost
    m["lever_cost_total"] = lever_total
    m["cost_total"] = float(sum(model.costs_total.values()))  # every payer's cash
    m.update(money_metrics(model))
    m["top10_hours_share"] = top_share(model.hours_last_year) if complete_year else math.nan
    bshares = barrier_shares(model.barrier_codes)
    for b in BARRIERS:
        m[f"barrier_{b}"] = bshares[b] if complete_year else math.nan
    m["mean_age_end"] = float(model.stats.get("mean_age", math.nan))
    m["share_65_plus_end"] = float(model.stats.get("share_65_plus", math.nan))
    if getattr(model, "future", None) is not None:
        m.update(future_metrics(weekly))
    for key, start in model.start_means.items():
        m[f"{key}_start"] = float(start)
        m[f"{key}_end"] = float(model.stats.get(key, start))  # the last week's mean
    return m


def future_metrics(weekly: Any) -> dict[str, float]:
    """What a run with a future adds: the age mix at the end, demand (residents' needs by the
    kinds' rates per 1000 residents a year) and professional capacity (hours a week) in the
    first and the last 52 weeks of results (NaN before any week)."""
    if len(weekly) == 0 or "share_80_plus" not in weekly:
        return dict.fromkeys(FUTURE_SUMMARY, math.nan)
    first, last = weekly.iloc[:WEEKS_PER_YEAR], weekly.iloc[-WEEKS_PER_YEAR:]
    scale = float(WEEKS_PER_YEAR)  # weekly rates to a year's
    return {
        "share_80_plus_end": float(weekly["share_80_plus"].iloc[-1]),
        "demand_per_1000_first_year": float(first["needs_arisen_per_1000"].mean() * scale),
        "demand_per_1000_last_year": float(last["needs_arisen_per_1000"].mean() * scale),
        "professional_capacity_first_year": float(first["professional_capacity"].mean()),
        "professional_capacity_last_year": float(last["professional_capacity"].mean()),
    }


#: the summary figures a run with a future adds (``future_metrics``)
FUTURE_SUMMARY: tuple[str, ...] = (
    "share_80_plus_end",
    "demand_per_1000_first_year",
    "demand_per_1000_last_year",
    "professional_capacity_first_year",
    "professional_capacity_last_year",
)


def queue_metrics(model: CoproductionModel, lapsed_residents: float) -> dict[str, float]:
    """Every need ends or is counted: ``emergency_responses`` (crises met by an emergency
    response, ``needs.emergency_response``) and their ``emergency_hours``;
    ``needs_past_standard_end``, residents' needs still open at the end that have waited past
    ``service_standard_weeks`` (unmet so far); ``needs_residents_unmet_so_far``, those plus the
    residents' needs that lapsed; and per service the waiting time of the needs its queue
    served (``wait_median_weeks_<service>``, ``wait_p90_weeks_<service>``,
    ``wait_max_weeks_<service>``)."""
    n = model.needs
    late = (n.channel == UNMET) & (n.owner >= 0) & (n.waited > model.params.service_standard_weeks)
    m = {
        "emergency_responses": float(queues.emergency_by_kind(model).sum()),
        "emergency_hours": queues.emergency_hours(model),
        "needs_past_standard_end": float(np.count_nonzero(late)),
    }
    m["needs_residents_unmet_so_far"] = lapsed_residents + m["needs_past_standard_end"]
    for service, (med, p90, longest) in queues.wait_quantiles(model).items():
        m[f"wait_median_weeks_{service}"] = med
        m[f"wait_p90_weeks_{service}"] = p90
        m[f"wait_max_weeks_{service}"] = longest
    return m


def money_metrics(model: CoproductionModel) -> dict[str, float]:
    """Cash by payer, the public purse, volunteer time valued, and professional time.

    ``cost_<payer>_gbp``: every cost item once, on its payer (``costs.costs_by_payer``);
    ``public_purse_cost_gbp``: council and central government; ``volunteer_time_value_gbp``:
    volunteer hours x ``volunteer_hour_value`` (never added to cash);
    ``professional_hours_paid``: hours staff were employed; ``staff_cost_<service>_gbp``: their
    pay by service (adding up to ``cost_council_services_gbp``);
    ``professional_hours_on_levers``: paid hours levers took from the services' capacity for
    their own tasks (personal asks, workshops, courses: ``costs.lever_staff_hours``);
    ``professional_hours_idle``: paid hours neither given to needs nor on levers' tasks (hours
    to redeploy, not cash); ``professional_hours_<service>``: hours
    given to needs by service; ``police_callout_hours``: public-safety hours given to reported
    anti-social incidents (mechanism 8), paid within the staff cost; ``crises_value_gbp``:
    the run's crises at their nominal value (``costs.value_of_crises``).
    """
    m: dict[str, float] = {}
    by_payer = costs.costs_by_payer(model)
    for payer, gbp in by_payer.items():
        m[f"cost_{payer}_gbp"] = gbp
    m["public_purse_cost_gbp"] = sum(by_payer[p] for p in costs.PUBLIC_PURSE)
    volunteer = float(model.hours_by_channel_total.sum())
    volunteer -= float(model.hours_by_channel_total[CHANNEL_INDEX["professional"]])
    m["volunteer_time_value_gbp"] = volunteer * costs.unit("volunteer_hour_value")
    weekly = model.datacollector.model_vars
    paid = float(np.sum(weekly.get("professional_hours_paid", [])))
    m["professional_hours_paid"] = paid
    on_levers = costs.lever_staff_hours(model)
    m["professional_hours_on_levers"] = on_levers
    m["professional_hours_idle"] = paid - float(model.professional_hours_total) - on_levers
    hour = model.params.professional_hour_cost
    for s in SERVICES:
        m[f"staff_cost_{s}_gbp"] = float(np.sum(weekly.get(f"professional_hours_paid_{s}", [])))
        m[f"staff_cost_{s}_gbp"] *= hour
        m[f"professional_hours_{s}"] = float(np.sum(weekly.get(f"professional_hours_{s}", [])))
    names = model.kinds.names
    callouts = 0.0
    if ASB_CALLOUT in names:
        met = model.met_by_kind_channel[names.index(ASB_CALLOUT), CHANNEL_INDEX["professional"]]
        callouts = float(met) * model.params.police_hours_per_incident
    m["police_callout_hours"] = callouts
    m["crises_value_gbp"] = costs.value_of_crises(model)
    return m


def _metrics(x: CoproductionModel | Mapping[str, float]) -> dict[str, float]:
    return dict(x) if isinstance(x, Mapping) else summary_metrics(x)


def compare(
    baseline: CoproductionModel | Mapping[str, float],
    policy: CoproductionModel | Mapping[str, float],
) -> dict[str, Any]:
    """The policy run against the paired baseline run: costs by payer, differences, the net.

    Give two finished models (or their ``summary_metrics``) of the same town, seed and length;
    with common random numbers the differences are the levers'. Returns::

        {"weeks", "seed_baseline", "seed_policy", "same_seed",
         "levers": {name: total cost GBP of the policy run},
         "lever_payers": {name: payer of that cost (registered levers)},
         "metrics": {metric: {"baseline", "policy", "change"}},   # change = policy - baseline
         "lever_cost_gbp":  policy lever costs - baseline lever costs (every payer),
         "professional_hours_freed": idle paid hours, policy - baseline (hours to redeploy;
                                     hours a lever takes for its own tasks are not idle),
         "crises_averted": baseline - policy crises (a count),
         "crises_averted_value_gbp": baseline - policy crises_value_gbp (nominal unit cost),
         "net_gbp": public purse cost (baseline) - public purse cost (policy)}

    Money is counted once, by payer (``costs.PAYERS``; the ``cost_<payer>_gbp`` metrics): the
    services' staff are paid for the hours employed, busy or not, so professionals doing less
    frees hours (``professional_hours_freed``), not cash; a budget cut saves exactly the pay of
    the capacity removed. ``net_gbp`` is the public purse's (council and central government)
    saving against the baseline, positive when the policy run costs less; employers' costs
    and the value of volunteers' time are reported beside it, never in it. Crises averted are
    counted as crises and valued at their nominal professional hours, beside the net.
    Raises ValueError if the runs differ in length.
    """
    b, p = _metrics(baseline), _metrics(policy)
    if b.get("weeks") != p.get("weeks"):
        raise ValueError(
            f"compare: the runs differ in length (baseline {b.get('weeks')} weeks, policy "
            f"{p.get('weeks')} weeks); run both for the same number of weeks"
        )
    metrics = {}
    for key in COMPARED:
        bv, pv = float(b.get(key, math.nan)), float(p.get(key, math.nan))
        metrics[key] = {"baseline": bv, "policy": pv, "change": pv - bv}
    levers = {
        k.removeprefix("lever_cost_"): v
        for k, v in p.items()
        if k.startswith("lever_cost_") and k != "lever_cost_total"
    }
    payers = {name: LEVERS[name].payer for name in levers if name in LEVERS}
    lever_cost = float(p.get("lever_cost_total", 0.0)) - float(b.get("lever_cost_total", 0.0))
    return {
        "weeks": int(p["weeks"]),
        "seed_baseline": int(b["seed"]),
        "seed_policy": int(p["seed"]),
        "same_seed": b["seed"] == p["seed"],
        "levers": levers,
        "lever_payers": payers,
        "metrics": metrics,
        "lever_cost_gbp": lever_cost,
        "professional_hours_freed": _change(b, p, "professional_hours_idle"),
        "crises_averted": _change(b, p, "crises", -1.0),
        "crises_averted_value_gbp": _change(b, p, "crises_value_gbp", -1.0),
        "net_gbp": _change(b, p, "public_purse_cost_gbp", -1.0),
    }


def _change(b: Mapping[str, float], p: Mapping[str, float], key: str, sign: float = 1.0) -> float:
    # + 0.0 turns a -0.0 (no change, negated) into 0.0
    return sign * (float(p.get(key, math.nan)) - float(b.get(key, math.nan))) + 0.0


#: ``compare``'s single figures, written as rows of comparison.csv (change column only)
COMPARISON_FIGURES: tuple[str, ...] = (
    "lever_cost_gbp",
    "professional_hours_freed",
    "crises_averted",
    "crises_averted_value_gbp",
    "net_gbp",
)


def comparison_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """``compare``'s result as rows of metric, baseline, policy, change (for comparison.csv)."""
    rows = [
        {"metric": k, "baseline": v["baseline"], "policy": v["policy"], "change": v["change"]}
        for k, v in result["metrics"].items()
    ]
    for name, cost in result["levers"].items():
        rows.append(
            {"metric": f"lever_cost_{name}", "baseline": 0.0, "policy": cost, "change": cost}
        )
    for key in COMPARISON_FIGURES:
        rows.append(
            {"metric": key, "baseline": math.nan, "policy": math.nan, "change": float(result[key])}
        )
    return pd.DataFrame(rows, columns=["metric", "baseline", "policy", "change"])


# ------------------------------------------------------------------ files
def summary_frame(metrics: Mapping[str, float]) -> pd.DataFrame:
    """``summary_metrics`` as summary.csv's rows: metric, value, and from the metric registry
    (``coprod_sim.analysis.metrics``) its unit, direction (which way is better) and label."""
    rows = []
    for name, value in metrics.items():
        m = find(name)  # every built-in metric is declared (tests/analysis/test_metrics.py)
        rows.append((name, value, *((m.unit, m.direction, m.label) if m else ("", "", ""))))
    return pd.DataFrame(rows, columns=["metric", "value", "unit", "direction", "label"])


# ------------------------------------------------------------------ the printed table
def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def _num(x: float) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"


def _3f(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def _signed(x: float, fmt: Any) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    s = fmt(abs(x))
    if x == 0 or s == fmt(0.0):
        return fmt(0.0) if x else "0"
    return ("+" if x > 0 else "-") + s


def _pp(x: float) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{100 * x:+.1f} pp"


def format_report(
    policy: Mapping[str, float],
    baseline: Mapping[str, float] | None = None,
    comparison: Mapping[str, Any] | None = None,
    title: str = "",
) -> str:
    """A compact table (about 30-40 lines) of a run, or of a policy run against its baseline.

    ``policy`` and ``baseline`` are ``summary_metrics`` dicts; with a baseline the columns are
    baseline, policy and change, and lever costs and money close the table.
    """
    two = baseline is not None
    w = 36
    lines: list[str] = []
    if title:
        lines.append(title)

    def head(label: str, cols: tuple[str, ...]) -> None:
        lines.append(f"{label:<{w}}" + "".join(f"{c:>12}" for c in cols))

    def row(label: str, key: str, fmt: Any, extra: str = "") -> None:
        pv = policy.get(key, math.nan)
        if two:
            bv = baseline.get(key, math.nan)
            change = _pp(pv - bv) if fmt is _pct else _signed(pv - bv, fmt)
            cells = (fmt(bv), fmt(pv), change)
        else:
            cells = (fmt(pv),)
        lines.append(f"  {label:<{w - 2}}" + "".join(f"{c:>12}" for c in cells) + extra)

    cols = ("baseline", "policy", "change") if two else ("model",)
    last = int(policy["weeks"] // WEEKS_PER_YEAR * WEEKS_PER_YEAR)
    span = f"weeks {last - 51}-{last}" if last else "no complete year yet"
    head(f"Participation, formal ({span})", (*cols, "survey"))
    labels = {
        "weekly": ("at least weekly", "weekly"),
        "monthly": ("at least monthly", "at_least_monthly"),
        "yearly": ("at least yearly", "at_least_yearly"),
        "rarely": ("rarely (not in this year)", "rarely"),
        "never": ("never (in the history)", "never"),
    }
    for cat, (label, key) in labels.items():
        _, value, note = SURVEY_PARTICIPATION[cat]
        survey = f"{100 * value:>11.0f}%" + (" (lower bound)" if cat == "yearly" else "")
        row(label[: w - 2], f"participation_formal_{key}", _pct, survey)
    row("retention (again next year)", "retention_formal", _pct)
    row("12-month dropout of new volunteers", "dropout_12m_formal", _pct)
    head("Participation, informal (not surveyed)", cols)
    for label, key in list(labels.values())[:3]:
        row(label[: w - 2], f"participation_informal_{key}", _pct)
    head("Needs over the run", cols)
    row("residents' needs arisen", "needs_residents_arisen", _num)
    row("  served (distinct needs)", "needs_residents_served_distinct", _num)
    row("  lapsed unmet", "needs_residents_unmet", _num)
    row("  waiting past the standard (end)", "needs_past_standard_end", _num)
    row("volunteer roles arisen", "roles_arisen", _num)
    row("  filled (distinct roles)", "roles_filled_distinct", _num)
    row("  lapsed unfilled", "roles_unfilled", _num)
    row("re-matches after a helper left", "rematches", _num)
    for c in CHANNELS:
        row(f"met: {c.replace('_', ' ')}", f"needs_met_{c}", _num)
    row("crises", "crises", _num)
    row("  met by an emergency response", "emergency_responses", _num)
    row("still open at the end", "needs_open_end", _num)
    head("Hours", cols)
    row("professional hours paid", "professional_hours_paid", _num)
    row("professional hours given to needs", "professional_hours", _num)
    row("volunteer hours", "volunteer_hours", _num)
    row("share of hours by top 10% helpers", "top10_hours_share", _pct)
    head("Cash over the run by payer (GBP)", cols)
    for payer in costs.PAYERS:
        row(payer.replace("_", " "), f"cost_{payer}_gbp", _num)
    row("public purse (council + central)", "public_purse_cost_gbp", _num)
    row("volunteer time valued (not cash)", "volunteer_time_value_gbp", _num)
    trust_rows = (
        ("trust_neighbours", "trust in neighbours"),
        ("trust_services", "trust in services"),
        ("fear_of_commitment", "fear of commitment"),
    )
    if two:
        head("Trust and fear at the end (0-1)", cols)
        for key, label in trust_rows:
            row(label, f"{key}_end", _3f)
    else:
        head("Trust and fear (mean, 0-1)", ("start", "end"))
        for key, label in trust_rows:
            s, e = policy.get(f"{key}_start", math.nan), policy.get(f"{key}_end", math.nan)
            lines.append(f"  {label:<{w - 2}}{_3f(s):>12}{_3f(e):>12}")
    bars = sorted(
        ((policy.get(f"barrier_{b}", math.nan), b) for b in BARRIERS),
        key=lambda t: -t[0] if not math.isnan(t[0]) else 0,
    )
    shown = [
        f"{b.replace('_', ' ')} {_pct(v)}" for v, b in bars if not math.isnan(v) and v >= 0.0005
    ]
    lines.append("Main barrier of non-participants" + (" (policy run)" if two else "") + ":")
    if not shown:
        lines.append("  n/a (no complete year)")
    for i in range(0, len(shown), 5):
        lines.append("  " + ", ".join(shown[i : i + 5]))
    if two and comparison is not None:
        lines.append("Levers (total cost over the run, GBP; who pays)")
        payers = comparison.get("lever_payers", {})
        for name, cost in comparison["levers"].items():
            payer = payers.get(name, "").replace("_", " ")
            lines.append(f"  {name:<{w - 2}}{_num(cost):>12}  {payer}")
        c = comparison
        lines.append(
            f"Public purse net against the baseline: net GBP {_num(c['net_gbp'])} (positive: saved)"
        )
        lines.append(
            f"  professional hours freed {_num(c['professional_hours_freed'])} (not cash); "
            f"crises averted {_num(c['crises_averted'])} (GBP "
            f"{_num(c['crises_averted_value_gbp'])}, beside the net)"
        )
    return "\n".join(lines)
