"""Wave 1 of a stored history-matching fit: emulators fitted on every simulation so far against
emulators fitted only on those inside the region wave 1 sampled (refocusing).

    gunzip -k experiments/calibration/refit_v5/hm_demo.jsonl.gz
    python experiments/calibration/refit_v5/compare_emulators.py \
        experiments/calibration/refit_v5/hm_demo.jsonl

Run it with the switch applied (switch.patch: the store's nine fitted parameters). Prints each
emulator's cross-validated sd as a share of its target's tolerance and the region each leaves
after wave 1 (as a share of the prior), on the fit's own seeds.
"""

import json
import sys

import numpy as np

from coprod_sim.calibration import history_matching as hm
from coprod_sim.calibration.targets import calibrated_parameters

SEED = 20261129  # the fit's seed (the store's header records it)


def stage(records: list[dict], names: list[str], wave: int) -> tuple[np.ndarray, np.ndarray]:
    """A wave's parameter sets scaled to [0, 1] and its emulated outputs, in index order."""
    rows = {r["name"]: r for r in calibrated_parameters()}
    mine = sorted((r for r in records if r["stage"] == wave), key=lambda r: r["index"])
    u = np.array([[(r["params"][n] - rows[n]["prior"][0])
                   / (rows[n]["prior"][1] - rows[n]["prior"][0]) for n in names]
                  for r in mine])  # fmt: skip
    y = np.array([[r["stats"][o.key] for o in hm.outputs()] for r in mine])
    return u, y


def cv_seed(wave: int) -> int:
    return int(np.random.SeedSequence(SEED, spawn_key=(hm.CV_SPLITS, wave)).generate_state(1)[0])


def main() -> None:
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]
    records = [json.loads(line) for line in lines if line.strip()]
    names = [r["name"] for r in calibrated_parameters()]
    outs = hm.outputs()
    tolerance = np.array([o.tolerance for o in outs])
    u0, y0 = stage(records, names, 0)
    u1, y1 = stage(records, names, 1)
    first = hm.fit_emulators(u0, y0, cv_seed(0))
    region = hm.Region(len(names), outs, 1.0)
    region.waves.append(first)
    print(f"after wave 0: region {region.share(SEED):.2%} of the prior")
    u, y = np.vstack([u0, u1]), np.vstack([y0, y1])
    inside = region.keeps(u)
    for label, keep in (("every simulation", np.ones(len(u), bool)), ("inside only", inside)):
        emulators = hm.fit_emulators(u[keep], y[keep], cv_seed(1))
        after = hm.Region(len(names), outs, 1.0)
        after.waves += [first, emulators]
        print(f"wave 1, fitted on {label} ({keep.sum()} simulations): region "
              f"{after.share(SEED):.2%} of the prior")  # fmt: skip
        for o, sd in zip(outs, emulators.cv_sd / tolerance, strict=True):
            print(f"    {o.key}: cv sd {sd:.2f} tolerances")


if __name__ == "__main__":
    main()
