"""What a user can set: the scenario parameters, the levers and their parameters, the towns,
the futures.

``coprod-sim list parameters|levers|towns|futures`` prints these tables; they are read from
the same declarations the model validates against (``parameter_rows``, ``LEVERS``, ``TOWNS``,
the shipped future files), so the listing cannot drift from what is accepted.
"""

from __future__ import annotations

import sys
from typing import Any

from coprod_sim.calibration.posterior import PosteriorError, load_posterior
from coprod_sim.data.future_file import load_future, shipped_futures
from coprod_sim.levers import LEVERS
from coprod_sim.parameters import MAX_RESIDENTS, _number, parameter_rows
from coprod_sim.scenario import GROUP_OF, Scenario
from coprod_sim.state.towns import TOWNS


def _range(row: dict[str, Any]) -> str:
    lo, hi = row["low"], row["high"]
    if lo is None and hi is None:
        return ""
    return f"{'' if lo is None else _number(lo)} to {'' if hi is None else _number(hi)}"


def _first_paragraph(cls: type) -> str:
    """A lever's own docstring, or its module's first paragraph (some levers keep it there)."""
    text = cls.__doc__ or sys.modules[cls.__module__].__doc__ or ""
    return " ".join(text.strip().split("\n\n")[0].split())


def listing(what: str) -> list[dict[str, Any]]:
    """Rows for ``what`` ("parameters", "levers" or "towns") as plain dicts (JSON-ready)."""
    if what == "parameters":
        return [
            {
                "name": r["name"],
                "group": GROUP_OF[r["name"]],
                **{k: r[k] for k in ("default", "unit", "low", "high", "role", "doc")},
            }
            for r in parameter_rows(Scenario)
        ]
    if what == "levers":
        return [
            {
                "name": name,
                "point": cls.point,
                "doc": _first_paragraph(cls),
                "source": cls.source,
                "parameters": [
                    {k: r[k] for k in ("name", "default", "unit", "low", "high", "doc")}
                    for r in parameter_rows(cls)
                ],
            }
            for name, cls in LEVERS.items()
        ]
    if what == "towns":
        return [
            {
                "name": t.name,
                "residents": t.residents,
                "neighbourhoods": t.neighbourhoods,
                "largest_scale": MAX_RESIDENTS / t.residents,
                "posterior": _shipped_posterior(t.name),
                "note": t.note,
            }
            for t in TOWNS.values()
        ]
    if what == "futures":
        return future_rows()
    raise ValueError(f"cannot list {what!r}; allowed: parameters, levers, towns, futures")


def future_rows() -> list[dict[str, Any]]:
    """One row per shipped future: its change in the age mix by year 10, mortality and budget
    multipliers, and what it assumes (``coprod_sim/data/futures/*.toml``)."""
    rows = []
    for name in shipped_futures():
        f = load_future(name)
        y0, y4, y10 = f.at(0), f.at(4), f.at(10)
        if f.share_65_plus is None:
            mix = "the town's own"
        else:
            mix = (
                f"{100 * (y10.share_65_plus - y0.share_65_plus):+.1f} / "
                f"{100 * (y10.share_80_plus - y0.share_80_plus):+.1f} points"
            )
        rows.append(
            {
                "name": name,
                "age_mix": mix,
                "mortality": f"x{y10.mortality:.3g} by year 10",
                "budget": f"x{y4.budget.mean():.3g}, x{y10.budget.mean():.3g}",
                "description": f.description,
            }
        )
    return rows


def _shipped_posterior(town: str) -> str:
    """The town's shipped posterior (what ``run --posterior`` draws from), or why there is none."""
    try:
        post = load_posterior(town)
    except PosteriorError as exc:
        first = str(exc).split(";")[0]
        return f"none ({first})" if "no posterior" in first else f"unusable ({first})"
    return f"posterior_{town}.json ({len(post.weights)} particles, scale {post.scale:g})"


def format_listing(what: str, rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width table for the terminal."""
    lines: list[str] = []
    if what == "parameters":
        lines.append(f"{'parameter':<30} {'default':>10}  {'range':<20} unit")
        group = None
        for r in rows:
            if r["group"] != group:
                group = r["group"]
                lines.append(f"[{group}]")
            lines.append(
                f"{r['name']:<30} {r['default']!s:>10}  {_range(r):<20} {r['unit']}".rstrip()
            )
        lines.append(
            f"{len(rows)} parameters in {len({r['group'] for r in rows})} groups; set one with "
            "--set name=value (or group.name=value) or in a scenario file. "
            f"A town has at most {MAX_RESIDENTS:,} residents."
        )
    elif what == "levers":
        for r in rows:
            lines.append(f"{r['name']}: {r['doc']}")
            for p in r["parameters"]:
                lines.append(
                    f"    {r['name'] + '.' + p['name']:<44} {p['default']!s:>10}  "
                    f"{_range(p):<16} {p['unit']}".rstrip()
                )
        lines.append(
            f"{len(rows)} levers; switch one on with --policy NAME, set a parameter with "
            "--set lever.param=value."
        )
    elif what == "futures":
        lines.append(f"{'future':<18} {'65+ / 80+ by year 10':<22} {'budget y4, y10':<15} what")
        for r in rows:
            lines.append(f"{r['name']:<18} {r['age_mix']:<22} {r['budget']:<15} {r['description']}")
        lines.append(
            f"{len(rows)} futures; --future NAME runs one, --future FILE.toml your own "
            "(docs/futures.md)."
        )
    else:
        lines.append(
            f"{'town':<12} {'residents':>10} {'neighbourhoods':>15} {'largest scale':>14}  "
            "calibrated posterior"
        )
        for r in rows:
            lines.append(
                f"{r['name']:<12} {r['residents']:>10,} {r['neighbourhoods']:>15} "
                f"{r['largest_scale']:>14g}  {r['posterior']}"
            )
        lines.append(
            "--town NAME picks one; --scale multiplies its residents; --posterior draws the "
            "calibrated parameters from the town's posterior."
        )
    return "\n".join(lines)
