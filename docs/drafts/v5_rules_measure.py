"""Measure the formal participation classes with issue 25's two new rules switched on.

A 10,000-resident demo town, 8-year burn-in, then one results year (the calibration's measure,
``calibration.fit.simulate_targets``: the first results year's classes): the shipped model,
then the volunteer roles' suggested cadences (police priority meetings every 8 weeks, school
governors every 4, care-home events and street patrols every 2) with local groups at
``group_ask_rate`` 0, 0.005, 0.01 and 0.02 (``group_weekly_share`` 0.5), seeds 1 and 2.
Run: ``nice -n 10 python docs/drafts/v5_rules_measure.py`` (prints a markdown table).
"""

from __future__ import annotations

import time

from coprod_sim import CoproductionModel
from coprod_sim.mechanisms.needs import DEFAULT_NEED_KINDS

CADENCE = {"police_priority_meeting": 8, "school_governor": 4, "care_home_social": 2,
           "street_patrol": 2}  # fmt: skip
CLASSES = ("weekly", "at_least_monthly", "at_least_yearly", "rarely", "never")
SESSION_KINDS = [
    k.model_copy(update={"every_weeks": CADENCE.get(k.name, 1)}) for k in DEFAULT_NEED_KINDS
]


def measure(seed: int, rate: float | None) -> dict[str, float]:
    kw = {} if rate is None else {"need_kinds": SESSION_KINDS, "group_ask_rate": rate}
    model = CoproductionModel(
        rng=seed, n_residents=10_000, burn_in_years=8, group_weekly_share=0.5, **kw
    )
    model.run_weeks(52)
    year = [y for y in model.years if not y["burn_in"]][0]
    out = {c: year[f"participation_formal_{c}"] for c in CLASSES}
    out["group_share"] = model.stats["group_share"]
    return out


if __name__ == "__main__":
    print("| setting | seed | " + " | ".join(CLASSES) + " | group_share |")
    print("|---|---|" + "---|" * (len(CLASSES) + 1))
    for label, rate in (
        ("shipped", None),
        *((f"sessions, rate {r}", r) for r in (0.0, 0.005, 0.01, 0.02)),
    ):
        for seed in (1, 2):
            t = time.time()
            m = measure(seed, rate)
            cells = " | ".join(f"{m[c]:.3f}" for c in (*CLASSES, "group_share"))
            print(f"| {label} | {seed} | {cells} |  <!-- {time.time() - t:.0f} s -->", flush=True)
