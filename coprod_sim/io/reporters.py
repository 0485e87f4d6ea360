"""Named reporter functions for Mesa's DataCollector: the weekly model-level series.

Each reporter reads one figure the model computed for the week in ``model.stats`` (computed
once per week on whole arrays, so collecting costs nothing extra). ``model.datacollector``
records the results weeks only; the burn-in's weeks go to ``model.burn_in_datacollector``
(where ``burn_in`` is 1), and ``coprod_sim.analysis.summary.weekly_series(model,
include_burn_in=True)`` joins the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coprod_sim.mechanisms.collective_action import WEEKLY as COLLECTIVE_ACTION_SERIES
from coprod_sim.mechanisms.needs import CHANNELS

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
    "crises",
    "burnouts",
    "dropouts",
    "vetting_waiting",
    "vetting_gave_up",
    "professional_hours",
    "professional_hours_crisis",
    "professional_capacity",
    *(f"met_{c}" for c in CHANNELS),
    *(f"hours_{c}" for c in CHANNELS),
    "trust_neighbours",
    "trust_services",
    "fear_of_commitment",
    *COLLECTIVE_ACTION_SERIES,
    "cost_total",
    "cost_professional_staff",
)


def reporter(name: str) -> Callable[[Any], float]:
    """A reporter function for weekly figure ``name``."""

    def report(model: Any) -> float:
        return model.stats.get(name, 0.0)

    report.__name__ = report.__qualname__ = f"report_{name}"
    return report


def model_reporters(extra: tuple[str, ...] = ()) -> dict[str, Callable[[Any], float]]:
    return {name: reporter(name) for name in (*WEEKLY_SERIES, *extra)}


MODEL_REPORTERS = model_reporters()


def means(model: Any) -> dict[str, float]:
    """Mean trust and fear of commitment over residents."""
    pop = model.pop
    empty = len(pop) == 0
    return {
        "trust_neighbours": float("nan") if empty else float(pop.trust_nbr.mean()),
        "trust_services": float("nan") if empty else float(pop.trust_svc.mean()),
        "fear_of_commitment": float("nan") if empty else float(pop.fear_commit.mean()),
    }


def record_week(model: Any) -> None:
    """The week's figures (``model.stats``), read by the reporters; costs are added up."""
    from coprod_sim.mechanisms import collective_action
    from coprod_sim.mechanisms.needs import CHANNEL_INDEX
    from coprod_sim.state.population import VETTING

    e, pop = model.events, model.pop
    n_open = max(e["open_needs"], 1)
    n_res = max(model.n_residents, 1)
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
        "crises": e["crises"],
        "burnouts": e["burnouts"],
        "dropouts": e["dropouts"],
        "vetting_waiting": np.count_nonzero(pop.vet_status == VETTING),
        "vetting_gave_up": e["vetting_gave_up"],
        "professional_hours": float(model.week_hours_by_channel[CHANNEL_INDEX["professional"]]),
        "professional_hours_crisis": model.week_crisis_hours,
        "professional_capacity": float(model.service_capacity.sum()),
    }
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
    model.stats = st
