"""Weeks per second of each dashboard panel while the page plays and its charts redraw.

Renders the real page (``coprod_sim.dashboard.app.Dashboard``) in-process with Solara's test
renderer, types a town size into it, presses Play, and counts the weeks every panel advanced and
the charts drawn in ``--seconds`` seconds (the page redraws charts in a background thread, at
most once every ``REDRAW_SECONDS`` while playing). Target (issue 17): >= 10 weeks/s per panel
at 10,000 residents while the charts update.

    .venv/bin/python benchmarks/dashboard_speed.py --residents 10000 --seconds 20 [--levers]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import ipyvuetify as v
import solara

from coprod_sim.dashboard import app, figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--panels", type=int, default=2, choices=(2, 3))
    ap.add_argument("--levers", action="store_true", help="time bank on in panel B")
    args = ap.parse_args()

    drawn = []
    png = figures.png

    def counting_png(fig):
        drawn.append(time.perf_counter())
        return png(fig)

    figures.png = counting_png
    box, rc = solara.render(app.Dashboard(), handle_error=False)
    for label, value in (("Residents (0 = the preset's)", args.residents), ("Years", 50)):
        field = rc.find(v.TextField, label=label).widget
        field.v_model = str(value)
        field.fire_event("focusout", None)  # what leaving the field does in the browser
    if args.panels == 3:
        rc.find(v.Select, label="Panels").widget.v_model = "3"
    if args.levers:
        rc.find(v.Switch, label="Time bank").widgets[1].v_model = True
    time.sleep(5)  # first charts of the new town

    def week() -> int:
        for w in rc.find(v.Html).widgets:
            for c in w.children:
                if isinstance(c, str) and c.startswith("Week ") and " of " in c:
                    return int(c.split()[1])
        raise RuntimeError("no week shown")

    w0, n0, t0 = week(), len(drawn), time.perf_counter()
    rc.find(v.Btn, children=["Play"]).widget.click()
    time.sleep(args.seconds)
    rc.find(v.Btn, children=["Pause"]).widget.click()  # fails if the run ended (too short)
    dt = time.perf_counter() - t0
    time.sleep(1)
    weeks = week() - w0
    result = {
        "residents": args.residents,
        "panels": args.panels,
        "levers": "time_bank in B" if args.levers else "none",
        "seconds": round(dt, 1),
        "weeks_per_panel": weeks,
        "weeks_per_second_per_panel": round(weeks / dt, 1),
        "charts_drawn": len(drawn) - n0,
        "target_weeks_per_second": 10,
        "pass": weeks / dt >= 10 and len(drawn) > n0,
    }
    out = Path("benchmarks/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboard_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
