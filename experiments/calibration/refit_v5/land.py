"""Land the results-version-5 refit: the three posteriors into the package, and the defaults to
declare (the posteriors' pooled centre).

Run with the switch applied and ``RESULTS_VERSION`` 5 declared (README.md, "What lands"):

    python experiments/calibration/refit_v5/land.py

The fits ran with ``switch.patch`` applied to results version 4's code, so their files record
version 4; the switch is version 5's rules change, so each file is written to
``coprod_sim/data/posterior_<town>.json`` recording version 5 (``fit.landed`` says so), with
its checksum taken again. Nothing else in a file changes.
"""

import json
from pathlib import Path

from coprod_sim.calibration.posterior import Posterior, pooled_centre
from coprod_sim.calibration.targets import calibrated_parameters
from coprod_sim.results_version import RESULTS_VERSION, RULES_OF
from coprod_sim.state.towns import TOWNS

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "coprod_sim" / "data"
#: the version these fits are the rules of, and the version their files record
LANDS_AS, FITTED_UNDER = 5, 4
LANDED = (
    "fitted with experiments/calibration/refit_v5/switch.patch applied to results version 4's "
    "code (so the file said 4); written as version 5, whose rules the switch is, by "
    "experiments/calibration/refit_v5/land.py"
)


def main() -> None:
    if RESULTS_VERSION != LANDS_AS or RULES_OF.get(LANDS_AS) != LANDS_AS:
        raise SystemExit(
            f"land.py: RESULTS_VERSION is {RESULTS_VERSION}; allowed: {LANDS_AS} with rules "
            f"version {LANDS_AS} (apply switch.patch and bump the version first)"
        )
    fitted = [r["name"] for r in calibrated_parameters()]
    for town in TOWNS:
        data = json.loads((HERE / f"posterior_{town}.json").read_text(encoding="utf-8"))
        names = [p["name"] for p in data["parameters"]]
        if data["results_version"] != FITTED_UNDER or sorted(names) != sorted(fitted):
            raise SystemExit(
                f"land.py: posterior_{town}.json records version {data['results_version']} and "
                f"fits {names}; allowed: version {FITTED_UNDER} fitting {fitted}"
            )
        del data["checksum"]
        data["results_version"] = LANDS_AS
        data["fit"]["landed"] = LANDED
        out = Posterior.model_validate(data).save(DATA / f"posterior_{town}.json")
        print(f"wrote {out}")
    print("declare these defaults (the pooled centre, tests/calibration/test_defaults.py):")
    for name, value in pooled_centre().items():
        print(f"  {name} = {value:.4g}")


if __name__ == "__main__":
    main()
