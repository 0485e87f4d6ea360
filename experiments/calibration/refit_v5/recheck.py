"""Re-simulate a history-matching fit's accepted final-stage sets with today's code, on the
fit's own seeds, and count how many still meet every tolerance (distance at most epsilon).

Why: the fits of results version 5 ran before the fix of the bookkeeping of recent helpers
(local groups' sessions now count as an example to a helper's ties, as delivery's help
does; the rule and its test: ``outcomes.RecentHelpers``, ``tests/test_model.py``). This
measures whether the posteriors still describe the model that ships.

    python experiments/calibration/refit_v5/recheck.py \
        experiments/calibration/refit_v5/hm_demo.jsonl.gz [--fresh] [--first N]

Prints the share of accepted sets still accepted, and each target's mean and largest change
(simulated today minus stored, in points and as a share of its tolerance). ``--fresh`` runs
them on other seeds instead: run with the code the fit ran, it measures how many of the sets
a re-simulation keeps by chance alone (the sets were accepted on their own seeds' luck too).
"""

from __future__ import annotations

import argparse
import gzip
import json
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import cloudpickle
import numpy as np

from coprod_sim.calibration.fit import Simulator, _simulate_seeded, fit_distance
from coprod_sim.calibration.history_matching import FINAL_SIMS
from coprod_sim.calibration.targets import TARGETS


def main(path: str, fresh: bool = False, first: int | None = None, workers: int = 2) -> None:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    head, records = lines[0], lines[1:]
    s = head["settings"]
    final = [r for r in records if r["stage"] == "final"]
    accepted = [r for r in final if fit_distance(r["stats"]) <= s["epsilon"]][:first]
    sim = Simulator(town=s["town"], scale=s["scale"], years=s["years"],
                    burn_in_years=s["burn_in_years"], overrides=s["overrides"])  # fmt: skip
    seeds = [
        int(np.random.SeedSequence(s["seed"], spawn_key=(FINAL_SIMS, r["index"], *[1] * fresh))
            .generate_state(1, np.uint64)[0])
        for r in accepted
    ]  # fmt: skip
    payloads = [cloudpickle.dumps(partial(sim, r["params"])) for r in accepted]
    with ProcessPoolExecutor(workers) as pool:
        today = list(pool.map(_simulate_seeded, payloads, seeds))
    still = sum(fit_distance(t) <= s["epsilon"] for t in today)
    same = sum(t == r["stats"] for t, r in zip(today, accepted, strict=True))
    print(f"{s['town']}: {len(accepted)} accepted sets re-simulated on "
          f"{'fresh seeds' if fresh else 'their seeds'}; "
          f"{same} identical, {still} still within every tolerance "
          f"(largest distance {max(fit_distance(t) for t in today):.2f})")  # fmt: skip
    for t in TARGETS:
        d = np.array([x[t.id] - r["stats"][t.id] for x, r in zip(today, accepted, strict=True)])
        print(
            f"  {t.id:18s} change mean {100 * d.mean():+.2f} points, largest "
            f"{100 * np.abs(d).max():.2f} ({np.abs(d).max() / t.tolerance:.2f} tolerances)"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store")
    ap.add_argument("--fresh", action="store_true", help="other seeds than the fit's")
    ap.add_argument("--first", type=int, default=None, help="only the first N accepted sets")
    a = ap.parse_args()
    main(a.store, fresh=a.fresh, first=a.first)
