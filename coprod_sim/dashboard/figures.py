"""Matplotlib figures for the page: one figure per chart, one column per panel, shared axes.

Each chart puts panels A, B (and C) side by side with the same x and y axes, so a room compares
heights at a glance. Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, safe
from the page's threads) from the frames in ``charts``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import lru_cache

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from coprod_sim.dashboard import charts
from coprod_sim.dashboard import formatting as fmt

WIDTH = 4.2  # inches per panel
HEIGHT = 2.6
DPI = 72
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f")
STATE_COLOURS = ("#2ca02c", "#d62728", "#ff7f0e", "#9e9e9e", "#c6dbef")

_pct = FuncFormatter(lambda v, _: f"{100 * v:.0f}%")
_gbp = FuncFormatter(lambda v, _: fmt.pounds(v))
_count = FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:.1f}")


def _grid(n: int, title: str, height: float = HEIGHT) -> tuple[Figure, list]:
    # a fixed layout: constrained layout doubles the time to draw
    fig = Figure(figsize=(WIDTH * n + 1.6, height), dpi=DPI)
    axes = fig.subplots(1, n, sharex=True, sharey=True, squeeze=False)[0]
    fig.subplots_adjust(left=0.12 / n + 0.03, right=1 - 1.6 / (WIDTH * n + 1.6), top=0.8,
                        bottom=0.22, wspace=0.08)  # fmt: skip
    fig.suptitle(title, fontsize=11, fontweight="bold")
    return fig, list(axes)


def _time_axes(ax, weeks_total: int, label: str) -> None:
    ax.set_xlim(0, max(weeks_total, 1))
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.set_title(label, fontsize=10)
    ax.set_xlabel("week", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    years = range(0, weeks_total + 1, 52)
    for y in years[1:]:
        ax.axvline(y, color="#bbb", lw=0.5, zorder=0)


def lines(
    frames: Sequence[tuple[str, pd.DataFrame]],
    title: str,
    weeks_total: int,
    yfmt: FuncFormatter | None = None,
    ylim: tuple[float, float] | None = None,
    bands: Sequence[pd.DataFrame | None] | None = None,
    band_series: str | None = None,
    branches: Sequence[int | None] | None = None,
) -> Figure:
    """A line per column of each panel's frame (``week`` on x), panels side by side; a
    panel's branch week (``branches``, where it was copied from another) is marked on every
    panel's axes."""
    fig, axes = _grid(len(frames), title)
    marks = sorted({w for w in (branches or []) if w is not None})
    for i, (ax, (label, df)) in enumerate(zip(axes, frames, strict=True)):
        _time_axes(ax, weeks_total, label)
        for w in marks:
            ax.axvline(w, color="#333", ls=":", lw=1.5, zorder=1)
            ax.text(w, 1.0, f" branch wk {w}", transform=ax.get_xaxis_transform(),
                    fontsize=7, va="top", color="#333")  # fmt: skip
        cols = [c for c in df.columns if c != "week"]
        for j, c in enumerate(cols):
            ax.plot(df["week"], df[c], lw=1.4, color=COLOURS[j % len(COLOURS)], label=c)
        b = bands[i] if bands else None
        if b is not None and band_series and f"{band_series}_low" in b:
            ax.fill_between(
                b["week"], b[f"{band_series}_low"], b[f"{band_series}_high"],
                color=COLOURS[0], alpha=0.2, lw=0, label="80% of replications",
            )  # fmt: skip
            ax.plot(b["week"], b[f"{band_series}_median"], lw=1, ls="--", color=COLOURS[0])
        if yfmt is not None:
            ax.yaxis.set_major_formatter(yfmt)
    # the same y range for every panel, set once from all of them (and their bands)
    if ylim is None:
        shown = [
            b[[c for c in b.columns if c.startswith(f"{band_series}_")]]
            for b in (bands or [])
            if b is not None and band_series
        ]
        top = finite_max([df for _, df in frames] + shown)
        ylim = (0.0, top * 1.08 if top > 0 else 1.0)
    axes[0].set_ylim(*ylim)
    if frames and len(frames[0][1].columns) > 2 or (bands and any(b is not None for b in bands)):
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def bars(
    frames: Sequence[tuple[str, pd.DataFrame]],
    title: str,
    category: str,
    values: Sequence[str],
    yfmt: FuncFormatter | None = _pct,
    horizontal: bool = False,
    note: str = "",
) -> Figure:
    """Grouped bars (one group per category) for each panel, shared axes."""
    fig, axes = _grid(len(frames), title, height=HEIGHT + (0.4 if horizontal else 0))
    for ax, (label, df) in zip(axes, frames, strict=True):
        ax.set_title(label, fontsize=10)
        x = np.arange(len(df))
        w = 0.8 / len(values)
        for j, v in enumerate(values):
            y = df[v].to_numpy(np.float64)
            pos = x + (j - (len(values) - 1) / 2) * w
            if horizontal:
                ax.barh(pos, np.nan_to_num(y), height=w, color=COLOURS[j], label=v)
            else:
                ax.bar(pos, np.nan_to_num(y), width=w, color=COLOURS[j], label=v)
        if horizontal:
            fig.subplots_adjust(left=1.4 / fig.get_figwidth())
            ax.set_yticks(x, df[category], fontsize=8)
            ax.invert_yaxis()
            if yfmt is not None:
                ax.xaxis.set_major_formatter(yfmt)
        else:
            ax.set_xticks(x, df[category], fontsize=8, rotation=20)
            if yfmt is not None:
                ax.yaxis.set_major_formatter(yfmt)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, axis="x" if horizontal else "y")
        if df[list(values)].isna().all().all():
            ax.text(0.5, 0.5, note or "after the first year", transform=ax.transAxes,
                    ha="center", va="center", fontsize=9, color="#666")  # fmt: skip
    if len(values) > 1:
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def network(nets: Sequence[tuple[str, dict]], title: str) -> Figure:
    """Each panel's chosen neighbourhood: residents coloured by state, ties shaded by trust.

    The same layout for every panel (same town, same ties), so only colours differ.
    """
    fig, axes = _grid(len(nets), title, height=HEIGHT + 1.2)
    if not nets:
        return fig
    n = nets[0][1]["residents"]
    xy = layout(n, tuple(map(tuple, nets[0][1]["edges"].tolist())))
    for ax, (label, net) in zip(axes, nets, strict=True):
        ax.set_title(label, fontsize=10)
        ax.set_axis_off()
        if len(net["edges"]):
            # matplotlib only for the printed figure (the browser page does not need it)
            from matplotlib.collections import LineCollection

            segs = [(xy[a], xy[b]) for a, b in net["edges"]]
            shade = np.clip(net["trust"], 0, 1)
            colours = [(0.1, 0.2, 0.5, 0.1 + 0.7 * t) for t in shade]
            ax.add_collection(LineCollection(segs, colors=colours, linewidths=0.6))
        cols = [STATE_COLOURS[s] for s in net["state"]]
        ax.scatter(xy[:, 0], xy[:, 1], s=14, c=cols, edgecolors="none", zorder=3)
        counts = net["counts"]
        shown = (
            "" if net["of"] == net["residents"] else f" (first {net['residents']} of {net['of']})"
        )
        ax.text(0.0, -0.04, ", ".join(f"{k} {v}" for k, v in counts.items() if v) + shown,
                transform=ax.transAxes, fontsize=7, va="top")  # fmt: skip
    handles = [
        axes[-1].scatter([], [], s=14, c=STATE_COLOURS[s], label=lbl)
        for s, lbl in enumerate(charts.STATE_LABELS)
    ]
    axes[-1].legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                    frameon=False, title="darker tie = more trust", title_fontsize=7)  # fmt: skip
    return fig


@lru_cache(maxsize=16)
def layout(n: int, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Positions of ``n`` residents (a spring layout with a fixed seed; cached, the ties never
    change in a run)."""
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    pos = nx.spring_layout(g, seed=1, iterations=30)
    return np.array([pos[i] for i in range(n)]) if n else np.zeros((0, 2))


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (drawn here, off the page's thread)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


FORMATTERS = {"pct": _pct, "gbp": _gbp, "count": _count}


def finite_max(frames: Sequence[pd.DataFrame]) -> float:
    """Largest finite value over the frames' non-week columns (for shared limits)."""
    best = 0.0
    for df in frames:
        vals = df.drop(columns="week", errors="ignore").to_numpy(np.float64)
        if vals.size and np.isfinite(vals).any():
            best = max(best, float(np.nanmax(vals)))
    return best if math.isfinite(best) else 0.0
