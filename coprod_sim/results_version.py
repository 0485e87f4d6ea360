"""The model's results version: one number that changes whenever what the model computes does.

A committed study, figure, posterior or doc table is only true of the model that made it. Each
records ``RESULTS_VERSION`` when it is written (run records, sweep manifests, posteriors, the
studies' reports, ``docs/levers.md``, ``docs/calibration.md``, the README's seed-spread table,
the golden series), and ``tests/test_results_version.py`` fails for any committed artefact made
by another version, naming the command that regenerates it.

Bump it by hand, in the same commit as the change, whenever a change moves the golden series
(``tests/test_golden.py`` fails until they are regenerated with the new version, and
``tests/data/golden/make_golden.py`` refuses to store changed series under the old one).
``experiments/regenerate_all.py`` then regenerates every versioned artefact in order.

History:

- 1: the model of issue 23 (main at 575f584), the first to be versioned; every artefact made
  before versions existed is treated as stale.
- 2: issue 25 ("Policy conclusions a researcher can cite"): the round's model changes
  (turnover, queues, barriers, posterior-centred defaults, lever effects).
- 3: issue 25 again: a life before the town (``mechanisms/life_history.py``: the survey's
  lifetime "never" and "rarely" count help before a resident's history here began), the
  outcome-side measure ``older_unmet_care_share`` and lever effect parameters fitted to their
  sources.
- 4: issue 25 again: the declared defaults of the seven fitted world parameters moved to the
  centre of the three towns' posteriors (their pooled weighted medians, rounded); no rule
  changed, so the rules version stays 3 (below).
- 5: issue 25 again: the structural fix of the weekly bias. Four recurring volunteer roles meet
  in sessions (``needs.session_hours``: police priority meetings every 8 weeks, school
  governors 4, care-home social events and street patrols 2), and other local organisations
  ask residents to help (mechanism 13, ``mechanisms/local_groups.py``); all three towns
  refitted by history matching with the two local-group parameters fitted too, and the nine
  fitted parameters' defaults at the new posteriors' centre. New rules: rules version 5.

Rules version. A posterior is a distribution over the world parameters it fits, given
everything else: the rules, every other parameter's default and the data files. A change that
moves only the declared defaults of the fitted parameters changes what a run at the defaults
computes (so ``RESULTS_VERSION`` moves) but not what a run at given values of them computes,
and every posterior draw gives them all. ``RULES_OF`` names each results version's rules
version: a posterior fitted at one results version is current at another with the same rules
version (``fit_is_current``). The claim is tested, not trusted: ``tests/test_golden.py``'s
case ``demo_all_v5_world`` runs today's code with version 5's fitted defaults given explicitly
and must equal the series stored by version 5, bit for bit (version 4's claim was checked the
same way against version 3 by ``demo_all_v3_world``, dropped when version 5 changed rules).
Any other change gives a new rules version, and every posterior must be refitted.
"""

from __future__ import annotations

import re
from pathlib import Path

#: bump by hand with any change that moves the golden series (see the module docstring)
RESULTS_VERSION: int = 5

#: each results version's rules version (see the module docstring); add the new version with
#: every bump: its own number unless the change moved only fitted parameters' defaults
RULES_OF: dict[int, int] = {1: 1, 2: 2, 3: 3, 4: 3, 5: 5}

#: the key under which JSON artefacts (run records, manifests, posteriors) keep it
KEY = "results_version"
#: the key of a PNG text chunk that keeps it in a figure
PNG_KEY = "coprod-sim results version"
#: how a markdown artefact keeps it: one HTML comment, invisible when rendered
MARKDOWN = re.compile(r"<!--\s*results-version:\s*([^\s;>]+)")


def markdown_stamp(command: str, version: object = RESULTS_VERSION) -> str:
    """The line a generated markdown document carries: the results version of the runs it
    reports (default: this code's) and how to regenerate it."""
    return f"<!-- results-version: {version}; regenerate: {command} -->"


def markdown_version(text: str) -> str | None:
    """The results version a markdown document records, or None if it records none."""
    found = MARKDOWN.search(text)
    return found.group(1) if found else None


def png_metadata(version: object = RESULTS_VERSION) -> dict[str, str]:
    """Text for a figure's PNG metadata (``matplotlib``'s ``savefig(metadata=...)``): the
    results version of the runs it shows (default: this code's)."""
    return {PNG_KEY: str(version)}


def stamp_png(path: str | Path, version: object = RESULTS_VERSION) -> None:
    """Write a results version (default: this code's) into an existing PNG's text chunks
    (pixels unchanged)."""
    # Pillow (matplotlib's) only when a PNG is stamped or read
    from PIL import Image, PngImagePlugin

    path = Path(path)
    with Image.open(path) as img:
        img.load()
        info = PngImagePlugin.PngInfo()
        for key, value in img.text.items():
            if key != PNG_KEY:
                info.add_text(key, value)
        info.add_text(PNG_KEY, str(version))
        img.save(path, pnginfo=info)


def png_version(path: str | Path) -> str | None:
    """The results version a PNG records, or None if it records none."""
    # Pillow (matplotlib's) only when a PNG is stamped or read
    from PIL import Image

    with Image.open(path) as img:
        return getattr(img, "text", {}).get(PNG_KEY)


def is_current(recorded: object, version: object = None) -> bool:
    """Whether a recorded version is ``version`` (None: this code's, read when called; as
    stored: an int in JSON, text in markdown)."""
    want = RESULTS_VERSION if version is None else version
    return recorded is not None and str(recorded) == str(want)


def rules_version(version: object) -> tuple[str, int] | None:
    """The rules version of a results version (as recorded: int or text); a version that
    ``RULES_OF`` does not declare stands for rules of its own; None if it is no version."""
    try:
        v = int(str(version))
    except ValueError:
        return None
    return ("rules", RULES_OF[v]) if v in RULES_OF else ("results", v)


def fit_is_current(fitted: object, version: object = None) -> bool:
    """Whether a posterior fitted at results version ``fitted`` is current for runs of
    ``version`` (None: this code's): the same version, or the same rules version."""
    want = RESULTS_VERSION if version is None else version
    if fitted is None:
        return False
    rules = rules_version(want)
    return is_current(fitted, want) or (rules is not None and rules_version(fitted) == rules)


def stale_fit_note(fitted: object, runs: object = None, town: str = "TOWN") -> str:
    """'' when a posterior was fitted to the rules of the runs drawing from it;
    else one sentence saying it is stale (runs and reports that draw from it print it)."""
    runs = RESULTS_VERSION if runs is None else runs
    if fit_is_current(fitted, runs):
        return ""
    made = fitted if fitted is not None else "none"
    return (
        f"STALE posterior: fitted to results version {made}, these runs are version {runs}, "
        "so its draws fitted the survey on another model (refit with: coprod-sim calibrate "
        f"--town {town} --overwrite)"
    )
