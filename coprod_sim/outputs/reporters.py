"""Named reporter functions for Mesa's DataCollector: the weekly model-level series.

Each reporter reads one figure the model computed for the week in ``model.stats`` (computed
once per week on whole arrays, so collecting costs nothing extra).

Every column is **this week's** figure, never a run total: ``needs_arisen`` in row 52 is the
needs that arose in week 52. ``mesa.batch_run`` with its default ``data_collection_period=-1``
keeps only the last week's row, so its ``needs_arisen`` is the last week's, easy to mistake
for the run's. ``COLUMN_KINDS`` says what each column is ("flow": counted during the week, a
run total is its sum; "level": the state at the end of the week, a run has no total of it),
and ``run_totals`` sums the flows of a batch collected every week. The column names are kept
as they are (the weekly series, the stored golden series, notebooks and dashboards read them);
the reporter functions are named ``this_week_<column>`` so Mesa's collector says which they are.

``model.datacollector``
records the results weeks only; the burn-in's weeks go to ``model.burn_in_datacollector``
(where ``burn_in`` is 1), and ``coprod_sim.analysis.summary.weekly_series(model,
include_burn_in=True)`` joins the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.mechanisms import collective_action, local_groups
from coprod_sim.mechanisms.collective_action import WEEKLY as COLLECTIVE_ACTION_SERIES
from coprod_sim.mechanisms.futures import VERY_OLD
from coprod_sim.mechanisms.needs import CHANNEL_INDEX, CHANNELS, SERVICES
from coprod_sim.mechanisms.outcomes import means
from coprod_sim.mechanisms.services import staff_paid_hours
from coprod_sim.state.arrays import ordered_mean
from coprod_sim.state.occupancy import has_vacancies, n_present
from coprod_sim.state.population import RETIRED, VETTING

#: the town's size (issue 26): residents present at the end of the week, and the week's
#: newcomers and leavers of a future's population trajectory (``futures.follow_population``;
#: 0 in a town of fixed size). Weekly turnover's are ``newcomers`` and ``moved_away``.
SIZE_SERIES: tuple[str, ...] = ("residents_present", "moved_in_growth", "moved_out_shrinking")

WEEKLY_SERIES: tuple[str, ...] = (
    "burn_in",
    "helping_share",
    "helping_share_formal",
    "helping_share_informal",
    "volunteer_hours",
    "needs_arisen",
    "needs_arisen_residents",
    "needs_arisen_roles",
    "needs_lapsed",
    "needs_lapsed_residents",
    "roles_unfilled",
    "needs_served_distinct",
    "needs_residents_served_distinct",
    "roles_filled_distinct",
    "rematches",
    "open_needs",
    "mean_wait_weeks",
    "needs_past_standard",
    "crises",
    "emergency_responses",
    "burnouts",
    "dropouts",
    "vetting_waiting",
    "vetting_gave_up",
    "professional_hours",
    "professional_hours_crisis",
    "professional_capacity",
    "professional_hours_paid",
    *(f"professional_hours_paid_{s}" for s in SERVICES),
    *(f"professional_hours_{s}" for s in SERVICES),
    *(f"met_{c}" for c in CHANNELS),
    *(f"hours_{c}" for c in CHANNELS),
    "trust_neighbours",
    "trust_services",
    "fear_of_commitment",
    *COLLECTIVE_ACTION_SERIES,
    "cost_total",
    "cost_professional_staff",
    "deaths",
    "moved_away",
    "newcomers",
    "mean_age",
    "share_65_plus",
    *SIZE_SERIES,
    "group_hours",
    "group_share",
)
#: columns a run with a future adds (``mechanisms.futures``): the age mix and its target, the
#: week's demand per resident and the budget share of the year (capacity is
#: ``professional_capacity``). Runs without a future keep the columns above only.
FUTURE_SERIES: tuple[str, ...] = (
    "share_80_plus",
    "share_65_plus_target",
    "share_80_plus_target",
    "needs_arisen_per_1000",
    "budget_share",
)


def reporter(name: str) -> Callable[[Any], float]:
    """A reporter function for weekly figure ``name``."""

    def report(model: Any) -> float:
        return model.stats.get(name, 0.0)

    report.__name__ = report.__qualname__ = f"this_week_{name}"
    report.__doc__ = f"This week's {name} ({column_kind(name)}; see COLUMN_KINDS)."
    return report


#: Columns that are the state at the end of the week (means, shares, queue lengths, capacity);
#: every other column, and every ``cost_*`` column, is a flow counted during the week.
LEVEL_COLUMNS: frozenset[str] = frozenset(
    {
        "helping_share",  # share of residents who helped this week (a rate, not summed)
        "open_needs",
        "mean_wait_weeks",
        "vetting_waiting",
        "professional_capacity",
        "trust_neighbours",
        "trust_services",
        "fear_of_commitment",
        "police_backing",
        "expected_backing",
        "mean_age",
        "share_65_plus",
        "residents_present",
        "group_share",  # share of residents holding a local group role
        *FUTURE_SERIES,  # shares, a rate per resident and a budget share: none is summed
    }
)


def column_kind(name: str) -> str:
    """ "level" (the state at the end of the week) or "flow" (counted during the week)."""
    return "level" if name in LEVEL_COLUMNS else "flow"


#: What each weekly column is, by name (``cost_<lever>`` columns are flows too).
COLUMN_KINDS: dict[str, str] = {name: column_kind(name) for name in WEEKLY_SERIES}


def run_totals(frame: Any, by: str | list[str] = "RunId") -> Any:
    """Run totals of the flow columns of a weekly frame, one row per run.

    For ``mesa.batch_run(..., data_collection_period=1)``: the frame has a row per run and
    week; flows are summed over the weeks (``total_<column>``), levels are taken at the last
    week (``end_<column>``). A single run's ``weekly_series`` works with ``by=[]``.
    """
    df = pd.DataFrame(frame)
    keys = [by] if isinstance(by, str) else list(by)
    columns = [
        c for c in df.columns if c in COLUMN_KINDS or c in FUTURE_SERIES or c.startswith("cost_")
    ]
    flows = [c for c in columns if column_kind(c) == "flow"]
    levels = [c for c in columns if column_kind(c) == "level"]
    if "Step" in df.columns:
        df = df.sort_values([*keys, "Step"], kind="stable")
    if keys:
        g = df.groupby(keys, sort=True)
        out = g[flows].sum().add_prefix("total_").join(g[levels].last().add_prefix("end_"))
        return out.reset_index()
    row = {f"total_{c}": df[c].sum() for c in flows} | {f"end_{c}": df[c].iloc[-1] for c in levels}
    return pd.DataFrame([row])


def model_reporters(extra: tuple[str, ...] = ()) -> dict[str, Callable[[Any], float]]:
    return {name: reporter(name) for name in (*WEEKLY_SERIES, *extra)}


MODEL_REPORTERS = model_reporters()


def record_week(model: Any) -> None:
    """The week's figures (``model.stats``), read by the reporters; costs are added up."""
    e, pop = model.events, model.pop
    n_open = max(e["open_needs"], 1)
    n_res = max(n_present(model), 1)
    met = sum(e[f"met_{c}"] for c in CHANNELS)
    st = {
        "week": model.week,
        "burn_in": float(model.week <= 0),  # this week was part of the burn-in
        "helping_share": e["helpers"] / n_res,
        "helping_share_formal": e["helpers_formal"] / n_res,
        "helping_share_informal": e["helpers_informal"] / n_res,
        "needs_arisen_residents": e["needs_arisen"] - e["needs_arisen_roles"],
        "needs_arisen_roles": e["needs_arisen_roles"],
        "needs_lapsed_residents": e["lapsed"] - e["lapsed_roles"],
        "roles_unfilled": e["lapsed_roles"],
        "needs_served_distinct": e["served_first"],
        "needs_residents_served_distinct": e["served_first"] - e["served_first_roles"],
        "roles_filled_distinct": e["served_first_roles"],
        "rematches": met - e["served_first"],
        "volunteer_hours": e["volunteer_hours"],
        "needs_arisen": e["needs_arisen"],
        "needs_lapsed": e["lapsed"],
        "open_needs": e["open_needs"],
        "mean_wait_weeks": e["waited_total"] / n_open,
        "needs_past_standard": e["needs_past_standard"],
        "crises": e["crises"],
        "emergency_responses": e["emergency_responses"],
        "burnouts": e["burnouts"],
        "dropouts": e["dropouts"],
        "vetting_waiting": np.count_nonzero(pop.vet_status == VETTING),
        "vetting_gave_up": e["vetting_gave_up"],
        "professional_hours": float(model.week_hours_by_channel[CHANNEL_INDEX["professional"]]),
        "professional_hours_crisis": model.week_crisis_hours,
        "professional_capacity": float(model.service_capacity.sum()),
    }
    paid = staff_paid_hours(model)
    st["professional_hours_paid"] = float(paid.sum())
    for s, name in enumerate(SERVICES):
        st[f"professional_hours_paid_{name}"] = float(paid[s])
        st[f"professional_hours_{name}"] = float(model.week_professional_hours_by_service[s])
    for c, name in enumerate(CHANNELS):
        st[f"met_{name}"] = e[f"met_{name}"]
        st[f"hours_{name}"] = float(model.week_hours_by_channel[c])
    st.update(means(model))
    st.update(collective_action.weekly_stats(model))
    for item, gbp in model.costs.items():
        model.costs_total[item] += gbp
    st["cost_total"] = float(sum(model.costs.values()))
    for name in model.lever_cost_names:
        st[f"cost_{name}"] = float(model.costs[name])
    st["cost_professional_staff"] = float(model.costs["professional_staff"])
    for name in ("deaths", "moved_away", "newcomers"):  # population turnover
        st[name] = e[name]
    here = pop.present if has_vacancies(model) else slice(None)  # residents, not vacant rows
    st["mean_age"] = float(ordered_mean(pop.age_years[here].astype(np.float64)))
    st["share_65_plus"] = float(np.count_nonzero(pop.age == RETIRED) / n_res)
    st["group_hours"] = float(e["group_hours"])  # mechanism 13: not the services' hours
    st["group_share"] = local_groups.share(model)
    if getattr(model, "future", None) is not None:
        st.update(future_stats(model))
    st.update(size_stats(model))
    model.stats = st


def size_stats(model: Any) -> dict[str, float]:
    """The town's size and the week's moves of a population trajectory (``SIZE_SERIES``)."""
    return {
        "residents_present": n_present(model),
        "moved_in_growth": model.events["moved_in_growth"],
        "moved_out_shrinking": model.events["moved_out_shrinking"],
    }


def future_stats(model: Any) -> dict[str, float]:
    """The weekly figures a future adds (``FUTURE_SERIES``)."""
    now = model.future_now
    n_res = max(n_present(model), 1)
    nan = float("nan")
    old = model.pop.age_years >= VERY_OLD
    if has_vacancies(model):
        old &= model.pop.present
    return {
        "share_80_plus": float(np.count_nonzero(old) / n_res),
        "share_65_plus_target": nan if now is None else now.target_65,
        "share_80_plus_target": nan if now is None else now.target_80,
        # demand: residents' needs arisen by the kinds' rates (reported incidents left out)
        "needs_arisen_per_1000": 1000.0 * model.events["demand_residents"] / n_res,
        "budget_share": 1.0 if now is None else float(np.mean(now.values.budget)),
    }
