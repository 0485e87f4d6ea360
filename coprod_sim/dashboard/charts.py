"""The data behind each chart, from a model (never changing it), in plain-language labels.

Each function returns a small pandas frame or dict that ``figures`` draws; tests check these
without a browser. Weekly series come from the model's DataCollector; the year's participation,
barriers and load from the same functions the command line reports with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coprod_sim.analysis import metrics
from coprod_sim.analysis.summary import summary_metrics, weekly_series
from coprod_sim.dashboard import formatting as fmt
from coprod_sim.mechanisms.needs import CHANNELS
from coprod_sim.mechanisms.outcomes import (
    BARRIERS,
    SURVEY_PARTICIPATION,
    barrier_shares,
)
from coprod_sim.state.population import VETTING

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel

WEEKS_PER_YEAR = 52
SMOOTH_WEEKS = 4  # weekly counts are shown as 4-week moving averages (less noise to over-read)

CHANNEL_LABELS = {c: c.replace("_", " ") for c in CHANNELS}
#: participation rows as the survey reports them (cumulative where the survey is)
PARTICIPATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("at least weekly", "weekly", "weekly"),
    ("at least monthly", "at_least_monthly", "monthly"),
    ("at least yearly", "at_least_yearly", "yearly"),
    ("less than yearly", "rarely", "rarely"),
    ("never", "never", "never"),
)
BARRIER_LABELS = {
    "time": "no time",
    "never_asked": "never asked",
    "unaware": "did not know how",
    "fear_of_commitment": "fear of commitment",
    "liability": "fear of liability",
    "trust": "low trust",
    "confidence": "low confidence",
    "vetting": "vetting checks",
    "not_willing": "not willing",
}
#: metrics of summary_metrics in the difference strip, the first four the room's headline (the
#: survey's measure, formal participation; residents' own needs given up unmet; crises; the
#: public purse); label, unit and which way is better come from the metric registry
#: (coprod_sim.analysis.metrics)
HEADLINES: tuple[str, ...] = (
    "participation_formal_at_least_monthly",
    "needs_residents_unmet",
    "crises",
    "public_purse_cost_gbp",
    "participation_informal_at_least_monthly",
    "needs_residents_served_distinct",
    "cost_employers_gbp",
    "volunteer_hours",
    "professional_hours",
    "trust_neighbours_end",
    "fear_of_commitment_end",
)
#: the strip's rows shown in bold (the room's headline)
HEADLINE_ROWS = 4
STATE_LABELS = ("helping", "burnt out", "waiting for vetting", "never asked", "other")
MAX_SHOWN = 400  # residents drawn in the network view (the first of the neighbourhood)
#: the charts under "More charts" (the headline outcomes are ``top_charts``)
CHART_ORDER: tuple[str, ...] = (
    "needs",
    "trust",
    "cost_week",
    "cost_cum",
    "load",
    "barriers",
    "network",
)


def weekly(model: CoproductionModel) -> pd.DataFrame:
    """The weekly series with a ``week`` column (empty before the first week)."""
    if model.week == 0:
        return pd.DataFrame({"week": np.zeros(0, np.int64)})
    return weekly_series(model)


def _smooth(s: pd.Series) -> pd.Series:
    return s.rolling(SMOOTH_WEEKS, min_periods=1).mean()


def needs_by_channel(df: pd.DataFrame) -> pd.DataFrame:
    """Needs met each week by channel, and given up unmet (4-week averages)."""
    out = pd.DataFrame({"week": df["week"]})
    for c in CHANNELS:
        out[CHANNEL_LABELS[c]] = _smooth(df.get(f"met_{c}", pd.Series(0.0, index=df.index)))
    out["given up unmet"] = _smooth(df.get("needs_lapsed", pd.Series(0.0, index=df.index)))
    return out


def crises(df: pd.DataFrame) -> pd.DataFrame:
    """Needs that escalated into crises each week (4-week average)."""
    return pd.DataFrame({"week": df["week"], "crises": _smooth(df.get("crises", df["week"] * 0))})


def trust_and_fear(df: pd.DataFrame) -> pd.DataFrame:
    """Mean trust in neighbours and services, and fear of commitment (0-1), by week."""
    cols = {
        "trust_neighbours": "trust in neighbours",
        "trust_services": "trust in services",
        "fear_of_commitment": "fear of commitment",
    }
    out = pd.DataFrame({"week": df["week"]})
    for key, label in cols.items():
        out[label] = df[key] if key in df else np.nan
    return out


def payer_label(column: str) -> str:
    """Who pays for a cost column: professional staff (services) or a council lever."""
    item = column.removeprefix("cost_")
    if item == "professional_staff":
        return "services: professional staff"
    return "council: " + item.replace("_", " ")


def costs(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cost per week and cumulative (GBP), one column per payer and item."""
    cols = [c for c in df.columns if c.startswith("cost_") and c != "cost_total"]
    weekly_ = pd.DataFrame({"week": df["week"]})
    for c in cols:
        weekly_[payer_label(c)] = df[c].astype(float)
    cumulative = weekly_.copy()
    for c in weekly_.columns[1:]:
        cumulative[c] = weekly_[c].cumsum()
    return weekly_, cumulative


def participation(model: CoproductionModel | Mapping[str, float]) -> pd.DataFrame:
    """Last complete year's FORMAL participation (volunteering with an organisation: what the
    survey asked about) by frequency, beside the survey's figures, with informal help beside
    it (helping neighbours directly; the survey did not count it).

    From ``summary_metrics`` (``participation_formal_*``, ``participation_informal_*``), the
    figures ``coprod-sim run`` writes to summary.csv; NaN before the first year ends. Takes a
    model or its ``summary_metrics``.
    """
    m = model if isinstance(model, Mapping) else summary_metrics(model)
    rows = []
    for label, key, survey_key in PARTICIPATION_ROWS:
        _, survey, _ = SURVEY_PARTICIPATION[survey_key]
        rows.append(
            {
                "frequency": label,
                "formal (model)": float(m[f"participation_formal_{key}"]),
                "survey (formal)": survey,
                "informal (model)": float(m[f"participation_informal_{key}"]),
            }
        )
    return pd.DataFrame(rows)


def barriers(model: CoproductionModel) -> pd.DataFrame:
    """Why residents who gave no help last year stayed out (shares; NaN before a year ends)."""
    complete = model.week >= WEEKS_PER_YEAR
    shares = barrier_shares(model.barrier_codes)
    return pd.DataFrame(
        {
            "reason": [BARRIER_LABELS[b] for b in BARRIERS],
            "share": [shares[b] if complete else math.nan for b in BARRIERS],
        }
    )


def load(model: CoproductionModel, tops: Sequence[float] = (0.01, 0.1, 0.25, 0.5)) -> pd.DataFrame:
    """Who carries the load: share of the year's volunteer hours given by the busiest helpers.

    The last complete year's hours (this year's so far before the first year ends).
    """
    hours = model.hours_last_year if model.week >= WEEKS_PER_YEAR else model.pop.hours_year
    h = np.sort(np.asarray(hours, np.float64)[np.asarray(hours) > 0])[::-1]
    rows = []
    for top in tops:
        share = math.nan
        if len(h):
            k = max(1, int(math.ceil(top * len(h))))
            share = float(h[:k].sum() / h.sum())
        rows.append({"helpers": f"busiest {fmt.pct(top, 0)}", "share of hours": share})
    return pd.DataFrame(rows)


def difference(
    a: CoproductionModel | Mapping[str, float], b: CoproductionModel | Mapping[str, float]
) -> pd.DataFrame:
    """Headline outcomes of panel B minus panel A (same town, seed and week), formatted, with
    the raw values (``value A``, ``value B``: ``summary_metrics``, as in summary.csv)."""
    ma = a if isinstance(a, Mapping) else summary_metrics(a)
    mb = b if isinstance(b, Mapping) else summary_metrics(b)
    rows = []
    for key in HEADLINES:
        info = metrics.metric(key)
        kind = fmt.format_of(info.unit)
        va, vb = float(ma.get(key, math.nan)), float(mb.get(key, math.nan))
        d = vb - va
        good = None
        if info.direction != "neither" and not math.isnan(d) and fmt.signed(d, kind) != "no change":
            good = (d > 0) == (info.direction == "higher")
        label = info.label if kind != "score" else f"{info.label} (0-1)"
        show = fmt.FORMATS["pct" if kind == "pp" else kind]
        rows.append(
            {
                "outcome": label,
                "A": show(va),
                "B": show(vb),
                "B minus A": fmt.signed(d, kind),
                "change": d,
                "better": good,
                "metric": key,
                "value A": va,
                "value B": vb,
            }
        )
    return pd.DataFrame(rows)


def neighbourhood_network(
    model: CoproductionModel, nbhd: int, max_shown: int = MAX_SHOWN
) -> dict[str, Any]:
    """One neighbourhood's residents (with their state) and the ties among them (with trust).

    States: helping (holds a commitment), burnt out (recovering), waiting for vetting, never
    asked (never asked personally to help), other. Reads the model's arrays; changes nothing.
    """
    n_nb = len(model.nb.start)
    if not 0 <= nbhd < n_nb:
        raise ValueError(f"neighbourhood {nbhd} does not exist; allowed: 0 to {n_nb - 1}")
    lo, end = int(model.nb.start[nbhd]), int(model.nb.end[nbhd])
    hi = min(end, lo + max_shown)
    pop, g = model.pop, model.graph
    who = np.arange(lo, hi)
    state = np.full(len(who), 4, np.int8)
    state[pop.last_asked_week[who] < -1000] = 3
    state[pop.vet_status[who] == VETTING] = 2
    state[pop.recovering_until[who] > model.week] = 1
    state[pop.committed[who] > 0] = 0
    edges, trust = [], []
    for i in who:
        a, b = g.indptr[i], g.indptr[i + 1]
        nbrs = g.indices[a:b]
        inside = (nbrs > i) & (nbrs >= lo) & (nbrs < hi)
        for j, t in zip(nbrs[inside], model.tie_trust[a:b][inside], strict=True):
            edges.append((int(i) - lo, int(j) - lo))
            trust.append(float(t))
    return {
        "residents": len(who),
        "of": end - lo,
        "state": state,
        "edges": np.asarray(edges, np.int64).reshape(-1, 2),
        "trust": np.asarray(trust, np.float64),
        "counts": {lbl: int(np.count_nonzero(state == s)) for s, lbl in enumerate(STATE_LABELS)},
    }


def prepare(ctl: Any, nbhd: int = 0) -> dict[str, Any]:
    """Every chart's data for every panel of a ``PairedFutures`` (lists in panel order)."""
    out: dict[str, Any] = {k: [] for k in CHART_ORDER}
    n_nb = len(ctl.panels[0].model.nb.start)
    nbhd = min(max(nbhd, 0), n_nb - 1)
    for p in ctl.panels:
        m = p.model
        df = weekly(m)
        out["needs"].append(needs_by_channel(df))
        out["trust"].append(trust_and_fear(df))
        week_costs, cumulative = costs(df)
        out["cost_week"].append(week_costs)
        out["cost_cum"].append(cumulative)
        out["load"].append(load(m))
        out["barriers"].append(barriers(m))
        out["network"].append(neighbourhood_network(m, nbhd))
    out["neighbourhoods"] = n_nb
    out["week"] = ctl.week
    return out


def digest(obj: Any) -> int:
    """A hash of chart data (frames, arrays, dicts, lists of them), to redraw only on change."""
    if obj is None:
        return 0
    if isinstance(obj, pd.DataFrame):
        # by content (to_numpy() of text columns makes new string objects each call)
        return hash((tuple(obj.columns), pd.util.hash_pandas_object(obj).to_numpy().tobytes()))
    if isinstance(obj, np.ndarray):
        return hash(obj.tobytes())
    if isinstance(obj, dict):
        return hash(tuple((k, digest(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return hash(tuple(digest(x) for x in obj))
    return hash(obj)


def shared_weeks(a: CoproductionModel, b: CoproductionModel) -> int:
    """How many weeks from the start the two panels' weekly series are identical (every series,
    exactly): the shared history of a branch, and 0 when a lever differs from week 1."""
    da, db = weekly(a), weekly(b)
    n = min(len(da), len(db))
    cols = [c for c in da.columns if c in db.columns]
    if n == 0:
        return 0
    x = da[cols].iloc[:n].to_numpy(np.float64)
    y = db[cols].iloc[:n].to_numpy(np.float64)
    same = ((x == y) | (np.isnan(x) & np.isnan(y))).all(axis=1)
    return n if same.all() else int(np.argmin(same))
