"""The charts at the top of the page: the outcomes the room cares about, panels on one axis.

Each chart's data is one tidy frame (``week``/``frequency``, ``panel``, ``series``, ``value``)
that the page also offers as CSV, and one ECharts option (Solara's ``FigureEcharts``; the
ECharts script comes from the installed ``solara-assets``, so no internet is needed) with
values on hover, the branch week marked, and the replications' 10-90% band where a panel has
one. Figures come from the functions ``coprod-sim run`` reports with: the weekly series
(``weekly_series``) and ``summary_metrics``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.analysis import costs
from coprod_sim.analysis.summary import summary_metrics
from coprod_sim.dashboard import charts
from coprod_sim.dashboard import formatting as fmt

SMOOTH_WEEKS = charts.SMOOTH_WEEKS
WEEKS_PER_YEAR = charts.WEEKS_PER_YEAR
#: one colour per panel (A, B, C); informal help and the employers' costs are dashed
PANEL_COLOURS = ("#1f5fa8", "#e4572e", "#2a9d4b")
SURVEY_COLOUR = "#555555"
FONT = 16  # readable from the back of a room


@dataclass(frozen=True)
class TopChart:
    """A chart at the top: its name (the CSS class ``top-<name>``), title and unit."""

    name: str
    title: str
    unit: str  # "%", "count" or "GBP k" (shown in GBP m when it reaches 10,000k)


TOP_CHARTS: tuple[TopChart, ...] = (
    TopChart("participation", "Formal volunteering by frequency (last full year), and survey", "%"),
    TopChart("formal", "Residents helping each week: formal (solid), informal (dashed)", "%"),
    TopChart("unmet", "Residents' needs given up unmet each week (4-week average)", "count"),
    TopChart("crises", "Crises each week (4-week average)", "count"),
    TopChart("purse", "Cost so far: public purse (solid), employers (dashed)", "GBP k"),
)
#: the ensemble series each time chart bands (``ensemble.ENSEMBLE_SERIES``), and how it is shown
BAND_OF = {
    "formal": ("helping_share_formal", 100.0),
    "unmet": ("needs_lapsed_residents", 1.0),
    "crises": ("crises", 1.0),
}


def _smooth(s: pd.Series) -> pd.Series:
    return s.rolling(SMOOTH_WEEKS, min_periods=1).mean()


def payer_columns(model: Any) -> dict[str, str]:
    """Weekly cost column -> payer (``costs.PAYERS``): staff to the services, levers to theirs."""
    out = {f"cost_{costs.PROFESSIONAL_STAFF}": costs.STAFF_PAYER}
    for lever in model.costed_levers:
        out[f"cost_{lever.name}"] = costs.payer_of(lever)
    return out


def time_frame(label: str, model: Any) -> dict[str, pd.DataFrame]:
    """One panel's weekly series for the time charts (long format, one frame per chart)."""
    df = charts.weekly(model)
    week = df["week"].to_numpy()

    def long(series: str, values: Any) -> pd.DataFrame:
        v = np.asarray(values, np.float64) if len(week) else np.zeros(0)
        return pd.DataFrame({"week": week, "panel": label, "series": series, "value": v})

    def col(name: str) -> pd.Series:
        return df[name].astype(float) if name in df else pd.Series(0.0, index=df.index)

    payer = payer_columns(model)
    # the public purse is every cost but those of payers outside it (employers): the week's
    # total also holds items with no column of their own (emergency responses, by service)
    outside = sum(
        (col(c) for c, p in payer.items() if p not in costs.PUBLIC_PURSE), pd.Series(0.0, df.index)
    )
    public = col("cost_total") - outside
    employers = sum(
        (col(c) for c, p in payer.items() if p == "employers"), pd.Series(0.0, df.index)
    )
    return {
        "formal": pd.concat(
            [
                long("formal", 100 * col("helping_share_formal")),
                long("informal", 100 * col("helping_share_informal")),
            ]
        ),
        "unmet": long("unmet", _smooth(col("needs_lapsed_residents"))),
        "crises": long("crises", _smooth(col("crises"))),
        "purse": pd.concat(
            [
                long("public purse", public.cumsum() / 1000),
                long("employers", employers.cumsum() / 1000),
            ]
        ),
    }


def participation_frame(label: str, metrics: Mapping[str, float]) -> pd.DataFrame:
    """One panel's formal and informal participation by frequency, and the survey, in %."""
    p = charts.participation(metrics)
    rows = []
    for _, r in p.iterrows():
        rows.append((r["frequency"], label, "formal", 100 * r["formal (model)"]))
        rows.append((r["frequency"], label, "informal", 100 * r["informal (model)"]))
        rows.append((r["frequency"], "survey", "formal", 100 * r["survey (formal)"]))
    return pd.DataFrame(rows, columns=["frequency", "panel", "series", "value"])


def prepare(ctl: Any) -> dict[str, Any]:
    """Every top chart's tidy frame for every panel, and each panel's ``summary_metrics``."""
    out: dict[str, Any] = {"metrics": {}, "frames": {}}
    parts: dict[str, list[pd.DataFrame]] = {c.name: [] for c in TOP_CHARTS}
    for p in ctl.panels:
        m = summary_metrics(p.model)
        out["metrics"][p.label] = m
        parts["participation"].append(participation_frame(p.label, m))
        for name, frame in time_frame(p.label, p.model).items():
            parts[name].append(frame)
    for name, frames in parts.items():
        df = pd.concat(frames, ignore_index=True)
        if name == "participation":
            df = df.drop_duplicates(["frequency", "panel", "series"], ignore_index=True)
        out["frames"][name] = df
    out["branches"] = {p.label: p.branch_week for p in ctl.panels if p.branch_week is not None}
    out["weeks_total"] = ctl.weeks_total
    out["week"] = ctl.week
    out["stamp"] = object()  # this preparation's identity (a page redraws a chart on change)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A chart's data as CSV (what the download button gives)."""
    return frame.to_csv(index=False).encode()


# ------------------------------------------------------------------ ECharts options
def _r(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 2)


def _pairs(weeks: Any, values: Any) -> list[list[float | None]]:
    """``[[week, value], ...]`` for ECharts, values to two decimals, NaN as a gap (None)."""
    v = np.round(np.asarray(values, np.float64), 2)
    out = np.column_stack([np.asarray(weeks, np.float64), v]).astype(object)
    out[~np.isfinite(v), 1] = None
    return [[int(w), x] for w, x in out.tolist()]


def _base(chart: TopChart, legend: bool = True) -> dict[str, Any]:
    axis_label = {"fontSize": FONT - 2}
    if chart.unit == "%":
        axis_label["formatter"] = "{value}%"
    elif chart.unit in ("GBP k", "GBP m"):
        axis_label["formatter"] = "£{value}" + chart.unit[-1]
    return {
        "animation": False,
        "title": {"text": chart.title, "textStyle": {"fontSize": FONT + 2}},
        "tooltip": {"trigger": "axis"},
        "legend": {"show": legend, "top": 32, "textStyle": {"fontSize": FONT - 2}},
        "toolbox": {"right": 10, "feature": {"saveAsImage": {"title": "PNG", "name": chart.name}}},
        "grid": {"left": 80, "right": 30, "top": 80, "bottom": 50},
        "yAxis": {"type": "value", "axisLabel": axis_label, "scale": False},
    }


def time_option(
    chart: TopChart,
    frame: pd.DataFrame,
    weeks_total: int,
    branches: Mapping[str, int] | None = None,
    bands: Mapping[str, pd.DataFrame | None] | None = None,
) -> dict[str, Any]:
    """A line per panel and series (dashed for the second series), on one week axis."""
    if chart.unit == "GBP k" and len(frame) and frame["value"].abs().max() >= 10_000:
        chart = TopChart(chart.name, chart.title, "GBP m")  # £12,000k reads £12m
        frame = frame.assign(value=frame["value"] / 1000)
        bands = None  # no band is drawn on money
    opt = _base(chart)
    opt["xAxis"] = {
        "type": "value", "min": 0, "max": max(weeks_total, 1), "name": "week",
        "nameLocation": "middle", "nameGap": 28, "nameTextStyle": {"fontSize": FONT - 2},
        "axisLabel": {"fontSize": FONT - 2}, "splitLine": {"show": True},
    }  # fmt: skip
    if weeks_total >= 2 * WEEKS_PER_YEAR:
        opt["xAxis"]["interval"] = WEEKS_PER_YEAR  # a grid line at each year's end
    series: list[dict[str, Any]] = []
    kinds = list(dict.fromkeys(frame["series"]))
    panels = list(dict.fromkeys(frame["panel"]))
    groups = dict(list(frame.groupby(["panel", "series"], sort=False)))  # one pass, not masks
    for i, label in enumerate(panels):
        colour = PANEL_COLOURS[i % len(PANEL_COLOURS)]
        for j, kind in enumerate(kinds):
            d = groups.get((label, kind), frame.iloc[:0])
            name = f"{label}" if len(kinds) == 1 else f"{label} {kind}"
            series.append(
                {
                    "type": "line", "name": name, "showSymbol": False, "color": colour,
                    "lineStyle": {"width": 3, "type": "dashed" if j else "solid"},
                    "data": _pairs(d["week"], d["value"]),
                }
            )  # fmt: skip
        band = (bands or {}).get(label)
        key = BAND_OF.get(chart.name)
        if band is not None and key and f"{key[0]}_low" in band:
            low = band[f"{key[0]}_low"] * key[1]
            high = band[f"{key[0]}_high"] * key[1]
            weeks = band["week"]
            stack = f"band-{label}"
            series.append(
                {
                    "type": "line", "name": f"{label} low", "stack": stack, "silent": True,
                    "showSymbol": False, "lineStyle": {"opacity": 0}, "tooltip": {"show": False},
                    "data": _pairs(weeks, low),
                }
            )  # fmt: skip
            series.append(
                {
                    "type": "line", "name": f"{label}: 80% of replications", "stack": stack,
                    "showSymbol": False, "lineStyle": {"opacity": 0}, "color": colour,
                    "areaStyle": {"opacity": 0.2, "color": colour},
                    "data": _pairs(weeks, np.asarray(high) - np.asarray(low)),
                }
            )  # fmt: skip
    marks = [
        {"xAxis": int(w), "name": f"{lbl} branched", "label": {"formatter": f"{lbl} from wk {w}"}}
        for lbl, w in (branches or {}).items()
    ]
    if series and marks:
        series[0]["markLine"] = {
            "symbol": "none", "silent": True, "data": marks,
            "lineStyle": {"color": "#333", "type": "dotted", "width": 2},
            "label": {"fontSize": FONT - 2},
        }  # fmt: skip
    opt["series"] = series
    opt["legend"]["data"] = [s["name"] for s in series if not s["name"].endswith(" low")]
    return opt


def participation_option(chart: TopChart, frame: pd.DataFrame) -> dict[str, Any]:
    """Grouped bars by frequency: the survey, each panel's formal, each panel's informal."""
    opt = _base(chart)
    cats = list(dict.fromkeys(frame["frequency"]))
    opt["xAxis"] = {
        "type": "category", "data": cats, "axisLabel": {"fontSize": FONT - 2, "interval": 0}
    }  # fmt: skip
    opt["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    series = []
    order = [("survey", "formal")] + [
        (p, kind)
        for kind in ("formal", "informal")
        for p in dict.fromkeys(frame["panel"])
        if p != "survey"
    ]
    panels = [p for p in dict.fromkeys(frame["panel"]) if p != "survey"]
    for label, kind in order:
        d = frame[(frame["panel"] == label) & (frame["series"] == kind)].set_index("frequency")
        vals = [_r(d["value"].get(c, math.nan)) for c in cats]
        if label == "survey":
            name, colour, style = "survey (formal)", SURVEY_COLOUR, {}
        else:
            colour = PANEL_COLOURS[panels.index(label) % len(PANEL_COLOURS)]
            name = f"{label} {kind}"
            style = {"opacity": 0.45} if kind == "informal" else {}
        series.append(
            {"type": "bar", "name": name, "color": colour, "itemStyle": style, "data": vals}
        )
    if frame["value"][frame["panel"] != "survey"].isna().all():
        opt["graphic"] = {
            "type": "text", "right": 40, "top": 90,
            "style": {"text": "model's figures after the first year", "fontSize": FONT},
        }  # fmt: skip
    opt["series"] = series
    return opt


def option(
    name: str, data: Mapping[str, Any], bands: Mapping[str, pd.DataFrame | None] | None = None
) -> dict[str, Any]:
    """The ECharts option of top chart ``name`` from ``prepare``'s data."""
    chart = next(c for c in TOP_CHARTS if c.name == name)
    frame = data["frames"][name]
    if name == "participation":
        return participation_option(chart, frame)
    return time_option(chart, frame, data["weeks_total"], data["branches"], bands)


def in_words(a: Mapping[str, float], b: Mapping[str, float], label: str = "B") -> str:
    """The difference B minus A in words, for the room: "B: 198 fewer needs unmet, ..."."""
    parts = []
    for key, more, fewer, kind in (
        ("participation_formal_at_least_monthly", "more", "fewer", "pp"),
        ("needs_residents_unmet", "more", "fewer", "count"),
        ("crises", "more", "fewer", "count"),
        ("public_purse_cost_gbp", "more", "less", "gbp"),
    ):  # the room's headline, in the difference strip's order
        d = float(b.get(key, math.nan)) - float(a.get(key, math.nan))
        text = fmt.signed(d, kind)
        if text in ("n/a", "no change"):
            continue
        amount = text[1:]
        what = {
            "participation_formal_at_least_monthly": "residents volunteering formally monthly",
            "needs_residents_unmet": "residents' needs unmet",
            "crises": "crises",
            "public_purse_cost_gbp": "to the public purse",
        }[key]
        parts.append(f"{amount} {more if d > 0 else fewer} {what}")
    return f"{label}: " + (", ".join(parts) if parts else "no difference yet")


def bands_for(chart: str, bands: Sequence[pd.DataFrame | None], labels: Sequence[str]) -> dict:
    """Panel label -> band frame, for the panels that have one."""
    return {lbl: b for lbl, b in zip(labels, bands, strict=False) if b is not None}
