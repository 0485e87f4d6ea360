"""The table of policy levers for the ODD document: one row per parameter of every lever.

Not a lever module (the leading underscore keeps it out of discovery). ``lever_rows`` reads
every class in ``LEVERS`` (whoever wrote it), so a new lever appears without editing this file.
"""

from __future__ import annotations

from typing import Any

from coprod_sim.levers import LEVERS, Lever
from coprod_sim.mechanisms.costs import staff_time_of
from coprod_sim.parameters import parameter_rows


def _range(row: dict[str, Any]) -> str:
    lo, hi = row["low"], row["high"]
    if lo is None and hi is None:
        return ""
    return f"{'' if lo is None else lo} - {'' if hi is None else hi}"


def _prior(row: dict[str, Any]) -> str:
    """A lever effect's prior range (``param(prior=...)``), as the range is shown; "" if none."""
    if row["prior"] is None:
        return ""
    lo, hi = row["prior"]
    return f"{lo:g} - {hi:g}"


def lever_rows(levers: dict[str, type[Lever]] | None = None) -> list[dict[str, Any]]:
    """One dict per (lever, parameter): lever, ``payer`` (who pays its cost), ``staff_time``
    (how the services' staff time it uses is counted: ``costs.STAFF_TIME``), parameter, unit,
    default, range, ``prior`` (the range an effect parameter's evidence allows, "" for costs and
    switches), source, doc, and the lever's own ``lever_source`` and ``point``."""
    rows = []
    for name, cls in sorted((levers or LEVERS).items()):
        staff_time = staff_time_of(cls)
        for r in parameter_rows(cls):
            rows.append(
                {
                    "lever": name,
                    "payer": cls.payer,
                    "staff_time": staff_time,
                    "parameter": r["name"],
                    "unit": r["unit"],
                    "default": r["default"],
                    "range": _range(r),
                    "prior": _prior(r),
                    "source": r["source"],
                    "doc": r["doc"],
                    "lever_source": cls.source,
                    "point": "; ".join([cls.point] + [f"{pt} ({m})" for pt, m in cls.also.items()]),
                }
            )
    return rows


def lever_table_markdown(levers: dict[str, type[Lever]] | None = None) -> str:
    """The rows as a Markdown table (for docs and notebooks)."""
    lines = [
        "| lever | payer | staff time | parameter | unit | default | range | prior | source "
        "| meaning |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in lever_rows(levers):
        cells = [
            r["lever"],
            r["payer"],
            r["staff_time"],
            r["parameter"],
            r["unit"],
            r["default"],
            r["range"],
            r["prior"],
            r["source"],
            r["doc"],
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)
