"""Store the 60-week weekly series of four towns, so any change to what the model computes shows.

History: first stored from main at 4b385ed, before the layout refactor (issue 13), which kept
them bit for bit (checked by ``tests/test_golden.py`` at 5ee347d). Issue 14 changed the rules on
purpose (formal participation, money by payer, public-safety needs, smooth service modes,
baselines that settle, re-tuned world), so they were stored again from main after its merge,
without the burn-in (``burn_in_years=0``) to keep the test quick. Issue 23 stored them again
when the reported means (trust, fear of commitment, expected backing) began to be summed in a
fixed order in float64 (``state.arrays.ordered_mean``) so that they are the same on every CPU:
only those four columns moved (by at most 1.7e-7 relative, the float32 rounding of the old
``np.mean``); every count and every other column stayed identical. Regenerate only when a change
of results is intended, and say so in the commit: ``python tests/data/golden/make_golden.py``.

Results version (issue 25): ``versions.json`` records, for each case, the
``coprod_sim.results_version.RESULTS_VERSION`` its series were made with (the series above
were stamped 1 when versions began). ``tests/test_golden.py`` fails while a stored version
differs from the code's, and this script refuses to store a series that changed under the
version that made the stored one: a change of results must bump ``RESULTS_VERSION`` (then
``experiments/regenerate_all.py`` regenerates every artefact that records it).

New columns (issue 26): a series that keeps every stored column equal and adds new ones (a
new weekly figure, such as the town's size) is not a change of results: it is stored under the
version the stored one records, which it keeps (``extends``). Issue 26 stored them so, adding
``residents_present``, ``moved_in_growth`` and ``moved_out_shrinking``; issue 25's mechanism 13
added ``group_hours`` and ``group_share`` the same way (every earlier column checked equal).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from coprod_sim import CoproductionModel
from coprod_sim.levers import LEVERS
from coprod_sim.results_version import RESULTS_VERSION, fit_is_current

HERE = Path(__file__).parent
VERSIONS = "versions.json"
COMMAND = "python tests/data/golden/make_golden.py"
#: results version 5's defaults of the nine fitted world parameters, given explicitly
V5_WORLD = dict(
    free_hours_mean=6.37,
    awareness_rate=0.52,
    disposition_loading=0.73,
    need_rate_scale=1.73,
    help_intercept=-0.53,
    vetted_share=0.33,
    dropout_hazard=0.0155,
    group_ask_rate=0.0194,
    group_weekly_share=0.86,
)
#: cases run at given values of every fitted world parameter (names end in ``_world``): they
#: test the rules alone, so they stay current while the rules version does
#: (``results_version.RULES_OF``), and keep the version that stored them while unchanged.
#: ``demo_all_v5_world`` is ``demo_all`` as version 5 stored it: should a later version move
#: only the fitted defaults, this case is the evidence that the rules did not change (version
#: 4 had ``demo_all_v3_world`` for it; version 5 changed the rules, so it went).
WORLD_CASES = {
    "demo_all_v5_world": dict(burn_in_years=0, policies=list(LEVERS), **V5_WORLD),
}
CASES = {
    "demo_none": dict(burn_in_years=0),
    "demo_all": dict(burn_in_years=0, policies=list(LEVERS)),
    "10k_none": dict(burn_in_years=0, n_residents=10_000),
    "10k_all": dict(burn_in_years=0, n_residents=10_000, policies=list(LEVERS)),
    **WORLD_CASES,
}


def series(case: str):
    model = CoproductionModel(rng=1, **{"burn_in_years": 0, **CASES[case]})
    model.run_weeks(60)
    return model.datacollector.get_model_vars_dataframe()


class GoldenVersionError(Exception):
    """A changed series would be stored under the results version of the one it replaces."""


def same_series(now: pd.DataFrame, stored: pd.DataFrame) -> bool:
    """Equal as ``tests/test_golden.py`` judges them (floats within its 1e-12, counts exactly:
    a whole-number difference is far outside that tolerance)."""
    if list(now.columns) != list(stored.columns) or not now.index.equals(stored.index):
        return False
    a, b = now.to_numpy(np.float64), stored.to_numpy(np.float64)
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True))


def extends(now: pd.DataFrame, stored: pd.DataFrame) -> bool:
    """Whether ``now`` is ``stored`` with new columns added: every stored column present and
    equal (as ``same_series`` judges), the same weeks, at least one column more."""
    cols = list(stored.columns)
    if not set(cols) < set(now.columns) or not now.index.equals(stored.index):
        return False
    return same_series(now[cols], stored)


def stored_versions(folder: Path = HERE) -> dict[str, int]:
    """The results version each stored case was made with (an empty dict if none recorded)."""
    path = folder / VERSIONS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def version_problem(case: str, folder: Path = HERE) -> str | None:
    """Why ``case``'s stored series are not this results version's, or None if they are."""
    made = stored_versions(folder).get(case)
    if made == RESULTS_VERSION or (case in WORLD_CASES and fit_is_current(made)):
        return None
    made_text = "before results versions" if made is None else f"with results version {made}"
    return (
        f"golden series {case!r} were made {made_text}; the code says "
        f"{RESULTS_VERSION}: if the results changed on purpose, bump RESULTS_VERSION in "
        f"coprod_sim/results_version.py (if not done) and regenerate with `{COMMAND}` "
        "(then `python experiments/regenerate_all.py`)"
    )


def store(cases: list[str], folder: Path = HERE, make=None) -> list[str]:
    """Store ``cases`` (``make(case)`` gives a series; default ``series``); refuses
    (GoldenVersionError, naming the cases) to overwrite a stored series that changed under
    the same results version. Returns the cases written."""
    make = make or series
    versions = stored_versions(folder)
    frames, refused, keep_version = {}, [], set()
    for case in cases:
        frames[case] = make(case)
        old = folder / f"{case}.parquet"
        changed = not old.is_file() or not same_series(frames[case], pd.read_parquet(old))
        if changed and old.is_file() and extends(frames[case], pd.read_parquet(old)):
            changed = False  # new columns only: the stored version still holds
            keep_version.add(case)
        if old.is_file() and changed and version_problem(case, folder) is None:
            refused.append(case)
        stale = version_problem(case, folder) is not None
        if case in WORLD_CASES and not changed and case not in keep_version and not stale:
            del frames[case]  # unchanged rules: keep the version that stored it
    if refused:
        raise GoldenVersionError(
            f"the series of {', '.join(refused)} changed but "
            f"RESULTS_VERSION is still {RESULTS_VERSION}, the version the stored ones were "
            "made with; allowed: bump RESULTS_VERSION in coprod_sim/results_version.py (and "
            "say why in its history), then run this again"
        )
    for case, df in frames.items():
        df.to_parquet(folder / f"{case}.parquet")
        if case not in keep_version or case not in versions:
            versions[case] = RESULTS_VERSION
        print(case, df.shape, f"results version {versions[case]}")
    text = json.dumps(dict(sorted(versions.items())), indent=2) + "\n"
    (folder / VERSIONS).write_text(text, encoding="utf-8")
    return list(frames)


if __name__ == "__main__":
    unknown = [c for c in sys.argv[1:] if c not in CASES]
    if unknown:
        print(f"make_golden: error: case {unknown[0]!r} is unknown; allowed: {list(CASES)}",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    try:
        store(sys.argv[1:] or list(CASES))
    except GoldenVersionError as exc:
        print(f"make_golden: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
