"""Regenerate every committed artefact that records the model's results version, in order.

After a change of results (``RESULTS_VERSION`` bumped in ``coprod_sim/results_version.py``),
everything that quotes the model's numbers is stale until made again by the new model:

    .venv/bin/python experiments/regenerate_all.py --list      # each step, stale or not, time
    .venv/bin/python experiments/regenerate_all.py             # every stale step, in order
    .venv/bin/python experiments/regenerate_all.py --only levers_doc --only golden

The order matters: the golden series first (they define the version), then the posteriors
(each study and document draws from them), then what is computed from the posteriors. Times
are estimates for this project's shared 2-core machine (measured on the runs that made the
committed artefacts, or stated as a guess). ``tests/test_results_version.py`` reads ``STEPS``:
it fails for any artefact made by another version, naming the step's command.

Each step lists its artefacts and how each records the version: ``json`` (a
``results_version`` field), ``markdown`` (a ``<!-- results-version: N -->`` line, optionally
between two markers), ``png`` (a text chunk), ``golden`` (``tests/data/golden/versions.json``),
``posterior`` (a ``results_version`` field, current while its rules version is this code's:
``results_version.fit_is_current``, so a change of defaults alone needs no refit).
A step whose ``command`` is None is done by hand (its ``note`` says what to do).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coprod_sim.results_version import (
    KEY,
    RESULTS_VERSION,
    fit_is_current,
    is_current,
    markdown_version,
    png_version,
)

ROOT = Path(__file__).resolve().parents[1]
PY = "python"  # how the commands are shown; run with this interpreter (sys.executable)
STUDIES = ("levers", "combinations", "budget_cuts", "sensitivity", "futures")
#: the cheapest_mix search's time here (experiments/cheapest_mix/report.md records it)
MINUTES_CHEAPEST_MIX = 1.3
SEED_SPREAD = ("<!-- seed_spread table: begin -->", "<!-- seed_spread table: end -->")


@dataclass(frozen=True)
class Artefact:
    """One committed file and how it records the results version."""

    path: str  # relative to the checkout; a glob for figures
    kind: str  # json | posterior | markdown | png | golden
    within: tuple[str, str] | None = None  # markdown: only the text between these markers


@dataclass(frozen=True)
class Step:
    """One regeneration: what it runs, what it writes, about how long it takes here."""

    name: str
    artefacts: tuple[Artefact, ...]
    minutes: float
    command: tuple[str, ...] | None  # None: done by hand (see ``note``)
    note: str = ""
    after: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # further commands

    @property
    def shown(self) -> str:
        """The command as a reader would type it."""
        if self.command is None:
            return f"by hand: {self.note}"
        return " && ".join(" ".join(c) for c in (self.command, *self.after))


def _study(name: str, minutes: float) -> Step:
    out = f"results/{name}-v{RESULTS_VERSION}"
    return Step(
        name=f"study_{name}",
        artefacts=(
            Artefact(f"experiments/{name}/report.md", "markdown"),
            Artefact(f"experiments/{name}/figures/*.png", "png"),
        ),
        minutes=minutes,
        command=(PY, "-m", "coprod_sim", "sweep", f"experiments/{name}/design.toml", "--out", out),
        after=(
            (PY, "-m", "coprod_sim", "report", out),
            (PY, "experiments/regenerate_all.py", "--copy-study", name),
        ),
        note=f"the report and figures are copied from {out} into experiments/{name}/",
    )


STEPS: tuple[Step, ...] = (
    Step(
        "golden",
        (Artefact("tests/data/golden/versions.json", "golden"),),
        1.5,
        (PY, "tests/data/golden/make_golden.py"),
        note="refuses changed series unless RESULTS_VERSION was bumped",
    ),
    *(
        Step(
            f"posterior_{town}",
            (Artefact(f"coprod_sim/data/posterior_{town}.json", "posterior"),),
            minutes,
            (
                PY,
                "-m",
                "coprod_sim",
                "calibrate",
                "--town",
                town,
                "--method",
                "history-matching",
                "--waves",
                "6",
                "--out",
                f"coprod_sim/data/posterior_{town}.json",
                "--overwrite",
            ),  # fmt: skip
            note="history matching at 10,000 residents, as the shipped fit (its file records "
            "its settings: fit.settings); times: the shipped fits here (darlington's beside a "
            "full test run)",
        )
        for town, minutes in (("demo", 31.0), ("reading", 24.0), ("darlington", 47.0))
    ),
    Step(
        "calibration_doc",
        (Artefact("docs/calibration.md", "markdown"), Artefact("docs/calibration/*.png", "png")),
        7.5,
        (PY, "experiments/calibration/report.py"),
        note="all three towns and the lever checks; 7.5 min measured for version 5 (36 min "
        "for version 4 beside the studies and two other jobs)",
    ),
    _study("levers", 1.5),  # times: version 5's runs here
    _study("combinations", 1.2),
    _study("budget_cuts", 1.1),
    _study("sensitivity", 5.2),
    _study("futures", 3.4),
    Step(
        "study_cheapest_mix",
        (
            Artefact("experiments/cheapest_mix/report.md", "markdown"),
            Artefact("experiments/cheapest_mix/figures/*.png", "png"),
        ),
        MINUTES_CHEAPEST_MIX,
        (
            PY,
            "-m",
            "coprod_sim",
            "optimise",
            "experiments/cheapest_mix/design.toml",
            "--out",
            f"results/cheapest_mix-v{RESULTS_VERSION}",
            "--workers",
            "2",
        ),  # fmt: skip
        after=((PY, "experiments/regenerate_all.py", "--copy-study", "cheapest_mix"),),
        note="a lever-mix search (coprod-sim optimise); the report and figure are copied from "
        f"results/cheapest_mix-v{RESULTS_VERSION} into experiments/cheapest_mix/",
    ),
    Step(
        "levers_doc",
        (Artefact("docs/levers.md", "markdown"),),
        3.7,
        (PY, "experiments/lever_evidence.py"),
        note="Darlington at 0.1 scale, 3 years, 3 draws of its shipped posterior x 4 seeds "
        "(180 runs, 5.4 min measured with nothing else running)",
    ),
    Step(
        "readme_seed_spread",
        (Artefact("README.md", "markdown", SEED_SPREAD),),
        0.3,
        (PY, "experiments/regenerate_all.py", "--readme-seed-spread"),
        note="runs experiments/seed_spread.py --town demo --years 5 --seeds 8 --markdown and "
        "puts its output between the README's markers (update the date and commit above it)",
    ),
    Step(
        "dashboard_png",
        (
            Artefact("docs/dashboard.png", "png"),
            Artefact("docs/dashboard_presenter.png", "png"),
            Artefact("docs/dashboard_phone.png", "png"),
            Artefact("docs/dashboard_room.png", "png"),
        ),
        0.6,
        (
            PY,
            "experiments/dashboard_screenshot.py",
            "--out",
            "docs/dashboard.png",
            "--presenter-out",
            "docs/dashboard_presenter.png",
            "--phone-out",
            "docs/dashboard_phone.png",
            "--room-out",
            "docs/dashboard_room.png",
        ),
    ),
    Step(
        "studies_findings",
        (Artefact("experiments/README.md", "markdown"),),
        30.0,
        None,
        note="rewrite the findings in experiments/README.md from the four new reports, then "
        "add (or update) the line `<!-- results-version: N; regenerate: by hand from "
        "experiments/*/report.md -->` with N the new version",
    ),
)


#: Steps left stale on purpose, each with why and what is to be done: an acknowledged debt,
#: not a waiver. ``tests/test_results_version.py`` allows a stale artefact only here, fails for
#: an entry whose artefacts are no longer stale (the ledger cannot outlive the fix), and checks
#: that whatever a pending artefact feeds says so: a stale posterior puts "STALE posterior" in
#: every run's output and report that draws from it; a pending markdown document carries a
#: visible ``**Stale:**`` line.
PENDING: dict[str, str] = {}

STALE_BANNER = "**Stale:**"


# --------------------------------------------------------------------------- checking
def recorded_version(artefact: Artefact, root: Path = ROOT) -> list[tuple[str, object]]:
    """(file, the version it records or None) for each file of ``artefact`` under ``root``;
    a missing file records None."""
    if artefact.kind == "png" and "*" in artefact.path:
        files = sorted(root.glob(artefact.path))
        if not files:
            return [(artefact.path, None)]
        return [(str(p.relative_to(root)), png_version(p)) for p in files]
    path = root / artefact.path
    if not path.is_file():
        return [(artefact.path, None)]
    if artefact.kind == "png":
        return [(artefact.path, png_version(path))]
    text = path.read_text(encoding="utf-8")
    if artefact.kind in ("json", "posterior"):
        return [(artefact.path, json.loads(text).get(KEY))]
    if artefact.kind == "golden":
        made = json.loads(text)
        cases = sorted(made) or ["(none)"]
        return [(f"{artefact.path}:{c}", made.get(c)) for c in cases]
    if artefact.within is not None:
        begin, end = artefact.within
        if begin not in text or end not in text:
            return [(f"{artefact.path} (markers {begin!r} missing)", None)]
        text = text[text.index(begin) : text.index(end)]
    return [(artefact.path, markdown_version(text))]


def stale(root: Path = ROOT, steps: Sequence[Step] = STEPS) -> list[tuple[Step, str, object]]:
    """(step, file, recorded version) of every artefact not made by this results version (a
    posterior: not fitted to these rules)."""
    return [
        (step, name, made)
        for step in steps
        for artefact in step.artefacts
        for name, made in recorded_version(artefact, root)
        if not _current(artefact, name, made)
    ]


def _current(artefact: Artefact, name: str, made: object) -> bool:
    """A posterior, and a golden case run at given world parameters (``..._world``), are
    current while their rules version is this code's; everything else, while its version is."""
    if artefact.kind == "posterior" or (artefact.kind == "golden" and name.endswith("_world")):
        return fit_is_current(made)
    return is_current(made)


def describe_stale(found: list[tuple[Step, str, object]]) -> str:
    """One line per stale step: its files with the version each records (figures of one
    folder counted together), and the command that regenerates them."""
    lines = []
    for step in STEPS:
        files = [(name, made) for s, name, made in found if s is step]
        if not files:
            continue
        shown: dict[str, list[object]] = {}
        for name, made in files:
            key = (
                str(Path(name).parent / "*.png")
                if name.endswith(".png") and "/figures/" in name
                else name
            )
            shown.setdefault(key, []).append(made)
        parts = []
        for key, made in shown.items():
            versions = ", ".join(sorted({str(m) if m is not None else "none" for m in made}))
            count = f"{len(made)} files, " if len(made) > 1 else ""
            parts.append(f"{key} ({count}results version {versions})")
        lines.append(
            f"- {step.name}: {'; '.join(parts)} (code: {RESULTS_VERSION}); regenerate with: "
            f"{step.shown}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- helpers
def copy_study(name: str) -> None:
    """Put a study's new report and figures into experiments/<name>/ (figures replaced whole)."""
    src = ROOT / f"results/{name}-v{RESULTS_VERSION}"
    dest = ROOT / "experiments" / name
    shutil.copy2(src / "report.md", dest / "report.md")
    if (dest / "figures").is_dir():
        shutil.rmtree(dest / "figures")
    shutil.copytree(src / "figures", dest / "figures")


def readme_seed_spread() -> None:
    """Run the seed-spread command the README states and put its output between its markers."""
    args = ["experiments/seed_spread.py", "--town", "demo", "--years", "5", "--seeds", "8",
            "--markdown"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    begin, end = SEED_SPREAD
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{begin}\n{done.stdout.strip()}\n{end}{tail}", encoding="utf-8")


def run_step(step: Step) -> float:
    """Run one step's commands from the checkout's root; returns its minutes."""
    started = time.perf_counter()
    for cmd in (step.command, *step.after):
        assert cmd is not None
        argv = [sys.executable if cmd[0] == PY else cmd[0], *cmd[1:]]
        print(f"$ {' '.join(cmd)}", flush=True)
        subprocess.run(argv, cwd=ROOT, check=True)
    return (time.perf_counter() - started) / 60


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="list the steps; run nothing")
    ap.add_argument("--only", action="append", default=[], help="run only this step (repeat)")
    ap.add_argument("--all", action="store_true", help="run every step, stale or not")
    ap.add_argument("--copy-study", help=argparse.SUPPRESS)
    ap.add_argument("--readme-seed-spread", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.copy_study:
        copy_study(a.copy_study)
        return 0
    if a.readme_seed_spread:
        readme_seed_spread()
        return 0
    names = {s.name for s in STEPS}
    bad = [n for n in a.only if n not in names]
    if bad:
        print(f"regenerate_all: error: --only: value {bad[0]!r} is not a step; allowed: "
              f"{', '.join(sorted(names))}", file=sys.stderr)  # fmt: skip
        return 2
    stale_steps = {step.name for step, _, _ in stale()}
    wanted = (lambda s: s.name in a.only) if a.only else (lambda s: a.all or s.name in stale_steps)
    todo = [s for s in STEPS if wanted(s)]
    total = sum(s.minutes for s in todo)
    print(f"results version {RESULTS_VERSION}: {len(todo)} step(s), about {total:.0f} min here")
    for s in STEPS:
        mark = "stale" if s.name in stale_steps else "current"
        print(f"  {s.name:<20} {mark:<8} ~{s.minutes:>4.1f} min  {s.shown}")
    if a.list:
        return 0
    for s in todo:
        if s.command is None:
            print(f"{s.name}: {s.shown}")
            continue
        print(f"{s.name}: took {run_step(s):.1f} min", flush=True)
    left = stale()
    if left:
        print("still stale:\n" + describe_stale(left))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
